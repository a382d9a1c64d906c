// The bounded history (`history/<revision>`): which revision names the next entry, and where the
// pruning of old entries ends.

export const HISTORY_KEEP = 200;

/**
 * The next entry's revision: one past the newest store revision the leader has seen (usually the
 * revision etcd then writes it at) and past the newest entry, so that keys strictly increase even
 * across leaders. The append's txn also requires the key to be absent.
 */
export function nextHistoryRevision(seenRevision: number, newestEntry: number | undefined): number {
  return Math.max(seenRevision + 1, (newestEntry ?? 0) + 1);
}

/** Keys in ascending order; the first key to keep when there are more than `keep`, else undefined. */
export function pruneBoundary(sortedKeys: readonly string[], keep = HISTORY_KEEP): string | undefined {
  return sortedKeys.length > keep ? sortedKeys[sortedKeys.length - keep] : undefined;
}
