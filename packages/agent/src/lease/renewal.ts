// Which requests renew the writer lease, pure. Only the monitor's word says the writer is still
// wanted, and only on its current connection: a request delayed in the network on a connection the
// monitor has since replaced says nothing about now (stale-status.ts). With monitor HA (a term
// seen, term/), only the acting monitor's word counts: a follower's reads and PINGs never renew,
// or a lease kept alive by a follower could keep an old writer writable while the leader promotes
// another host.
import type { PeerInfo } from '@mmm/common';

/** A monitor's certificate (or any, without peer roles): its commands renew the lease, and its
 *  connections end with the re-assertion. */
export function fromMonitorRole(peer: Pick<PeerInfo, 'role'>): boolean {
  return peer.role === 'monitor' || peer.role === 'any';
}

export interface RenewalInput {
  peer: Pick<PeerInfo, 'role'>;
  /** Accept order of the request's connection. */
  connSeq: number;
  /** connSeq of the newest connection that delivered a SET_STATUS (0: none yet). */
  newestStatusConn: number;
  /** Once this agent has seen a term: did the request pass the term gate as a state-changing
   *  command of the current term (term/gate.ts)? Undefined while no term was ever seen. */
  termAccepted?: boolean;
  /** The command. A standing WATCH_HEALTH renews nothing: it only reads and waits up to its
   *  bound; the monitor's request/response traffic renews the lease as before. */
  kind?: string;
}

/** Does this authorized request renew the writer lease? */
export function renewsLease(i: RenewalInput): boolean {
  return i.kind !== 'WATCH_HEALTH' && fromMonitorRole(i.peer) && i.connSeq >= i.newestStatusConn && i.termAccepted !== false;
}
