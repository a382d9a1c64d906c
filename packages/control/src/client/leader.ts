// Which monitor gets a command next (monitor HA: several monitors, one leads). Pure: the address
// list, whether the command changes the cluster, and what the tries so far brought decide the
// next step; route.ts does the sending. Table-tested.
//
// Read-only commands: the first address that answers. State changes: the first address that
// answers, unless its reply is a follower's `notLeader` refusal; a refusal naming the leader's
// address sends the command there once (listed or not: it came from a monitor whose certificate
// was verified), then the remaining addresses in order. At most one try per address.
import { leaderOfRefusal } from '@mmm/common';
import { formatAddress, parseMonitorAddress, type MonitorAddress } from './addresses';

export type Try =
  | { address: string; via: 'list' | 'leader'; outcome: 'unreachable'; reason: string }
  | { address: string; via: 'list' | 'leader'; outcome: 'reply'; reply: string };

export type Step =
  /** Send the command to `address` (`via: 'leader'`: named by a follower's refusal). */
  | { kind: 'send'; address: string; via: 'list' | 'leader' }
  /** Done: print `reply` of the monitor at `address`; later exchanges of the command go there too. */
  | { kind: 'answered'; address: string; reply: string }
  /** Every monitor that answered refused as a follower: print the last refusal. */
  | { kind: 'refused'; address: string; reply: string }
  /** No monitor could be reached: each address and why. */
  | { kind: 'unreachable'; failures: { address: string; reason: string }[] };

/** The leader's address named by a refusal, normalized; undefined when none (or not a refusal). */
export function namedLeader(reply: string): string | undefined {
  const named = leaderOfRefusal(reply);
  if (!named) return undefined;
  try {
    return formatAddress(parseMonitorAddress(named));
  } catch {
    return undefined; // not an address: as if it named none
  }
}

export function nextStep(addresses: readonly string[], changesCluster: boolean, tries: readonly Try[]): Step {
  const last = tries.at(-1);
  if (last?.outcome === 'reply' && (!changesCluster || leaderOfRefusal(last.reply) === undefined)) {
    return { kind: 'answered', address: last.address, reply: last.reply };
  }
  const tried = new Set(tries.map((t) => t.address));
  if (last?.outcome === 'reply' && !tries.some((t) => t.via === 'leader')) {
    const leader = namedLeader(last.reply);
    if (leader !== undefined && !tried.has(leader)) return { kind: 'send', address: leader, via: 'leader' };
  }
  const next = addresses.find((a) => !tried.has(a));
  if (next !== undefined) return { kind: 'send', address: next, via: 'list' };
  const lastRefusal = tries.filter((t): t is Extract<Try, { outcome: 'reply' }> => t.outcome === 'reply').at(-1);
  if (lastRefusal) return { kind: 'refused', address: lastRefusal.address, reply: lastRefusal.reply };
  return { kind: 'unreachable', failures: tries.map((t) => ({ address: t.address, reason: t.outcome === 'unreachable' ? t.reason : '' })) };
}

/** The addresses as nextStep compares them. */
export function addressKeys(list: readonly MonitorAddress[]): string[] {
  return list.map(formatAddress);
}
