// What a hook is told, as environment variables (pure). One event type for the three hooks.

export type HookEventKind = 'failover' | 'switchover' | 'state_change' | 'role_change' | 'blocked';

export interface HookEvent {
  event: HookEventKind;
  /** The writer before / after (failover, switchover, a change of the writer role; '' when none or not known yet). */
  oldWriter?: string;
  newWriter?: string;
  /** The host the event is about (state_change: that host; role_change: the new owner; blocked: the decision's host). */
  host?: string;
  reason?: string;
  stateFrom?: string;
  stateTo?: string;
  /** `writer(10.0.0.100)` for a role IP, the role name for a failover/switchover. */
  role?: string;
  /** role_change: who held it before ('' = nobody). */
  oldHost?: string;
  /** post_failover_command and failover/switchover notifications: success or failure. */
  result?: 'success' | 'failure';
  /** blocked: the decision's kind (failover, role_assign, fence…). */
  decision?: string;
  /** Epoch ms. */
  at: number;
}

export interface HookContext {
  /** The `@cluster` the monitor was started with ('' for the default configuration). */
  cluster: string;
  /** The HA issue's leadership term; 0 for a single monitor. */
  term: number;
}

/** Every variable is always set (empty when it does not apply), so scripts need no `${X:-}`. */
export function hookEnv(e: HookEvent, c: HookContext): Record<string, string> {
  return {
    MMM_CLUSTER: c.cluster,
    MMM_EVENT: e.event,
    MMM_OLD_WRITER: e.oldWriter ?? '',
    MMM_NEW_WRITER: e.newWriter ?? '',
    MMM_HOST: e.host ?? '',
    MMM_REASON: oneLine(e.reason ?? ''),
    MMM_TERM: String(c.term),
    MMM_STATE_FROM: e.stateFrom ?? '',
    MMM_STATE_TO: e.stateTo ?? '',
    MMM_ROLE: e.role ?? '',
    MMM_OLD_HOST: e.oldHost ?? '',
    MMM_RESULT: e.result ?? '',
    MMM_DECISION: e.decision ?? '',
    MMM_TIME: new Date(e.at).toISOString(),
  };
}

/** Same events are the same key (notify's dedupe); the time is not part of it. */
export function eventKey(e: HookEvent): string {
  return [e.event, e.host, e.oldWriter, e.newWriter, e.stateFrom, e.stateTo, e.role, e.oldHost, e.result, e.decision, e.reason].map((x) => x ?? '').join('|');
}

const oneLine = (s: string): string => s.replace(/[\r\n]+/g, ' ').slice(0, 1000);
