// Who gets the writer role when nobody holds it (a failover, or the first writer), pure:
// - the promotion policy: never_writer hosts are never chosen, a host lagging more than
//   failover_max_lag is passed over, and the order is prefer (MMM), then promotion_order, then
//   MMM's fewest roles;
// - on a failover, a host that lacks transactions another host received is passed over (the
//   GTIDs are named); with none left the failover is blocked until one has caught up or the
//   operator forces one with `move_role --force`;
// - failover_cooldown: an automatic failover within the cooldown of the previous one is blocked
//   until `ack_failover` or the period passes (the old writer may take its role back).
import { type HostState, type MmmConfig, gtidsBeyond } from '@mmm/common/pure';
import { freshHealth } from './health';
import { monitorSettings } from './policy';
import { completeness, lackGtids, lackText, type Lack } from './received';
import { withWriter } from './planned-switch';
import type { Decision } from './result';
import { activeMasterOf, countHostRoles } from './roles/role-table';
import type { FailoverRecord, HostMemory, HostObservation, RoleAssignment } from './snapshot';

export interface ElectionInput {
  config: MmmConfig;
  table: readonly RoleAssignment[];
  /** ONLINE with a reachable agent. */
  canReceive: (host: string) => boolean;
  hosts: Record<string, HostObservation>;
  /** What the monitor remembers of each host (its last lag reading). */
  memory?: Record<string, HostMemory>;
  /** The host that held the writer role last ('' = none: the first writer). */
  oldWriter: string;
  oldWriterState?: HostState;
  lastFailover?: FailoverRecord;
  healthMaxAgeMs: number;
  now: number;
}

export interface Election {
  host?: string;
  /** Why this host, or why nobody. */
  reason: string;
  /** Nobody, because: no candidate is ONLINE and reachable, the policy excludes all, they lack transactions, or the cooldown. */
  blocked?: 'unavailable' | 'policy' | 'lacking' | 'cooldown';
  /** Nobody: every candidate left was passed over for lacking received transactions. */
  lacking?: { host: string; lacks: Lack[] }[];
  /** Nobody: failover_cooldown holds the failover (until this time, ms). */
  cooldownUntil?: number;
  /** GTID runs named by the decision (audit). */
  gtids?: string[];
}

/** The end of the cooldown the record starts, when it still runs at `now`. */
export function cooldownUntil(last: FailoverRecord | undefined, config: MmmConfig, now: number): number | undefined {
  const ms = monitorSettings(config).failoverCooldownMs;
  if (!last || !last.automatic || last.acknowledgedAt !== undefined || ms <= 0) return undefined;
  return now < last.at + ms ? last.at + ms : undefined;
}

/** Seconds_Behind_Master as the host's agent (fresh) or the monitor's rep_backlog check reads it now; undefined: NULL or unknown. */
export function readLag(o: HostObservation | undefined, maxAgeMs: number, now: number): number | undefined {
  const fromAgent = freshHealth(o, now, maxAgeMs)?.replication?.secondsBehindMaster;
  if (typeof fromAgent === 'number') return fromAgent;
  const fromCheck = o?.checks.rep_backlog.lastLagSeconds;
  return typeof fromCheck === 'number' ? fromCheck : undefined;
}

/** The host received transactions it has not applied yet (gtid_io_pos beyond gtid_slave_pos). */
function applyBacklog(o: HostObservation | undefined, maxAgeMs: number, now: number): boolean {
  const rep = freshHealth(o, now, maxAgeMs)?.replication;
  if (!rep?.gtidIoPos || rep.gtidSlavePos === undefined) return false;
  return (gtidsBeyond([rep.gtidIoPos], [rep.gtidSlavePos])?.length ?? 0) > 0;
}

/**
 * The host's lag for the promotion policy: the reading now, or — when it reads NULL (MariaDB shows
 * NULL once the source is gone, even with relay log still to apply) while it has not applied all
 * it received — the last reading it had (`mem.lag`). undefined: unknown, or nothing left to apply.
 */
