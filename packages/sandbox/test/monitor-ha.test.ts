// `mmm_sandbox up --netns --monitors 3` as users run it: the BUILT binary, a real 3-member etcd
// (Debian etcd-server) on mutual TLS, three built mmmd_mon each in its own namespace, the built
// agents and real MariaDB. status --json lists 3 monitors and 3 etcd members with live PIDs in
// distinct namespaces; through the 127.0.0.1 control ports exactly one monitor leads and the others
// name it (and refuse state changes); kill -9 of the leader → another leads within a bound and db1
// stays the only writable node; `down` leaves no PID, namespace, data dir or DIR. Every wait is
// bounded; after() runs down, then stops by PID whatever status listed, also on failure.
import { expect } from 'chai';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import {
  ETCD_INSTALL_HINT, SANDBOX_LEASE_TTL, findEtcd, haControlPort, leaderInShow, listNamespaces, netnsSupport, processAlive, readOnly, sandboxNames, setLink,
  sleep, stopPid,
  type SandboxStatus,
} from '../src';
import { CONTROL_BIN, cleanup, freshDir, node, sandbox, statusJson, type Ran } from './sandbox-cli-helpers';

type Monitor = NonNullable<SandboxStatus['monitors']>[number];

/** Skips the suite, printing why, when it cannot run here (not root, no `ip netns`, no etcd). */
async function skipUnlessRunnable(ctx: Mocha.Context): Promise<void> {
  const ok = await netnsSupport();
  let why = ok === true ? undefined : ok;
  try {
    findEtcd();
  } catch {
    why ??= `etcd missing (${ETCD_INSTALL_HINT})`;
  }
  if (!why) return;
  console.log(`      skipped: ${why}`);
  ctx.skip();
}

