// The control listener on the wire: several commands per connection, MMM's bare replies (no
// terminator), `quit` closes; a line the parser refuses gets MMM's invalid-command text.
import { expect } from 'chai';
import * as net from 'node:net';
import { HELP_TEXT, nullLogger } from '@mmm/common';
import { startControlServer } from '../../src/control/control-server';
import { Mutex } from '../../src/mutex';
import { FakeHost } from './fake-host';

function exchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let buf = '';
    const t = setTimeout(() => { s.destroy(); reject(new Error('no close within 5 s')); }, 5000);
    s.on('connect', () => s.write(bytes));
    s.on('data', (d) => (buf += d.toString('utf8')));
    s.on('error', reject);
    s.on('close', () => { clearTimeout(t); resolve(buf); });
  });
}

describe('control server (plain socket, role any)', () => {
  it('answers commands in order with bare text and closes on quit', async () => {
    const m = new FakeHost();
    const l = await startControlServer({ config: m.config, host: '127.0.0.1', port: 0, logger: nullLogger, target: m, mutex: new Mutex() });
    try {
      const out = await exchange(l.port, 'ping\nmode\nset_offline db3\nquit\n');
      expect(out).to.equal("OK: Pinged successfully!ACTIVEOK: State of 'db3' changed to ADMIN_OFFLINE. Now you can wait some time and check all roles!");
      expect(await exchange(l.port, 'foo\nquit\n')).to.equal(`Invalid command 'foo'\n\n${HELP_TEXT}`);
      expect(await exchange(l.port, 'quit\n')).to.equal('');
    } finally {
      await l.close();
    }
  });
});

describe('control server while a pass holds the mutex (a slow agent, a planned switch)', () => {
  it('answers ping, show, checks, status_json, mode and help at once; set_offline waits for the pass', async () => {
    const m = new FakeHost();
    const mutex = new Mutex();
    let release!: () => void;
    const pass = mutex.run(() => new Promise<void>((r) => (release = r)));
    const l = await startControlServer({ config: m.config, host: '127.0.0.1', port: 0, logger: nullLogger, target: m, mutex });
    try {
      const read = await exchange(l.port, 'ping\nmode\nshow\nchecks all\nstatus_json\nhelp\nquit\n');
      expect(read).to.include('OK: Pinged successfully!ACTIVE');
      expect(read).to.include('"schemaVersion":1');
      let changed = false;
      const change = exchange(l.port, 'set_offline db3\nquit\n').then((out) => ((changed = true), out));
      await new Promise((r) => setTimeout(r, 200));
      expect(changed, 'set_offline answered while the pass held the mutex').to.equal(false);
      release();
      await pass;
      expect(await change).to.equal("OK: State of 'db3' changed to ADMIN_OFFLINE. Now you can wait some time and check all roles!");
    } finally {
      release();
      await l.close();
    }
  });
});

describe('control server during startup (the mutex held, no state yet)', () => {
  it('status_json waits for startup instead of failing on the missing state', async () => {
    const m = new FakeHost();
    const ready = m.state;
    (m as unknown as { state: unknown }).state = undefined;
    const mutex = new Mutex();
    let release!: () => void;
    const startup = mutex.run(() => new Promise<void>((r) => (release = r)).then(() => void (m.state = ready)));
    const l = await startControlServer({ config: m.config, host: '127.0.0.1', port: 0, logger: nullLogger, target: m, mutex });
    try {
      let answered = false;
      const read = exchange(l.port, 'status_json\nquit\n').then((out) => ((answered = true), out));
      await new Promise((r) => setTimeout(r, 200));
      expect(answered, 'answered before startup set the state').to.equal(false);
      release();
      await startup;
      expect(JSON.parse(await read)).to.include({ schemaVersion: 1 });
    } finally {
      release();
      await l.close();
    }
  });
});
