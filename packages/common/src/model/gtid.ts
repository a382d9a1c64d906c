// GTID lists (pure). MariaDB: `domain-server-seq,…`; MySQL: `uuid:1-5:7,uuid2:1-3` sets.
// Used by the agent (catch-up) and the monitor (has a host transactions the writer lacks?).

export interface MariadbGtid {
  domain: number;
  server: number;
  seq: bigint;
}

export function parseMariadbGtidList(s: string): MariadbGtid[] | undefined {
  const t = s.trim();
  if (t === '') return [];
  const out: MariadbGtid[] = [];
  for (const part of t.split(',')) {
    const m = /^\s*(\d+)-(\d+)-(\d+)\s*$/.exec(part);
    if (!m) return undefined;
    out.push({ domain: Number(m[1]), server: Number(m[2]), seq: BigInt(m[3]) });
  }
  return out;
}

type Intervals = Array<[bigint, bigint]>;

/** MySQL gtid_executed: uuid → intervals; undefined when unparsable. */
function parseMysqlGtidSet(s: string): Map<string, Intervals> | undefined {
  const out = new Map<string, Intervals>();
  const t = s.replace(/\s+/g, '');
  if (t === '') return out;
  for (const part of t.split(',')) {
    const [uuid, ...ranges] = part.split(':');
    if (!uuid || !/^[0-9a-f-]{36}$/i.test(uuid) || ranges.length === 0) return undefined;
    const list: Intervals = out.get(uuid.toLowerCase()) ?? [];
    for (const r of ranges) {
      const m = /^(\d+)(?:-(\d+))?$/.exec(r);
      if (!m) return undefined;
      list.push([BigInt(m[1]!), BigInt(m[2] ?? m[1]!)]);
    }
    out.set(uuid.toLowerCase(), list);
  }
  return out;
}

/** Parts of [a, b] that no interval of `have` contains. */
function uncovered(have: Intervals, [a, b]: [bigint, bigint]): Intervals {
  const out: Intervals = [];
  let next = a;
  for (const [x, y] of [...have].sort((p, q) => (p[0] < q[0] ? -1 : p[0] > q[0] ? 1 : 0))) {
    if (next > b) break;
    if (y < next) continue;
    if (x > next) out.push([next, x - 1n < b ? x - 1n : b]);
    next = y + 1n;
  }
  if (next <= b) out.push([next, b]);
  return out;
}

/**
 * Transactions in `host` (its gtid_binlog_state, or MySQL gtid_executed) that `writer` lacks:
 * a host that has them diverged from the writer (e.g. an old writer committed them while cut
 * off) and can neither replicate from it nor take over from it without losing or conflicting.
 * Conservative: only sources the writer also knows count (MariaDB: same domain and server_id
 * at a lower seq; MySQL: the same uuid without that interval), so a writer whose binlog lacks
 * old history is not called diverged. Returns the missing entries as text, [] when none, or
 * undefined when a list cannot be read. The writer's own transactions (`writerServerId`: MariaDB
 * server_id, MySQL server_uuid) never count: the two lists are read moments apart, and a replica
 * may already hold a transaction the writer committed after its list was read.
 */
export function gtidsMissingOnWriter(host: string, writer: string, writerServerId?: string): string[] | undefined {
  if (host.includes(':') || writer.includes(':')) {
    const h = parseMysqlGtidSet(host);
    const w = parseMysqlGtidSet(writer);
    if (!h || !w) return undefined;
    const out: string[] = [];
    for (const [uuid, ranges] of h) {
      const have = w.get(uuid);
      if (!have || uuid === writerServerId?.toLowerCase()) continue;
      for (const r of ranges) for (const [a, b] of uncovered(have, r)) out.push(`${uuid}:${a === b ? a : `${a}-${b}`}`);
    }
    return out;
  }
  const h = parseMariadbGtidList(host);
  const w = parseMariadbGtidList(writer);
  if (!h || !w) return undefined;
  const out: string[] = [];
  for (const g of h) {
    if (writerServerId !== undefined && String(g.server) === writerServerId) continue;
    const mine = w.find((x) => x.domain === g.domain && x.server === g.server);
    if (mine && mine.seq < g.seq) out.push(`${g.domain}-${g.server}-${g.seq}`);
  }
  return out;
}

/** Transactions one host holds beyond another: one run of sequence numbers (MariaDB) or one uuid's interval (MySQL). */
export interface GtidGap {
  /** e.g. `0-1-44..0-1-45`, `0-1-44`, `3e11fa47-…:44-45`. */
  text: string;
  /** Number of transactions in the run. */
  count: number;
}

