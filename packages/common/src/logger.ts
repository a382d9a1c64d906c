// Injected logger: daemons build one in main.ts and pass it down; nothing logs through a global.
import * as winston from 'winston';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

export interface Logger {
  error(msg: string, meta?: Record<string, unknown>): void;
  warn(msg: string, meta?: Record<string, unknown>): void;
  info(msg: string, meta?: Record<string, unknown>): void;
  debug(msg: string, meta?: Record<string, unknown>): void;
  /** A logger that adds `meta` to every entry (e.g. {host: 'db1'}). */
  child(meta: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: 'text' | 'json';
  /** Log file; stderr when absent. */
  file?: string;
  /** Program name shown in text lines. */
  program?: string;
}

class WinstonLogger implements Logger {
  constructor(private readonly w: winston.Logger) {}
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
    return new WinstonLogger(this.w.child(meta));
  }
}

function textLine(info: winston.Logform.TransformableInfo, program?: string): string {
  const { level, message, timestamp, ...rest } = info as Record<string, unknown>;
  const extra = Object.entries(rest)
    .filter(([k]) => typeof k === 'string')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  const prog = program ? ` ${program}` : '';
  return `${String(timestamp)}${prog} ${String(level).toUpperCase().padStart(5)}: ${String(message)}${extra ? ` ${extra}` : ''}`;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const format =
    opts.format === 'json'
      ? winston.format.combine(winston.format.timestamp(), winston.format.json())
      : winston.format.combine(
          winston.format.timestamp(),
          winston.format.printf((info) => textLine(info, opts.program)),
        );
  const transport = opts.file
    ? new winston.transports.File({ filename: opts.file })
    : new winston.transports.Console({ stderrLevels: [...LOG_LEVELS] });
  const w = winston.createLogger({ level: opts.level ?? 'info', format, transports: [transport] });
  return new WinstonLogger(w);
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
};
