// The listener's one summary line for sockets closed by its limits (issue 15): a flood of
// connections must not become a flood of log lines. Evictions, handshake timeouts and refusals
// are counted per source; at most one line per window (10 s) says how many and from where.
import { type Clock, systemClock } from '../clock';
import type { Logger } from '../logger';
import type { AdmissionLimits } from './admission';

export type PressureKind = 'evicted' | 'timedOut' | 'refused';

export interface PressureCounts {
  evicted: number;
  timedOut: number;
  refused: number;
  /** Closed sockets per source (at most MAX_SOURCES of them; the rest in `untracked`). */
  bySource: Map<string, number>;
  untracked: number;
}

const MAX_SOURCES = 1024; // a spread-out flood must not grow this map without bound
const TOP = 3;

export function emptyCounts(): PressureCounts {
  return { evicted: 0, timedOut: 0, refused: 0, bySource: new Map(), untracked: 0 };
}

export function countPressure(c: PressureCounts, kind: PressureKind, source: string): void {
  c[kind]++;
  const n = c.bySource.get(source);
  if (n !== undefined) c.bySource.set(source, n + 1);
  else if (c.bySource.size < MAX_SOURCES) c.bySource.set(source, 1);
  else c.untracked++;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The summary line; the limits are in it so an operator sees which one bit. */
export function pressureLine(c: PressureCounts, seconds: number, limits: AdmissionLimits, handshakeTimeoutMs: number): string {
  const total = c.evicted + c.timedOut + c.refused;
  const parts: string[] = [];
  if (c.evicted) parts.push(`${c.evicted} unauthenticated evicted (limits ${limits.perSource} per address, ${limits.unauthenticated} in all)`);
  if (c.timedOut) parts.push(`${plural(c.timedOut, 'handshake timeout')} (${handshakeTimeoutMs} ms)`);
  if (c.refused) parts.push(`${c.refused} refused (${limits.established} connections established)`);
  const top = [...c.bySource]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, TOP)
    .map(([s, n]) => `${s} (${n})`);
  const more = c.untracked ? ` of more than ${c.bySource.size} sources` : c.bySource.size > TOP ? ` of ${c.bySource.size} sources` : '';
  return `listener limits: ${plural(total, 'connection')} closed in the last ${seconds} s: ${parts.join(', ')}; top sources: ${top.join(', ')}${more}`;
}

export interface PressureLogOptions {
  logger: Logger;
  limits: AdmissionLimits;
  handshakeTimeoutMs: number;
  /** One line at most per window (default 10 s); the first event opens it. */
  windowMs?: number;
  clock?: Clock;
  /** Timer seam: runs `fn` after `ms` and returns its cancel. Default: an unref'd setTimeout. */
  schedule?: (fn: () => void, ms: number) => () => void;
}

const unrefTimer = (fn: () => void, ms: number): (() => void) => {
  const t = setTimeout(fn, ms);
  t.unref(); // a pending summary never keeps a stopping daemon alive
  return () => clearTimeout(t);
};

export class PressureLog {
  private counts = emptyCounts();
  private openedAt = 0;
  private cancel: (() => void) | undefined;
  private readonly windowMs: number;
  private readonly clock: Clock;
  private readonly schedule: (fn: () => void, ms: number) => () => void;

  constructor(private readonly o: PressureLogOptions) {
    this.windowMs = o.windowMs ?? 10_000;
    this.clock = o.clock ?? systemClock;
    this.schedule = o.schedule ?? unrefTimer;
  }

  note(kind: PressureKind, source: string): void {
    countPressure(this.counts, kind, source);
    if (this.cancel) return;
    this.openedAt = this.clock.now();
    this.cancel = this.schedule(() => this.flush(), this.windowMs);
  }

  /** Logs the open window's line (if any) and closes the window. */
  flush(): void {
    if (!this.cancel) return;
    this.cancel();
    this.cancel = undefined;
    const c = this.counts;
    this.counts = emptyCounts();
    const seconds = Math.max(1, Math.round((this.clock.now() - this.openedAt) / 1000));
    this.o.logger.warn(pressureLine(c, seconds, this.o.limits, this.o.handshakeTimeoutMs));
  }
}
