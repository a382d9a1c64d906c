// The reject path's I/O against the real kernel: real `nft` and `ip` in network namespaces this
// test creates (a switch with a bridge, the old owner A, a client C whose neighbour entry for the
// VIP still names A, as a stale ARP cache does). Root only; skipped, with the reason, elsewhere.
import { expect } from 'chai';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { MemoryLogger } from '@mmm/common/testing';
import { IpVipManager } from '../../src/system/ip';
import { execRunner, netnsInputRunner, netnsRunner } from '../../src/system/exec';
import { Nft, NftError } from '../../src/reject/nft';
import { VipRejector } from '../../src/reject/vip-reject';

const VIP = '10.231.0.100';
const VIP6 = 'fd77:231::100';
const PORT = 3306;
const TABLE = 'mmm_reject_a';

/** A node script run inside a namespace: connects once, prints `connected`, `timeout` or the error code. */
const CONNECT = `
const s = require('net').connect({ host: process.argv[1], port: +process.argv[2], timeout: +process.argv[3] });
s.on('connect', () => { console.log('connected'); s.destroy(); });
s.on('timeout', () => { console.log('timeout'); s.destroy(); });
s.on('error', (e) => console.log(e.code));`;

const LISTEN = `require('net').createServer((c) => { c.on('error', () => {}); c.end(); }).listen(+process.argv[1], '0.0.0.0', () => console.log('listening'));`;

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root (needs ip netns and nft)';
  try {
    execFileSync('nft', ['--version'], { stdio: 'pipe', timeout: 5000 });
  } catch {
    return 'nft is not installed (apt-get install nftables)';
  }
  return undefined;
}

