// Monitor HA end to end (issue 19): two built mmmd_mon with <monitor_ha> on a real 3-member etcd
// (mutual TLS), the built agents and real MariaDB. The leader acts and every agent records its
// term; the follower refuses state changes naming the leader and its `show` says who leads;
// kill -9 of the leader → the follower leads with a higher term and its commands are admitted;
// the old leader restarted follows; a leader stopped (SIGSTOP) past its lease is replaced, and on
// SIGCONT nothing of its old term is admitted any more. From the agents' logs: no agent admitted a
// command of a term below the highest it had admitted before (so no two monitors' state changes
// interleave), and at every step exactly one node is writable.
import { expect } from 'chai';
import { type ChildProcess, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readOnly } from '../../packages/sandbox/src';
import { type Rig, startRig, until } from '../monitor/helpers/rig';
import { type EtcdCluster, etcdAvailable, startEtcdCluster } from './lib/etcd-cluster';

const TTL_S = 2;
const CONTROL_BIN = resolve(__dirname, '../../packages/control/bin/mmm_control.js');
const ADMITTED = /^(\S+Z) mmmd_agent\s+INFO: (SET_STATUS|CLEAR_BAD_ROLES|WAIT_GTID|CATCH_UP) admitted .*\bterm=(\d+) monitor=(\S+)/;

interface Admitted { at: number; kind: string; term: number; monitor: string }

