// The `status_json` document (DESIGN §3): everything `show`, `checks` and mmm_control's extra lines
// are rendered from. Versioned: add optional keys freely; renaming or removing one bumps the version.
// Times are ISO 8601 UTC strings (`Date.prototype.toISOString()`), or null when unknown/never.
import type { CheckName, HostMode, RoleMode } from '../config/types';
import type { HostState, Mode } from '../model/host-state';
import type { RoleIp } from '../model/role';

export const STATUS_SCHEMA_VERSION = 1;

export interface CheckStatus {
  name: CheckName;
  /** The trapped result MMM acts on (an error only counts after trap_period). */
  ok: boolean;
  /** MMM's check message, e.g. `OK`, `OK: Backlog is null`, `ERROR: Replication is broken`. */
  message: string;
  lastChange: string | null;
}

export interface HostStatus {
  name: string;
  ip: string;
  mode: HostMode;
  state: HostState;
  /** Roles held, as MMM keeps them. */
  roles: RoleIp[];
  stateChangedAt: string | null;
  /** Always ping, mysql, rep_threads, rep_backlog, in that order. */
  checks: CheckStatus[];
  /**
   * Seconds_Behind_Master as the monitor's rep_backlog check last read it; null when unknown: NULL,
   * no replication, or the monitor could not read replication (missing GRANT, host unreachable).
   */
  replicationLagSeconds: number | null;
  agentReachable: boolean;
  /** read_only=0 as last reported by the agent; null when unknown. */
  writable: boolean | null;
  flapping: boolean;
  /** With `durability semisync` only: the host's semi-sync replication as its agent last reported
   *  it; null when unknown (agent unreachable, or it does not report semi-sync). */
  semisync?: SemisyncStatus | null;
  /** The writer lease as the host's agent last reported it (GET_HEALTH); null: unknown (agent
   *  unreachable, or an MMM 2.x agent). Absent from older monitors. */
  lease?: LeaseStatus | null;
  /** The replication threads as the host's agent last reported them (GET_HEALTH); null: unknown or
   *  no replication configured. Absent from older monitors. */
  replication?: ReplicationStatus | null;
}

export interface LeaseStatus {
  held: boolean;
  /** ms until it expires while held; ≤ 0: the agent fenced itself; null: not reported. */
  remainingMs: number | null;
}

export interface ReplicationStatus {
  /** Slave_IO_Running = Yes (connected to its source, not `Connecting`). */
  ioConnected: boolean;
  sqlRunning: boolean;
  /** ms since the last event or heartbeat from the source; null: unknown. */
  lastReceiveAgeMs: number | null;
}

/** A host's semi-sync replication (GET_HEALTH's semisync_* keys); null: that key was not reported. */
export interface SemisyncStatus {
  /** Master (MySQL: source) side enabled. */
  master: boolean | null;
  /** Rpl_semi_sync_master_status: commits wait for a replica's acknowledgement (false: off, or fell back to async). */
  masterStatus: boolean | null;
  /** Semi-sync replicas connected to it. */
  masterClients: number | null;
  /** Commits acknowledged by a replica / committed without one, since mysqld started. */
  masterYesTx: number | null;
  masterNoTx: number | null;
  /** Replica side enabled / its IO thread acknowledges. */
  replica: boolean | null;
  replicaStatus: boolean | null;
}

export interface RoleIpStatus {
  ip: string;
  /** Host name, or '' when orphaned. */
  assignedTo: string;
}

export interface RoleStatus {
  name: string;
  mode: RoleMode;
  /** Hosts that may hold the role, as configured. */
  hosts: string[];
  ips: RoleIpStatus[];
  preferredHost: string | null;
  /** True for the `active_master_role` (the writer). */
  activeMaster: boolean;
  /** Why the role is where it is now (e.g. "preferred host", "failover from db1: HARD_OFFLINE"). */
  reason: string | null;
}

/** The one vocabulary of decisions: analysis, the audit log and status_json all use it. */
export const DECISION_KINDS = [
  'state_change',
  'role_assign',
  'role_move',
  'failover',
  'switchover',
  'mode_change',
  'fence',
  'command',
  'diagnosis',
  /** A run of an operator hook (pre_failover_command, post_failover_command, notify_command). */
  'hook',
] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];

export interface Decision {
  time: string;
  kind: DecisionKind;
  host: string | null;
  role: string | null;
  reason: string;
  /** True when the decision was made but not carried out (and `reason` says why). */
  blocked: boolean;
}

/** A named diagnosis ("what is wrong"), as the monitor's analysis made it in its last pass. */
export interface DiagnosisStatus {
  /** e.g. `HostDown`, `ReplicaDelayed`, `WriterIsolated`, `NoWriter`. */
  code: string;
  /** null for the cluster as a whole. */
  host: string | null;
  description: string;
  /** Evidence specific to this case. */
  detail: string | null;
  /** Since when (unbroken) the diagnosis holds. */
  since: string | null;
}

export interface MoveStatus {
  role: string;
  from: string;
  to: string;
  startedAt: string;
  /** null while still running. */
  durationMs: number | null;
  outcome: 'done' | 'aborted' | 'running';
  reason: string | null;
}

/** The last writer failover and what it is known to have lost (absent from older monitors). */
export interface FailoverStatus {
  from: string;
  to: string;
  at: string;
  /** Chosen by the monitor for a failed writer; false: the operator chose the host, or set_offline started it. */
  automatic: boolean;
  acknowledgedAt: string | null;
  /** While failover_cooldown runs from this failover: its end (an automatic failover before then is blocked); else null. */
  cooldownUntil: string | null;
  /**
   * A lower bound of what was lost: the GTIDs the old writer last reported beyond what the new writer
   * had received (it may have committed more after that report); [] none; null unknown (no GTID positions).
   */
  lostAtLeast: string[] | null;
  lostAtLeastCount: number | null;
  /** When the old writer reported the position `lostAtLeast` starts from. */
  positionAt: string | null;
  /** Once the old writer answered again: the GTIDs it has that the writer lacks (the divergence check); [] none; null not known yet. */
  lostOnReturn: string[] | null;
}

export interface StatusDocument {
  schemaVersion: typeof STATUS_SCHEMA_VERSION;
  generatedAt: string;
  mode: Mode;
  /** Present in passive mode: MMM's passive_info, e.g. `Admin switched to passive mode.` */
  passiveCause: string | null;
  /** Hosts sorted by name. */
  hosts: HostStatus[];
  /** Roles sorted by name. */
  roles: RoleStatus[];
  /** Problems worth an operator's eye (certificate expiry, monitor isolated, …), one sentence each. */
  warnings: string[];
  /** Most recent last, bounded by the monitor. */
  decisions: Decision[];
  /** The current diagnoses, cluster-wide first, then by host (absent from older monitors). */
  diagnoses?: DiagnosisStatus[];
  lastMove: MoveStatus | null;
  /** The cluster's `durability` (absent from older monitors: async). */
  durability?: 'async' | 'semisync';
  /** null: no failover recorded. */
  lastFailover?: FailoverStatus | null;
}
