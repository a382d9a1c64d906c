// The etcd keys of one cluster under its prefix (docs/ha.md "Keys in etcd").

export interface HaKeys {
  prefix: string;
  /** The leader key: taken by txn create_revision == 0, its create revision is the term. */
  leader: string;
  state: string;
  op: string;
  historyPrefix: string;
  monitorsPrefix: string;
  history(revision: number): string;
  monitor(id: string): string;
}

/** History keys sort by revision as text: zero-padded to the 19 digits of an int64. */
const REV_DIGITS = 19;

export function haKeys(prefix: string): HaKeys {
  return {
    prefix,
    leader: `${prefix}leader`,
    state: `${prefix}state`,
    op: `${prefix}op`,
    historyPrefix: `${prefix}history/`,
    monitorsPrefix: `${prefix}monitors/`,
    history: (revision) => `${prefix}history/${String(revision).padStart(REV_DIGITS, '0')}`,
    monitor: (id) => `${prefix}monitors/${id}`,
  };
}

/** What a key under the prefix is (for the watch), or undefined for a key we do not use. */
export type KeyKind = { kind: 'leader' } | { kind: 'state' } | { kind: 'op' } | { kind: 'monitor'; id: string } | { kind: 'history'; revision: number };

export function classifyKey(k: HaKeys, key: string): KeyKind | undefined {
  if (key === k.leader) return { kind: 'leader' };
  if (key === k.state) return { kind: 'state' };
  if (key === k.op) return { kind: 'op' };
  if (key.startsWith(k.monitorsPrefix) && key.length > k.monitorsPrefix.length) return { kind: 'monitor', id: key.slice(k.monitorsPrefix.length) };
  if (key.startsWith(k.historyPrefix)) {
    const rev = key.slice(k.historyPrefix.length);
    if (/^\d+$/.test(rev)) return { kind: 'history', revision: Number(rev) };
  }
  return undefined;
}
