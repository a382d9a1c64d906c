// The monitor's /metrics: one prom-client Registry (no process or Node.js default metrics), fed by
// the pass loop (afterPass), the agent client (agentReply) and planned moves (switchover). The
// HTTPS server serves `registry` as it is: { contentType, metrics() }. The per-pass gauges are
// filled when they are read (prom-client `collect`), from what the last pass left: with 200 hosts
// they are ~43,000 series (mmm_host_role alone is role IPs × eligible hosts), and setting them on
// every pass was ~40 % of the monitor's CPU whether anyone scraped or not.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DECISION_KINDS, type MmmConfig, type StatusDocument, type TlsMaterial } from '@mmm/common';
import type { SwitchOutcome } from '../actions/switch-writer';
import type { Diagnosis } from '../analysis/diagnosis';
import type { HostObservation, MonitorState } from '../analysis/snapshot';
import type { AuditEntry } from '../persistence/audit-log';
import { certExpirySamples } from './cert-expiry';
import { FAILOVER_PHASES, type FailoverTrack, RESULTS, initialFailoverTrack, stepFailover } from './failover-phases';
import { type GaugeName, type Sample, gaugeSamples } from './gauges';
import { switchoverResult } from './switchover';

/** What `/metrics` needs of a registry: prom-client's Registry has this shape. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/** What a pass leaves for the metrics: the Monitor satisfies it. */
export interface PassSource {
  readonly config: MmmConfig;
  readonly state: MonitorState;
  readonly diagnoses: readonly Diagnosis[];
  readonly audit: { recent(n?: number): AuditEntry[] };
  readonly material?: TlsMaterial;
  observations(): Record<string, HostObservation>;
  statusDocument(): StatusDocument;
}

/** Agent requests whose reply time is a round trip (SET_STATUS, WAIT_GTID and CATCH_UP do work first). */
const RTT_KINDS = new Set(['PING', 'GET_HEALTH', 'GET_SYSTEM_STATUS', 'GET_AGENT_STATUS', 'GET_GTID', 'CLEAR_BAD_ROLES']);

const RTT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const PHASE_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300];
const BLOCK_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];

const GAUGES: Record<GaugeName, { help: string; labels: string[] }> = {
  mmm_host_state: { help: 'Host state: 1 for the current state, 0 for the others', labels: ['cluster', 'host', 'state'] },
  mmm_host_role: { help: 'Role IP placement: 1 on the host holding it, 0 on the other hosts of the role', labels: ['cluster', 'host', 'role', 'ip'] },
  mmm_mysql_read_only: { help: 'read_only of the host\'s MariaDB as its agent reports it (absent while unknown)', labels: ['cluster', 'host'] },
  mmm_replication_lag_seconds: { help: 'Seconds_Behind_Master as the monitor\'s rep_backlog check last read it (absent while unknown)', labels: ['cluster', 'host'] },
  mmm_replication_io_running: { help: 'Replication IO thread connected to its source, as the host\'s agent reports it', labels: ['cluster', 'host'] },
  mmm_replication_sql_running: { help: 'Replication SQL thread running, as the host\'s agent reports it', labels: ['cluster', 'host'] },
  mmm_check_ok: { help: 'Monitor check status after trap_period: 1 OK, 0 failed', labels: ['cluster', 'host', 'check'] },
  mmm_writer_lease_remaining_seconds: { help: 'Writer lease left on the host, counted down from its agent\'s last report (0: expired or fenced)', labels: ['cluster', 'host'] },
  mmm_fenced: { help: '1 when the host fenced itself (its writer lease ended) or kill_host_bin fenced it', labels: ['cluster', 'host'] },
  mmm_agent_reachable: { help: '1 when the host\'s agent answered the monitor in the last pass', labels: ['cluster', 'host'] },
  mmm_monitor_mode: { help: 'Monitor mode: 1 for the current mode, 0 for the others', labels: ['cluster', 'mode'] },
  mmm_diagnosis: { help: 'A diagnosis of the last pass (host empty for the whole cluster); absent when not diagnosed', labels: ['cluster', 'code', 'host'] },
};

export class MonitorMetrics {
  readonly registry = new Registry();
  readonly cluster: string;
  private readonly gauges = {} as Record<GaugeName, Gauge>;
  private readonly certExpiry: Gauge;
  private readonly failovers: Counter;
  private readonly switchovers: Counter;
  private readonly blocked: Counter;
  private readonly phases: Histogram;
  private readonly writeBlock: Histogram;
  private readonly rtt: Histogram;
  private track: FailoverTrack = initialFailoverTrack;
  private lastEntry?: AuditEntry;
  private certsOf?: TlsMaterial;
  /** What the last pass left for the gauges; `filled` once they hold its samples. */
  private last?: { doc: StatusDocument; hosts: Record<string, HostObservation>; now: number; filled: boolean };