describe('reject path against real nft in network namespaces', function () {
  this.timeout(60_000);
  const id = randomBytes(3).toString('hex');
  const ns = { sw: `rjt-${id}-sw`, a: `rjt-${id}-a`, c: `rjt-${id}-c` };
  const made: string[] = [];
  let listener: ChildProcess | undefined;
  let aMac = '';
  const sh = (...args: string[]) => execFileSync('ip', args, { timeout: 10_000, stdio: 'pipe' }).toString();
  const inNs = (n: string, ...args: string[]) => sh('netns', 'exec', n, ...args);
  const tables = (n: string) => inNs(n, 'nft', 'list', 'tables');
  /** Connect from C; a bound timeout, so a silent drop shows as `timeout`. */
  const connectFromC = (host: string, timeoutMs = 2000) => inNs(ns.c, process.execPath, '-e', CONNECT, host, String(PORT), String(timeoutMs)).trim();
  /** ARP replies C gets for the VIP, as "MAC" strings (upper case). */
  const arpReplies = (ip: string) => {
    let out = '';
    try {
      out = inNs(ns.c, 'arping', '-c', '2', '-w', '3', '-I', 'eth0', ip);
    } catch (e) {
      out = String((e as { stdout?: Buffer }).stdout ?? ''); // exit 1: no reply
    }
    return [...out.matchAll(/reply from \S+ \[([0-9A-F:]+)\]/gi)].map((m) => m[1].toUpperCase());
  };
  const pinToA = (ip: string) => sh('-n', ns.c, 'neigh', 'replace', ip, 'lladdr', aMac, 'dev', 'eth0', 'nud', 'permanent');
  const rejector = (periodMs: number) =>
    new VipRejector({ table: TABLE, port: PORT, periodMs, nft: new Nft({ run: netnsInputRunner(ns.a) }), logger: new MemoryLogger() });

  before(function () {
    const why = skipReason();
    if (why) {
      console.log(`    skipped: ${why}`);
      return this.skip();
    }
    if (!existsSync('/usr/bin/arping')) console.log('    note: arping missing, the ARP check will fail');
    sh('netns', 'add', ns.sw);
    made.push(ns.sw);
    sh('-n', ns.sw, 'link', 'add', 'br0', 'type', 'bridge');
    sh('-n', ns.sw, 'link', 'set', 'br0', 'up');
    for (const [n, host] of [[ns.a, 1], [ns.c, 3]] as const) {
      sh('netns', 'add', n);
      made.push(n);
      const port = `p${host}`;
      sh('-n', n, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', port, 'netns', ns.sw);
      sh('-n', ns.sw, 'link', 'set', port, 'master', 'br0');
      sh('-n', ns.sw, 'link', 'set', port, 'up');
      sh('-n', n, 'link', 'set', 'lo', 'up');
      sh('-n', n, 'addr', 'add', `10.231.0.${host}/24`, 'dev', 'eth0');
      sh('-n', n, 'addr', 'add', `fd77:231::${host}/64`, 'dev', 'eth0', 'nodad');
      sh('-n', n, 'link', 'set', 'eth0', 'up');
    }
    aMac = (JSON.parse(sh('-n', ns.a, '-j', 'link', 'show', 'eth0')) as Array<{ address: string }>)[0].address.toUpperCase();
  });

  after(() => {
    if (listener?.pid) {
      try {
        process.kill(listener.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    for (const n of made.reverse()) sh('netns', 'del', n);
  });

  async function startListener(): Promise<void> {
    listener = spawn('ip', ['netns', 'exec', ns.a, process.execPath, '-e', LISTEN, String(PORT)], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('listener did not start')), 10_000);
      listener!.stdout!.once('data', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  it('rules in while the VIP is still on A change nothing; once it left, C gets a reset (ECONNREFUSED) for IPv4 and IPv6, and no ARP answer from A; after the period the table is gone', async () => {
    await startListener();
    const vips = new IpVipManager({ iface: 'eth0', run: netnsRunner(ns.a, execRunner) });
    await vips.add(VIP);
    await vips.settle();
    expect(connectFromC(VIP)).to.equal('connected');
    expect(arpReplies(VIP)).to.include(aMac); // the ARP check can see A's answers

    const r = rejector(2500);
    await r.start();
    await r.demoting([VIP, VIP6]);
    expect(tables(ns.a)).to.include(`table inet ${TABLE}`);
    expect(connectFromC(VIP)).to.equal('connected'); // fib daddr type != local: the VIP is still A's

    await vips.del(VIP);
    r.left(VIP);
    r.left(VIP6);
    pinToA(VIP); // C's cache still names A, as a client's does right after the move
    pinToA(VIP6);
    expect(connectFromC(VIP)).to.equal('ECONNREFUSED');
    expect(connectFromC(VIP6)).to.equal('ECONNREFUSED');
    expect(inNs(ns.a, 'nft', 'list', 'table', 'inet', TABLE)).to.match(/counter packets [1-9]/);
    sh('-n', ns.c, 'neigh', 'del', VIP, 'dev', 'eth0');
    expect(arpReplies(VIP)).to.deep.equal([]); // A does not answer for an address it gave up

    // The period runs out (real timer): the table goes, and C's SYN is dropped silently again.
    const deadline = Date.now() + 15_000;
    while (tables(ns.a).includes(TABLE)) {
      if (Date.now() > deadline) throw new Error('the reject table is still there 15 s after the window opened');
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(r.open).to.deep.equal([]);
    pinToA(VIP);
    expect(connectFromC(VIP)).to.equal('timeout'); // without the rules: what the reject path fixes
    sh('-n', ns.c, 'neigh', 'del', VIP, 'dev', 'eth0');
  });

  it('a crashed agent leaves its table; the next start removes it and leaves other tables alone', async () => {
    inNs(ns.a, 'nft', 'add', 'table', 'inet', 'someone_else');
    const crashed = rejector(60_000);
    await crashed.demoting([VIP]);
    expect(tables(ns.a)).to.include(TABLE); // never stopped: as after kill -9
    const restarted = rejector(60_000);
    await restarted.start();
    expect(tables(ns.a)).to.not.include(TABLE);
    expect(tables(ns.a)).to.include('table inet someone_else');
    await restarted.start(); // no table: still fine
    await crashed.stop(); // ends its timer; the table is already gone
    inNs(ns.a, 'nft', 'delete', 'table', 'inet', 'someone_else');
  });

  it('nft refusing a script rejects with its message (NftError failed); nft missing is one warning naming the package, never an error', async () => {
    let err: unknown;
    await new Nft({ run: netnsInputRunner(ns.a) }).apply('table inet x {\n  chain c { type filter hook nowhere priority 0; }\n}\n').catch((e) => (err = e));
    expect(err).to.be.instanceOf(NftError);
    expect((err as NftError).reason).to.equal('failed');
    expect((err as NftError).message).to.match(/nowhere|Error/);
    const log = new MemoryLogger();
    const r = new VipRejector({ table: TABLE, port: PORT, periodMs: 1000, nft: new Nft({ bin: 'nft-not-here' }), logger: log });
    await r.start();
    await r.demoting([VIP]);
    await r.stop();
    expect(log.messages('warn')).to.have.length(1);
    expect(log.messages('warn')[0]).to.include('nft-not-here is not installed (Debian package nftables)');
  });
});