export function lagOf(o: HostObservation | undefined, mem: HostMemory | undefined, maxAgeMs: number, now: number): { seconds: number; remembered: boolean } | undefined {
  const current = readLag(o, maxAgeMs, now);
  if (current !== undefined) return { seconds: current, remembered: false };
  if (mem?.lag && applyBacklog(o, maxAgeMs, now)) return { seconds: mem.lag.seconds, remembered: true };
  return undefined;
}

/** Why the policy keeps `host` from the writer role (never_writer, failover_max_lag), or undefined. */
export function policyBar(host: string, o: HostObservation | undefined, mem: HostMemory | undefined, config: MmmConfig, maxAgeMs: number, now: number): string | undefined {
  const ms = monitorSettings(config);
  if (ms.neverWriter.includes(host)) return `${host} is in never_writer`;
  const lag = lagOf(o, mem, maxAgeMs, now);
  if (ms.failoverMaxLagSec !== undefined && lag !== undefined && lag.seconds > ms.failoverMaxLagSec) {
    const how = lag.remembered ? ` (its last reading: it has not applied all it received yet)` : '';
    return `${host} lags ${lag.seconds} s behind its source${how}, more than failover_max_lag ${ms.failoverMaxLagSec} s`;
  }
  return undefined;
}

/** Candidates in the order they are tried: prefer, promotion_order, then MMM's fewest roles (ties: the role's host list). */
export function candidateOrder(config: MmmConfig, table: readonly RoleAssignment[], candidates: readonly string[]): string[] {
  const rc = config.roles[config.activeMasterRole];
  const order = monitorSettings(config).promotionOrder;
  const rank = (h: string): number[] => [
    h === rc?.prefer ? 0 : 1,
    order.includes(h) ? order.indexOf(h) : order.length,
    countHostRoles(table, h, config.activeMasterRole),
    rc?.hosts.indexOf(h) ?? 0,
  ];
  const cmp = (a: number[], b: number[]): number => a.reduce((r, x, i) => r || x - b[i], 0);
  return [...candidates].sort((a, b) => cmp(rank(a), rank(b)));
}

const whyFirst = (host: string, config: MmmConfig): string => {
  if (config.roles[config.activeMasterRole]?.prefer === host) return 'its preferred host';
  return monitorSettings(config).promotionOrder.includes(host) ? 'first eligible host in promotion_order' : 'fewest roles among eligible hosts';
};

/**
 * Why a host given the writer role but not yet writable no longer qualifies (the policy, or it
 * lacks what another host received), or undefined. Checked every pass until it is promoted.
 */
export function writerCandidateBar(host: string, i: Omit<ElectionInput, 'table' | 'canReceive' | 'lastFailover'>): string | undefined {
  const bar = policyBar(host, i.hosts[host], i.memory?.[host], i.config, i.healthMaxAgeMs, i.now);
  if (bar) return bar;
  if (!i.oldWriter || host === i.oldWriter) return undefined;
  const c = completeness(host, i.hosts, i.healthMaxAgeMs, i.now);
  return c.lacks.length ? lackText(host, c.lacks) : undefined;
}

