// The health generation and the standing WATCH_HEALTH requests waiting on it. The generation
// changes whenever what the monitor decides on changes (mysqld running/stopped/unknown,
// answering, writable, the lease state), so a monitor that passes the generation of its last
// answer loses no event between two requests: an older one is answered at once. Every wait is
// bounded by its request, by its connection closing, and by the agent stopping; the number of
// waiters is bounded per connection (one), per peer and in all.
import type { HealthFacts } from './health';

/** Why a wait ended. */
export type WatchOutcome = 'changed' | 'bound' | 'stopping' | 'closed';

/** Why a standing request was refused (the reply text). */
export type WatchRefusal = string;

export interface WatchLimits {
  /** Standing requests from one peer (certificate, or address of a plain peer). */
  perPeer: number;
  /** Standing requests in all. */
  total: number;
}

export const DEFAULT_WATCH_LIMITS: WatchLimits = { perPeer: 8, total: 64 };

/** The facts a change of which is news for the monitor (not positions or lag: they move all the time). */
export function changeKey(f: Pick<HealthFacts, 'mysqldRunning' | 'answering' | 'writable' | 'lease'>): string {
  return `${String(f.mysqldRunning)}|${f.answering}|${String(f.writable)}|${f.lease}`;
}

interface Waiter {
  conn: number;
  peer: string;
  done: (o: WatchOutcome) => void;
}

export class HealthEvents {
  // Not 1: a monitor whose request reaches a restarted agent (its client retries on a new
  // connection) must find another generation there, and get its answer at once.
  private gen = 1 + Math.floor(Math.random() * 1e9);
  private key: string | undefined;
  private readonly waiters = new Set<Waiter>();
  private stopping = false;

  constructor(private readonly limits: WatchLimits = DEFAULT_WATCH_LIMITS) {}

  /** The current generation (never 0: a request with 0 is always answered at once). */
  get current(): number {
    return this.gen;
  }

  get waiting(): number {
    return this.waiters.size;
  }

  /** A new observation: a changed key starts a new generation and answers every waiter. */
  note(facts: Parameters<typeof changeKey>[0]): void {
    const k = changeKey(facts);
    if (k === this.key) return;
    const first = this.key === undefined;
    this.key = k;
    if (first) return; // the first observation is no change: nobody has seen another one
    this.gen++;
    this.release('changed');
  }

  /** Refusal text when this request may not stand, else undefined. */
  refusal(conn: number, peer: string): WatchRefusal | undefined {
    if (this.stopping) return 'the agent is stopping';
    const ws = [...this.waiters];
    if (ws.some((w) => w.conn === conn)) return 'a WATCH_HEALTH already waits on this connection';
    if (ws.filter((w) => w.peer === peer).length >= this.limits.perPeer) return `too many standing WATCH_HEALTH requests from this peer (${this.limits.perPeer})`;
    if (ws.length >= this.limits.total) return `too many standing WATCH_HEALTH requests (${this.limits.total})`;
    return undefined;
  }

  /**
   * Waits until the generation is no longer `generation` (at once when it already differs), for
   * at most timeoutMs, or until `closed` resolves or stop() is called. Check refusal() first.
   */
  wait(generation: number, timeoutMs: number, conn: number, peer: string, closed?: Promise<void>): Promise<WatchOutcome> {
    if (this.stopping) return Promise.resolve('stopping');
    if (generation !== this.gen) return Promise.resolve('changed');
    return new Promise<WatchOutcome>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const w: Waiter = {
        conn,
        peer,
        done: (o) => {
          if (!this.waiters.delete(w)) return;
          clearTimeout(timer);
          resolve(o);
        },
      };
      this.waiters.add(w);
      timer = setTimeout(() => w.done('bound'), timeoutMs);
      void closed?.then(() => w.done('closed'));
    });
  }

  /** Agent shutdown: every waiter is answered now, and no new one waits. */
  stop(): void {
    this.stopping = true;
    this.release('stopping');
  }

  private release(o: WatchOutcome): void {
    for (const w of [...this.waiters]) w.done(o);
  }
}
