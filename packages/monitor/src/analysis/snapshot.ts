// Inputs and outputs of the pure decision core. The loop is observe → analyze → act → persist:
// the I/O layer fills a ClusterSnapshot each pass, keeps the MonitorState that analyze returns,
// and executes its actions. All times are milliseconds since the epoch (Clock.now()); config
// durations stay in seconds as MMM writes them and are converted where used.
import type { AgentState, CheckName, HostState, Mode, PrivilegeProblem, RoleIp } from '@mmm/common/pure';
import type { PreFailoverRecord } from './pre-failover-gate';

/** One raw check run (checker line `OK: …`, `ERROR: …`, `UNKNOWN: …`). */
export type CheckStatus = 'OK' | 'ERROR' | 'UNKNOWN';

export interface CheckResult {
  status: CheckStatus;
  message: string;
  /** The monitor account was refused: what to fix (typed, never parsed from `message`). */
  cause?: PrivilegeProblem;
  /** rep_backlog: Seconds_Behind_Master as read (null: NULL or no replication); absent: not read. */
  lagSeconds?: number | null;
  /** mysql only: the TCP connect was refused (RST on the MySQL port). */
  refused?: boolean;
}

/** Named trap states (MMM used -1/-2/-3). */
export type TrapPhase =
  | 'PASSING' // reported OK, no error pending
  | 'TRAPPING' // reported OK, errors seen since errorSince, trap_period not yet reached
  | 'FAILED'; // failure reported

/** Debounced state of one check on one host (what `checks` shows). */
export interface CheckState {
  phase: TrapPhase;
  /** The reported status: true while PASSING or TRAPPING. */
  ok: boolean;
  /** Message of the result that caused the last reported change. */
  message: string;
  /** When the reported status last changed (ms). */
  lastChange: number;
  /** Start of the current uninterrupted run of errors (TRAPPING only). */
  errorSince?: number;
  /** Message of the latest raw result, for display. */
  lastMessage?: string;
  /** Cause of the latest raw result when the monitor account was refused. */
  lastCause?: PrivilegeProblem;
  /** rep_backlog: what the latest raw result read (see CheckResult.lagSeconds). */
  lastLagSeconds?: number | null;
  /**
   * mysql: start of the current uninterrupted run of refused connects (every raw result since was a
   * refused TCP connect). A legacy MMM agent's server counts as dead only on this evidence.
   */
  refusedSince?: number;
}

export type HostChecks = Record<CheckName, CheckState>;

/** A SHOW SLAVE STATUS row reduced to what the checks and the safety analysis read. */
export interface ReplicaStatusRow {
  masterHost: string;
  slaveIoRunning: string; // 'Yes' | 'No' | 'Connecting'
  slaveSqlRunning: string; // 'Yes' | 'No'
  secondsBehindMaster: number | null;
  lastIoError?: string;
  lastSqlError?: string;
}

/** Replication part of a GET_HEALTH reply (the agent looks locally, over the socket). */
export interface ReplicationHealth {
  /** Host name or IP the IO thread points at; when absent, SystemStatus.masterIp is used. */
  masterHost?: string;
  /** IO thread connected to its source (Slave_IO_Running = Yes). */
  ioConnected: boolean;
  sqlRunning: boolean;
  /** Milliseconds since the last event or heartbeat from the source; undefined if unknown. */
  lastReceiveAgeMs?: number;
  secondsBehindMaster: number | null;
  gtidIoPos?: string;
  gtidSlavePos?: string;
}

