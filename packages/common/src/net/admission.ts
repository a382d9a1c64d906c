// Which sockets a listener keeps (issue 15): pure bookkeeping over opaque keys (time is an
// argument), no sockets, no timers. Two pools: unauthenticated sockets (TLS handshake not
// finished) and established connections (authenticated, or plain where plain is allowed).
// Unauthenticated sockets never take an established slot, so a flood of silent sockets cannot
// lock out the monitor or an operator.
//
// The unauthenticated pool never refuses a newcomer; over its limits (perSource, then
// unauthenticated in all, taken from the source holding the most) it evicts the oldest socket
// that has stayed silent for graceMs. The grace is what lets a real client win against a flood
// from its own address: its ClientHello follows the connect at once, and a socket that spoke is
// not evicted for the limits. Only at the hard cap (HARD_CAP_FACTOR × unauthenticated) does a
// newcomer evict regardless of age: the oldest silent socket of the source holding the most,
// else its oldest.
import { MmmError } from '../errors';

export interface AdmissionLimits {
  /** Unauthenticated sockets from one source (an IPv4 address, an IPv6 /64). */
  perSource: number;
  /** Unauthenticated sockets in all. */
  unauthenticated: number;
  /** Established connections: a pool of its own. */
  established: number;
  /** How long a silent socket is safe from the limits (the hard cap aside). */
  graceMs: number;
}

export const DEFAULT_ADMISSION_LIMITS: Readonly<AdmissionLimits> = { perSource: 16, unauthenticated: 128, established: 256, graceMs: 250 };

/** Checks limits given by a caller: whole numbers ≥ 1 (graceMs ≥ 0), perSource ≤ unauthenticated. */
export function admissionLimits(over: Partial<AdmissionLimits> = {}): AdmissionLimits {
  const l = { ...DEFAULT_ADMISSION_LIMITS, ...over };
  for (const [k, v] of Object.entries(l)) {
    if (!Number.isInteger(v) || v < (k === 'graceMs' ? 0 : 1)) throw new MmmError('USAGE', `admission limit ${k} must be a whole number ≥ ${k === 'graceMs' ? 0 : 1}, not ${v}`);
  }
  if (l.perSource > l.unauthenticated) {
    throw new MmmError('USAGE', `admission limit perSource (${l.perSource}) exceeds unauthenticated (${l.unauthenticated})`);
  }
  return l;
}

/**
 * The source a socket's limits count against: the IPv4 address (IPv4-mapped IPv6 included), or
 * the /64 of an IPv6 address (one host usually holds a whole /64). Unparsable: the text itself.
 */
export function sourceOf(address: string | undefined): string {
  if (!address) return '?';
  const a = address.toLowerCase().split('%')[0]!; // a zone id (fe80::1%eth0) names no other host
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (mapped) return mapped[1]!;
  if (!a.includes(':')) return a;
  const [head = '', tail = ''] = a.split('::', 2);
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = a.includes('::') ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return a;
  // RFC 5952 text of the /64: the trailing zero groups (always the longest run) become "::"
  const head4 = groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, ''));
  while (head4.length && head4[head4.length - 1] === '0') head4.pop();
  return `${head4.join(':')}::/64`;
}

/** The hard cap on unauthenticated sockets, as a multiple of the `unauthenticated` limit. */
export const HARD_CAP_FACTOR = 4;

export interface Evicted<K> {
  key: K;
  source: string;
}

interface Pending {
  source: string;
  since: number;
  spoke: boolean;
}

export class Admission<K> {
  readonly limits: AdmissionLimits;
  readonly hardCap: number;
  // Insertion order is arrival order: a source's set starts with its oldest socket.
  private readonly pending = new Map<K, Pending>();
  private readonly bySource = new Map<string, Set<K>>();
  private readonly established = new Set<K>();

  constructor(limits: Partial<AdmissionLimits> = {}) {
    this.limits = admissionLimits(limits);
    this.hardCap = this.limits.unauthenticated * HARD_CAP_FACTOR;
  }

  get unauthenticatedCount(): number {
    return this.pending.size;
  }

  get establishedCount(): number {
    return this.established.size;
  }

  /** Unauthenticated sockets of one source. */
  countOf(source: string): number {
    return this.bySource.get(source)?.size ?? 0;
  }

