// The listener's admission at the socket edge: admission.ts decides, this closes what it evicts,
// runs the trim timer for sockets still in their grace, and feeds the summary line
// (pressure-log.ts). The listener calls it at arrival, first byte, handshake, timeout and close.
// Times are performance.now(): monotonic, so a wall-clock step cannot stretch or skip the grace.
import type * as net from 'node:net';
import type { Logger } from '../logger';
import { Admission, sourceOf, type AdmissionLimits, type Evicted } from './admission';
import { PressureLog } from './pressure-log';

export interface GateOptions {
  logger: Logger;
  limits?: Partial<AdmissionLimits>;
  handshakeTimeoutMs: number;
  /** At most one summary line per window (10 s). */
  pressureWindowMs?: number;
}

export class ListenerGate {
  readonly admission: Admission<net.Socket>;
  private readonly pressure: PressureLog;
  private trimTimer: { at: number; timer: NodeJS.Timeout } | undefined;
  private closed = false;

  constructor(o: GateOptions) {
    this.admission = new Admission<net.Socket>(o.limits);
    this.pressure = new PressureLog({ logger: o.logger, limits: this.admission.limits, handshakeTimeoutMs: o.handshakeTimeoutMs, windowMs: o.pressureWindowMs });
  }

  /** For net.Server.maxConnections: only a backstop, admission stays below it. */
  get socketCap(): number {
    return this.admission.hardCap + this.admission.limits.established + 1;
  }

  /** A new raw socket: admitted; what it evicts is closed now. Returns its source. */
  arrive(raw: net.Socket): string {
    const source = sourceOf(raw.remoteAddress);
    this.evict(this.admission.arrive(raw, source, performance.now()));
    this.scheduleTrim();
    return source;
  }

  spoke(raw: net.Socket): void {
    this.admission.spoke(raw);
  }

  /**
   * Handshake done (or plain accepted): true, or false when the established pool is full (the
   * caller closes the socket: the TLS one for TLS, never the raw one under it in a TLS callback).
   */
  establish(raw: net.Socket, source: string): boolean {
    if (this.admission.establish(raw)) return true;
    this.pressure.note('refused', source);
    return false;
  }

  /** The handshake deadline closed a socket (counted, not logged one by one). */
  timedOut(source: string): void {
    this.pressure.note('timedOut', source);
  }

  /** net.Server's backstop refused a socket. */
  dropped(address: string | undefined): void {
    this.pressure.note('refused', sourceOf(address));
  }

  release(raw: net.Socket): void {
    this.admission.release(raw);
  }

  /** Stops the trim timer and logs the pending summary. */
  close(): void {
    this.closed = true;
    if (this.trimTimer) clearTimeout(this.trimTimer.timer);
    this.trimTimer = undefined;
    this.pressure.flush();
  }

  private evict(victims: Array<Evicted<net.Socket>>): void {
    for (const v of victims) {
      this.pressure.note('evicted', v.source);
      v.key.destroy();
    }
  }

  // Sockets over the limits still in their grace are evicted when it ends, if no arrival did it first.
  private scheduleTrim(): void {
    const at = this.admission.nextTrimAt();
    if (this.closed || at === undefined || (this.trimTimer && this.trimTimer.at <= at)) return;
    if (this.trimTimer) clearTimeout(this.trimTimer.timer);
    const timer = setTimeout(() => {
      this.trimTimer = undefined;
      this.evict(this.admission.trim(performance.now()));
      this.scheduleTrim();
    }, Math.max(0, at - performance.now()));
    timer.unref();
    this.trimTimer = { at, timer };
  }
}
