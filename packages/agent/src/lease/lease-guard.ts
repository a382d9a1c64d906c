// The lease's timer loop: ticks, probes the peer when the lease has run out, fences when told to.
// The peer is probed ahead (the last probeLeadMs of the lease), so that a writer cut off from
// everyone fences at its lease's expiry, not a probe timeout later: the monitor promotes another
// host at writer_lease plus a margin (analysis/policy.ts leaseMarginMs) after its last contact.
import { type Clock, type Logger, errorMessage, nullLogger, systemClock } from '@mmm/common';
import { type LeaseDecision, type LeaseState, initialLease, leaseDecision, liftFence, markFenced, renewLease, setHoldsWriter } from './lease';

export interface LeaseGuardOptions {
  leaseMs: number;
  /** Does the peer's MySQL answer? Must be bounded (see system/peer-probe.ts). */
  probePeer: () => Promise<boolean>;
  /** read_only=1, end client connections, remove the writer VIP. Throws if any of it failed. */
  fence: () => Promise<void>;
  /** Called once when the decision to fence is taken (before any step). */
  onFenceDecision?: () => void;
  clock?: Clock;
  logger?: Logger;
  tickMs?: number; // 100
  /** How long before expiry the peer is probed: the probe's own bound plus a tick. */
  probeLeadMs?: number; // 1250
}

export class LeaseGuard {
  private state: LeaseState;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  /** Fenced, but a step failed: retried every tick until it works or the fence is lifted. */
  private fenceIncomplete = false;
  /** The early probe of the lease's last probeLeadMs: when it began and what it found. */
  private early: { renewAt: number; reachable?: boolean; running?: Promise<void> } | undefined;
  private readonly clock: Clock;
  private readonly log: Logger;

  constructor(private readonly o: LeaseGuardOptions) {
    this.clock = o.clock ?? systemClock;
    this.log = o.logger ?? nullLogger;
    this.state = initialLease(o.leaseMs, this.clock.now());
  }

  /** Call on every authorized monitor command. */
  renew(): void {
    this.state = renewLease(this.state, this.clock.now());
  }

  /** Call after each SET_STATUS with whether it holds the writer role; a writer SET_STATUS lifts a fence. */
  setHoldsWriter(holds: boolean): void {
    const now = this.clock.now();
    this.state = holds ? liftFence(this.state, now) : setHoldsWriter(this.state, false, now);
  }

  get fenced(): boolean {
    return this.state.fencedAt !== undefined;
  }

  status(): LeaseDecision {
    return leaseDecision(this.state, this.clock.now(), true);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.o.tickMs ?? 100);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
    await this.early?.running;
  }

  /** One check; overlapping ticks are collapsed into the running one. */
  tick(): Promise<void> {
    if (!this.ticking) this.ticking = this.check().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async check(): Promise<void> {
    if (this.fenceIncomplete) return this.completeFence();
    let d = leaseDecision(this.state, this.clock.now(), undefined);
    if (d.status === 'held' && d.msLeft !== undefined && d.msLeft <= (this.o.probeLeadMs ?? 1250)) {
      this.probeEarly();
      return;
    }
    if (d.action === 'probe_peer') {
      // an unreachable peer seen by the early probe (since the last renewal) fences at once; a
      // reachable one is asked again: it may have gone since
      const e = this.early?.renewAt === this.state.lastRenewAt ? this.early.reachable : undefined;
      const reachable = e === false ? false : await this.o.probePeer().catch(() => false);
      d = leaseDecision(this.state, this.clock.now(), reachable);
    }
    if (d.action !== 'fence') return;
    this.log.error('writer lease expired and the peer is unreachable: fencing this host', { leaseMs: this.o.leaseMs });
    // Fenced from the decision on, not from the last successful step: a re-assertion after a
    // monitor connection (reassert-roles.ts) must never make the node writable again while a step is
    // still being retried (it filters the writer role only while fenced).
    this.state = markFenced(this.state, this.clock.now());
    this.o.onFenceDecision?.();
    this.fenceIncomplete = true;
    await this.completeFence();
  }

  /** One probe per renewal, in the background: the ticks go on meanwhile. */
  private probeEarly(): void {
    const renewAt = this.state.lastRenewAt;
    if (this.early?.renewAt === renewAt) return;
    const e: NonNullable<LeaseGuard['early']> = { renewAt };
    this.early = e;
    e.running = this.o.probePeer().then(
      (ok) => void (e.reachable = ok),
      () => void (e.reachable = false),
    );
  }

  /** Tries every fencing step; what failed is tried again on the next tick. */
  private async completeFence(): Promise<void> {
    if (!this.fenced) {
      this.fenceIncomplete = false; // a writer status lifted the fence meanwhile
      return;
    }
    try {
      await this.o.fence();
      this.fenceIncomplete = false;
      if (this.fenced) this.log.error('fenced: read_only=1, client connections ended, writer VIP removed');
    } catch (e) {
      this.log.error('fencing incomplete; will retry', { error: errorMessage(e) });
    }
  }
}
