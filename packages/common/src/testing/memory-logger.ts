import type { Logger, LogLevel } from '../logger';

export interface LogEntry {
  level: LogLevel;
  msg: string;
  meta: Record<string, unknown>;
}

/** Records entries so tests can assert what was logged. */
export class MemoryLogger implements Logger {
  constructor(
    readonly entries: LogEntry[] = [],
    private readonly base: Record<string, unknown> = {},
  ) {}
  private add(level: LogLevel, msg: string, meta?: Record<string, unknown>): void {
    this.entries.push({ level, msg, meta: { ...this.base, ...(meta ?? {}) } });
  }
  error(msg: string, meta?: Record<string, unknown>): void {
    this.add('error', msg, meta);
  }
  warn(msg: string, meta?: Record<string, unknown>): void {
    this.add('warn', msg, meta);
  }
  info(msg: string, meta?: Record<string, unknown>): void {
    this.add('info', msg, meta);
  }
  debug(msg: string, meta?: Record<string, unknown>): void {
    this.add('debug', msg, meta);
  }
  child(meta: Record<string, unknown>): Logger {
    return new MemoryLogger(this.entries, { ...this.base, ...meta });
  }
  /** There is no file to reopen; counted so a test can see the call. */
  reopened = 0;
  reopen(): void {
    this.reopened++;
  }
  /** Every message text, optionally only of one level. */
  messages(level?: LogLevel): string[] {
    return this.entries.filter((e) => !level || e.level === level).map((e) => e.msg);
  }
}