/** Per domain the GTID with the highest sequence number over several MariaDB positions. */
function maxPerDomain(lists: readonly string[]): Map<number, MariadbGtid> | undefined {
  const out = new Map<number, MariadbGtid>();
  for (const l of lists) {
    const parsed = parseMariadbGtidList(l);
    if (!parsed) return undefined;
    for (const g of parsed) {
      const cur = out.get(g.domain);
      if (!cur || cur.seq < g.seq) out.set(g.domain, g);
    }
  }
  return out;
}

function unionMysql(lists: readonly string[]): Map<string, Intervals> | undefined {
  const out = new Map<string, Intervals>();
  for (const l of lists) {
    const parsed = parseMysqlGtidSet(l);
    if (!parsed) return undefined;
    for (const [uuid, ranges] of parsed) out.set(uuid, [...(out.get(uuid) ?? []), ...ranges]);
  }
  return out;
}

/**
 * What `ahead` holds that `behind` does not, each side given as the positions of one host
 * (MariaDB gtid_io_pos, gtid_slave_pos, gtid_binlog_pos: one GTID per domain; MySQL Retrieved_Gtid_Set
 * and gtid_executed). MariaDB numbers transactions per domain across servers, so per domain the
 * highest sequence number of each side is compared and the run above `behind`'s is the gap (named
 * with the server id of `ahead`'s last GTID); MySQL sets are subtracted. [] when nothing is
 * missing, undefined when a position cannot be read or the two sides are of different kinds.
 */
export function gtidsBeyond(ahead: readonly string[], behind: readonly string[]): GtidGap[] | undefined {
  const all = [...ahead, ...behind].filter((s) => s.trim() !== '');
  const mysql = all.some((s) => s.includes(':'));
  if (mysql) {
    if (all.some((s) => !s.includes(':'))) return undefined;
    const a = unionMysql(ahead);
    const b = unionMysql(behind);
    if (!a || !b) return undefined;
    const out: GtidGap[] = [];
    for (const [uuid, ranges] of [...a].sort(([x], [y]) => (x < y ? -1 : 1))) {
      let missing: Intervals = ranges;
      missing = missing.flatMap((r) => uncovered(b.get(uuid) ?? [], r));
      for (const [x, y] of mergeIntervals(missing)) out.push({ text: `${uuid}:${x === y ? x : `${x}-${y}`}`, count: Number(y - x + 1n) });
    }
    return out;
  }
  const a = maxPerDomain(ahead);
  const b = maxPerDomain(behind);
  if (!a || !b) return undefined;
  const out: GtidGap[] = [];
  for (const d of [...a.keys()].sort((x, y) => x - y)) {
    const top = a.get(d)!;
    const from = (b.get(d)?.seq ?? 0n) + 1n;
    if (from > top.seq) continue;
    const first = `${d}-${top.server}-${from}`;
    const last = `${d}-${top.server}-${top.seq}`;
    out.push({ text: from === top.seq ? last : `${first}..${last}`, count: Number(top.seq - from + 1n) });
  }
  return out;
}

function mergeIntervals(list: Intervals): Intervals {
  const sorted = [...list].sort((p, q) => (p[0] < q[0] ? -1 : p[0] > q[0] ? 1 : 0));
  const out: Intervals = [];
  for (const [x, y] of sorted) {
    const last = out[out.length - 1];
    if (last && x <= last[1] + 1n) last[1] = last[1] > y ? last[1] : y;
    else out.push([x, y]);
  }
  return out;
}

/** `0-1-44..0-1-45 (2 transactions)`; a long list is cut after `shown` runs. */
export function describeGtidGaps(gaps: readonly GtidGap[], shown = 5): string {
  const n = gaps.reduce((s, g) => s + g.count, 0);
  const list = gaps.slice(0, shown).map((g) => g.text).join(', ') + (gaps.length > shown ? ', …' : '');
  return `${list} (${n} transaction${n === 1 ? '' : 's'})`;
}

/** Several positions of one host as one: per domain the highest GTID (MariaDB), or the union (MySQL); undefined when unreadable. */
export function combineGtidPositions(lists: readonly string[]): string | undefined {
  const all = lists.filter((s) => s.trim() !== '');
  if (all.some((s) => s.includes(':'))) {
    const u = unionMysql(all);
    if (!u) return undefined;
    return [...u].sort(([x], [y]) => (x < y ? -1 : 1)).map(([uuid, r]) => `${uuid}:${mergeIntervals(r).map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(':')}`).join(',');
  }
  const m = maxPerDomain(all);
  if (!m) return undefined;
  return [...m.values()].sort((a, b) => a.domain - b.domain).map((g) => `${g.domain}-${g.server}-${g.seq}`).join(',');
}
