// What a control command may use of the monitor. Handlers of commands that change the cluster
// run with the loop's mutex held, so they read and change the monitor state directly; a change
// triggers a pass at once. Read-only handlers run without it once startup has set the state.
import type { ControlCommand, MmmConfig, StatusDocument } from '@mmm/common';
import type { HostObservation, MonitorState } from '../analysis/snapshot';
import type { SwitchOutcome } from '../actions/switch-writer';
import type { Recorded } from '../decision-log';

export interface CommandHost {
  readonly config: MmmConfig;
  state: MonitorState;
  now(): number;
  /** Checks and agent view of one host as the loop sees them. */
  observation(host: string): HostObservation;
  /** PING the host's agent now (bounded). */
  pingAgent(host: string): Promise<boolean>;
  statusDocument(): StatusDocument;
  /** `show`'s extra warning lines (TLS reload refused…). */
  showWarnings(): string[];
  switchWriter(from: string, to: string, why: string): Promise<SwitchOutcome>;
  setHostState(host: string, state: MonitorState['hosts'][string]['state'], resetFlap?: boolean): void;
  /** CLEAR_BAD_ROLES + statuses, MMM's cleanup_and_send_status when leaving PASSIVE. */
  cleanupAndSendStatus(): Promise<void>;
  record(d: Recorded): void;
  triggerPass(): void;
}

export type CommandOf<K extends ControlCommand['kind']> = Extract<ControlCommand, { kind: K }>;
export type CommandHandler<K extends ControlCommand['kind']> = (m: CommandHost, cmd: CommandOf<K>) => Promise<string> | string;
