// /metrics through the Monitor class: fake agents (scripted replies, each taking a few ms of a
// fake clock), the monitor's own observe step and check store, real analysis and execution. The
// series exist with their labels and values, and move: a state change, a failover (results and
// phase histograms), a blocked failover, planned moves, agent round trips.
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import type { MetricObjectWithValues, MetricValueWithName } from 'prom-client';
import {
  type AgentHealth, type AgentReply, type AgentRequest, type CheckName, type TlsMaterial, createCa, describeCert, encodeHealth, issueCert, nullLogger,
} from '@mmm/common';
import { FakeClock } from '@mmm/common/testing';
import { AgentSet } from '../../src/agents/agent-set';
import { NOT_FLAPPING } from '../../src/analysis/flapping';
import { planSwitch } from '../../src/analysis/planned-switch';
import { normalizeAssignments } from '../../src/analysis/roles/role-table';
import type { MonitorState } from '../../src/analysis/snapshot';
import { MonitorMetrics, type PassSource } from '../../src/metrics';
import { Monitor } from '../../src/monitor';
import { buildStatusDocument } from '../../src/status/build-status';
import { makeConfig } from '../fixtures';

const T0 = 1_700_000_000_000;
const RTT_MS = 3;

type Values = MetricObjectWithValues<MetricValueWithName<string>>[];

