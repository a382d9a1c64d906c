// The asynchronous hooks (notify_command, post_failover_command): events queue and one run at a
// time takes them in order, so the same event never runs twice at once and a slow hook delays
// only the hooks behind it, never a pass. The queue is bounded; an event already waiting is not
// queued again; what is not queued is reported (audited) by the owner.
import { type HookEvent, eventKey } from './hook-env';

export interface QueueItem {
  key: string;
  event: HookEvent;
}

export type Admission = { ok: true } | { ok: false; why: 'duplicate' | 'full' };

/** Pure: may `item` join the events still waiting (the one running is not among them)? */
export function admit(waiting: readonly QueueItem[], item: QueueItem, max: number): Admission {
  if (waiting.some((w) => w.key === item.key)) return { ok: false, why: 'duplicate' };
  if (waiting.length >= max) return { ok: false, why: 'full' };
  return { ok: true };
}

export interface HookQueueOptions {
  /** Runs one event to its end (bounded by the runner); never rejects. */
  run(e: HookEvent): Promise<void>;
  /** An event was not queued. */
  onDrop(e: HookEvent, why: 'duplicate' | 'full', waiting: number): void;
  /** Events that may wait (default 100). */
  max?: number;
}

export const HOOK_QUEUE_MAX = 100;

export class HookQueue {
  private readonly waiting: QueueItem[] = [];
  private running?: Promise<void>;
  private stopped = false;

  constructor(private readonly o: HookQueueOptions) {}

  push(event: HookEvent): void {
    if (this.stopped) return;
    const item = { key: eventKey(event), event };
    const a = admit(this.waiting, item, this.o.max ?? HOOK_QUEUE_MAX);
    if (!a.ok) {
      this.o.onDrop(event, a.why, this.waiting.length);
      return;
    }
    this.waiting.push(item);
    this.running ??= this.pump();
  }

  get pending(): number {
    return this.waiting.length;
  }

  /** Resolves when nothing waits or runs. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Drops what waits (not reported); the run under way finishes (its runner bounds it). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.waiting.length = 0;
    await this.idle();
  }

  private async pump(): Promise<void> {
    try {
      for (let item = this.waiting.shift(); item; item = this.waiting.shift()) await this.o.run(item.event).catch(() => undefined);
    } finally {
      this.running = undefined;
    }
  }
}
