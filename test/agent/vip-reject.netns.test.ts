// The reject path (vip_reject) with the BUILT mmmd_agent in network namespaces and real MariaDB:
// after the writer VIP left db1, a client whose neighbour entry still names db1 (a stale ARP
// cache, pinned here so the test does not depend on when a gratuitous ARP lands) is refused at
// once (ECONNREFUSED), not left to its connect timeout; db1 never answers ARP for the VIP; the
// rules are gone after vip_reject_period and when an agent that crashed during a window starts
// again. Outcomes are asserted, never times.
import { expect } from 'chai';
import { readOnly, run, vipsOf, waitFor, type DbNode } from '@mmm/sandbox';
import { AgentCluster, skipReason } from './harness';

const PERIOD_S = 8;
const TABLE = (host: string) => `mmm_reject_${host}`;
const CONNECT = `
const s = require('net').connect({ host: process.argv[1], port: +process.argv[2], timeout: +process.argv[3] });
s.on('connect', () => { console.log('connected'); s.destroy(); });
s.on('timeout', () => { console.log('timeout'); s.destroy(); });
s.on('error', (e) => console.log(e.code));`;

describe('mmmd_agent vip_reject: a demoted writer refuses connections to the VIP it gave up (netns, real MariaDB)', function () {
  this.timeout(90_000);
  let c: AgentCluster | undefined;
  const cl = (): AgentCluster => {
    if (!c) throw new Error('cluster did not start');
    return c;
  };
  const n = (name: string): DbNode => cl().node(name);
  const ns = (name: string): string => n(name).netns!;
  const status = (name: string, roles: string, master: string) => `SET_STATUS|1|${name}|ONLINE|${roles}|${master}`;
  const writer = () => `writer(${cl().vips.writer})`;
  const ok = async (name: string, line: string) => {
    const r = await cl().send(name, line);
    expect(r.ok, `${line} → ERROR: ${r.message}`).to.equal(true);
  };
  const inNs = async (name: string, cmd: string, args: string[], allowFail = false) =>
    (await run('ip', ['netns', 'exec', ns(name), cmd, ...args], { timeoutMs: 15_000, allowFail })).stdout;
  const tables = (name: string) => inNs(name, 'nft', ['list', 'tables']);
  const mac = async (name: string) =>
    (JSON.parse((await run('ip', ['-n', ns(name), '-j', 'link', 'show', 'eth0'])).stdout) as Array<{ address: string }>)[0].address.toUpperCase();
  /** One connect from db3's namespace to VIP:3306, bounded: `connected`, `timeout` or the error code. */
  const connectFromDb3 = async (timeoutMs = 3000) => (await inNs('db3', process.execPath, ['-e', CONNECT, cl().vips.writer, '3306', String(timeoutMs)])).trim();
  /** db3's neighbour entry for the VIP names `owner` (as a stale ARP cache does), or is dropped. */
  const pinVip = async (owner: string | undefined) => {
    const vip = cl().vips.writer;
    if (owner === undefined) await run('ip', ['-n', ns('db3'), 'neigh', 'del', vip, 'dev', 'eth0'], { allowFail: true });
    else await run('ip', ['-n', ns('db3'), 'neigh', 'replace', vip, 'lladdr', await mac(owner), 'dev', 'eth0', 'nud', 'permanent']);
  };
  /** MACs that answer db3's ARP requests for the VIP. */
  const arpAnswers = async () => {
    const out = await inNs('db3', 'arping', ['-c', '2', '-w', '3', '-I', 'eth0', cl().vips.writer], true);
    return [...out.matchAll(/reply from \S+ \[([0-9A-F:]+)\]/gi)].map((m) => m[1].toUpperCase());
  };

  before(async function () {
    this.timeout(150_000);
    let why = await skipReason();
    if (!why) {
      const nft = await run('nft', ['--version'], { allowFail: true }).catch(() => ({ code: 127 }));
      if (nft.code !== 0) why = 'nft is not installed (apt-get install nftables)';
    }
    if (why) {
      console.log(`      skipping the vip_reject integration test: ${why}`);
      return this.skip();
    }
    c = await AgentCluster.start((l) => console.log(`      ${l}`), { hostDefault: [`vip_reject_period ${PERIOD_S}`] });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && c) {
      for (const name of ['db1', 'db2']) console.log(`      --- ${name} agent log (tail) ---\n${c.logTail(name, 20)}`);
    }
  });

  after(async function () {
    this.timeout(60_000);
    if (c) await pinVip(undefined).catch(() => undefined);
    await c?.stop();
  });

  it('at start no agent has a table; the writer has the VIP and answers through it', async () => {
    for (const name of ['db1', 'db2', 'db3']) expect(await tables(name)).to.not.include('mmm_reject');
    await ok('db1', status('db1', writer(), 'db1'));
    await ok('db2', status('db2', '', 'db1'));
    expect(await vipsOf(n('db1'))).to.deep.equal([cl().vips.writer]);
    await pinVip('db1');
    expect(await connectFromDb3()).to.equal('connected');
  });

  it('demoted db1: its table is in, the VIP is gone from it, a client still sending to db1 gets ECONNREFUSED (a reset), and nobody answers ARP for the VIP', async () => {
    await ok('db1', status('db1', '', 'db2'));
    expect(await readOnly(n('db1'))).to.equal(true);
    expect(await vipsOf(n('db1'))).to.deep.equal([]); // the observer's view: db1 is no owner
    expect(await tables('db1')).to.include(`table inet ${TABLE('db1')}`);
    expect(await connectFromDb3()).to.equal('ECONNREFUSED');
    await pinVip(undefined);
    expect(await arpAnswers()).to.deep.equal([]); // db1 rejects, but does not claim the address
  });

  it('the VIP on db2: db2 alone answers ARP and takes connections; db3 still sending to db1 is refused there, not by db2', async () => {
    await ok('db2', status('db2', writer(), 'db2'));
    expect(await vipsOf(n('db2'))).to.deep.equal([cl().vips.writer]);
    expect(await tables('db2')).to.not.include('mmm_reject'); // the new writer has no rules
    const answers = await arpAnswers();
    expect(answers.length).to.be.greaterThan(0);
    expect(new Set(answers)).to.deep.equal(new Set([await mac('db2')]));
    await pinVip('db1');
    expect(await connectFromDb3()).to.equal('ECONNREFUSED');
    expect(await inNs('db1', 'nft', ['list', 'table', 'inet', TABLE('db1')])).to.match(/counter packets [1-9]/);
    await pinVip('db2');
    expect(await connectFromDb3()).to.equal('connected');
  });

  it(`after vip_reject_period (${PERIOD_S} s) db1's table is gone and a packet sent to db1 is dropped again`, async () => {
    await waitFor(`db1's reject table gone`, async () => !(await tables('db1')).includes(TABLE('db1')), { timeoutMs: (PERIOD_S + 10) * 1000, intervalMs: 250 });
    await pinVip('db1');
    expect(await connectFromDb3()).to.equal('timeout'); // what the reject path is for
    await pinVip(undefined);
  });

  it('an agent killed during a window leaves its table; started again, it removes it before it serves', async () => {
    await ok('db2', status('db2', '', 'db1'));
    expect(await tables('db2')).to.include(TABLE('db2'));
    await cl().killAgent('db2');
    expect(await tables('db2')).to.include(TABLE('db2')); // a crash cleans nothing up
    await cl().startAgent('db2'); // resolves once it answers PING
    expect(await tables('db2')).to.not.include(TABLE('db2'));
    // and the writer comes back to db1 as usual
    await ok('db1', status('db1', writer(), 'db1'));
    await pinVip('db1');
    expect(await connectFromDb3()).to.equal('connected');
    await pinVip(undefined);
  });
});
