// What changed between two monitor states, as notify_command events (pure). Compared at the end
// of each pass against the end of the previous one, so a command's change (which triggers a pass
// at once) is seen too, and a planned switch's intermediate steps are not.
import type { Transition } from '../analysis/result';
import type { MonitorState, RoleAssignment } from '../analysis/snapshot';
import type { HookEvent } from './hook-env';

type Changes = Pick<MonitorState, 'hosts' | 'roles' | 'lastWriter'>;

/**
 * The host that holds the writer role and was made writable: a candidate whose promotion is
 * withheld (writer safety, pre_failover_command) has the role in the table but is not the writer.
 */
export function effectiveWriter(s: Changes, activeMasterRole: string): string {
  const owner = s.roles.find((a) => a.role === activeMasterRole)?.host ?? '';
  return owner && owner === s.lastWriter ? owner : '';
}

const ownerOf = (s: Changes, a: RoleAssignment, am: string): string => (a.role === am ? effectiveWriter(s, am) : a.host);

export function changeEvents(args: {
  before: Changes;
  after: Changes;
  activeMasterRole: string;
  /** This pass's transitions: their reasons. */
  transitions: readonly Transition[];
  /** Reasons of operator commands since the last comparison, by host. */
  commandReasons: ReadonlyMap<string, string>;
  now: number;
}): HookEvent[] {
  const { before, after, activeMasterRole: am, now } = args;
  const out: HookEvent[] = [];
  for (const host of Object.keys(after.hosts).sort()) {
    const from = before.hosts[host]?.state;
    const to = after.hosts[host].state;
    if (from === undefined || from === to) continue;
    const t = args.transitions.find((x) => x.host === host && x.to === to);
    const reason = t?.reason ?? args.commandReasons.get(host) ?? `${host} ${from} -> ${to}`;
    out.push({ event: 'state_change', host, stateFrom: from, stateTo: to, reason, at: now });
  }
  const writerBefore = effectiveWriter(before, am);
  const writerAfter = effectiveWriter(after, am);
  for (const a of after.roles) {
    const b = before.roles.find((x) => x.role === a.role && x.ip === a.ip);
    if (!b) continue;
    const was = ownerOf(before, b, am);
    const owner = ownerOf(after, a, am);
    if (was === owner) continue;
    const writer = a.role === am ? { oldWriter: writerBefore, newWriter: writerAfter } : {};
    const reason = owner === '' ? `${a.role}(${a.ip}) removed from ${was}` : was === '' ? `${a.role}(${a.ip}) given to ${owner}` : `${a.role}(${a.ip}) moved from ${was} to ${owner}`;
    out.push({ event: 'role_change', role: `${a.role}(${a.ip})`, host: owner, oldHost: was, reason, ...writer, at: now });
  }
  return out;
}
