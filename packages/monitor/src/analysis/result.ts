// What analyze returns: transitions, the desired role table, every decision (taken or blocked)
// with its reason, the diagnoses, and the complete, ordered list of actions the loop executes —
// the loop decides nothing of its own.
import type { HostState, Mode, RoleIp } from '@mmm/common/pure';
import type { Decision } from './decision';
import type { Diagnosis } from './diagnosis';
import type { MonitorState, RoleAssignment } from './snapshot';

export type { Decision, DecisionKind } from './decision';

export interface Transition {
  host: string;
  from: HostState;
  to: HostState;
  /** Label of the arrow, e.g. `ONLINE -> HARD_OFFLINE`. */
  arrow: string;
  reason: string;
}

/** The contents of one SET_STATUS. */
export interface StatusLine {
  host: string;
  state: HostState;
  roles: RoleIp[];
  activeMaster: string;
}

/**
 * When a SET_STATUS is sent within the pass. `demote` (hosts that had or may have the writer role)
 * and `writer` start together and are both awaited; `rest` (everyone else, replicas re-pointing
 * included) follows, with a bounded wait, so a lagging replica never holds up the writer.
 */
export type StatusPhase = 'demote' | 'writer' | 'rest';

export type Action =
  /** Run kill_host_bin (fencing) for a host whose demotion could not be delivered. Runs first. */
  | { kind: 'kill_host'; host: string; reason: string }
  /** CLEAR_BAD_ROLES (MMM, on leaving PASSIVE: the agent forgets roles it could not apply). */
  | { kind: 'clear_bad_roles'; host: string }
  /** Forget the result of an earlier kill_host_bin: the host is ONLINE again. */
  | { kind: 'clear_fence'; host: string }
  /**
   * Planned writer move (DESIGN §5): SET_STATUS `demote` to `from`, GET_GTID from it, WAIT_GTID
   * on `to` bounded by switch_timeout, SET_STATUS `promote` to `to`; on any failure `restore` is
   * sent to `from` (after `unpromote` to `to` when its promotion was not confirmed). Nothing else
   * is sent in that pass: the pass that follows at once sends every status from the outcome.
   */
  | { kind: 'switch_writer'; from: string; to: string; why: string; demote: StatusLine; promote: StatusLine; unpromote: StatusLine; restore: StatusLine }
  /**
   * Before a failover promotes `host`, which lacks transactions another host received: its agent
   * replicates from `source` until `gtid` is applied, bounded by `timeoutMs` (CATCH_UP), then
   * from its old source again. Its outcome comes back in the next snapshot (`lastCatchUp`).
   */
  | { kind: 'catch_up'; host: string; source: string; gtid: string; timeoutMs: number; reason: string }
  /**
   * Run pre_failover_command for this attempt, in the background (hooks/pre-failover-gate.ts): the
   * promotion or switch stays blocked; the run's answer comes back in a later snapshot
   * (`preFailover`), and its end triggers a pass.
   */
  | { kind: 'pre_failover'; event: 'failover' | 'switchover'; from: string; to: string; reason: string }
  /** Push the desired status to a host (MMM sends to every agent every pass). */
  | ({ kind: 'set_status'; phase: StatusPhase; nextPassOnSuccess?: boolean } & StatusLine)
  /** Write the status file (never in PASSIVE). */
  | { kind: 'persist' };

export type ActionKind = Action['kind'];

export interface AnalysisResult {
  state: MonitorState;
  diagnoses: Diagnosis[];
  transitions: Transition[];
  roleAssignments: RoleAssignment[];
  decisions: Decision[];
  actions: Action[];
  mode: Mode;
}
