// The reject path's timer loop: keeps the kernel's table equal to the open windows (windows.ts),
// one `nft -f -` per change, and closes each window when its period has run. Never throws and
// never holds up a demotion: nft failing or missing is a warning (once), not an error.
import { type Clock, type Logger, errorMessage, nullLogger, systemClock } from '@mmm/common';
import { buildRejectRemoval, buildRejectRuleset } from './ruleset';
import { NftError, type NftPort } from './nft';
import { type RejectWindows, expireWindows, nextClose, noWindows, openIps, openWindows, vipLeft, vipReturned } from './windows';

/** What a demotion tells the reject path (apply.ts, the health watch). */
export interface RejectPath {
  /** These VIPs are about to leave: the rules for them now. Resolves once applied or failed; never rejects. */
  demoting(ips: readonly string[]): Promise<void>;
  /** The VIP left this host (or its removal was tried): its window runs for the period from now. */
  left(ip: string): void;
  /** The VIP is on this host again: its window closes. */
  returned(ip: string): void;
}

/** vip_reject no, VIP hooks, or injected VIPs (tests): nothing is ever done. */
export const noReject: RejectPath = {
  demoting: () => Promise.resolve(),
  left: () => undefined,
  returned: () => undefined,
};

/** How long a VIP's removal waits for the reject rules (nft takes ~20 ms; they began with the demotion). */
export const REJECT_RULES_WAIT_MS = 500;

/** Calls fn after ms; returns its cancel. */
export type Schedule = (fn: () => void, ms: number) => () => void;

const realSchedule: Schedule = (fn, ms) => {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
};

export interface VipRejectorOptions {
  table: string;
  port: number;
  periodMs: number;
  nft: NftPort;
  clock?: Clock;
  logger?: Logger;
  schedule?: Schedule;
}

export class VipRejector implements RejectPath {
  private windows: RejectWindows = noWindows;
  /** What the kernel holds; undefined: unknown (before start, after a failure). */
  private applied: string[] | undefined;
  private syncing: Promise<void> | undefined;
  private dirty = false;
  private cancelTimer: (() => void) | undefined;
  private stopped = false;
  private readonly warned = new Set<NftError['reason']>();
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly schedule: Schedule;

  constructor(private readonly o: VipRejectorOptions) {
    this.clock = o.clock ?? systemClock;
    this.log = o.logger ?? nullLogger;
    this.schedule = o.schedule ?? realSchedule;
  }

  /** VIPs answered now (tests, logs). */
  get open(): string[] {
    return openIps(this.windows);
  }

  /** At agent start: an earlier run's table goes (a crash must not leave rules forever). */
  start(): Promise<void> {
    this.stopped = false;
    this.applied = undefined;
    return this.sync();
  }

  /** At agent stop: every window closes and the table goes. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.windows = noWindows;
    await this.sync();
  }

  demoting(ips: readonly string[]): Promise<void> {
    if (this.stopped || ips.length === 0) return Promise.resolve();
    const fresh = ips.filter((ip) => !this.windows.has(ip)); // a fence retried every tick says it once
    this.windows = openWindows(this.windows, ips, this.clock.now(), this.o.periodMs);
    if (fresh.length) this.log.info('refusing new connections to the writer VIP while it leaves this host', { vips: fresh.join(','), port: this.o.port, periodMs: this.o.periodMs });
    this.reschedule();
    return this.sync();
  }

  left(ip: string): void {
    if (this.stopped || !this.windows.has(ip)) return;
    this.windows = vipLeft(this.windows, ip, this.clock.now(), this.o.periodMs);
    this.reschedule();
  }

  returned(ip: string): void {
    const before = this.windows;
    this.windows = vipReturned(this.windows, ip);
    if (this.windows === before) return;
    this.reschedule();
    void this.sync();
  }

  /** Waits for the nft run in progress, if any (tests). */
  async settle(): Promise<void> {
    await this.syncing;
  }

  /** Closes the windows whose period has run (the timer calls it; public for tests). */
  tick(): Promise<void> {
    const before = this.windows;
    this.windows = expireWindows(this.windows, this.clock.now());
    for (const ip of before.keys()) if (!this.windows.has(ip)) this.log.info('reject window closed', { vip: ip });
    this.reschedule();
    return this.sync();
  }

  private reschedule(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const at = nextClose(this.windows);
    if (at === undefined || this.stopped) return;
    this.cancelTimer = this.schedule(() => void this.tick(), Math.max(0, at - this.clock.now()));
  }

  /** Brings the kernel to the open windows; one nft run at a time, later changes coalesced. */
  private sync(): Promise<void> {
    this.dirty = true;
    this.syncing ??= this.drain().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async drain(): Promise<void> {
    while (this.dirty) {
      this.dirty = false;
      const ips = openIps(this.windows);
      if (this.applied && same(this.applied, ips)) continue;
      const { table, port } = this.o;
      const script = ips.length ? buildRejectRuleset({ table, vips: ips, port }) : buildRejectRemoval(table);
      try {
        await this.o.nft.apply(script);
        this.applied = ips;
      } catch (e) {
        this.applied = undefined;
        this.warnOnce(e);
      }
    }
  }

  private warnOnce(e: unknown): void {
    const reason = e instanceof NftError ? e.reason : 'failed';
    const what = `vip_reject: ${errorMessage(e)}`;
    if (this.warned.has(reason)) return this.log.debug(what);
    this.warned.add(reason);
    const effect = 'clients whose ARP cache still names this host for a writer VIP that left it wait for their connect timeout instead of being refused';
    const fix = reason === 'missing' ? 'apt-get install nftables, or set vip_reject no' : 'check that nft works here (root, nf_tables in the kernel), or set vip_reject no';
    this.log.warn(`${what}: ${effect} (${fix})`);
  }
}

function same(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Waits for p at most ms (the rules must never delay a demotion noticeably). */
export async function atMost(p: Promise<void>, ms: number): Promise<void> {
  let cancel: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => (cancel = setTimeout(resolve, ms)));
  await Promise.race([p, bound]).finally(() => clearTimeout(cancel));
}
