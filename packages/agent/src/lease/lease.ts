// The writer lease (DESIGN §5 d), pure. While this host holds the writer role, every authorized
// monitor command renews the lease. When it has run out AND the peer's MySQL cannot be reached
// either, this host is probably the isolated one: it fences itself before anyone else is promoted.

export type LeaseStatus = 'none' | 'held' | 'expired' | 'fenced';

export interface LeaseState {
  /** `writer_lease` in ms; 0 disables the lease. */
  leaseMs: number;
  holdsWriter: boolean;
  /** Time of the last authorized monitor command (or of taking the writer role). */
  lastRenewAt: number;
  fencedAt: number | undefined;
}

export interface LeaseDecision {
  status: LeaseStatus;
  /** ms until expiry (0 once expired; undefined without a lease). */
  msLeft: number | undefined;
  /** fence: do it now. probe_peer: expired, ask whether the peer's MySQL answers, then decide again. */
  action: 'none' | 'probe_peer' | 'fence';
}

export function initialLease(leaseMs: number, now: number): LeaseState {
  return { leaseMs, holdsWriter: false, lastRenewAt: now, fencedAt: undefined };
}

/** An authorized monitor command arrived: the lease restarts. A fence stays: the monitor may have
 *  promoted another host meanwhile, so only a SET_STATUS that gives the writer role back lifts it. */
export function renewLease(s: LeaseState, now: number): LeaseState {
  return { ...s, lastRenewAt: now };
}

/** A SET_STATUS with the writer role was applied: writing again is the monitor's decision. */
export function liftFence(s: LeaseState, now: number): LeaseState {
  return { ...s, holdsWriter: true, lastRenewAt: now, fencedAt: undefined };
}

export function setHoldsWriter(s: LeaseState, holds: boolean, now: number): LeaseState {
  if (holds === s.holdsWriter) return s;
  return { ...s, holdsWriter: holds, lastRenewAt: holds ? now : s.lastRenewAt, fencedAt: holds ? s.fencedAt : undefined };
}

export function markFenced(s: LeaseState, now: number): LeaseState {
  return { ...s, fencedAt: now };
}

/** peerReachable: undefined when not probed yet. */
export function leaseDecision(s: LeaseState, now: number, peerReachable: boolean | undefined): LeaseDecision {
  if (!s.holdsWriter || s.leaseMs <= 0) return { status: 'none', msLeft: undefined, action: 'none' };
  if (s.fencedAt !== undefined) return { status: 'fenced', msLeft: 0, action: 'none' };
  const left = s.lastRenewAt + s.leaseMs - now;
  if (left > 0) return { status: 'held', msLeft: left, action: 'none' };
  // A writer cut off from the monitor alone keeps writing (the peer still sees it).
  if (peerReachable === undefined) return { status: 'expired', msLeft: 0, action: 'probe_peer' };
  return { status: 'expired', msLeft: 0, action: peerReachable ? 'none' : 'fence' };
}