/** Parsed GET_HEALTH (`key=value,…`): the node's own view of itself. */
export interface HealthSummary {
  mysqldRunning: boolean;
  /** mysqld answers a query on the local socket. */
  answering: boolean;
  readOnly?: boolean;
  /** Writer lease as the agent sees it; remainingMs ≤ 0 means it fenced itself. */
  lease?: { held: boolean; remainingMs?: number };
  replication?: ReplicationHealth;
  /** MariaDB gtid_binlog_state / MySQL gtid_executed: finds transactions the writer lacks. */
  gtidBinlogState?: string;
  /** MariaDB gtid_binlog_pos / MySQL gtid_executed: what this server wrote (or logged) itself. */
  gtidBinlogPos?: string;
  /** MariaDB server_id / MySQL server_uuid. */
  serverId?: string;
  /** Semi-sync replication as the agent reports it (durability semisync only). */
  semisync?: SemisyncHealth;
}

/** GET_HEALTH's semisync_* keys; a key the agent did not send is undefined (unknown). */
export interface SemisyncHealth {
  /** Master (source) side enabled. */
  master?: boolean;
  /** Rpl_semi_sync_master_status: commits wait for a replica (false: off, or fell back to async). */
  masterStatus?: boolean;
  /** Semi-sync replicas connected. */
  masterClients?: number;
  masterYesTx?: number;
  masterNoTx?: number;
  /** Replica side enabled / its IO thread acknowledges. */
  replica?: boolean;
  replicaStatus?: boolean;
}

/** Parsed GET_SYSTEM_STATUS: what is really configured on the node. */
export interface SystemStatus {
  /** read_only = 0; null when the agent could not tell. */
  writable: boolean | null;
  /** Role IPs present on cluster_interface. */
  configuredRoles: RoleIp[];
  /** Master_Host from SHOW SLAVE STATUS ('' when none). */
  masterIp: string;
}

/** Parsed GET_AGENT_STATUS: the agent's in-memory view. */
export interface AgentReportedStatus {
  state: AgentState;
  roles: RoleIp[];
  activeMaster: string;
}

/** Outcome of the last SET_STATUS sent to a host (DESIGN §3: replies tell the truth). */
export interface AppliedStatus {
  at: number;
  ok: boolean;
  state: HostState;
  roles: RoleIp[];
  error?: string;
}

export interface AgentObservation {
  /** The last request this pass got any reply. */
  reachable: boolean;
  /** Last time any reply came (ms). */
  lastContact?: number;
  /** `UP:` seconds of the latest reply. */
  uptime?: number;
  health?: HealthSummary;
  /** When `health` was taken (ms). */
  healthAt?: number;
  system?: SystemStatus;
  /** When `system` was taken (ms). */
  systemAt?: number;
  reported?: AgentReportedStatus;
  lastApplied?: AppliedStatus;
  /**
   * An MMM 2.x agent: it answered one of our extension commands with `Invalid command`. It is sent
   * MMM 2.x commands only; its OK to SET_STATUS proves nothing (MMM agents always answer OK).
   * Forgotten when the agent restarts (re-learned from its next answer).
   */
  legacy?: boolean;
  /** When a restart of the agent was seen (its `UP:` went back, or it reported state UNKNOWN). */
  restartedAt?: number;
  /** When the agent last answered CLEAR_BAD_ROLES with OK (ms). */
  clearedBadRolesAt?: number;
}

export interface HostObservation {
  checks: HostChecks;
  agent: AgentObservation;
  /** Result of kill_host_bin for this host, if it was run. */
  fence?: { at: number; ok: boolean; message?: string };
}

/** What the I/O layer observed this pass. */
export interface ClusterSnapshot {
  /** false when none of ping_ips answered: the monitor itself is cut off. */
  networkOk: boolean;
  hosts: Record<string, HostObservation>;
  /** Outcome of the last automatic planned switch the loop executed (switch_writer action). */
  lastSwitch?: { from: string; to: string; ok: boolean; at: number };
  /** Outcome of the last catch-up the loop executed (catch_up action). */
  lastCatchUp?: { host: string; source: string; ok: boolean; at: number; error?: string };
  /** What pre_failover_command's runs answered (absent: it never ran); gates failovers and switchovers. */
  preFailover?: PreFailoverRecord;
}

