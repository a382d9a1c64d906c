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

/** A control server whose mutex a pass (or startup) holds until release(); `then` runs before it lets go. */
async function serverWithHeldMutex(m: FakeHost, then: () => void = () => undefined) {
  const mutex = new Mutex();
  let release!: () => void;
  const held = mutex.run(() => new Promise<void>((r) => (release = r)).then(then));
  const l = await startControlServer({ config: m.config, host: '127.0.0.1', port: 0, logger: nullLogger, target: m, mutex });
  return {
    port: l.port,
    held,
    release: () => release(),
    close: async () => {
      release();
      await l.close();
    },
  };
}

/** An exchange and whether it has been answered yet. */
function tracked(port: number, bytes: string): { answered: boolean; reply: Promise<string> } {
  const t = { answered: false, reply: Promise.resolve('') };
  t.reply = exchange(port, bytes).then((out) => ((t.answered = true), out));
  return t;
}

describe('control server while a pass holds the mutex (a slow agent, a planned switch)', () => {
  it('answers ping, show, checks, status_json, mode and help at once; set_offline waits for the pass', async () => {
    const srv = await serverWithHeldMutex(new FakeHost());
    try {
      const read = await exchange(srv.port, 'ping\nmode\nshow\nchecks all\nstatus_json\nhelp\nquit\n');
      expect(read).to.include('OK: Pinged successfully!ACTIVE');
      expect(read).to.include('"schemaVersion":1');
      const change = tracked(srv.port, 'set_offline db3\nquit\n');
      await new Promise((r) => setTimeout(r, 200));
      expect(change.answered, 'set_offline answered while the pass held the mutex').to.equal(false);
      srv.release();
      await srv.held;
      expect(await change.reply).to.equal("OK: State of 'db3' changed to ADMIN_OFFLINE. Now you can wait some time and check all roles!");
    } finally {
      await srv.close();
    }
  });
});

describe('control server during startup (the mutex held, no state yet)', () => {
  it('status_json waits for startup instead of failing on the missing state', async () => {
    const m = new FakeHost();
    const ready = m.state;
    (m as unknown as { state: unknown }).state = undefined;
    const srv = await serverWithHeldMutex(m, () => void (m.state = ready));
    try {
      const read = tracked(srv.port, 'status_json\nquit\n');
      await new Promise((r) => setTimeout(r, 200));
      expect(read.answered, 'answered before startup set the state').to.equal(false);
      srv.release();
      await srv.held;
      expect(JSON.parse(await read.reply)).to.include({ schemaVersion: 1 });
    } finally {
      await srv.close();
    }
  });
});
