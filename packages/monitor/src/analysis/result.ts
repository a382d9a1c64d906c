// What analyze returns: transitions, the desired role table, every decision (taken or blocked)
// with its reason, and the actions the I/O layer executes.
import type { HostState, Mode, RoleIp } from '@mmm/common';
import type { Diagnosis } from './diagnosis';
import type { MonitorState, RoleAssignment } from './snapshot';

export interface Transition {
  host: string;
  from: HostState;
  to: HostState;
  /** Label of the arrow, e.g. `ONLINE -> HARD_OFFLINE`. */
  arrow: string;
  reason: string;
}

export type DecisionKind =
  | 'transition'
  | 'clear_roles'
  | 'assign_role'
  | 'move_role'
  | 'promote_writer'
  | 'kill_host'
  | 'mode_change'
  | 'freeze';

export interface Decision {
  kind: DecisionKind;
  host?: string;
  role?: string;
  reason: string;
  /** true: the decision was reached but not acted on (mode, flapping, writer safety…). */
  blocked: boolean;
}

export type Action =
  /** Push the desired status to a host (MMM sends to every agent every pass). */
  | { kind: 'set_status'; host: string; state: HostState; roles: RoleIp[]; activeMaster: string }
  /** Planned writer move: demote `from`, wait for GTID on `to`, then promote (DESIGN §5). */
  | { kind: 'switch_writer'; from: string; to: string }
  /** Run kill_host_bin (fencing) for a host whose demotion could not be delivered. */
  | { kind: 'kill_host'; host: string; reason: string }
  /** Write the status file (never in PASSIVE). */
  | { kind: 'persist' };

export interface AnalysisResult {
  state: MonitorState;
  diagnoses: Diagnosis[];
  transitions: Transition[];
  roleAssignments: RoleAssignment[];
  decisions: Decision[];
  actions: Action[];
  mode: Mode;
}
