// The sandbox's own control client against a plain stand-in monitor: replies are read whole,
// also one JSON line over the 64 KiB agent-protocol line limit (status_json of ~200 hosts).
import { expect } from 'chai';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controlCommand } from '../src';

describe('sandbox controlCommand', function () {
  this.timeout(20_000);
  let dir: string;
  let server: Server;
  const sockets = new Set<Socket>();
  let reply = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mmm-sbctl-'));
    server = createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      let got = '';
      s.on('data', (d) => {
        got += d.toString();
        if (got.includes('quit\n')) s.end(reply); // MMM 2.x: the bare reply, then close
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  const writeConf = (): string => {
    const port = (server.address() as { port: number }).port;
    const f = join(dir, 'mmm_control.conf');
    writeFileSync(f, `<socket>\n  type plain\n</socket>\n<monitor>\n  ip 127.0.0.1\n  port ${port}\n</monitor>\n`);
    chmodSync(f, 0o600);
    return f;
  };

  it('reads a 300 KB one-line reply whole', async () => {
    const doc = { hosts: Array.from({ length: 2000 }, (_, i) => ({ name: `db${i}`, state: 'ONLINE', pad: 'x'.repeat(120) })) };
    reply = JSON.stringify(doc);
    expect(reply.length).to.be.greaterThan(65536 * 4);
    const text = await controlCommand({ config: writeConf() }, 'status_json', 10_000);
    expect(JSON.parse(text)).to.deep.equal(doc);
  });

  it('keeps MMM multi-line replies line by line', async () => {
    reply = '  db1(127.0.0.1) master/ONLINE. Roles: writer(127.0.0.100)\n  db2(127.0.0.2) master/ONLINE. Roles: \n';
    const text = await controlCommand({ config: writeConf() }, 'show', 10_000);
    expect(text).to.equal(reply.slice(0, -1));
  });
});
