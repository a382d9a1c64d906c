// One log entry as one output line, text or JSON (pure: the winston format calls it).
import type { LogLevel } from './logger';
import { SYSLOG_PRIORITY, withPriorityPrefix } from './log-priority';

export interface LineEntry {
  /** ISO 8601. */
  timestamp: string;
  level: LogLevel;
  message: string;
  /** Child and call metadata ({host: 'db1'}, {error: …}). */
  meta: Readonly<Record<string, unknown>>;
}

export interface LineStyle {
  format: 'text' | 'json';
  /** mmmd_agent, mmmd_mon. */
  program?: string;
  /** The machine that logs (JSON only: text lines go to a file or journal of that machine). */
  hostname?: string;
  /** Start every line with its syslog priority `<N>` (journald, sd-daemon(3)). */
  priorityPrefix: boolean;
}

/** Fields of every JSON line; metadata with one of these names cannot replace them. */
export const JSON_LINE_FIELDS = ['timestamp', 'level', 'priority', 'program', 'hostname', 'message'] as const;

export function formatLine(e: LineEntry, style: LineStyle): string {
  const line = style.format === 'json' ? jsonLine(e, style) : textLine(e, style);
  return style.priorityPrefix ? withPriorityPrefix(e.level, line) : line;
}

function textLine(e: LineEntry, style: LineStyle): string {
  const extra = Object.entries(e.meta)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : safeJson(v)}`)
    .join(' ');
  const prog = style.program ? ` ${style.program}` : '';
  return `${e.timestamp}${prog} ${e.level.toUpperCase().padStart(5)}: ${e.message}${extra ? ` ${extra}` : ''}`;
}

function jsonLine(e: LineEntry, style: LineStyle): string {
  const out: Record<string, unknown> = {
    timestamp: e.timestamp,
    level: e.level,
    priority: SYSLOG_PRIORITY[e.level],
    ...(style.program ? { program: style.program } : {}),
    ...(style.hostname ? { hostname: style.hostname } : {}),
    message: e.message,
  };
  for (const [k, v] of Object.entries(e.meta)) {
    if (!(JSON_LINE_FIELDS as readonly string[]).includes(k)) out[k] = v;
  }
  return safeJson(out);
}

/** JSON.stringify that never throws into a log call: bigint as text, Error as its message, cycles cut. */
export function safeJson(v: unknown): string {
  const seen = new WeakSet<object>();
  const text = JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === 'bigint') return x.toString();
    if (x instanceof Error) return x.message;
    if (typeof x === 'object' && x !== null) {
      if (seen.has(x)) return '[circular]';
      seen.add(x);
    }
    return x;
  });
  return text ?? String(v);
}
