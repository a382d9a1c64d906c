// Operator commands as pure transitions: (command, state, observations) → reply + new state +
// decisions + actions. The handler (commands/) does the I/O a step asks for — ping an agent, run
// a planned move — and calls the transition again with what it found.
import type { ControlCommand, MmmConfig } from '@mmm/common/pure';
import type { Decision } from '../decision';
import type { SwitchAction } from '../planned-switch';
import type { Action } from '../result';
import type { HostObservation, MonitorState } from '../snapshot';

/** Control commands that change the cluster (the others only read). */
export type OperatorCommand = Extract<ControlCommand, { kind: 'set_online' | 'set_offline' | 'move_role' | 'set_ip' | 'set_active' | 'set_manual' | 'set_passive' | 'ack_failover' }>;
export type OperatorKind = OperatorCommand['kind'];
export type OperatorCommandOf<K extends OperatorKind> = Extract<OperatorCommand, { kind: K }>;

export interface OperatorView {
  config: MmmConfig;
  state: MonitorState;
  now: number;
  /** Checks and agent of each host as the loop sees them. */
  hosts: Record<string, HostObservation>;
  /** Agents the handler pinged for this command: host → answered. */
  pinged: Readonly<Record<string, boolean>>;
}

export interface SwitchOutcomeView {
  ok: boolean;
  /** Why the move failed (ok false). */
  reason?: string;
}

export type OperatorStep =
  /** Ping this agent now, then call the transition again with the answer in `pinged`. */
  | { kind: 'ping'; host: string }
  /** Finished: reply, the new state (undefined: unchanged), what to record and execute. */
  | { kind: 'done'; reply: string; state?: MonitorState; decisions: Decision[]; actions: Action[]; pass: boolean }
  /** Run the planned move (with `state` set first), then call `after` with its outcome and the view after it. */
  | { kind: 'switch'; action: SwitchAction; state?: MonitorState; decisions: Decision[]; after: (o: SwitchOutcomeView, v: OperatorView) => OperatorStep };

export type Transition<K extends OperatorKind> = (cmd: OperatorCommandOf<K>, v: OperatorView) => OperatorStep;

/** A reply that changes nothing. */
export const refuse = (reply: string): OperatorStep => ({ kind: 'done', reply, decisions: [], actions: [], pass: false });

/** The agent answered a ping for this command; undefined: not pinged yet. */
export const pingedAgent = (v: OperatorView, host: string): boolean | undefined => v.pinged[host];
