// Repeat suppression around a logger, as syslog does it: a line repeated within a window is
// logged once, then one "message repeated N times in the last S s: …" line. Without it the
// monitor writes one line per pass (4 a second) for as long as a node is down.
//
// Unlike syslog, every distinct line is followed separately (up to maxTracked of them), not
// only the last one: a failed SET_STATUS logs two or three different lines per pass, and two
// dead hosts alternate their lines, so "same as the previous line" would never match.
import { type Clock, systemClock } from './clock';
import { safeJson } from './log-line';
import type { Logger, LogLevel } from './logger';
import { SYSLOG_PRIORITY } from './log-priority';

export interface RepeatFilterOptions {
  clock?: Clock;
  /** Length of a window (default 60 s): at its end the count is logged and the line may appear again. */
  windowMs?: number;
  /** Distinct lines followed at once (default 256); beyond, the oldest is summed up and forgotten. */
  maxTracked?: number;
  /** Timer seam: runs `fn` after `ms` and returns its cancel. Default: an unref'd setTimeout. */
  schedule?: (fn: () => void, ms: number) => () => void;
  /** The logger's level: less severe lines are passed on untracked (the logger drops them anyway). */
  level?: LogLevel;
}

type Meta = Record<string, unknown>;

interface Tracked {
  level: LogLevel;
  message: string;
  meta?: Meta;
  /** The logger the line went to (a child carries its own metadata). */
  target: Logger;
  firstAt: number;
  repeats: number;
}

const unrefTimer = (fn: () => void, ms: number): (() => void) => {
  const t = setTimeout(fn, ms);
  t.unref(); // a pending summary never keeps a stopping daemon alive
  return () => clearTimeout(t);
};

/** What all children of one filter share: the lines seen and the one timer. */
class RepeatState {
  readonly clock: Clock;
  readonly windowMs: number;
  readonly maxTracked: number;
  readonly schedule: (fn: () => void, ms: number) => () => void;
  readonly level?: LogLevel;
  readonly tracked = new Map<string, Tracked>();
  cancelTimer?: () => void;
  timerDue = 0;
  closed = false;

  constructor(o: RepeatFilterOptions) {
    this.clock = o.clock ?? systemClock;
    this.windowMs = o.windowMs ?? 60_000;
    this.maxTracked = o.maxTracked ?? 256;
    this.level = o.level;
    this.schedule = o.schedule ?? unrefTimer;
  }

  log(target: Logger, key: string, level: LogLevel, message: string, meta: Meta | undefined): void {
    if (this.closed) return target[level](message, meta);
    const now = this.clock.now();
    const seen = this.tracked.get(key);
    if (seen && now - seen.firstAt < this.windowMs) {
      seen.repeats++;
      this.armFor(seen.firstAt + this.windowMs, now);
      return;
    }
    if (seen) this.forget(key, seen, now);
    target[level](message, meta);
    this.tracked.set(key, { level, message, meta, target, firstAt: now, repeats: 0 });
    if (this.tracked.size > this.maxTracked) {
      const [oldKey, old] = this.tracked.entries().next().value as [string, Tracked];
      this.forget(oldKey, old, now);
    }
  }

  /** Window ends: the lines whose window is over are summed up and forgotten. */
  expire(): void {
    this.cancelTimer = undefined;
    const now = this.clock.now();
    // Map order is first-seen order (a line seen again after its window is re-inserted).
    for (const [key, t] of this.tracked) {
      if (now - t.firstAt < this.windowMs) break;
      this.forget(key, t, now);
    }
    for (const t of this.tracked.values()) {
      if (t.repeats > 0) return this.armFor(t.firstAt + this.windowMs, now);
    }
  }

  /** Every pending count now (close, or before the process exits). */
  flushAll(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const now = this.clock.now();
    for (const [key, t] of this.tracked) this.forget(key, t, now);
  }

  private forget(key: string, t: Tracked, now: number): void {
    this.tracked.delete(key);
    if (t.repeats === 0) return;
    const secs = Math.min(this.windowMs, Math.max(1000, now - t.firstAt)) / 1000;
    t.target[t.level](`message repeated ${t.repeats} times in the last ${Math.ceil(secs)} s: ${t.message}`, {
      ...(t.meta ?? {}),
      repeated: t.repeats,
    });
  }

  /**
   * One timer, pending exactly while some line has repeats to report, due at the earliest of
   * their window ends; a repeat only moves it earlier (O(1) per repeated line).
   */
  private armFor(due: number, now: number): void {
    if (this.closed || (this.cancelTimer && this.timerDue <= due)) return;
    this.cancelTimer?.();
    this.timerDue = due;
    this.cancelTimer = this.schedule(() => this.expire(), Math.max(0, due - now));
  }
}

/** A Logger that passes each line on once per window; see the file comment. */
export class RepeatFilter implements Logger {
  private constructor(
    private readonly inner: Logger,
    /** Metadata of this child and its parents (part of the key). */
    private readonly bound: Meta,
    private readonly state: RepeatState,
  ) {}

  static wrap(inner: Logger, o: RepeatFilterOptions = {}): RepeatFilter {
    return new RepeatFilter(inner, {}, new RepeatState(o));
  }

  error(msg: string, meta?: Meta): void {
    this.log('error', msg, meta);
  }
  warn(msg: string, meta?: Meta): void {
    this.log('warn', msg, meta);
  }
  info(msg: string, meta?: Meta): void {
    this.log('info', msg, meta);
  }
  debug(msg: string, meta?: Meta): void {
    this.log('debug', msg, meta);
  }
  child(meta: Meta): Logger {
    return new RepeatFilter(this.inner.child(meta), { ...this.bound, ...meta }, this.state);
  }
  reopen(): void {
    this.inner.reopen();
  }

  /** Logs every pending count now; later lines pass through unfiltered (shutdown). */
  close(): void {
    this.state.flushAll();
    this.state.closed = true;
  }

  private log(level: LogLevel, msg: string, meta: Meta | undefined): void {
    const threshold = this.state.level;
    if (threshold && SYSLOG_PRIORITY[level] > SYSLOG_PRIORITY[threshold]) return this.inner[level](msg, meta);
    // The whole line but its time: level, message and all metadata (the child's `host` too).
    // Message and host alone would hide 'SET_STATUS applied' {state: ONLINE} after the same
    // line with {state: HARD_OFFLINE}; the per-pass lines this is for have constant metadata.
    const key = `${level}\u0000${msg}\u0000${safeJson({ ...this.bound, ...(meta ?? {}) })}`;
    this.state.log(this.inner, key, level, msg, meta);
  }
}