  /** `atCluster`: the `@cluster` mmmd_mon was started with; cluster_name wins, then it, then `default`. */
  constructor(config: MmmConfig, atCluster?: string) {
    const r = [this.registry];
    const cluster = config.monitor?.clusterName ?? (atCluster || 'default');
    this.cluster = cluster;
    const monitor = config.monitor ? `${config.monitor.ip}:${config.monitor.port}` : '';
    new Gauge({ name: 'mmm_up', help: '1 while the monitor runs', registers: r }).set(1);
    // One monitor acts alone today; the HA issue makes this follow the election.
    new Gauge({ name: 'mmm_monitor_is_leader', help: '1 when this monitor is the one acting on the cluster', labelNames: ['cluster', 'monitor'], registers: r }).set({ cluster, monitor }, 1);
    new Gauge({ name: 'mmm_writer_lease_seconds', help: 'writer_lease: how long a writer keeps writing without hearing the monitor', labelNames: ['cluster'], registers: r }).set({ cluster }, config.writerLease);
    const fill = (): void => this.fillGauges();
    for (const [name, g] of Object.entries(GAUGES) as [GaugeName, (typeof GAUGES)[GaugeName]][]) {
      this.gauges[name] = new Gauge({ name, help: g.help, labelNames: g.labels, registers: r, collect: fill });
    }
    this.certExpiry = new Gauge({ name: 'mmm_tls_cert_expiry_timestamp_seconds', help: 'notAfter of the monitor\'s own certificate(s) and of each CA it trusts, in seconds since the epoch', labelNames: ['cluster', 'subject'], registers: r });
    this.failovers = new Counter({ name: 'mmm_failovers_total', help: 'Writer failovers by result: success (promotion confirmed), blocked (the monitor would not fail over by itself), failed (the promotion was refused or not answered)', labelNames: ['cluster', 'result'], registers: r });
    this.switchovers = new Counter({ name: 'mmm_switchovers_total', help: 'Planned writer moves by result: success, blocked (refused before anything changed), failed (aborted after the demotion)', labelNames: ['cluster', 'result'], registers: r });
    this.blocked = new Counter({ name: 'mmm_decisions_blocked_total', help: 'Blocked decisions recorded in the audit log, by decision kind (each recorded once while it repeats)', labelNames: ['cluster', 'reason'], registers: r });
    this.phases = new Histogram({ name: 'mmm_failover_phase_seconds', help: 'Duration of each phase of a successful writer failover', labelNames: ['cluster', 'phase'], buckets: PHASE_BUCKETS, registers: r });
    this.writeBlock = new Histogram({ name: 'mmm_switchover_write_block_seconds', help: 'Planned writer moves: from the old writer\'s demotion to the new writer\'s confirmed promotion (or the restore)', labelNames: ['cluster'], buckets: BLOCK_BUCKETS, registers: r });
    this.rtt = new Histogram({ name: 'mmm_agent_rtt_seconds', help: 'Round trip of the monitor\'s read requests to each agent (PING, GET_HEALTH, GET_SYSTEM_STATUS…), replies only', labelNames: ['cluster', 'host'], buckets: RTT_BUCKETS, registers: r });
    // Every counter and histogram series exists from the start, at 0.
    for (const result of RESULTS) {
      this.failovers.inc({ cluster, result }, 0);
      this.switchovers.inc({ cluster, result }, 0);
    }
    for (const reason of DECISION_KINDS) this.blocked.inc({ cluster, reason }, 0);
    for (const phase of FAILOVER_PHASES) this.phases.zero({ cluster, phase });
    this.writeBlock.zero({ cluster });
    for (const host of Object.keys(config.hosts).sort()) this.rtt.zero({ cluster, host });
  }

  /** Call at the end of every pass, after its actions, with the pass's analysis time. */
  afterPass(m: PassSource, now: number): void {
    const hosts = m.observations();
    this.last = { doc: m.statusDocument(), hosts, now, filled: false };
    if (m.material !== this.certsOf) {
      this.certsOf = m.material;
      set(this.certExpiry, certExpirySamples(m.material, this.cluster));
    }
    const step = stepFailover(this.track, { now, state: m.state, hosts, diagnoses: m.diagnoses, activeMasterRole: m.config.activeMasterRole });
    this.track = step.track;
    for (const result of step.events.results) this.failovers.inc({ cluster: this.cluster, result });
    for (const [phase, s] of step.events.phases) this.phases.observe({ cluster: this.cluster, phase }, s);
    this.countBlocked(m.audit.recent());
  }

  /** The gauges from the last pass, once per pass: the first gauge read fills them all. */
  private fillGauges(): void {
    const l = this.last;
    if (!l || l.filled) return;
    l.filled = true;
    const g = gaugeSamples({ cluster: this.cluster, doc: l.doc, hosts: l.hosts, now: l.now });
    for (const name of Object.keys(g) as GaugeName[]) set(this.gauges[name], g[name]);
  }

  /** One agent reply and how long it took (ms, by the monitor's clock). */
  agentReply(host: string, kind: string, ms: number): void {
    if (RTT_KINDS.has(kind)) this.rtt.observe({ cluster: this.cluster, host }, Math.max(0, ms) / 1000);
  }

  /** A planned move's outcome; returns it unchanged (wraps runSwitch). */
  switchover(out: SwitchOutcome): SwitchOutcome {
    const s = switchoverResult(out);
    this.switchovers.inc({ cluster: this.cluster, result: s.result });
    if (s.writeBlockedSeconds !== undefined) this.writeBlock.observe({ cluster: this.cluster }, s.writeBlockedSeconds);
    return out;
  }

  /** Entries recorded since the last pass (the audit ring, newest last; entries are never copied). */
  private countBlocked(entries: AuditEntry[]): void {
    // after the last one counted; all of them when it is no longer kept (or on the first pass)
    let i = entries.length;
    while (i > 0 && entries[i - 1] !== this.lastEntry) i--;
    for (const e of entries.slice(i)) if (e.blocked) this.blocked.inc({ cluster: this.cluster, reason: e.kind });
    if (entries.length) this.lastEntry = entries[entries.length - 1];
  }
}

/** Replaces a gauge's series with exactly these: nothing stale is left. */
function set(g: Gauge, samples: readonly Sample[]): void {
  g.reset();
  for (const s of samples) g.set(s.labels, s.value);
}