/** Flap counter of one host (flapping.ts). */
export interface FlapState {
  flapping: boolean;
  /** Drops from ONLINE counted in the current window. */
  count: number;
  windowStart?: number;
}

/** What the monitor remembers about a host between passes. */
export interface HostMemory {
  state: HostState;
  /** When the host entered `state` (ms). */
  since: number;
  /** Uptime seen while ONLINE (seconds), 0 when never seen (rule (a)). */
  lastUptime: number;
  flap: FlapState;
  /**
   * The last replication lag read for the host (Seconds_Behind_Master, s) and when: after its
   * source died MariaDB may show NULL while relay log is still to be applied (promotion.ts).
   */
  lag?: { seconds: number; at: number };
}

/** One role IP and its owner ('' = orphaned). */
export interface RoleAssignment {
  role: string;
  ip: string;
  host: string;
}

/** Decision memory of the monitor, returned by analyze and fed back next pass. */
export interface MonitorState {
  mode: Mode;
  /** Why PASSIVE was entered (shown by `show`). */
  passiveCause?: string;
  /** When `mode` was entered (WAIT counts wait_for_other_master from here). */
  modeSince: number;
  hosts: Record<string, HostMemory>;
  roles: RoleAssignment[];
  /** Host that last held the active master role and may still be writable ('' = none). */
  lastWriter: string;
  /** Last successful contact with lastWriter's host (monitor check or agent reply), ms. */
  lastWriterContact?: number;
  /** After a failed automatic switch back: host → no new attempt before (ms). */
  switchBackoff?: Record<string, number>;
  /** After a failed catch-up: host → no new attempt before (ms). */
  catchUpBackoff?: Record<string, number>;
  /** Diagnoses present in the last pass, `code@host` → since when (ms). */
  diagnosedSince?: Record<string, number>;
  /** Role IPs each agent may still hold besides its assignment (role-placement.ts), host → IPs. */
  mayHold?: Record<string, string[]>;
  /** The writer's GTID positions as its agent last reported them: the loss report of a failover starts from them. */
  writerPositions?: { host: string; gtids: string[]; at: number };
  /** The last failover (kept in `<status_path>.state.json`): failover_cooldown runs from it. */
  lastFailover?: FailoverRecord;
  /**
   * A host the operator gave the orphaned writer role (move_role): it is promoted as soon as writer
   * safety allows, without the promotion policy, the received-transactions check or the cooldown.
   */
  operatorWriter?: string;
}

/** One failover: who, when, whether it was automatic, and what it is known to have lost. */
export interface FailoverRecord {
  at: number;
  from: string;
  to: string;
  /** Chosen by the analysis for a failed writer (false: the operator chose, or set_offline started it). */
  automatic: boolean;
  /** When `ack_failover` acknowledged it (the cooldown ends). */
  acknowledgedAt?: number;
  /**
   * At least these transactions were lost: what the old writer last reported beyond what the new
   * writer had received (GTID runs); undefined when the positions were unknown.
   */
  lostAtLeast?: string[];
  /** Number of transactions in `lostAtLeast`. */
  lostAtLeastCount?: number;
  /** When the old writer's last position was reported (ms). */
  positionAt?: number;
  /** Once the old writer answered again: the GTIDs it has that the writer lacks (the divergence check); [] = none. */
  lostOnReturn?: string[];
}

/** Knobs not in MmmConfig, with defaults in policy.ts. */
export interface AnalysisPolicy {
  /** Added to writer_lease before a lost writer counts as fenced by its own lease. */
  leaseMarginMs: number;
  /** A replica that heard its source within this bound still receives from it. */
  heartbeatBoundMs: number;
  /** Health older than this is not evidence. */
  healthMaxAgeMs: number;
  /** A peer that became ONLINE this recently does not demote its partner (MMM: 60 s). */
  peerGraceMs: number;
  /** Rule (a): an outage shorter than this (uptime seconds) is a blip (MMM: 60). */
  shortOutageSec: number;
}
