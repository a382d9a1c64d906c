// What a control command may use of the monitor. Handlers of commands that change the cluster
// run with the loop's mutex held: they compute the pure operator transition
// (analysis/operator/), do the I/O it asks for, and hand its state, decisions and actions back;
// a change triggers a pass at once. Read-only handlers run without it once startup has set the state.
import type { ControlCommand, HistoryDocument, MmmConfig, StatusDocument } from '@mmm/common';
import type { SwitchAction } from '../analysis/planned-switch';
import type { Action } from '../analysis/result';
import type { HostObservation, MonitorState } from '../analysis/snapshot';
import type { SwitchOutcome } from '../actions/switch-writer';
import type { Recorded } from '../decision-log';
import type { PreFailoverAnswer } from '../hooks/hooks';
import type { Attempt } from '../analysis/pre-failover-gate';
import type { HistoryQuery } from '../persistence/history';

export interface CommandHost {
  readonly config: MmmConfig;
  state: MonitorState;
  now(): number;
  /** Checks and agent view of every host as the loop sees them. */
  observations(): Record<string, HostObservation>;
  /** PING the host's agent now (bounded). */
  pingAgent(host: string): Promise<boolean>;
  statusDocument(): StatusDocument;
  /** One page of history from the audit log (bounded; persistence/history-read.ts). */
  history(q: HistoryQuery): Promise<HistoryDocument>;
  /** `show`'s extra warning lines (TLS reload refused…). */
  showWarnings(): string[];
  /** Runs a planned writer move, updating `state` as it goes. */
  runSwitch(a: SwitchAction): Promise<SwitchOutcome>;
  /** Executes actions a transition returned (CLEAR_BAD_ROLES, statuses…). */
  execute(actions: readonly Action[]): Promise<void>;
  record(d: Recorded): void;
  triggerPass(): void;
  /** pre_failover_command for a command that moves the writer, run now (absent: no hooks). */
  preFailover?(a: Attempt): Promise<PreFailoverAnswer>;
  /** Monitor HA: `show`'s lines about the leader and the monitors (absent or empty: a single monitor). */
  haLines?(): string[];
  /** Monitor HA: a follower's answer to a state-changing command (undefined: this monitor acts). */
  notLeaderReply?(): string | undefined;
}

export type CommandOf<K extends ControlCommand['kind']> = Extract<ControlCommand, { kind: K }>;
export type CommandHandler<K extends ControlCommand['kind']> = (m: CommandHost, cmd: CommandOf<K>) => Promise<string> | string;