/** The value of one series (histograms: `name` is e.g. `…_count` or `…_sum`); undefined when absent. */
function value(all: Values, name: string, labels: Record<string, string> = {}): number | undefined {
  const base = name.replace(/_(count|sum|bucket)$/, '');
  const m = all.find((x) => x.name === name) ?? all.find((x) => x.name === base);
  const v = m?.values.find((x) => (x.metricName ?? m.name) === name && Object.entries(labels).every(([k, l]) => String(x.labels[k]) === l));
  return v?.value;
}
/** `promtool check metrics` (Debian package prometheus) on an exposition; undefined without promtool. */
function promtoolCheck(text: string): { status: number | null; out: string } | undefined {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return undefined;
  return { status: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}

const seriesOf = (all: Values, name: string): MetricValueWithName<string>[] => all.find((x) => x.name === name)?.values ?? [];

/** A fake agent of ours: GET_HEALTH as scripted, SET_STATUS applied; every reply takes RTT_MS. */
class FakeAgent {
  health: AgentHealth = { mysqld: 'running', answering: true, lease: 'none' };
  state = 'UNKNOWN';
  roles = '';
  gtid = '0-1-42';
  waitOk = true;
  constructor(private readonly clock: FakeClock) {}
  answer(req: AgentRequest): AgentReply {
    this.clock.advance(RTT_MS);
    const ok = (message: string, fields: string[] = []): AgentReply => ({ ok: true, message, fields, uptime: 5000 });
    switch (req.kind) {
      case 'GET_AGENT_STATUS': return ok('Returning status!', [this.state, this.roles, '']);
      case 'GET_HEALTH': return ok('Returning health!', [encodeHealth(this.health)]);
      case 'GET_SYSTEM_STATUS': return ok('Returning status!', [this.health.lease === 'held' ? '1' : '', this.roles, '']);
      case 'GET_GTID': return ok(this.gtid);
      case 'WAIT_GTID': return this.waitOk ? ok('GTID reached') : { ok: false, message: `GTID ${this.gtid} not executed: timeout`, fields: [], uptime: 5000 };
      case 'SET_STATUS':
        this.state = req.state;
        this.roles = req.roles.map((r) => `${r.name}(${r.ip})`).join(',');
        return ok('Status applied successfully!');
      default: return ok('OK');
    }
  }
}

function rig(over: Partial<MonitorState> = {}) {
  const config = makeConfig({}, { clusterName: 'shop' });
  const clock = new FakeClock(T0);
  const fakes: Record<string, FakeAgent> = Object.fromEntries(Object.keys(config.hosts).map((h) => [h, new FakeAgent(clock)]));
  const replica = (): AgentHealth => ({ mysqld: 'running', answering: true, lease: 'none', writable: false, replication: 'configured', ioConnected: true, sqlRunning: true, secondsBehind: 0 });
  fakes.db1.health = { mysqld: 'running', answering: true, lease: 'held', leaseLeftMs: 9000, writable: true };
  for (const h of ['db2', 'db3', 'db4']) fakes[h].health = replica();
  // a real AgentSet (its onReply measures the round trips) over scripted clients
  let monitor!: Monitor;
  const agents = new AgentSet({
    config, clock, logger: nullLogger, material: () => undefined,
    clientFor: (host) => ({ request: async (req: AgentRequest) => fakes[host].answer(req), close: () => undefined, reset: () => undefined }),
    onReply: (host, kind, ms) => monitor.metrics.agentReply(host, kind, ms),
  });
  monitor = new Monitor({ config, logger: nullLogger, clock, agents, auditFile: null });
  const roles = normalizeAssignments(config.roles, [
    { role: 'writer', ip: '10.0.0.100', host: 'db1' },
    { role: 'reader', ip: '10.0.0.101', host: 'db1' },
    { role: 'reader', ip: '10.0.0.102', host: 'db2' },
    { role: 'reader', ip: '10.0.0.103', host: 'db3' },
    { role: 'reader', ip: '10.0.0.104', host: 'db4' },
  ]);
  const online = { state: 'ONLINE' as const, since: T0 - 60_000, lastUptime: 4000, flap: { ...NOT_FLAPPING } };
  monitor.state = { mode: 'ACTIVE', modeSince: 0, roles, lastWriter: 'db1', hosts: { db1: online, db2: online, db3: online, db4: online }, ...over };
  /** One raw result of every check of `host` at the clock's time (`failing` checks say ERROR). */
  const results = (host: string, failing: CheckName[] = []): void => {
    for (const check of ['ping', 'mysql', 'rep_threads', 'rep_backlog'] as CheckName[]) {
      const bad = failing.includes(check);
      monitor.checks.apply({ host, check, status: bad ? 'ERROR' : 'OK', message: bad ? 'ERROR: Connect error' : 'OK', startedAt: clock.now(), finishedAt: clock.now(), ...(check === 'rep_backlog' && host !== 'db1' ? { lagSeconds: 0 } : {}) });
    }
  };
  const allOk = (): void => Object.keys(config.hosts).forEach((h) => results(h));
  const metrics = async (): Promise<Values> => monitor.metrics.registry.getMetricsAsJSON() as Promise<Values>;
  /** db1's mysqld dies: its mysql check errs from now on, its agent reports it stopped after trap_period. */
  const crashDb1 = async (): Promise<void> => {
    const tFirst = clock.now();
    results('db1', ['mysql']);
    await monitor.pass(); // TRAPPING (trap_period 10 s)
    clock.set(tFirst + 10_000);
    results('db1', ['mysql']); // FAILED
    fakes.db1.health = { mysqld: 'stopped', answering: false, lease: 'fenced', writable: false };
    await monitor.pass(); // HARD_OFFLINE; db1 known dead: db2 promoted in this pass
  };
  return { config, clock, fakes, monitor, results, allOk, metrics, crashDb1 };
}

describe('metrics: through the monitor', () => {
  it('every series from the first pass, with the cluster label, the current states and roles, counters at 0', async () => {
    const r = rig();
    r.allOk();
    await r.monitor.pass();
    const m = await r.metrics();
    expect(value(m, 'mmm_up')).to.equal(1);
    expect(value(m, 'mmm_monitor_is_leader', { cluster: 'shop', monitor: '127.0.0.1:9988' })).to.equal(1);
    // every MMM state, 1 for the current one
    expect(seriesOf(m, 'mmm_host_state').filter((v) => v.labels.host === 'db1').map((v) => `${v.labels.state}=${v.value}`)).to.deep.equal([
      'ONLINE=1', 'ADMIN_OFFLINE=0', 'HARD_OFFLINE=0', 'AWAITING_RECOVERY=0', 'REPLICATION_DELAY=0', 'REPLICATION_FAIL=0',
    ]);
    expect(seriesOf(m, 'mmm_host_state').every((v) => v.labels.cluster === 'shop')).to.equal(true);
    expect(value(m, 'mmm_host_role', { host: 'db1', role: 'writer', ip: '10.0.0.100' })).to.equal(1);
    expect(value(m, 'mmm_host_role', { host: 'db2', role: 'writer', ip: '10.0.0.100' })).to.equal(0);
    expect(value(m, 'mmm_host_role', { host: 'db3', role: 'writer' }), 'only hosts of the role').to.equal(undefined);
    expect(value(m, 'mmm_check_ok', { host: 'db3', check: 'rep_threads' })).to.equal(1);
    expect(value(m, 'mmm_mysql_read_only', { host: 'db1' })).to.equal(0);
    expect(value(m, 'mmm_mysql_read_only', { host: 'db2' })).to.equal(1);
    expect(value(m, 'mmm_replication_lag_seconds', { host: 'db3' })).to.equal(0);
    expect(value(m, 'mmm_replication_io_running', { host: 'db3' })).to.equal(1);
    expect(value(m, 'mmm_replication_sql_running', { host: 'db3' })).to.equal(1);
    expect(value(m, 'mmm_replication_io_running', { host: 'db1' }), 'db1 replicates from nobody here').to.equal(undefined);
    const lease = value(m, 'mmm_writer_lease_remaining_seconds', { host: 'db1' })!;
    expect(lease).to.be.within(8.9, 9);
    expect(value(m, 'mmm_fenced', { host: 'db1' })).to.equal(0);
    expect(value(m, 'mmm_monitor_mode', { mode: 'ACTIVE' })).to.equal(1);
    for (const result of ['success', 'blocked', 'failed']) {
      expect(value(m, 'mmm_failovers_total', { cluster: 'shop', result }), result).to.equal(0);
      expect(value(m, 'mmm_switchovers_total', { cluster: 'shop', result }), result).to.equal(0);
    }
    for (const phase of ['detect', 'decide', 'fence', 'promote', 'vip', 'converge']) expect(value(m, 'mmm_failover_phase_seconds_count', { phase }), phase).to.equal(0);
    expect(value(m, 'mmm_switchover_write_block_seconds_count')).to.equal(0);
    expect(value(m, 'mmm_decisions_blocked_total', { reason: 'failover' })).to.equal(0);
    // round trips of the reads of this pass (GET_AGENT_STATUS, GET_HEALTH, GET_SYSTEM_STATUS), none of SET_STATUS
    expect(value(m, 'mmm_agent_rtt_seconds_count', { host: 'db1' })).to.equal(3);
  });

  it('agent round trips by the monitor\'s clock', async () => {
    const r = rig();
    expect(await r.monitor.pingAgent('db3')).to.equal(true);
    expect(await r.monitor.pingAgent('db3')).to.equal(true);
    const m = await r.metrics();
    expect(value(m, 'mmm_agent_rtt_seconds_count', { host: 'db3' })).to.equal(2);
    expect(value(m, 'mmm_agent_rtt_seconds_sum', { host: 'db3' })).to.be.closeTo(2 * RTT_MS / 1000, 1e-9);
    expect(value(m, 'mmm_agent_rtt_seconds_bucket', { host: 'db3', le: '0.0025' })).to.equal(0);
    expect(value(m, 'mmm_agent_rtt_seconds_bucket', { host: 'db3', le: '0.005' })).to.equal(2);
    expect(value(m, 'mmm_agent_rtt_seconds_count', { host: 'db4' }), 'every host\'s series from the start').to.equal(0);
  });

  it('a failover: states and roles move, failovers_total{result="success"} +1, every phase observed once', async () => {
    const r = rig();
    r.allOk();
    await r.monitor.pass();
    r.clock.advance(500);
    const tFirstError = r.clock.now();
    await r.crashDb1();
    const m = await r.metrics();
    expect(r.monitor.currentWriter()).to.equal('db2');
    expect(value(m, 'mmm_host_state', { host: 'db1', state: 'HARD_OFFLINE' })).to.equal(1);
    expect(value(m, 'mmm_host_state', { host: 'db1', state: 'ONLINE' })).to.equal(0);
    expect(value(m, 'mmm_host_role', { host: 'db1', role: 'writer' })).to.equal(0);
    expect(value(m, 'mmm_host_role', { host: 'db2', role: 'writer' })).to.equal(1);
    expect(value(m, 'mmm_check_ok', { host: 'db1', check: 'mysql' })).to.equal(0);
    expect(value(m, 'mmm_fenced', { host: 'db1' }), 'its agent reports the lease fenced').to.equal(1);
    expect(value(m, 'mmm_failovers_total', { result: 'success' })).to.equal(1);
    expect(value(m, 'mmm_failovers_total', { result: 'failed' })).to.equal(0);
    for (const phase of ['detect', 'decide', 'fence', 'promote', 'vip', 'converge']) expect(value(m, 'mmm_failover_phase_seconds_count', { phase }), phase).to.equal(1);
    // detect: from the first mysql error to the pass that took db1 out of ONLINE (trap_period 10 s
    // plus the second pass's own agent round trips)
    const detected = r.monitor.state.hosts.db1.since;
    expect(value(m, 'mmm_failover_phase_seconds_sum', { phase: 'detect' })).to.be.closeTo((detected - tFirstError) / 1000, 1e-9);
    expect(detected - tFirstError).to.be.at.least(10_000);
    // promote: db2's SET_STATUS with the writer role took its round trips on the fake clock
    const promote = value(m, 'mmm_failover_phase_seconds_sum', { phase: 'promote' })!;
    expect(promote).to.be.greaterThan(0);
    expect(value(m, 'mmm_failover_phase_seconds_sum', { phase: 'vip' })).to.be.closeTo(promote, 1e-9); // elected and allowed in the detecting pass
    // a second pass counts nothing more
    r.allOk();
    r.results('db1', ['mysql']);
    await r.monitor.pass();
    expect(value(await r.metrics(), 'mmm_failovers_total', { result: 'success' })).to.equal(1);
  });

  it('promtool check metrics accepts the exposition before and after a failover', async function () {
    const r = rig();
    r.allOk();
    await r.monitor.pass();
    const before = await r.monitor.metrics.registry.metrics();
    const first = promtoolCheck(before);
    if (!first) {
      console.log('      skipping: promtool not found (Debian package prometheus; scripts/setup.sh installs it as root)');
      this.skip();
    }
    expect(first, first.out).to.deep.equal({ status: 0, out: '' });
    r.clock.advance(500);
    await r.crashDb1();
    const after = await r.monitor.metrics.registry.metrics();
    expect(after).to.match(/^mmm_failovers_total\{cluster="shop",result="success"\} 1$/m);
    expect(promtoolCheck(after)).to.deep.equal({ status: 0, out: '' });
    expect(r.monitor.metrics.registry.contentType).to.match(/^text\/plain; version=0\.0\.4/);
  });

  it('a blocked failover (cooldown): failovers_total{result="blocked"} and decisions_blocked_total{reason="role_assign"} move, FailoverCooldown is diagnosed', async () => {
    const r = rig({ lastFailover: { at: T0 - 60_000, from: 'db2', to: 'db1', automatic: true } });
    r.allOk();
    await r.monitor.pass();
    const before = value(await r.metrics(), 'mmm_decisions_blocked_total', { reason: 'role_assign' })!;
    await r.crashDb1();
    const m = await r.metrics();
    expect(r.monitor.currentWriter(), 'nobody promoted').to.not.equal('db2');
    expect(value(m, 'mmm_failovers_total', { result: 'blocked' })).to.equal(1);
    expect(value(m, 'mmm_failovers_total', { result: 'success' })).to.equal(0);
    // the election found nobody: the writer role's assignment is a blocked decision (with the reader
    // role waiting for db1's demotion); the counter is what the audit log recorded
    const recorded = r.monitor.audit.recent().filter((e) => e.blocked && e.kind === 'role_assign');
    expect(recorded.some((e) => e.role === 'writer(10.0.0.100)' && /failover_cooldown/.test(e.reason))).to.equal(true);
    expect(value(m, 'mmm_decisions_blocked_total', { reason: 'role_assign' })).to.equal(recorded.length).and.to.be.greaterThan(before);
    expect(value(m, 'mmm_diagnosis', { code: 'FailoverCooldown' })).to.equal(1);
    expect(value(m, 'mmm_failover_phase_seconds_count', { phase: 'promote' })).to.equal(0);
    // repeated passes while blocked count the failover once
    await r.monitor.pass();
    expect(value(await r.metrics(), 'mmm_failovers_total', { result: 'blocked' })).to.equal(1);
  });

  it('counts a recorded blocked decision by its kind, once', async () => {
    const r = rig();
    r.allOk();
    await r.monitor.pass();
    r.monitor.record({ kind: 'command', reason: 'set_online db4 refused: test', blocked: true });
    await r.monitor.pass();
    await r.monitor.pass();
    expect(value(await r.metrics(), 'mmm_decisions_blocked_total', { reason: 'command' })).to.equal(1);
  });

  it('planned moves: success and failed (aborted after the demotion) with their write block, blocked (refused before anything changed)', async () => {
    const r = rig();
    r.allOk();
    await r.monitor.pass();
    const ok = await r.monitor.runSwitch(planSwitch(r.config, r.monitor.state, 'db1', 'db2', 'test'));
    expect(ok.ok).to.equal(true);
    // demotion, GET_GTID, WAIT_GTID, promotion: 4 round trips of the fake clock
    let m = await r.metrics();
    expect(value(m, 'mmm_switchovers_total', { result: 'success' })).to.equal(1);
    expect(value(m, 'mmm_switchover_write_block_seconds_count')).to.equal(1);
    expect(value(m, 'mmm_switchover_write_block_seconds_sum')).to.be.closeTo(4 * RTT_MS / 1000, 1e-9);

    r.fakes.db1.waitOk = false;
    const aborted = await r.monitor.runSwitch(planSwitch(r.config, r.monitor.state, 'db2', 'db1', 'test'));
    expect(aborted.ok).to.equal(false);
    r.fakes.db1.waitOk = true;
    // db1 has a transaction db2 (the writer) lacks: refused before the writer is touched
    r.fakes.db1.health = { ...r.fakes.db1.health, gtidBinlogState: '0-2-7,0-1-9', serverId: '1' };
    r.fakes.db2.health = { ...r.fakes.db2.health, gtidBinlogState: '0-2-7,0-1-8', serverId: '2' };
    const refused = await r.monitor.runSwitch(planSwitch(r.config, r.monitor.state, 'db2', 'db1', 'test'));
    expect(refused.ok).to.equal(false);
    m = await r.metrics();
    expect([value(m, 'mmm_switchovers_total', { result: 'success' }), value(m, 'mmm_switchovers_total', { result: 'failed' }), value(m, 'mmm_switchovers_total', { result: 'blocked' })]).to.deep.equal([1, 1, 1]);
    expect(value(m, 'mmm_switchover_write_block_seconds_count'), 'the refused move blocked no write').to.equal(2);
  });
});

describe('metrics: refreshed from each pass', () => {
  const T = T0;
  const source = (config: ReturnType<typeof makeConfig>, state: MonitorState, material?: TlsMaterial): PassSource => ({
    config, state, diagnoses: [], audit: { recent: () => [] }, material,
    observations: () => ({}),
    statusDocument: () => buildStatusDocument({ config, state, hosts: {}, warnings: [], decisions: [], lastMove: null, roleReasons: {}, now: T }),
  });
  const h = { state: 'ONLINE' as const, since: T, lastUptime: 0, flap: { ...NOT_FLAPPING } };

  it('a host gone from the status document leaves no series', async () => {
    const config = makeConfig();
    const metrics = new MonitorMetrics(config);
    const state: MonitorState = { mode: 'ACTIVE', modeSince: 0, lastWriter: '', roles: normalizeAssignments(config.roles, []), hosts: { db1: h, db2: h, db3: h, db4: h } };
    metrics.afterPass(source(config, state), T);
    const without = { ...config, hosts: { ...config.hosts } };
    delete without.hosts.db4;
    without.roles = { ...config.roles, reader: { ...config.roles.reader, hosts: ['db1', 'db2', 'db3'] } };
    metrics.afterPass(source(without, { ...state, hosts: { db1: h, db2: h, db3: h } }), T);
    const text = await metrics.registry.metrics();
    expect(text).to.contain('mmm_host_state{cluster="default",host="db3",state="ONLINE"} 1');
    const db4 = text.split('\n').filter((l) => !l.startsWith('mmm_agent_rtt_seconds') && l.includes('"db4"'));
    expect(db4, 'no gauge series of db4').to.deep.equal([]);
  });

  it('the expiry of the monitor\'s certificate and of its CA, by subject', async () => {
    const ca = await createCa({ commonName: 'metrics test CA' });
    const own = await issueCert({ ca, commonName: 'mon1', role: 'monitor', usage: 'both', ips: ['127.0.0.1'] });
    const config = makeConfig();
    const metrics = new MonitorMetrics(config);
    const state: MonitorState = { mode: 'ACTIVE', modeSince: 0, lastWriter: '', roles: normalizeAssignments(config.roles, []), hosts: { db1: h, db2: h, db3: h, db4: h } };
    metrics.afterPass(source(config, state, { cert: own.certPem, key: own.keyPem, ca: ca.certPem }), T);
    const m = (await metrics.registry.getMetricsAsJSON()) as Values;
    expect(seriesOf(m, 'mmm_tls_cert_expiry_timestamp_seconds').map((v) => v.labels.subject).sort()).to.deep.equal(['CN=metrics test CA', 'CN=mon1']);
    expect(value(m, 'mmm_tls_cert_expiry_timestamp_seconds', { subject: 'CN=mon1' })).to.equal(describeCert(own.certPem).notAfter.getTime() / 1000);
    expect(value(m, 'mmm_tls_cert_expiry_timestamp_seconds', { subject: 'CN=metrics test CA' })).to.equal(describeCert(ca.certPem).notAfter.getTime() / 1000);
  });
});
