// "No VIP on two hosts, ever" (issue 14) for what the monitor cannot see directly:
// - an MMM 2.x agent forgets its roles when it restarts, its OK to SET_STATUS proves nothing, and it
//   can be asked what is on its interface (GET_SYSTEM_STATUS) only while its MySQL answers. So the
//   IPs it may still hold are remembered (`mayHold`) and given to no other host until it answered
//   a status without them and then CLEAR_BAD_ROLES (which removes configured IPs it does not hold),
//   its interface showed them gone, or kill_host_bin fenced it;
// - our agents tell the truth, but one pass's statuses go out in parallel: an IP leaving one of
//   them goes to its new host only once a status without it was answered OK (a pass later), else
//   both would hold it for the time the two statuses take (seen in the mixed-cluster tests). An
//   agent that does not answer cannot confirm anything: its IPs move at once, as before;
// - any agent seen holding an IP the monitor gave to another host (or to none) is an invariant
//   violation: diagnosed, audited and told CLEAR_BAD_ROLES;
// - any agent that restarted gets CLEAR_BAD_ROLES once it answered its first status since, as MMM does.
import type { Action, Decision } from './result';
import type { Diagnosis } from './diagnosis';
import { DIAGNOSES } from './diagnosis';
import type { ClusterSnapshot, HostObservation, RoleAssignment } from './snapshot';

export interface PlacementInput {
  snapshot: ClusterSnapshot;
  /** Assignments before this pass (what the agents were told last). */
  before: readonly RoleAssignment[];
  /** Assignments this pass decided. */
  after: readonly RoleAssignment[];
  previousHeld?: Readonly<Record<string, readonly string[]>>;
  /** The active master role: its IP is gated by writer safety, not here. */
  activeMasterRole: string;
}

export interface PlacementResult {
  table: RoleAssignment[];
  held: Record<string, string[]>;
  diagnoses: Diagnosis[];
  decisions: Decision[];
  /** CLEAR_BAD_ROLES to send after this pass's statuses. */
  actions: Action[];
}

const has = (roles: readonly { ip: string }[] | undefined, ip: string): boolean => !!roles?.some((r) => r.ip === ip);

/** The agent verifiably dropped `ip`: a status without it was answered, then CLEAR_BAD_ROLES; or its interface showed it gone since. */
function dropped(o: HostObservation, ip: string): boolean {
  const ap = o.agent.lastApplied;
  if (o.fence?.ok) return true;
  if (!ap || !ap.ok || has(ap.roles, ip)) return false;
  if ((o.agent.clearedBadRolesAt ?? -Infinity) >= ap.at) return true;
  return !!o.agent.system && (o.agent.systemAt ?? -Infinity) > ap.at && !has(o.agent.system.configuredRoles, ip);
}

/**
 * Our agent's last answer shows `ip` off its interface: OK to a status without it, or an ERROR
 * that names no step about it (our agents list every step they did not do: `Status not fully
 * applied: failed: read_only=1 (…)` from a host whose mysqld is down still removed its VIPs).
 */
function confirmedWithout(o: HostObservation, ip: string): boolean {
  const ap = o.agent.lastApplied;
  if (!ap || has(ap.roles, ip)) return false;
  if (ap.ok) return true;
  const e = ap.error ?? '';
  const named = new RegExp(`(^|[^0-9.])${ip.replace(/[.]/g, '\\.')}(?![0-9])`).test(e);
  return e.startsWith('Status not fully applied:') && !named;
}

/** Status answered without some IP it may hold, CLEAR_BAD_ROLES not yet since: send it. */
function wantsClear(o: HostObservation, ips: readonly string[]): boolean {
  const ap = o.agent.lastApplied;
  return !!ap && ap.ok && o.agent.reachable && ips.some((ip) => !has(ap.roles, ip)) && (o.agent.clearedBadRolesAt ?? -Infinity) < ap.at;
}

