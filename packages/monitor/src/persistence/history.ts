// History from the audit log (pure): which entries history shows, the query (`limit`, `before`,
// `kind`), and paging over entries fed newest first. The cursor is the time of the last entry
// returned plus how many entries of that same millisecond came at or before it, so a page
// boundary inside one millisecond loses nothing, and entries recorded meanwhile (newer) do not
// shift the next page.
import {
  DECISION_KINDS,
  HISTORY_DEFAULT_COUNT,
  HISTORY_KINDS,
  HISTORY_MAX_COUNT,
  type DecisionKind,
  type HistoryEntry,
  isDecisionKind,
} from '@mmm/common/pure';
import type { AuditEntry } from './audit-log';

export interface HistoryCursor {
  time: string;
  /** Entries of exactly `time` to skip (newest first); Infinity: every one (a bare time: "older than"). */
  skip: number;
}

export interface HistoryQuery {
  limit: number;
  before?: HistoryCursor;
  /** Kinds shown (blocked decisions of any kind are always shown). */
  kinds: ReadonlySet<DecisionKind>;
}

export const defaultHistoryQuery = (limit = HISTORY_DEFAULT_COUNT): HistoryQuery => ({ limit, kinds: new Set(HISTORY_KINDS) });

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

/** `TIME` (older than TIME) or `TIME~N` (the `next` of a page); undefined when malformed. */
export function parseCursor(s: string): HistoryCursor | undefined {
  const m = /^([^~]+)(?:~(\d{1,9}))?$/.exec(s);
  if (!m || !ISO_RE.test(m[1]!) || Number.isNaN(Date.parse(m[1]!))) return undefined;
  return { time: m[1]!, skip: m[2] === undefined ? Infinity : Number(m[2]) };
}

export const formatCursor = (c: HistoryCursor): string => (c.skip === Infinity ? c.time : `${c.time}~${c.skip}`);

export type QueryResult = { ok: true; query: HistoryQuery } | { ok: false; error: string };

/**
 * `?limit=&before=&kind=` of GET /api/v1/history. `kind` is a comma list of decision kinds or
 * `all`; unknown parameters are refused, so a typo does not silently change the answer.
 */
export function parseHistoryParams(params: Iterable<[string, string]>): QueryResult {
  const q = defaultHistoryQuery();
  const seen = new Set<string>();
  for (const [name, value] of params) {
    if (seen.has(name)) return { ok: false, error: `parameter ${name} given twice` };
    seen.add(name);
    if (name === 'limit') {
      const n = /^\d{1,6}$/.test(value) ? Number(value) : 0;
      if (n < 1 || n > HISTORY_MAX_COUNT) return { ok: false, error: `limit must be a whole number from 1 to ${HISTORY_MAX_COUNT}, not '${value}'` };
      q.limit = n;
    } else if (name === 'before') {
      const c = parseCursor(value);
      if (!c) return { ok: false, error: `before must be an ISO 8601 UTC time (2026-05-01T12:00:00.000Z) or the 'next' of a page, not '${value}'` };
      q.before = c;
    } else if (name === 'kind') {
      const names = value === 'all' ? [...DECISION_KINDS] : value.split(',');
      const bad = names.filter((k) => !isDecisionKind(k));
      if (bad.length > 0 || names.length === 0) return { ok: false, error: `kind must be 'all' or a comma list of ${DECISION_KINDS.join(', ')}; unknown: ${bad.join(', ') || '(empty)'}` };
      q.kinds = new Set(names as DecisionKind[]);
    } else {
      return { ok: false, error: `unknown parameter '${name}' (limit, before, kind)` };
    }
  }
  return { ok: true, query: q };
}

/** One line of the audit log; undefined for a line that is not an entry (a torn last line, garbage). */
export function parseAuditLine(line: string): AuditEntry | undefined {
  if (!line.startsWith('{')) return undefined;
  let x: unknown;
  try {
    x = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof x !== 'object' || x === null) return undefined;
  const o = x as Record<string, unknown>;
  if (typeof o.time !== 'string' || !ISO_RE.test(o.time) || typeof o.kind !== 'string' || !isDecisionKind(o.kind) || typeof o.reason !== 'string') return undefined;
  return x as AuditEntry;
}

export const shownInHistory = (e: AuditEntry, kinds: ReadonlySet<DecisionKind>): boolean => e.blocked === true || kinds.has(e.kind);

export function toHistoryEntry(e: AuditEntry): HistoryEntry {
  const d = e.details;
  const ms = d && typeof d.durationMs === 'number' && Number.isFinite(d.durationMs) && d.durationMs >= 0 ? d.durationMs : null;
  return {
    time: e.time,
    kind: e.kind,
    host: typeof e.host === 'string' ? e.host : null,
    role: typeof e.role === 'string' ? e.role : null,
    reason: e.reason,
    blocked: e.blocked === true,
    durationMs: ms,
    ...(d && typeof d === 'object' ? { details: d } : {}),
  };
}

/**
 * Collects one page from entries fed newest first: skips up to the cursor, takes `limit` shown
 * entries, then looks for one more to know whether there is a next page.
 */
export class HistoryPager {
  readonly entries: HistoryEntry[] = [];
  private seeking: boolean;
  private sameTime = { time: '', count: 0 };
  private last?: HistoryCursor;
  private more = false;

  constructor(private readonly q: HistoryQuery) {
    this.seeking = q.before !== undefined;
  }

  /** Feeds the next older entry; false once the page is complete (stop reading). */
  feed(e: AuditEntry): boolean {
    // every entry counts for the cursor, shown or not, so the count means the same on the next page
    this.sameTime = e.time === this.sameTime.time ? { time: e.time, count: this.sameTime.count + 1 } : { time: e.time, count: 1 };
    if (this.seeking) {
      const b = this.q.before!;
      if (e.time > b.time || (e.time === b.time && this.sameTime.count <= b.skip)) return true;
      this.seeking = false; // from here on everything is older, whatever a clock step did to the times
    }
    if (!shownInHistory(e, this.q.kinds)) return true;
    if (this.entries.length >= this.q.limit) {
      this.more = true;
      return false;
    }
    this.entries.push(toHistoryEntry(e));
    this.last = { time: e.time, skip: this.sameTime.count };
    return true;
  }

  /**
   * The page's `next`: set when an older shown entry was seen, or when reading stopped at the
   * bound (`truncated`) after a full page (there may be more beyond it).
   */
  next(truncated: boolean): string | null {
    if (!this.last || !(this.more || (truncated && this.entries.length >= this.q.limit))) return null;
    return formatCursor(this.last);
  }

  get full(): boolean {
    return this.more;
  }
}
