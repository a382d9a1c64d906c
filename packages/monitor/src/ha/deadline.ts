// The leader's own deadline (docs/ha.md "Timing"), on a monotonic clock in milliseconds.
//
// etcd expires the lease TTL after it last received a keepalive, which is after we sent it; so
// `sent + TTL` is never later than etcd's expiry. The margin covers clock-rate differences and the
// time the monitor needs to stop acting. etcd3's own `lost` event comes up to 2 × TTL late when
// etcd is unreachable (ha.md §2): never wait for it.

/** Stop claiming leadership this long before the earliest moment etcd can expire the lease. */
export const DEADLINE_MARGIN_MS = 500;
/** How often the deadline is checked (isLeader() also checks it on every call). */
export const DEADLINE_CHECK_MS = 100;

/** The lease is renewed every TTL/3, as etcd's Go client does: two keepalives may fail in a row. */
export function keepaliveIntervalMs(ttlS: number): number {
  return (ttlS * 1000) / 3;
}

/** A keepalive (or the grant) sent at `sentAt` and acknowledged: leadership holds until this time. */
export function deadlineAfterAck(sentAt: number, ttlS: number, marginMs = DEADLINE_MARGIN_MS): number {
  return sentAt + ttlS * 1000 - marginMs;
}

/**
 * The deadline as acknowledgements arrive. An acknowledgement of an older keepalive that arrives
 * after a newer one never moves it back. Once `passed`, it stays passed: a late acknowledgement
 * does not revive a leadership the monitor has already given up.
 */
export class LeaderDeadline {
  private until: number;
  private expired = false;

  constructor(grantSentAt: number, private readonly ttlS: number, private readonly marginMs = DEADLINE_MARGIN_MS) {
    this.until = deadlineAfterAck(grantSentAt, ttlS, marginMs);
  }

  ack(sentAt: number, now: number): void {
    if (this.passed(now)) return;
    this.until = Math.max(this.until, deadlineAfterAck(sentAt, this.ttlS, this.marginMs));
  }

  passed(now: number): boolean {
    if (!this.expired && now >= this.until) this.expired = true;
    return this.expired;
  }

  /** Milliseconds left (0 once passed). */
  remaining(now: number): number {
    return this.passed(now) ? 0 : this.until - now;
  }

  at(): number {
    return this.until;
  }
}
