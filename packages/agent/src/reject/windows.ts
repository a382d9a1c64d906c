// Which VIPs are answered with resets, and until when (pure). A window opens when a demotion of
// this host begins (the rules are in place before the address leaves), runs for the period from
// when the address left, and closes early when the address comes back to this host.

/** VIP → the time (ms) its window closes. */
export type RejectWindows = ReadonlyMap<string, number>;

export const noWindows: RejectWindows = new Map();

/** A demotion begins: each VIP gets a window of `periodMs` from now (its departure restarts it). */
export function openWindows(w: RejectWindows, ips: readonly string[], now: number, periodMs: number): RejectWindows {
  const next = new Map(w);
  for (const ip of ips) next.set(ip, Math.max(next.get(ip) ?? 0, now + periodMs));
  return next;
}

/** The VIP left this host now: its window runs for the whole period from now. */
export function vipLeft(w: RejectWindows, ip: string, now: number, periodMs: number): RejectWindows {
  const next = new Map(w);
  next.set(ip, now + periodMs);
  return next;
}

/** The VIP is on this host again: nothing to answer for it. */
export function vipReturned(w: RejectWindows, ip: string): RejectWindows {
  if (!w.has(ip)) return w;
  const next = new Map(w);
  next.delete(ip);
  return next;
}

/** Drops the windows that have run out. */
export function expireWindows(w: RejectWindows, now: number): RejectWindows {
  if ([...w.values()].every((until) => until > now)) return w;
  return new Map([...w].filter(([, until]) => until > now));
}

/** The VIPs answered now, sorted. */
export function openIps(w: RejectWindows): string[] {
  return [...w.keys()].sort();
}

/** When the next window closes; undefined when none is open. */
export function nextClose(w: RejectWindows): number | undefined {
  let min: number | undefined;
  for (const until of w.values()) if (min === undefined || until < min) min = until;
  return min;
}