describe('mmm_sandbox up --netns --monitors 3 (real etcd, monitors, agents and MariaDB)', function () {
  this.timeout(240_000);
  let dir = '';
  let upRun: Ran | undefined;
  let st: SandboxStatus | undefined;
  let killed: Monitor | undefined;
  let newLeader: Monitor | undefined;
  const seenPids = new Set<number>();
  const figures: Record<string, string> = {};

  const pidsOf = (s: SandboxStatus): number[] => [
    s.monitor.pid, s.monitor_ha?.forwarder?.pid ?? null, ...(s.monitors ?? []).map((m) => m.pid), ...(s.etcd ?? []).map((e) => e.pid),
    ...s.nodes.flatMap((n) => [n.mariadbd_pid, n.agent_pid]),
  ].filter((p): p is number => p !== null);
  const control = (m: Monitor, ...args: string[]): Promise<Ran> => node(CONTROL_BIN, ['-c', st!.control_config, '--monitor', m.control, ...args], 20_000);
  /** What each live monitor's `show` (through its 127.0.0.1 port) says about the leader. */
  const views = async (mons: Monitor[]): Promise<Array<{ id: string; leader: ReturnType<typeof leaderInShow> }>> =>
    Promise.all(mons.map(async (m) => ({ id: m.id, leader: leaderInShow((await control(m, 'show')).stdout) })));
  const writable = async (): Promise<string[]> => {
    const out: string[] = [];
    for (const n of st!.nodes) if (!(await readOnly(n).catch(() => true))) out.push(n.name);
    return out;
  };
  async function until<T>(what: string, probe: () => Promise<T | undefined>, ms: number): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
      await sleep(200);
    }
  }

  before(async function () {
    await skipUnlessRunnable(this);
    dir = freshDir('ha');
    rmSync(dir, { recursive: true, force: true }); // up creates it
    const t0 = Date.now();
    upRun = await sandbox(['up', '--netns', '--monitors', '3', '--dir', dir], 180_000);
    figures['up --netns --monitors 3'] = `${Date.now() - t0} ms`;
    if (upRun.code !== 0) console.log(upRun.stderr);
  });

  after(async function () {
    if (!dir) return;
    if (existsSync(join(dir, 'sandbox.json'))) {
      const s = await statusJson(dir).catch(() => undefined);
      if (s) for (const p of pidsOf(s)) seenPids.add(p);
    }
    await cleanup(dir);
    // anything down missed, by the PIDs status listed (only while their command line names DIR: etcd's names its certificates there)
    await Promise.all([...seenPids].map((p) => stopPid(p, { graceMs: 2_000, mustContain: dir, kill: true })));
    rmSync(`/dev/shm/mmm-${sandboxNames(dir).hash.slice(0, 12)}-etcd`, { recursive: true, force: true });
    console.log(`      == figures\n${Object.entries(figures).map(([k, v]) => `         ${k}: ${v}`).join('\n')}`);
  });

  it('up exits 0 once mon1 leads and every host is ONLINE, and prints the leader\'s `show` and each monitor\'s address', () => {
    const r = upRun!;
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/etcd up: etcd1=\d+ .*etcd3=\d+/);
    expect(r.stderr).to.match(/monitor mon1 leads/);
    expect(r.stderr).to.match(/monitors mon2=\d+ mon3=\d+ follow mon1/);
    expect(r.stdout).to.match(/^# Monitor HA: this monitor \(mon1\) leads, term \d+$/m);
    expect(r.stdout).to.match(/db1\(\S+\) master\/ONLINE\. Roles: .*writer\(/);
    expect(r.stdout).to.match(/^ {2}mon3 {2}control 127\.0\.0\.1:\d+ /m);
    expect(r.stdout).to.match(/--monitor 127\.0\.0\.1:\d+ show/);
  });

  it('status --json: 3 monitors and 3 etcd members with live PIDs in distinct namespaces; `monitor` is mon1', async () => {
    st = await statusJson(dir);
    for (const p of pidsOf(st)) seenPids.add(p);
    const mons = st.monitors!;
    const etcd = st.etcd!;
    expect(mons.map((m) => m.id)).to.deep.equal(['mon1', 'mon2', 'mon3']);
    expect(etcd).to.have.length(3);
    for (const m of mons) {
      expect(m).to.include.all.keys('id', 'pid', 'netns', 'control', 'http');
      expect(processAlive(m.pid!), `${m.id} pid ${m.pid}`).to.equal(true);
      expect(m.control).to.match(/^127\.0\.0\.1:\d+$/);
    }
    for (const e of etcd) {
      expect(e).to.include.all.keys('pid', 'netns', 'endpoint');
      expect(processAlive(e.pid!), `${e.name} pid ${e.pid}`).to.equal(true);
      expect(e.endpoint).to.match(/^https:\/\//);
    }
    expect(new Set(mons.map((m) => m.netns)).size, 'one namespace per monitor').to.equal(3);
    expect(etcd.map((e) => e.netns), 'etcd member K beside monitor K').to.deep.equal(mons.map((m) => m.netns));
    const all = await listNamespaces();
    for (const m of mons) expect(all).to.include(m.netns);
    expect(st.monitor).to.deep.include({ pid: mons[0]!.pid, control: mons[0]!.control, http: mons[0]!.http, config: mons[0]!.config });
    expect(st.monitor_ha).to.include({ lease_ttl: SANDBOX_LEASE_TTL });
    expect(processAlive(st.monitor_ha!.forwarder!.pid)).to.equal(true);
  });

  it('through the 127.0.0.1 control ports exactly one monitor leads and the others name it; a follower refuses set_offline naming the leader, and mmm_control follows it there', async () => {
    const v = await views(st!.monitors!);
    expect(v.filter((x) => x.leader?.self).map((x) => x.id)).to.deep.equal(['mon1']);
    expect(v.map((x) => x.leader?.id)).to.deep.equal(['mon1', 'mon1', 'mon1']);
    // mmm_control given mon3 only: mon3 refuses naming mon1's address, mmm_control re-sends it there
    const r = await control(st!.monitors![2]!, 'set_offline', 'db3');
    expect({ code: r.code, out: r.stdout.trim() }).to.deep.equal({ code: 0, out: "OK: State of 'db3' changed to ADMIN_OFFLINE. Now you can wait some time and check all roles!" });
    expect(readFileSync(join(dir, 'mon3', 'mmmd_mon.log'), 'utf8')).to.match(/control: set_offline db3 -> ERROR: Not the leader: monitor 'mon3' is a follower; the leader is 'mon1' at \S+:9988/);
    expect(readFileSync(join(dir, 'mon1', 'mmmd_mon.log'), 'utf8')).to.match(/control: set_offline db3 -> OK: State of 'db3' changed to ADMIN_OFFLINE/);
    expect((await control(st!.monitors![0]!, 'set_online', 'db3')).stdout).to.match(/^OK: State of 'db3' changed to ONLINE/);
    await until('db3 ONLINE again', async () => (/^ {2}db3\(\S+\) \S+\/ONLINE/m.test((await control(st!.monitors![0]!, 'show')).stdout) ? true : undefined), 15_000);
    expect(await writable()).to.deep.equal(['db1']);
  });

  it('kill -9 of the leader: another monitor leads within lease_ttl + 4 s, the other names it, it acts, and db1 stays the only writable node', async () => {
    killed = st!.monitors![0]!;
    const rest = st!.monitors!.slice(1);
    const t0 = Date.now();
    process.kill(killed.pid!, 'SIGKILL');
    const bound = (SANDBOX_LEASE_TTL + 4) * 1000;
    const leader = await until('a new leader', async () => {
      const v = await views(rest);
      const self = v.filter((x) => x.leader?.self);
      return self.length === 1 && v.every((x) => x.leader?.id === self[0]!.id) ? self[0]!.id : undefined;
    }, bound + 5_000);
    const took = Date.now() - t0;
    figures['kill -9 of the leader → another leads (seen through 127.0.0.1)'] = `${took} ms (bound ${bound} ms)`;
    expect(took).to.be.at.most(bound);
    expect(processAlive(killed.pid!)).to.equal(false);
    const m = rest.find((x) => x.id === leader)!;
    expect((await control(m, 'set_offline', 'db3')).stdout).to.match(/^OK: State of 'db3' changed to ADMIN_OFFLINE/);
    expect((await control(m, 'set_online', 'db3')).stdout).to.match(/^OK: State of 'db3' changed to ONLINE/);
    await until('every host ONLINE at the new leader', async () => {
      const show = (await control(m, 'show')).stdout;
      return ['db1', 'db2', 'db3'].every((h) => new RegExp(`^ {2}${h}\\(\\S+\\) \\S+/ONLINE`, 'm').test(show)) ? true : undefined;
    }, 15_000);
    expect(await writable()).to.deep.equal(['db1']);
    newLeader = m;
  });

  it('the leader cut off with its etcd member (its namespace\'s link down): the remaining monitor leads; link back: the cut one follows', async () => {
    const cut = newLeader!;
    const other = st!.monitors!.slice(1).find((x) => x.id !== cut.id)!;
    const t0 = Date.now();
    await setLink({ name: cut.id, netns: cut.netns, ip: cut.ip }, 'down');
    try {
      await until(`${other.id} leads`, async () => ((await views([other]))[0]!.leader?.self ? true : undefined), 20_000);
      figures[`${cut.id} (leader) cut off with its etcd member → ${other.id} leads`] = `${Date.now() - t0} ms`;
      expect(await writable()).to.deep.equal(['db1']);
    } finally {
      await setLink({ name: cut.id, netns: cut.netns, ip: cut.ip }, 'up');
    }
    await until(`${cut.id} follows ${other.id}`, async () => ((await views([cut]))[0]!.leader?.id === other.id ? true : undefined), 20_000);
  });

  it('down stops every PID, removes the namespaces, the etcd data and DIR', async () => {
    const before = await statusJson(dir);
    const names = sandboxNames(dir);
    const t0 = Date.now();
    const r = await sandbox(['down', '--dir', dir], 90_000);
    figures.down = `${Date.now() - t0} ms`;
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/monitors stopped \(mon1=\d+ mon2=\d+ mon3=\d+\)/);
    expect(r.stderr).to.match(/etcd stopped/);
    const pids = [...new Set([...pidsOf(before), ...seenPids])];
    expect(pids.filter((p) => processAlive(p)), 'PIDs still alive').to.deep.equal([]);
    expect((await listNamespaces()).filter((n) => n.startsWith(`${names.prefix}-`)), 'namespaces left').to.deep.equal([]);
    for (const e of before.etcd!) expect(existsSync(e.data_dir), e.data_dir).to.equal(false);
    expect(existsSync(dir), 'DIR left').to.equal(false);
  });
});

