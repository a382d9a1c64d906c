// One standing WATCH_HEALTH per agent that speaks our extensions, each on a second kept
// connection of its own (the first carries the request/response traffic, which it would block):
// the agent answers when its health changes (its mysqld died: an instant socket close), at the
// request's bound, or at once when the generation passed is not its current one. Each answer is
// handed on and the request re-issued with the answer's generation at once (a new connection
// starts from 0, so no change is lost across a reconnect). Bounded everywhere: the read timeout is
// the request's bound plus a margin; no answer means a backoff (doubling, capped) before the next
// try, never a tight loop; stop() ends every loop, timer and socket.
import { performance } from 'node:perf_hooks';
import { type AgentReply, type AgentRequest, type Logger, errorMessage } from '@mmm/common';

export interface PushClient {
  request(req: AgentRequest, timeoutMs: number): Promise<AgentReply>;
  close(): void;
  reset(): void;
}

export interface HealthPushOptions {
  hosts: readonly string[];
  clientFor: (host: string) => PushClient;
  /** May this agent be sent WATCH_HEALTH now? Asked before every request. */
  watchable: (host: string) => boolean;
  /** An answer: the generation to pass next, or undefined when it is unusable (then a backoff). */
  onReply: (host: string, reply: AgentReply, sentGeneration: number) => number | undefined;
  /** No answer within the bound, or no connection. */
  onNoReply: (host: string, error: string) => void;
  logger: Logger;
  /** The bound the agent is asked to hold each request (default 2000 ms). */
  timeoutMs?: number;
  /** Added to it for the read timeout (default 1000 ms). */
  marginMs?: number;
  /** Backoff after a failure: first, and the cap (defaults 250 ms, 5000 ms). */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** An agent that may not be watched is asked again this often (default 1000 ms). */
  idleMs?: number;
  /** Requests to one agent start at least this far apart (default 20 ms). */
  minGapMs?: number;
}

export const WATCH_TIMEOUT_MS = 2000;
export const WATCH_MARGIN_MS = 1000;

/**
 * The bound to ask for, pure: half the writer lease, 1–10 s. An agent that stops answering is
 * then unreachable after at most bound + margin, well before the lease (+ 2 s) lets a lost writer
 * be replaced, and an idle agent answers at most twice per lease (with 200 agents and the
 * default 10 s lease: 40 answers a second).
 */
export function watchTimeoutFor(writerLeaseSec: number): number {
  return Math.round(Math.min(10_000, Math.max(1000, (writerLeaseSec * 1000) / 2)));
}

export class HealthPush {
  private stopped = false;
  private started = false;
  private readonly clients = new Map<string, PushClient>();
  private readonly loops: Promise<void>[] = [];
  /** Pending sleeps: stop() ends them. */
  private readonly sleeps = new Set<() => void>();
  private readonly timeoutMs: number;
  private readonly marginMs: number;

  constructor(private readonly o: HealthPushOptions) {
    this.timeoutMs = o.timeoutMs ?? WATCH_TIMEOUT_MS;
    this.marginMs = o.marginMs ?? WATCH_MARGIN_MS;
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    for (const h of this.o.hosts) {
      const c = this.o.clientFor(h);
      this.clients.set(h, c);
      this.loops.push(this.run(h, c));
    }
  }

  /** Ends every loop: sleeps cut short, sockets destroyed (a standing request rejects at once). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of [...this.sleeps]) wake();
    for (const c of this.clients.values()) c.close();
    await Promise.all(this.loops);
  }

  /** New TLS material: the next request opens a new connection. */
  reset(): void {
    for (const c of this.clients.values()) c.reset();
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped || ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(t);
        this.sleeps.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      this.sleeps.add(wake);
    });
  }

  private async run(host: string, client: PushClient): Promise<void> {
    const first = this.o.backoffMs ?? 250;
    const cap = this.o.maxBackoffMs ?? 5000;
    const gap = this.o.minGapMs ?? 20;
    let generation = 0;
    let backoff = first;
    let lastStart = -Infinity;
    const fail = async (): Promise<void> => {
      generation = 0;
      await this.sleep(backoff);
      backoff = Math.min(cap, backoff * 2);
    };
    while (!this.stopped) {
      if (!this.o.watchable(host)) {
        generation = 0;
        await this.sleep(this.o.idleMs ?? 1000);
        continue;
      }
      await this.sleep(lastStart + gap - performance.now());
      if (this.stopped) break;
      lastStart = performance.now();
      const sent = generation;
      let reply: AgentReply;
      try {
        reply = await client.request({ kind: 'WATCH_HEALTH', host, generation: sent, timeoutMs: this.timeoutMs }, this.timeoutMs + this.marginMs);
      } catch (e) {
        if (this.stopped) break;
        this.o.onNoReply(host, errorMessage(e));
        await fail();
        continue;
      }
      if (this.stopped) break;
      let next: number | undefined;
      try {
        next = this.o.onReply(host, reply, sent);
      } catch (e) {
        this.o.logger.error(`WATCH_HEALTH reply of ${host} not handled: ${errorMessage(e)}`);
      }
      if (next === undefined) {
        await fail();
        continue;
      }
      const waited = performance.now() - lastStart >= this.timeoutMs / 2;
      if (next === sent && !waited) {
        // the same generation long before the bound: an agent that does not wait must not make a loop of it
        await this.sleep(backoff);
        backoff = Math.min(cap, backoff * 2);
        continue;
      }
      // an answer to 0 comes at once by design: only a request that waited, or saw a change, ends the backoff
      if (sent !== 0 || waited) backoff = first;
      generation = next;
    }
  }
}
