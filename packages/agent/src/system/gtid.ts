// MariaDB GTID positions `domain-server-seq,…` (pure). With gtid_strict_mode, seq_no grows
// monotonically per domain, so "reached" means: for every domain of the target, our seq ≥ its seq.

import { type MariadbGtid, parseMariadbGtidList } from '@mmm/common';

/** Highest seq per domain. */
function maxByDomain(list: MariadbGtid[]): Map<number, bigint> {
  const m = new Map<number, bigint>();
  for (const g of list) {
    const cur = m.get(g.domain);
    if (cur === undefined || g.seq > cur) m.set(g.domain, g.seq);
  }
  return m;
}

/** True when `current` covers `target` in every domain of target; undefined if either is unparsable. */
export function mariadbGtidReached(current: string, target: string): boolean | undefined {
  const c = parseMariadbGtidList(current);
  const t = parseMariadbGtidList(target);
  if (!c || !t) return undefined;
  const have = maxByDomain(c);
  for (const [domain, seq] of maxByDomain(t)) {
    const mine = have.get(domain);
    if (mine === undefined || mine < seq) return false;
  }
  return true;
}