export function placeRoles(i: PlacementInput): PlacementResult {
  const hosts = Object.keys(i.snapshot.hosts).sort();
  const diagnoses: Diagnosis[] = [];
  const decisions: Decision[] = [];
  const clear = new Set<string>();
  const held: Record<string, string[]> = {};

  const writerIps = new Set([...i.before, ...i.after].filter((a) => a.role === i.activeMasterRole).map((a) => a.ip));
  for (const h of hosts) {
    const o = i.snapshot.hosts[h];
    const assigned = (ip: string): boolean => i.after.some((a) => a.host === h && a.ip === ip);
    const may = new Set(i.previousHeld?.[h] ?? []);
    if (o.agent.legacy) {
      for (const a of [...i.before, ...i.after]) if (a.host === h) may.add(a.ip);
      // its interface as last seen, unless a CLEAR_BAD_ROLES answered since removed what it did not hold
      // (else a system status from before a crash re-holds IPs every pass and they flap)
      if ((o.agent.systemAt ?? -Infinity) > (o.agent.clearedBadRolesAt ?? -Infinity)) for (const r of o.agent.system?.configuredRoles ?? []) may.add(r.ip);
      const still = [...may].filter((ip) => assigned(ip) || !dropped(o, ip)).sort();
      if (still.length) held[h] = still;
      continue;
    }
    // ours: the writer IP is writer safety's; an agent that does not answer confirms nothing
    if (!o.agent.reachable || o.fence?.ok) continue;
    for (const a of i.before) if (a.host === h) may.add(a.ip);
    const still = [...may].filter((ip) => !writerIps.has(ip) && !assigned(ip) && !confirmedWithout(o, ip)).sort();
    if (still.length) held[h] = still;
  }

  // IPs another host may still hold are withheld from their new owner
  const table = i.after.map((a) => {
    if (a.host === '' || a.role === i.activeMasterRole) return { ...a };
    const other = Object.keys(held).find((h) => h !== a.host && held[h].includes(a.ip));
    if (!other) return { ...a };
    const why = i.snapshot.hosts[other].agent.legacy ? `${other} (MMM 2.x agent) may still hold ${a.ip}` : `${other} has not yet confirmed a status without ${a.ip}`;
    decisions.push({ kind: 'role_assign', role: `${a.role}(${a.ip})`, host: a.host, reason: `not given to ${a.host} yet: ${why}`, blocked: true });
    return { ...a, host: '' };
  });
  for (const h of Object.keys(held)) {
    const o = i.snapshot.hosts[h];
    if (!o.agent.legacy) continue;
    const elsewhere = held[h].filter((ip) => !table.some((a) => a.host === h && a.ip === ip));
    if (elsewhere.length === 0) continue;
    diagnoses.push({ code: 'LegacyRolesUnknown', host: h, description: DIAGNOSES.LegacyRolesUnknown, detail: `may still hold ${elsewhere.join(', ')}` });
    if (wantsClear(o, elsewhere)) clear.add(h);
  }

  // an agent seen holding an IP it was not given
  for (const h of hosts) {
    const o = i.snapshot.hosts[h];
    const sys = o.agent.system;
    const ap = o.agent.lastApplied;
    if (!sys || !o.agent.reachable || (ap && (o.agent.systemAt ?? -Infinity) <= ap.at)) continue;
    const stray = sys.configuredRoles.filter((r) => !i.before.some((a) => a.host === h && a.ip === r.ip) && !has(ap?.roles, r.ip));
    if (stray.length === 0) continue;
    const what = stray.map((r) => {
      const owner = i.before.find((a) => a.ip === r.ip)?.host;
      return `${r.name}(${r.ip})${owner ? `, which the monitor gave to ${owner}` : ', which no host holds'}`;
    }).join('; ');
    diagnoses.push({ code: 'RoleOnWrongHost', host: h, description: DIAGNOSES.RoleOnWrongHost, detail: `holds ${what}` });
    decisions.push({ kind: 'role_move', host: h, reason: `invariant violation: ${h} holds ${what}: CLEAR_BAD_ROLES`, blocked: false });
    clear.add(h);
  }

  // MMM: a restarted agent forgets its roles; once it answered a status, it clears what it does not hold
  for (const h of hosts) {
    const a = i.snapshot.hosts[h].agent;
    if (a.restartedAt === undefined || !a.reachable) continue;
    if ((a.clearedBadRolesAt ?? -Infinity) >= a.restartedAt) continue;
    if (a.lastApplied && a.lastApplied.at >= a.restartedAt) clear.add(h);
  }

  const actions: Action[] = [...clear].sort().map((host) => ({ kind: 'clear_bad_roles', host }));
  return { table, held, diagnoses, decisions, actions };
}