describe('monitor HA with real etcd, agents and MariaDB: one leader acts, a deposed one is refused', function () {
  this.timeout(300_000);
  const missing = etcdAvailable();
  let etcd: EtcdCluster | undefined;
  let rig: Rig | undefined;
  const ports: Record<string, number> = {};
  const confs: Record<string, string> = {};
  const figures: Record<string, string> = {};
  const procs: Record<string, ChildProcess> = {};

  const control = (mon: string, line: string): Promise<string> => rig!.control(line, 10_000, 'control', ports[mon]);
  const show = (mon: string): Promise<string> => control(mon, 'show');
  const admitted = (node: string): Admitted[] =>
    readFileSync(join(rig!.dir, `agent-${node}.log`), 'utf8').split('\n').flatMap((l) => {
      const m = ADMITTED.exec(l);
      return m ? [{ at: Date.parse(m[1]!), kind: m[2]!, term: Number(m[3]), monitor: m[4]! }] : [];
    });
  const nodes = (): string[] => rig!.cluster.nodes.map((n) => n.name);
  const writable = async (): Promise<string[]> => {
    const out: string[] = [];
    for (const n of rig!.cluster.nodes) if (!(await readOnly(n).catch(() => true))) out.push(n.name);
    return out;
  };
  const start = (mon: string): ChildProcess => (procs[mon] = rig!.spawnMonitor(mon, confs[mon]!));
  const leads = async (mon: string): Promise<number | undefined> => {
    const m = new RegExp(`^# Monitor HA: this monitor \\(${mon}\\) leads, term (\\d+)$`, 'm').exec(await show(mon));
    return m ? Number(m[1]) : undefined;
  };

  before(async function () {
    if (missing) {
      console.log(`      skipped: ${missing}`);
      this.skip();
    }
    etcd = await startEtcdCluster({ members: 3, prefix: 'ha-monitor' });
    await etcd.waitHealthy();
    rig = await startRig({ replicas: 1 });
    const base = readFileSync(rig.monitorConf, 'utf8');
    for (const [k, mon] of ['mon1', 'mon2'].entries()) {
      ports[mon] = rig.controlPort + (k === 0 ? 0 : 7);
      const t = await etcd.clientCert(mon, 'monitor');
      confs[mon] = join(rig.dir, `mmm_mon_${mon}.conf`);
      writeFileSync(confs[mon]!, [
        base.replace(/^ {4}port \d+$/m, `    port ${ports[mon]}`).replace(/^ {4}status_path (\S+)$/m, `    status_path $1.${mon}`),
        '<monitor_ha>',
        // mon1 reaches etcd1 only, mon2 the other two: pausing etcd1 cuts mon1 alone from etcd
        `    etcd_endpoints ${(k === 0 ? etcd.endpoints.slice(0, 1) : etcd.endpoints.slice(1)).join(', ')}`,
        `    etcd_ca ${t.caFile}`,
        `    etcd_cert ${t.certFile}`,
        `    etcd_key ${t.keyFile}`,
        `    lease_ttl ${TTL_S}`,
        `    monitor_id ${mon}`,
        `    control_address 127.0.0.1:${ports[mon]}`,
        '</monitor_ha>',
        '',
      ].join('\n'), { mode: 0o600 });
    }
  });

  after(async function () {
    if (this.currentTest?.state === 'failed' && rig) console.log(rig.logTails(30));
    await rig?.stop();
    await etcd?.stop();
    if (Object.keys(figures).length) console.log(`      == monitor HA figures\n${Object.entries(figures).map(([k, v]) => `         ${k}: ${v}`).join('\n')}`);
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && rig) console.log(rig.logTails(40));
  });

  it('mon1 leads and acts (every agent admits its commands with its term); mon2 follows, refuses set_offline naming mon1, and show says so', async () => {
    start('mon1');
    const t1 = await until('mon1 leads', () => leads('mon1'), 30_000);
    for (const h of nodes()) await until(`set_online ${h}`, async () => /^OK: (State of|This host is already ONLINE)/.test(await control('mon1', `set_online ${h}`)));
    await until('db1 the only writable node', async () => (await writable()).join() === 'db1');
    start('mon2');
    await until('mon2 answers as a follower', async () => /^# Monitor HA: mon1 at 127\.0\.0\.1:\d+ leads, term \d+; this monitor \(mon2\) follows/m.test(await show('mon2')));
    expect(await control('mon2', 'set_offline db3')).to.equal(`ERROR: Not the leader: monitor 'mon2' is a follower; the leader is 'mon1' at 127.0.0.1:${ports.mon1} (term ${t1}). Nothing changed; send state changes there.`);
    const s2 = await show('mon2');
    expect(s2).to.match(/^# Monitors: .*mon1 leader at 127\.0\.0\.1:\d+.*mon2 \(this one\) follower/m);
    expect(s2, 'the follower shows the leader\'s host states').to.match(/db3\(127\.[\d.]+\) \S+\/ONLINE/);
    for (const h of nodes()) {
      await until(`${h} admitted a command of term ${t1}`, async () => admitted(h).some((a) => a.term === t1 && a.monitor === 'mon1'));
      const rec = JSON.parse(readFileSync(join(rig!.dir, `${h}.term.json`), 'utf8')) as { term: number; monitor: string; etcdClusterId: string };
      expect(rec).to.include({ term: t1, monitor: 'mon1' });
      expect(rec.etcdClusterId).to.match(/^[0-9a-f]+$/);
    }
    expect(admitted('db1').filter((a) => a.monitor === 'mon2'), 'nothing of the follower').to.deep.equal([]);

    // the real mmm_control, the follower first in its list: redirected by the refusal to mon1
    const t = join(rig!.dir, 'tls');
    const conf = join(rig!.dir, 'mmm_control_ha.conf');
    writeFileSync(conf, ['<monitor>', '    ip 127.0.0.1', `    port ${ports.mon2}`, `    monitor_addresses 127.0.0.1:${ports.mon1}`, '</monitor>', '<socket>', '    type ssl',
      `    client_cert_file ${t}/control.crt`, `    client_key_file ${t}/control.key`, `    ca_file ${t}/ca.crt`, '</socket>', ''].join('\n'), { mode: 0o600 });
    const cli = (...args: string[]) => spawnSync(process.execPath, [CONTROL_BIN, '-c', conf, ...args], { encoding: 'utf8', timeout: 30_000 });
    const off = cli('set_offline', 'db3');
    expect({ out: off.stdout.trim(), rc: off.status }).to.deep.equal({ out: "OK: State of 'db3' changed to ADMIN_OFFLINE. Now you can wait some time and check all roles!", rc: 0 });
    expect(readFileSync(join(rig!.dir, 'mon1.log'), 'utf8')).to.match(/control: set_offline db3 -> OK: State of 'db3' changed to ADMIN_OFFLINE/);
    const on = cli('set_online', 'db3');
    expect(on.status, on.stdout + on.stderr).to.equal(0);
    await until('db3 ONLINE again', async () => /db3\(127\.[\d.]+\) \S+\/ONLINE/.test(await show('mon1')));
    expect(cli('show').stdout, 'show through the follower names the leader').to.match(/^# Monitor HA: mon1 at 127\.0\.0\.1:\d+ leads/m);
  });

  it('kill -9 of the leader: mon2 leads with a higher term within TTL + 2 s, its commands are admitted, the writer keeps writing; mon1 restarted follows', async () => {
    const t1 = Math.max(...admitted('db1').map((a) => a.term));
    const killedAt = Date.now();
    procs.mon1!.kill('SIGKILL');
    const bound = (TTL_S + 2) * 1000;
    await until('an agent admits a command of mon2', async () => nodes().some((h) => admitted(h).some((a) => a.monitor === 'mon2' && a.at >= killedAt)), bound + 2000);
    const first = Math.min(...nodes().flatMap((h) => admitted(h).filter((a) => a.monitor === 'mon2').map((a) => a.at)));
    figures['kill -9 of the leader → first admitted command of the new leader'] = `${first - killedAt} ms (bound ${bound} ms)`;
    expect(first - killedAt).to.be.at.most(bound);
    const t2 = await until('mon2 leads', () => leads('mon2'), 10_000);
    expect(t2).to.be.above(t1);
    expect(await writable()).to.deep.equal(['db1']);
    expect(await control('mon2', 'set_offline db3')).to.match(/^OK: State of 'db3' changed to ADMIN_OFFLINE/);
    expect(await control('mon2', 'set_online db3')).to.match(/^OK: State of 'db3' changed to ONLINE/);
    start('mon1');
    await until('mon1 restarted follows mon2', async () => new RegExp(`^# Monitor HA: mon2 at 127\\.0\\.0\\.1:${ports.mon2} leads, term ${t2}; this monitor \\(mon1\\) follows`, 'm').test(await show('mon1')), 30_000);
    expect(await control('mon1', 'set_offline db3')).to.match(/^ERROR: Not the leader: monitor 'mon1' is a follower; the leader is 'mon2'/);
  });

  it('the leader stopped (SIGSTOP) past its lease: mon1 takes over; on SIGCONT mon2 steps down and nothing of its term is admitted after the new one', async () => {
    const t2 = Math.max(...admitted('db1').map((a) => a.term));
    const stoppedAt = Date.now();
    procs.mon2!.kill('SIGSTOP');
    let t3: number;
    try {
      t3 = await until('mon1 leads', () => leads('mon1'), (TTL_S + 2) * 1000 + 8000);
      figures['SIGSTOP of the leader → the other leads'] = `${Date.now() - stoppedAt} ms (term ${t2} → ${t3})`;
      await until(`db1 admits term ${t3}`, async () => admitted('db1').some((a) => a.term === t3));
    } finally {
      procs.mon2!.kill('SIGCONT');
    }
    const resumedAt = Date.now();
    await until('mon2 follows again', async () => /^# Monitor HA: mon1 at .* leads, term \d+; this monitor \(mon2\) follows/m.test(await show('mon2')), 20_000);
    figures['SIGCONT → mon2 follows'] = `${Date.now() - resumedAt} ms`;
    await new Promise((r) => setTimeout(r, 1500)); // a few passes of both
    expect(t3).to.be.above(t2);
    for (const h of nodes()) {
      const a = admitted(h);
      const firstNew = a.find((x) => x.term === t3)!;
      expect(a.filter((x) => x.at > firstNew.at && x.term < t3), `${h}: a command of an older term admitted after term ${t3}`).to.deep.equal([]);
    }
    expect(await writable()).to.deep.equal(['db1']);
  });

  it('the leader (mon1) cut from etcd only: it stops acting at its deadline, mon2 leads; etcd back: mon1 follows', async () => {
    const t = Math.max(...admitted('db1').map((a) => a.term));
    const cutAt = Date.now();
    etcd!.pause(0);
    let t4: number;
    try {
      t4 = await until('mon2 leads', () => leads('mon2'), (TTL_S + 2) * 1000 + 8000);
      figures['mon1 cut from etcd → mon2 leads'] = `${Date.now() - cutAt} ms (term ${t} → ${t4})`;
      const mon1 = readFileSync(join(rig!.dir, 'mon1.log'), 'utf8');
      const deposed = /^(\S+Z) mmmd_mon\s+WARN: monitor HA: this monitor \(mon1\) no longer leads term \d+ \(deadline passed/m.exec(mon1.slice(mon1.length - 200_000));
      expect(deposed, 'mon1 deposed itself by its own deadline').to.not.equal(null);
      figures['mon1 cut from etcd → it stops acting (its own deadline)'] = `${Date.parse(deposed![1]!) - cutAt} ms`;
      await until(`db1 admits term ${t4}`, async () => admitted('db1').some((a) => a.term === t4 && a.monitor === 'mon2'));
    } finally {
      etcd!.resume(0);
    }
    await until('mon1 follows mon2 once it reaches etcd again', async () => /^# Monitor HA: mon2 at .* leads, term \d+; this monitor \(mon1\) follows/m.test(await show('mon1')), 30_000);
    expect(await writable()).to.deep.equal(['db1']);
  });

  it('etcd loses quorum: nobody acts, show says so, the writer keeps writing (its peer answers); quorum back: exactly one leader with a higher term', async () => {
    const t = Math.max(...admitted('db1').map((a) => a.term));
    const lostAt = Date.now();
    for (const i of [0, 1, 2]) etcd!.pause(i);
    try {
      await until('no monitor leads', async () => !/this monitor \(mon\d\) leads/.test((await show('mon1')) + (await show('mon2'))), (TTL_S + 2) * 1000 + 4000);
      figures['quorum lost → no monitor acts'] = `${Date.now() - lostAt} ms`;
      expect(await control('mon2', 'set_offline db3')).to.match(/^ERROR: Not the leader: monitor 'mon2' is a follower/);
      // each monitor finds etcd unreachable when its own next request fails (a poll every TTL/3)
      await until('mon1 says etcd is unreachable', async () => /^# etcd: UNREACHABLE: .*no monitor can act$/m.test(await show('mon1')), 10_000);
      // writer_lease (3 s) runs out without a leader's status; db2 (its peer) answers: db1 keeps writing
      const end = Date.now() + 3000 + 2500;
      const samples: string[] = [];
      while (Date.now() < end) {
        samples.push((await writable()).join() || '(none)');
        await new Promise((r) => setTimeout(r, 250));
      }
      expect([...new Set(samples)], 'db1 writable throughout, nobody else').to.deep.equal(['db1']);
    } finally {
      for (const i of [0, 1, 2]) etcd!.resume(i);
    }
    const backAt = Date.now();
    const leader = await until('a leader again', async () => {
      const [a, b] = [await leads('mon1'), await leads('mon2')];
      return a !== undefined || b !== undefined ? { a, b } : undefined;
    }, 30_000);
    figures['quorum back → a leader'] = `${Date.now() - backAt} ms`;
    expect(leader.a === undefined || leader.b === undefined, 'exactly one leader').to.equal(true);
    expect((leader.a ?? leader.b)!).to.be.above(t);
    await until('db1 admits the new term', async () => admitted('db1').some((a) => a.term === (leader.a ?? leader.b)));
    expect(await writable()).to.deep.equal(['db1']);
  });

  it('the writer\'s mariadbd killed with the leader: the other monitor leads and fails over to db2; never two writable', async () => {
    const mon = (await leads('mon1')) !== undefined ? 'mon1' : 'mon2';
    const other = mon === 'mon1' ? 'mon2' : 'mon1';
    const t0 = Date.now();
    procs[mon]!.kill('SIGKILL');
    await rig!.cluster.stopNode('db1', { kill: true });
    const seen = new Set<string>();
    await until('db2 the only writable node, promoted by the other monitor', async () => {
      const w = await writable();
      seen.add(w.join() || '(none)');
      return w.join() === 'db2';
    }, (TTL_S + 2) * 1000 + 3000 + 5000 + 5000);
    figures[`kill -9 of ${mon} and db1's mariadbd → db2 writable (by ${other})`] = `${Date.now() - t0} ms`;
    expect([...seen].filter((w) => w.includes(',')), 'never two writable').to.deep.equal([]);
    expect(await leads(other)).to.be.a('number');
    expect(admitted('db2').some((a) => a.monitor === other && a.at >= t0)).to.equal(true);
  });

  it('a monitor without <monitor_ha> against agents that have seen a term: each state change refused, nothing changed', async () => {
    const conf = join(rig!.dir, 'mmm_mon_termless.conf');
    const port = rig!.controlPort + 13;
    writeFileSync(conf, readFileSync(rig!.monitorConf, 'utf8').replace(/^ {4}port \d+$/m, `    port ${port}`).replace(/^ {4}status_path (\S+)$/m, '    status_path $1.termless'), { mode: 0o600 });
    const before = await writable();
    procs.termless = rig!.spawnMonitor('termless', conf);
    await until('an agent refuses the term-less monitor', async () => /SET_STATUS refused: Refused: this agent follows term \d+ \(monitor mon\d\); send SET_TERM first/.test(readFileSync(join(rig!.dir, 'agent-db2.log'), 'utf8')), 30_000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await writable(), 'nothing changed').to.deep.equal(before);
    procs.termless.kill('SIGTERM');
  });

  it('the agents\' logs: at no agent a command of a lower term after a higher one; every admitted command names its term\'s monitor', () => {
    for (const h of nodes()) {
      const a = admitted(h);
      expect(a.length, `${h} admitted commands`).to.be.above(3);
      let highest = 0;
      const owner = new Map<number, string>();
      for (const x of a) {
        expect(x.term, `${h}: term ${x.term} after ${highest} at ${new Date(x.at).toISOString()}`).to.be.at.least(highest);
        highest = x.term;
        expect(owner.get(x.term) ?? x.monitor, `${h}: term ${x.term} from two monitors`).to.equal(x.monitor);
        owner.set(x.term, x.monitor);
      }
      figures[`${h}: terms admitted`] = [...owner.entries()].map(([t, m]) => `${t} (${m})`).join(', ');
    }
  });
});
