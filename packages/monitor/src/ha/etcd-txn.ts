// The leader's writes: one etcd transaction each, applied only while the leader key's create
// revision is still the writer's term (ha.md §3). A deposed leader's late write finds another
// term, or no key, and changes nothing.
import { Range, type Etcd3, type IOperation, type IRequestOp, type ITxnResponse } from 'etcd3';
import { MmmError } from '@mmm/common';
import type { HaKeys } from './keys';
import { HISTORY_KEEP, nextHistoryRevision, pruneBoundary } from './history';

export type TxnOp = IRequestOp | IOperation;

function stale(term: number, r: ITxnResponse): MmmError {
  const kv = r.responses[0]?.response_range?.kvs[0];
  const now = kv ? `term ${kv.create_revision} holds the leader key` : 'no leader key';
  return new MmmError('STALE_TERM', `term ${term} is stale: ${now}; nothing written`);
}

/** `ops` if create_revision(leader) == term (and every `also` compare holds); MmmError STALE_TERM when the term is not the leader key's. */
export async function guardedTxn(c: Etcd3, k: HaKeys, term: number, ops: TxnOp[], also: [string, 'Create', '==', number][] = []): Promise<ITxnResponse> {
  let t = c.if(k.leader, 'Create', '==', term);
  for (const [key, col, cmp, v] of also) t = t.and(key, col, cmp, v);
  const r = await t.then(...ops).else(c.get(k.leader)).commit();
  if (!r.succeeded) {
    const held = r.responses[0]?.response_range?.kvs[0];
    if (!held || Number(held.create_revision) !== term) throw stale(term, r);
  }
  return r;
}

/**
 * history/<revision>, then the entries beyond HISTORY_KEEP are deleted (oldest first), both guarded.
 * The entry's key must be absent (a second leader's entry is never overwritten); taken: the next one.
 */
export async function historyAppend(c: Etcd3, k: HaKeys, term: number, value: string, seenRevision: number, keep = HISTORY_KEEP): Promise<ITxnResponse> {
  let seen = seenRevision;
  for (let attempt = 0; ; attempt++) {
    const newest = await c.getAll().prefix(k.historyPrefix).sort('Key', 'Descend').limit(1).keys();
    const n = nextHistoryRevision(seen, newest[0] ? Number(newest[0].slice(k.historyPrefix.length)) : undefined);
    const key = k.history(n);
    const r = await guardedTxn(c, k, term, [c.put(key).value(value)], [[key, 'Create', '==', 0]]);
    seen = Math.max(seen, Number(r.header.revision));
    if (!r.succeeded) {
      if (attempt < 3) continue;
      throw new MmmError('INTERNAL', `history: ${key} was taken ${attempt + 1} times`);
    }
    const keys = await c.getAll().prefix(k.historyPrefix).sort('Key', 'Ascend').keys();
    const boundary = pruneBoundary(keys, keep);
    if (boundary !== undefined) await guardedTxn(c, k, term, [c.delete().range(new Range(k.historyPrefix, boundary))]);
    return r;
  }
}