describe('mmm_sandbox up --netns --monitors 3 that fails: a forwarded port taken', function () {
  this.timeout(120_000);
  let dir = '';
  let holder: Server | undefined;

  before(async function () {
    await skipUnlessRunnable(this);
    dir = freshDir('ha-fail');
    rmSync(dir, { recursive: true, force: true });
  });

  after(async () => {
    await new Promise<void>((r) => (holder?.listening ? holder.close(() => r()) : r()));
    if (dir) await cleanup(dir);
  });

  it('cleans up every monitor, etcd member, namespace and data dir, and says what failed with the forwarder\'s log', async () => {
    const names = sandboxNames(dir);
    holder = createServer();
    await new Promise<void>((resolve, reject) => {
      holder!.once('error', reject);
      holder!.listen({ host: '127.0.0.1', port: haControlPort(names, 2), exclusive: true }, () => resolve());
    });
    const r = await sandbox(['up', '--netns', '--monitors', '3', '--dir', dir], 100_000);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/up failed: monitor forwarder exited with status 1/);
    expect(r.stderr).to.include(`last lines of ${join(dir, 'monitor-forward.log')}`);
    expect(r.stderr).to.match(/EADDRINUSE.*127\.0\.0\.1:\d+/);
    const pids = [...r.stderr.matchAll(/(?:etcd\d|db\d)=(\d+)/g)].map((m) => Number(m[1]));
    expect(pids.length, 'the PIDs up reported').to.be.at.least(6);
    expect(pids.filter((p) => processAlive(p)), 'PIDs still alive').to.deep.equal([]);
    expect((await listNamespaces()).filter((n) => n.startsWith(`${names.prefix}-`)), 'namespaces left').to.deep.equal([]);
    expect(existsSync(`/dev/shm/mmm-${names.hash.slice(0, 12)}-etcd`), 'etcd data left').to.equal(false);
    expect(existsSync(dir), 'DIR left').to.equal(false);
  });
});

describe('mmm_sandbox up --monitors: usage', () => {
  it('--monitors 3 without --netns is a usage error (exit 2) that starts nothing', async () => {
    const dir = freshDir('ha-usage');
    rmSync(dir, { recursive: true, force: true });
    const r = await sandbox(['up', '--monitors', '3', '--dir', dir], 30_000);
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/--monitors 3 needs --netns/);
    expect(existsSync(dir)).to.equal(false);
    const bad = await sandbox(['up', '--netns', '--monitors', 'x', '--dir', dir], 30_000);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.match(/--monitors: a whole number from 1 to 9/);
  });
});
