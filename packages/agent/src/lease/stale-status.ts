// Is this SET_STATUS a request delayed in the network? MMM's protocol has no sequence numbers, so
// the connection it came on tells: the monitor keeps one connection per agent and drops it when a
// request times out, but the kernel still delivers what that dropped socket had queued once the
// network is back. In one e2e 09 run the fenced old writer became writable (with the VIP) next to
// the new one for seconds after its link came back; a writer SET_STATUS queued at the cut and
// delivered late on the old connection is the explanation that fits (docs/agent.md). Pure.

export interface RequestOrigin {
  /** Accept order of the connection (1, 2, …). */
  connSeq: number;
}

export interface StaleInput {
  origin: RequestOrigin;
  /** connSeq of the newest connection that delivered a SET_STATUS (0: none yet). */
  newestStatusConn: number;
  /** While this host is fenced: the newest connection number at the fence decision. Numbers, not
   *  times: a wall clock stepped back would otherwise refuse every new monitor connection, or
   *  let the old one through. */
  fencedAtConn: number | undefined;
  /** Does the request give this host the writer role? */
  givesWriter: boolean;
}

/** Why the request must be refused, or undefined when it may be applied. */
export function staleStatusReason(i: StaleInput): string | undefined {
  if (i.origin.connSeq < i.newestStatusConn) {
    return `stale SET_STATUS: it came on monitor connection #${i.origin.connSeq}, and #${i.newestStatusConn} (newer) has sent a status since`;
  }
  if (i.givesWriter && i.fencedAtConn !== undefined && i.origin.connSeq <= i.fencedAtConn) {
    return `SET_STATUS with the writer role on a connection opened before this host fenced itself: a request delayed in the network, not the monitor's current decision`;
  }
  return undefined;
}
