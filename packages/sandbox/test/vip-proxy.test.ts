// The loopback VIP forwarder on its own: who holds a VIP according to the hook's record (pure), and
// the forwarder routing real TCP connections on loopback to two stand-in "nodes" that greet with
// their name, following add/del lines appended to a record in a temp dir. Bounded waits only.
import { expect } from 'chai';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { portFree, startVipProxy, vipHolders, type VipProxy } from '../src';

describe('loopback VIP forwarder', function () {
  this.timeout(30_000);

  describe('vipHolders (the hook record replayed per VIP)', () => {
    const rec = (...lines: string[]): string => lines.map((l) => `2026-12-04T10:00:00.000Z ${l}\n`).join('');
    const cases: Array<[string, string, Record<string, string>]> = [
      ['nothing recorded', '', {}],
      ['one add', rec('db1 add 127.0.1.5'), { '127.0.1.5': 'db1' }],
      ['add then del', rec('db1 add 127.0.1.5', 'db1 del 127.0.1.5'), {}],
      ['moved: del on the old holder, add on the new', rec('db1 add 127.0.1.5', 'db1 del 127.0.1.5', 'db2 add 127.0.1.5'), { '127.0.1.5': 'db2' }],
      ['two holders at once: the last add wins', rec('db1 add 127.0.1.5', 'db2 add 127.0.1.5'), { '127.0.1.5': 'db2' }],
      ['the last adder lets go: the other still holds it', rec('db1 add 127.0.1.5', 'db2 add 127.0.1.5', 'db2 del 127.0.1.5'), { '127.0.1.5': 'db1' }],
      ['a del by a node that never held it changes nothing', rec('db1 add 127.0.1.5', 'db3 del 127.0.1.5'), { '127.0.1.5': 'db1' }],
      ['several VIPs', rec('db1 add 127.0.1.5', 'db1 add 127.0.1.6', 'db1 del 127.0.1.6', 'db3 add 127.0.1.6'), { '127.0.1.5': 'db1', '127.0.1.6': 'db3' }],
      ['a line still being written (no newline) is ignored', rec('db1 add 127.0.1.5') + '2026-12-04T10:00:01.000Z db1 del 127.0.1.5', { '127.0.1.5': 'db1' }],
      ['malformed lines are ignored', 'garbage\n' + rec('db1 move 127.0.1.5', 'db1 add 127.0.1.5'), { '127.0.1.5': 'db1' }],
    ];
    for (const [what, text, want] of cases) it(what, () => expect(vipHolders(text)).to.deep.equal(want));
  });

  describe('forwarding', () => {
    let dir = '';
    const nodes: Server[] = [];
    const nodePorts: Record<string, number> = {};
    let proxy: VipProxy | undefined;
    const sockets: Socket[] = [];
    const nodeSockets: Record<string, Socket[]> = { db1: [], db2: [] };
    const lines: string[] = [];
    const vip = `127.0.3.${10 + Math.floor(Math.random() * 240)}`;
    let port = 0;
    let events = '';

    const nodeServer = (name: string): Promise<Server> =>
      new Promise((res) => {
        const s = createServer((c) => {
          nodeSockets[name]!.push(c);
          c.write(`${name}\n`);
        });
        s.listen(0, '127.0.0.1', () => res(s));
      });

    /** Connects through the VIP: the greeting, or 'closed' if the forwarder closed it (bounded). */
    const greet = (keep = false): Promise<{ text: string; socket: Socket }> =>
      new Promise((res, rej) => {
        const s = connect({ host: vip, port });
        sockets.push(s);
        let text = '';
        const timer = setTimeout(() => rej(new Error('no greeting or close within 5 s')), 5_000);
        s.on('data', (d) => {
          text += d.toString();
          if (text.endsWith('\n')) {
            clearTimeout(timer);
            if (!keep) s.destroy();
            res({ text: text.trim(), socket: s });
          }
        });
        s.on('error', () => undefined);
        s.on('close', () => {
          clearTimeout(timer);
          res({ text: text.trim() || 'closed', socket: s });
        });
      });

    const closed = (s: Socket, ms = 5_000): Promise<boolean> =>
      new Promise((res) => {
        if (s.destroyed) return res(true);
        const timer = setTimeout(() => res(false), ms);
        s.once('close', () => {
          clearTimeout(timer);
          res(true);
        });
      });

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'mmm-sbx-vipfwd-'));
      events = join(dir, 'vip-events.log');
      writeFileSync(events, '');
      for (const name of ['db1', 'db2']) {
        const s = await nodeServer(name);
        nodes.push(s);
        nodePorts[name] = (s.address() as { port: number }).port;
      }
      // A port free on the VIP (probed with port 0, then released).
      const probe = createServer();
      await new Promise<void>((r) => probe.listen(0, vip, () => r()));
      port = (probe.address() as { port: number }).port;
      await new Promise<void>((r) => probe.close(() => r()));
      proxy = await startVipProxy({
        events,
        port,
        vips: [{ ip: vip, role: 'writer' }],
        nodes: { db1: { host: '127.0.0.1', port: nodePorts.db1! }, db2: { host: '127.0.0.1', port: nodePorts.db2! } },
      }, (l) => lines.push(l));
    });

    after(async () => {
      for (const s of [...sockets, ...Object.values(nodeSockets).flat()]) s.destroy();
      await proxy?.close();
      for (const s of nodes) if (s.listening) s.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const step = (node: string, op: 'add' | 'del'): void => appendFileSync(events, `2026-12-04T10:00:00.000Z ${node} ${op} ${vip}\n`);

    it('listens on the VIP and closes a connection at once while nobody holds it', async () => {
      expect(lines.some((l) => l.startsWith(`listening on ${vip}:${port}`))).to.equal(true);
      expect((await greet()).text).to.equal('closed');
    });

    it('forwards to the holder as soon as its add is recorded (read at accept time)', async () => {
      step('db1', 'add');
      expect((await greet()).text).to.equal('db1');
      expect(proxy!.holders()).to.deep.equal({ [vip]: 'db1' });
    });

    it('when the VIP moves, ends the connections it carried to the old holder; new ones reach the new holder', async () => {
      const kept = await greet(true);
      expect(kept.text).to.equal('db1');
      step('db1', 'del');
      step('db2', 'add');
      expect(await closed(kept.socket), 'old connection closed').to.equal(true);
      expect((await greet()).text).to.equal('db2');
      expect(lines.some((l) => /writer VIP .*: db1 -> (nobody|db2)/.test(l))).to.equal(true);
    });

    it('closes a connection whose holder does not answer (mariadbd down)', async () => {
      const db2 = nodes[1]!;
      for (const c of nodeSockets.db2!) c.destroy();
      await new Promise<void>((r) => db2.close(() => r()));
      expect((await greet()).text).to.equal('closed');
    });

    it('close() releases the port on the VIP', async () => {
      await proxy!.close();
      proxy = undefined;
      expect(await portFree([vip], port)).to.equal(true);
    });
  });
});
