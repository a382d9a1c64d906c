// The history document (issue 17): finished failovers, switchovers, state changes and blocked
// decisions from the monitor's audit log, newest first, one page at a time. The monitor's
// `history` control command and `GET /api/v1/history` answer it; mmm_control validates it and
// renders it as text (pure, here). Versioned like the status document: add optional keys
// freely; renaming or removing one bumps the version.
import { DECISION_KINDS, type DecisionKind } from './status-document';
import { Checker, checkDecision } from './status-validate';
import { formatDuration, formatMmmTime, type TimeOptions } from './time-format';

export const HISTORY_SCHEMA_VERSION = 1;
/** `history` without a count, and a page without `limit`. */
export const HISTORY_DEFAULT_COUNT = 20;
/** The most entries one answer carries (`history N`, `?limit=`). */
export const HISTORY_MAX_COUNT = 500;

/**
 * What history shows unless asked for other kinds: what happened to hosts, roles and the mode.
 * Role assignments (every set_online) and diagnoses are left out: there are many and they say
 * what the state changes already say. A blocked decision of any kind is always shown.
 */
export const HISTORY_KINDS: readonly DecisionKind[] = ['state_change', 'failover', 'switchover', 'role_move', 'mode_change', 'fence', 'command'];

export interface HistoryEntry {
  time: string;
  kind: DecisionKind;
  host: string | null;
  role: string | null;
  reason: string;
  /** True when the decision was made but not carried out (and `reason` says why). */
  blocked: boolean;
  /** How long it took (a failover from the old writer leaving ONLINE, a switchover), when recorded; else null. */
  durationMs: number | null;
  /** What the monitor recorded with it (kill_host_bin's exit code and output, a move's hosts…). */
  details?: Record<string, unknown>;
}

export interface HistoryDocument {
  schemaVersion: typeof HISTORY_SCHEMA_VERSION;
  generatedAt: string;
  /** Newest first. */
  entries: HistoryEntry[];
  /** Pass as `before` for the next (older) page; null: there is nothing older (within the bound). */
  next: string | null;
  /** True when reading stopped at the monitor's bound: older entries may exist on disk but were not read. */
  truncated: boolean;
  /** Where the entries come from: the audit log file(s), or the monitor's memory (no status_path). */
  source: 'audit_log' | 'memory';
}

/** Every way `x` fails to be a HistoryDocument of this version (empty: valid). Extra keys are allowed. */
export function validateHistoryDocument(x: unknown): string[] {
  const c = new Checker();
  const doc = c.obj(x, '$');
  if (!doc) return c.problems;
  if (doc.schemaVersion !== HISTORY_SCHEMA_VERSION) c.fail('$.schemaVersion', `expected ${HISTORY_SCHEMA_VERSION}`);
  c.time(doc.generatedAt, '$.generatedAt');
  c.arr(doc.entries, '$.entries').forEach((e, i) => {
    const p = `$.entries[${i}]`;
    checkDecision(c, e, p);
    if (typeof e === 'object' && e !== null) {
      const o = e as Record<string, unknown>;
      c.num(o.durationMs, `${p}.durationMs`, true);
      if ('details' in o) c.obj(o.details, `${p}.details`);
    }
  });
  c.str(doc.next, '$.next', { nullable: true, nonEmpty: true });
  c.bool(doc.truncated, '$.truncated');
  c.oneOf(doc.source, ['audit_log', 'memory'], '$.source');
  return c.problems;
}

/** Parses a `history` reply; `doc` is set only when the text is JSON and valid. */
export function parseHistoryJson(text: string): { doc?: HistoryDocument; problems: string[] } {
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch (e) {
    return { problems: [`$: not JSON (${(e as Error).message})`] };
  }
  const problems = validateHistoryDocument(x);
  return problems.length === 0 ? { doc: x as HistoryDocument, problems } : { problems };
}

export function isDecisionKind(s: string): s is DecisionKind {
  return (DECISION_KINDS as readonly string[]).includes(s);
}

/**
 * `mmm_control history` as text: one line per entry, newest first, in MMM's time format:
 * `2026/05/01 12:00:03  failover    db2  writer  BLOCKED  reason (1.2 s)`.
 */
export function renderHistory(doc: HistoryDocument, opts: TimeOptions = {}): string {
  if (doc.entries.length === 0) return `# No history yet${doc.source === 'memory' ? ' (kept in memory only: no status_path)' : ''}.\n`;
  const rows = doc.entries.map((e) => [
    formatMmmTime(e.time, opts),
    e.kind,
    e.host ?? '-',
    e.role ?? '-',
    e.blocked ? 'BLOCKED' : 'done',
    `${e.reason}${e.durationMs !== null ? ` (${formatDuration(e.durationMs)})` : ''}`,
  ]);
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((cell, i) => (i < 5 ? cell.padEnd(widths[i]!) : cell)).join('  ').trimEnd());
  const tail = doc.truncated ? ['# (older entries not read: the history bound was reached)'] : [];
  return `${[...lines, ...tail].join('\n')}\n`;
}

/** The monitor's reply to `history`: one line of JSON (no line breaks, whatever the reasons hold). */
export const encodeHistoryJson = (doc: HistoryDocument): string => JSON.stringify(doc);
