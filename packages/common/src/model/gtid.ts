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
