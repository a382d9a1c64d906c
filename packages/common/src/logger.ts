// Injected logger: daemons build one in main.ts and pass it down; nothing logs through a global.
// createLogger composes the parts: line format (log-line.ts: text/JSON, syslog priority
// prefix), sink (stderr, or a --log-file that SIGHUP reopens: log-file.ts) and repeat
// suppression (log-repeats.ts). winston is loaded by the first createLogger(), not at import:
// mmm_control and mmm_tls import this module (the Logger type, nullLogger, LOG_LEVELS) but never
// build a logger, and winston is ~50 ms of their start-up.
import * as os from 'node:os';
import type * as Winston from 'winston';
import { type Clock } from './clock';
import { ReopenableFile } from './log-file';
import { formatLine } from './log-line';
import { RepeatFilter } from './log-repeats';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

export interface Logger {
  error(msg: string, meta?: Record<string, unknown>): void;
  warn(msg: string, meta?: Record<string, unknown>): void;
  info(msg: string, meta?: Record<string, unknown>): void;
  debug(msg: string, meta?: Record<string, unknown>): void;
  /** A logger that adds `meta` to every entry (e.g. {host: 'db1'}). */
  child(meta: Record<string, unknown>): Logger;
  /** Reopens the log file at its path (after logrotate renamed it); a no-op without a file. */
  reopen(): void;
}

/** The logger a daemon owns: close() logs pending repeat counts and flushes the file. */
export interface RootLogger extends Logger {
  close(): Promise<void>;
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: 'text' | 'json';
  /** Log file; stderr when absent. */
  file?: string;
  /** Program name shown in text lines and as `program` in JSON lines. */
  program?: string;
  /** `hostname` of JSON lines (default os.hostname()). */
  hostname?: string;
  /** Start each line with its syslog priority `<3>`…`<7>` (for journald). */
  priorityPrefix?: boolean;
  /** Repeat suppression window (default 60 s; 0 turns suppression off). */
  repeatWindowMs?: number;
  clock?: Clock;
}

class WinstonLogger implements Logger {
  constructor(
    private readonly w: Winston.Logger,
    private readonly file?: ReopenableFile,
  ) {}
  error(msg: string, meta?: Record<string, unknown>): void {
    this.w.error(msg, meta);
  }
  warn(msg: string, meta?: Record<string, unknown>): void {
    this.w.warn(msg, meta);
  }
  info(msg: string, meta?: Record<string, unknown>): void {
    this.w.info(msg, meta);
  }
  debug(msg: string, meta?: Record<string, unknown>): void {
    this.w.debug(msg, meta);
  }
  child(meta: Record<string, unknown>): Logger {
    return new WinstonLogger(this.w.child(meta), this.file);
  }
  reopen(): void {
    if (!this.file) return;
    const failed = this.file.reopen();
    if (failed) this.w.error(failed);
    else this.w.info('log file reopened', { file: this.file.path });
  }
}

/** Builds the logger; with `file`, the file is opened now (a failure throws). */
export function createLogger(opts: LoggerOptions = {}): RootLogger {
  // Lazy on purpose (see the top).
  const winston = require('winston') as typeof Winston;
  const style = {
    format: opts.format ?? 'text',
    program: opts.program,
    hostname: opts.hostname ?? os.hostname(),
    priorityPrefix: opts.priorityPrefix ?? false,
  } as const;
  const format = winston.format.combine(
    winston.format.timestamp(),
    winston.format.printf((info) => {
      const { level, message, timestamp, ...meta } = info as Record<string, unknown>;
      return formatLine({ timestamp: String(timestamp), level: level as LogLevel, message: String(message), meta }, style);
    }),
  );
  const file = opts.file ? new ReopenableFile(opts.file) : undefined;
  const transport = file
    ? new winston.transports.Stream({ stream: file })
    : new winston.transports.Console({ stderrLevels: [...LOG_LEVELS] });
  const w = winston.createLogger({ level: opts.level ?? 'info', format, transports: [transport] });
  const base = new WinstonLogger(w, file);
  const filter = opts.repeatWindowMs === 0 ? undefined : RepeatFilter.wrap(base, { clock: opts.clock, windowMs: opts.repeatWindowMs, level: opts.level ?? 'info' });
  const top: Logger = filter ?? base;
  return {
    error: (m, meta) => top.error(m, meta),
    warn: (m, meta) => top.warn(m, meta),
    info: (m, meta) => top.info(m, meta),
    debug: (m, meta) => top.debug(m, meta),
    child: (meta) => top.child(meta),
    reopen: () => top.reopen(),
    close: async () => {
      filter?.close();
      if (file) await endFile(w, transport, file);
    },
  };
}

/** Ends winston, then the file, and waits (bounded: 2 s) until the file has every line. */
function endFile(w: Winston.Logger, transport: Winston.transport, file: ReopenableFile): Promise<void> {
  return new Promise<void>((resolve) => {
    const t = setTimeout(resolve, 2000);
    t.unref();
    transport.once('finish', () =>
      file.end(() => {
        clearTimeout(t);
        resolve();
      }),
    );
    w.end();
  });
}

/** A logger that drops everything (library default). */
export const nullLogger: Logger = {
  error() {},
  warn() {},
  info() {},
  debug() {},
  child() {
    return nullLogger;
  },
  reopen() {},
};
