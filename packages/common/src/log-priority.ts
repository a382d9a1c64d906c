// syslog priorities for lines read by journald: a line on stderr that starts with `<N>` is
// stored at priority N (sd-daemon(3)), so `journalctl -p err` finds our errors. Without the
// prefix every line of a service is stored at info.
import type { LogLevel } from './logger';

/** sd-daemon(3) / syslog(3) priorities: LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG. */
export const SYSLOG_PRIORITY: Readonly<Record<LogLevel, number>> = { error: 3, warn: 4, info: 6, debug: 7 };

/** Prefixes every line of `text` (a stack in a text line spans several) with `<N>`. */
export function withPriorityPrefix(level: LogLevel, text: string): string {
  const p = `<${SYSLOG_PRIORITY[level]}>`;
  return p + text.split('\n').join(`\n${p}`);
}

/**
 * True when stderr is the journal stream systemd connected (systemd.exec(5): JOURNAL_STREAM is
 * `device:inode` of that stream). Comparing with stderr's own fstat keeps a shell started from a
 * unit, which inherits the variable but writes elsewhere, from getting prefixed lines.
 */
export function stderrIsJournal(
  journalStream: string | undefined,
  stderrStat: { dev: number | bigint; ino: number | bigint } | undefined,
): boolean {
  const m = /^(\d+):(\d+)$/.exec(journalStream ?? '');
  if (!m || !stderrStat) return false;
  // compared as decimal text: inode numbers can exceed 2^53
  return m[1] === String(stderrStat.dev) && m[2] === String(stderrStat.ino);
}

/** --log-priority-prefix / --no-log-priority-prefix decide; otherwise on for a journal stderr only. */
export function wantsPriorityPrefix(o: {
  flag: boolean | undefined;
  logFile: string | undefined;
  journalStream: string | undefined;
  stderrStat: { dev: number | bigint; ino: number | bigint } | undefined;
}): boolean {
  if (o.flag !== undefined) return o.flag;
  return !o.logFile && stderrIsJournal(o.journalStream, o.stderrStat);
}
