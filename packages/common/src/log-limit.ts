// Refusals are logged within a budget (issue 15 finding 9): one 100k-line fuzz of an agent wrote
// 62,361 WARN lines (10 MB), each refused line in full (up to 3,000 characters). Whoever sends
// garbage must not decide how much we write. Per kind of refusal: at most `perWindow` lines per
// window, then one summary when the window ends (or at close); text that came from the peer is
// clipped. The repeat filter (log-repeats.ts) cannot help here: every fuzz line is different.
import { type Clock, systemClock } from './clock';
import type { Logger } from './logger';

/** Longest piece of peer-supplied text a log line carries. */
export const MAX_LOGGED_INPUT = 200;

/** `text` cut to `max` characters, with how much was cut; control characters shown escaped. */
export function clipInput(text: string, max = MAX_LOGGED_INPUT): string {
  // eslint-disable-next-line no-control-regex
  const safe = text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return safe.length <= max ? safe : `${safe.slice(0, max)}… (${safe.length - max} more characters)`;
}

export interface LogLimiterOptions {
  /** Lines per kind and window (default 20). */
  perWindow?: number;
  /** Window length (default 60 s). */
  windowMs?: number;
  clock?: Clock;
  /** Timer seam: runs `fn` after `ms`, returns its cancel. Default: an unref'd setTimeout. */
  schedule?: (fn: () => void, ms: number) => () => void;
}

type Meta = Record<string, unknown>;
type Level = 'error' | 'warn' | 'info';

interface Window {
  startedAt: number;
  logged: number;
  suppressed: number;
  level: Level;
  cancel?: () => void;
}

const unrefTimer = (fn: () => void, ms: number): (() => void) => {
  const t = setTimeout(fn, ms);
  t.unref(); // a pending summary never keeps a stopping daemon alive
  return () => clearTimeout(t);
};

/** Logs at most `perWindow` lines per kind and window; then one summary line per window. */
export class LogLimiter {
  private readonly perWindow: number;
  private readonly windowMs: number;
  private readonly clock: Clock;
  private readonly schedule: (fn: () => void, ms: number) => () => void;
  private readonly windows = new Map<string, Window>();
  private closed = false;

  constructor(
    private readonly logger: Logger,
    o: LogLimiterOptions = {},
  ) {
    this.perWindow = o.perWindow ?? 20;
    this.windowMs = o.windowMs ?? 60_000;
    this.clock = o.clock ?? systemClock;
    this.schedule = o.schedule ?? unrefTimer;
  }

  warn(kind: string, msg: string, meta?: Meta): void {
    this.log('warn', kind, msg, meta);
  }

  error(kind: string, msg: string, meta?: Meta): void {
    this.log('error', kind, msg, meta);
  }

  info(kind: string, msg: string, meta?: Meta): void {
    this.log('info', kind, msg, meta);
  }

  /** Logs every pending summary now (stop); later lines pass through unlimited. */
  close(): void {
    for (const [kind, w] of this.windows) this.end(kind, w);
    this.windows.clear();
    this.closed = true;
  }

  private log(level: Level, kind: string, msg: string, meta?: Meta): void {
    if (this.closed) return this.logger[level](msg, meta);
    const now = this.clock.now();
    let w = this.windows.get(kind);
    if (w && now - w.startedAt >= this.windowMs) {
      this.end(kind, w);
      w = undefined;
    }
    if (!w) {
      w = { startedAt: now, logged: 0, suppressed: 0, level };
      this.windows.set(kind, w);
    }
    if (w.logged < this.perWindow) {
      w.logged++;
      this.logger[level](msg, meta);
      return;
    }
    w.suppressed++;
    if (!w.cancel) {
      const win = w;
      win.cancel = this.schedule(() => {
        win.cancel = undefined;
        if (this.windows.get(kind) === win) {
          this.end(kind, win);
          this.windows.delete(kind);
        }
      }, Math.max(0, win.startedAt + this.windowMs - now));
    }
  }

  private end(kind: string, w: Window): void {
    w.cancel?.();
    w.cancel = undefined;
    if (w.suppressed === 0) return;
    const secs = Math.ceil(Math.min(this.windowMs, Math.max(1000, this.clock.now() - w.startedAt)) / 1000);
    this.logger[w.level](`${w.suppressed} more '${kind}' lines suppressed in the last ${secs} s (at most ${this.perWindow} per ${Math.round(this.windowMs / 1000)} s)`, {
      suppressed: w.suppressed,
      kind,
    });
    w.suppressed = 0;
  }
}