export function electWriter(i: ElectionInput): Election {
  const rc = i.config.roles[i.config.activeMasterRole];
  const candidates = (rc?.hosts ?? []).filter(i.canReceive);
  if (candidates.length === 0) return { reason: 'no ONLINE host with a reachable agent can take this role', blocked: 'unavailable' };
  const failover = i.oldWriter !== '';
  // set_offline of the writer is the operator's own move: no cooldown
  const until = failover && i.oldWriterState !== 'ADMIN_OFFLINE' ? cooldownUntil(i.lastFailover, i.config, i.now) : undefined;
  const passed: string[] = [];
  const lacking: { host: string; lacks: Lack[] }[] = [];
  let cooled = false;
  for (const host of candidateOrder(i.config, i.table, candidates)) {
    const bar = policyBar(host, i.hosts[host], i.memory?.[host], i.config, i.healthMaxAgeMs, i.now);
    if (bar) {
      passed.push(bar);
      continue;
    }
    if (host === i.oldWriter) return { host, reason: `${host}: it held the role before` };
    if (until !== undefined) {
      cooled = true;
      continue;
    }
    let note = '';
    if (failover) {
      const c = completeness(host, i.hosts, i.healthMaxAgeMs, i.now);
      if (c.lacks.length) {
        lacking.push({ host, lacks: c.lacks });
        passed.push(lackText(host, c.lacks));
        continue;
      }
      note = !c.candidateKnown
        ? `; what it received was not compared (${host} reports no GTID positions)`
        : `; it has every transaction the other hosts report${c.unknown.length ? ` (not compared: ${c.unknown.join('; ')})` : ''}`;
    }
    const over = passed.length ? ` (passed over: ${passed.join('; ')})` : '';
    const gtids = lackGtids(lacking.flatMap((l) => l.lacks));
    return { host, reason: `${host}: ${whyFirst(host, i.config)}${over}${note}`, ...(gtids.length ? { gtids } : {}) };
  }
  if (cooled) {
    const last = i.lastFailover!;
    return {
      reason:
        `automatic failover blocked by failover_cooldown: the last one (${last.from} -> ${last.to}) was ${Math.round((i.now - last.at) / 1000)} s ago; ` +
        `it is allowed again in ${Math.ceil((until! - i.now) / 1000)} s or after 'mmm_control ack_failover'` +
        `${passed.length ? ` (also passed over: ${passed.join('; ')})` : ''}`,
      cooldownUntil: until,
      blocked: 'cooldown',
    };
  }
  if (lacking.length) {
    const first = lacking[0].host;
    return {
      reason: `no host can take the writer role without losing transactions another host received: ${passed.join('; ')}; it waits until one has them, or 'mmm_control move_role --force ${rc.name} ${first}' promotes ${first} anyway`,
      lacking,
      gtids: lackGtids(lacking.flatMap((l) => l.lacks)),
      blocked: 'lacking',
    };
  }
  return { reason: `no eligible host can take this role: ${passed.join('; ')}`, blocked: 'policy' };
}

/**
 * The writer role's owner this pass, before distribution: a host chosen earlier but not writable
 * yet is checked again (it loses the role when it no longer qualifies), and an unowned role goes
 * to the election's host. `election` is set when an election ran (distribution then leaves the
 * role alone). The operator's choice (`operatorWriter`) is never re-judged.
 */
export function chooseWriter(i: ElectionInput & { operatorWriter?: string }): { table: RoleAssignment[]; election?: Election; decisions: Decision[] } {
  const am = i.config.activeMasterRole;
  const decisions: Decision[] = [];
  let table = [...i.table];
  const row = table.find((a) => a.role === am);
  if (!row) return { table, decisions };
  const name = `${row.role}(${row.ip})`;
  if (row.host !== '' && row.host !== i.oldWriter && i.oldWriter !== '' && row.host !== i.operatorWriter) {
    // chosen in an earlier pass, not writable yet: it must still qualify on what is known now
    const bar = writerCandidateBar(row.host, i);
    if (bar) {
      decisions.push({ kind: 'role_move', host: row.host, role: name, reason: `${row.host} no longer qualifies for the writer role: ${bar}`, blocked: false });
      table = withWriter(table, am, '');
    }
  }
  if (activeMasterOf(table, am) !== '') return { table, decisions };
  const election = electWriter({ ...i, table });
  if (election.host) {
    table = withWriter(table, am, election.host);
    decisions.push({ kind: 'role_assign', host: election.host, role: name, reason: `orphaned role goes to ${election.reason}`, blocked: false });
  } else decisions.push({ kind: 'role_assign', role: name, reason: election.reason, blocked: true });
  return { table, election, decisions };
}