  /**
   * A new socket from `source` at `now`: always admitted. Returns what to close at once (already
   * forgotten here): at the hard cap one socket of the source holding the most, then whatever
   * trim() finds for `source` and the pool.
   */
  arrive(key: K, source: string, now: number): Array<Evicted<K>> {
    const victims: Array<Evicted<K>> = [];
    if (this.pending.size >= this.hardCap) {
      const from = this.largestSource();
      const v = this.oldestSilent(from, Infinity) ?? this.bySource.get(from)!.values().next().value!;
      victims.push(this.forget(v));
    }
    this.pending.set(key, { source, since: now, spoke: false });
    let set = this.bySource.get(source);
    if (!set) this.bySource.set(source, (set = new Set()));
    set.add(key);
    victims.push(...this.trimSource(source, now), ...this.trimPool(now));
    return victims;
  }

  /** Evicts, in every source and in the pool, what is over the limits and past its grace. */
  trim(now: number): Array<Evicted<K>> {
    const victims: Array<Evicted<K>> = [];
    for (const source of [...this.bySource.keys()]) victims.push(...this.trimSource(source, now));
    victims.push(...this.trimPool(now));
    return victims;
  }

  /**
   * When a trim() could evict more: the end of the grace of the oldest silent socket in a
   * source or pool that is over its limit; undefined when within the limits.
   */
  nextTrimAt(): number | undefined {
    let at: number | undefined;
    const consider = (source: string): void => {
      const k = this.oldestSilent(source, Infinity);
      if (k === undefined) return;
      const t = this.pending.get(k)!.since + this.limits.graceMs;
      at = at === undefined ? t : Math.min(at, t);
    };
    const poolOver = this.pending.size > this.limits.unauthenticated;
    for (const [source, set] of this.bySource) if (poolOver || set.size > this.limits.perSource) consider(source);
    return at;
  }

  /** The socket sent its first byte: the limits no longer evict it (the hard cap may). */
  spoke(key: K): void {
    const p = this.pending.get(key);
    if (p) p.spoke = true;
  }

  /**
   * The socket finished the handshake (or was accepted plain): it leaves the unauthenticated
   * pool. false: the established pool is full, or the socket was already evicted; close it.
   */
  establish(key: K): boolean {
    if (!this.pending.has(key)) return false;
    this.release(key);
    if (this.established.size >= this.limits.established) return false;
    this.established.add(key);
    return true;
  }

  /** The socket closed (any pool; unknown keys are ignored). */
  release(key: K): void {
    if (this.pending.has(key)) this.forget(key);
    this.established.delete(key);
  }

  private trimSource(source: string, now: number): Array<Evicted<K>> {
    const victims: Array<Evicted<K>> = [];
    while (this.countOf(source) > this.limits.perSource) {
      const k = this.oldestSilent(source, now - this.limits.graceMs);
      if (k === undefined) break;
      victims.push(this.forget(k));
    }
    return victims;
  }

  private trimPool(now: number): Array<Evicted<K>> {
    const victims: Array<Evicted<K>> = [];
    const before = now - this.limits.graceMs;
    while (this.pending.size > this.limits.unauthenticated) {
      // the source holding the most among those with a socket past its grace
      let best: K | undefined;
      let most = 0;
      for (const [source, set] of this.bySource) {
        if (set.size <= most) continue;
        const k = this.oldestSilent(source, before);
        if (k !== undefined) {
          best = k;
          most = set.size;
        }
      }
      if (best === undefined) break;
      victims.push(this.forget(best));
    }
    return victims;
  }

  /** The oldest socket of `source` that has not spoken and arrived at or before `notAfter`. */
  private oldestSilent(source: string, notAfter: number): K | undefined {
    for (const k of this.bySource.get(source) ?? []) {
      const p = this.pending.get(k)!;
      if (p.since > notAfter) return undefined; // arrival order: the rest are younger
      if (!p.spoke) return k;
    }
    return undefined;
  }

  private forget(key: K): Evicted<K> {
    const p = this.pending.get(key)!;
    this.pending.delete(key);
    const set = this.bySource.get(p.source)!;
    set.delete(key);
    if (set.size === 0) this.bySource.delete(p.source);
    return { key, source: p.source };
  }

  /** The source with the most unauthenticated sockets; a tie goes to the one seen first. */
  private largestSource(): string {
    let best = '';
    let most = -1;
    for (const [source, set] of this.bySource) {
      if (set.size > most) {
        best = source;
        most = set.size;
      }
    }
    return best;
  }
}
