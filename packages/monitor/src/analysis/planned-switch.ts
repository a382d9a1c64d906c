// The planned writer move (DESIGN §5), as data: the exact SET_STATUS lines the executor sends
// (demote, promote, and on failure unpromote + restore) and the state at each step. Used by the
// automatic switch back to the preferred host and by move_role.
import type { MmmConfig } from '@mmm/common/pure';
import type { Action, Decision, StatusLine } from './result';
import { rolesOf } from './roles/role-table';
import type { ClusterSnapshot, HostMemory, MonitorState, RoleAssignment } from './snapshot';
import { type Attempt, type Verdict, gateSettings, preFailoverVerdict } from './pre-failover-gate';

export type SwitchAction = Extract<Action, { kind: 'switch_writer' }>;

/** A planned move that failed is not retried automatically for this long. */
export const AUTO_SWITCH_BACKOFF_MS = 30_000;

export function withWriter(roles: readonly RoleAssignment[], activeMasterRole: string, host: string): RoleAssignment[] {
  return roles.map((a) => (a.role === activeMasterRole ? { ...a, host } : a));
}

/** The move of the writer role from `from` to `to`, computed on `state` (writer on `from`). */
export function planSwitch(config: MmmConfig, state: Pick<MonitorState, 'hosts' | 'roles'>, from: string, to: string, why: string): SwitchAction {
  const am = config.activeMasterRole;
  const line = (host: string, writer: string, activeMaster: string): StatusLine => ({
    host,
    state: state.hosts[host]?.state ?? 'ONLINE',
    roles: rolesOf(withWriter(state.roles, am, writer), host),
    activeMaster,
  });
  return {
    kind: 'switch_writer',
    from,
    to,
    why,
    demote: line(from, '', ''),
    promote: line(to, to, to),
    unpromote: line(to, '', ''),
    restore: line(from, from, from),
  };
}

/** The monitor state while the move runs: nobody holds the writer role (from may still be writable). */
export function duringSwitch(state: MonitorState, config: MmmConfig, a: SwitchAction): MonitorState {
  return { ...state, roles: withWriter(state.roles, config.activeMasterRole, ''), lastWriter: a.from };
}

/** The monitor state once the move is over: the writer on `to` (ok) or back on `from`. */
export function afterSwitch(state: MonitorState, config: MmmConfig, a: SwitchAction, ok: boolean, now: number): MonitorState {
  const writer = ok ? a.to : a.from;
  return { ...state, roles: withWriter(state.roles, config.activeMasterRole, writer), lastWriter: writer, lastWriterContact: now };
}

/** The backoff after failed automatic moves: host → not before (ms); expired entries dropped. */
export function stepBackoff(previous: Readonly<Record<string, number>> | undefined, last: ClusterSnapshot['lastSwitch'], now: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [h, until] of Object.entries(previous ?? {})) if (until > now) out[h] = until;
  if (last && !last.ok) {
    const until = last.at + AUTO_SWITCH_BACKOFF_MS;
    if (until > now) out[last.to] = Math.max(out[last.to] ?? 0, until);
  }
  return out;
}

export interface SwitchBack {
  /** The role table with the writer still on `from` (the move, if any, changes it). */
  table: RoleAssignment[];
  action?: SwitchAction;
  decision: Decision;
  /** pre_failover_command holds the move (its verdict), or asks to run (`run` also gives `hookAction`). */
  preFailover?: { attempt: Attempt; verdict: Verdict };
  hookAction?: Extract<Action, { kind: 'pre_failover' }>;
}

/**
 * Distribution gave the writer role to `to` (its preferred host is back) while the writer `from`
 * is healthy: that is a planned switch between two healthy hosts, not a failover. Undefined when
 * `from` is not ONLINE with a reachable agent (then writer safety decides, as for a failover).
 */
export function planSwitchBack(args: {
  config: MmmConfig;
  /** This pass's role table (distribution gave the writer role to `to`). */
  table: RoleAssignment[];
  /** The table as the agents were last told it: the move changes nothing else (balance moves follow in the next pass). */
  applied: readonly RoleAssignment[];
  /** The host given the writer role whose promotion is withheld. */
  to: string;
  from: string;
  hosts: Record<string, HostMemory>;
  snapshot: ClusterSnapshot;
  backoff: Readonly<Record<string, number>>;
  now: number;
}): SwitchBack | undefined {
  const { config, to, from, now } = args;
  if (!to || !from || args.hosts[from]?.state !== 'ONLINE' || !args.snapshot.hosts[from]?.agent.reachable) return undefined;
  const am = config.activeMasterRole;
  const table = withWriter(args.table, am, from);
  const why = 'the writer returns to its preferred host';
  const until = args.backoff[to] ?? 0;
  if (now < until) {
    const reason = `${am} stays on ${from}: ${why} ${to}, but the last attempt failed; next attempt in ${Math.ceil((until - now) / 1000)} s`;
    return { table, decision: { kind: 'switchover', host: to, role: am, reason, blocked: true } };
  }
  const attempt: Attempt = { event: 'switchover', from, to, why: `${why} ${to}` };
  const verdict = preFailoverVerdict(args.snapshot.preFailover, attempt, gateSettings(config), now);
  if (verdict.kind !== 'go') {
    const reason = `${am} stays on ${from}: ${why} ${to}, but ${verdict.reason}`;
    return {
      table,
      decision: { kind: 'switchover', host: to, role: am, reason, blocked: true },
      preFailover: { attempt, verdict },
      ...(verdict.kind === 'run' ? { hookAction: { kind: 'pre_failover', event: 'switchover', from, to, reason: attempt.why ?? '' } } : {}),
    };
  }
  const action = planSwitch(config, { hosts: args.hosts, roles: withWriter(args.applied, am, from) }, from, to, why);
  return { table, action, decision: { kind: 'switchover', host: to, role: am, reason: `planned move of ${am} from ${from} to ${to}: ${why}`, blocked: false } };
}
