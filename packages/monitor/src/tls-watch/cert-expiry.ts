// Certificate expiry in `show` and status_json (DESIGN §4, cert_expiry_warn_days): the monitor's
// own certificate(s) and the CA, checked at start, on every reload and periodically; and each
// agent's certificate as seen on the monitor's connection to it. Every warning is one entry of the
// monitor's warnings map (keys `cert:own`, `cert:client`, `cert:ca`, `cert:agent:<host>`); it is
// logged when it appears or changes state and removed once the certificate is fine again.
import { type CertDescription, type Clock, type Logger, type TlsMaterial, expiryWarnings } from '@mmm/common';

export const CERT_KEY_PREFIX = 'cert:';
const DAY_MS = 86_400_000;

export interface CertExpiryWatchOptions {
  /** cert_expiry_warn_days. */
  warnDays: number;
  /** The monitor's warnings map (shown by show and status_json). */
  warnings: Map<string, string>;
  logger: Logger;
  clock: Clock;
}

type State = 'expired' | 'not-yet-valid' | 'expiring';

/** A peer's certificate (known only by its description) against the warning window. */
export function peerExpiry(d: CertDescription, warnDays: number, now: number): { state: State; text: string } | undefined {
  const ms = d.notAfter.getTime() - now;
  const what = `certificate CN=${d.cn || '?'}`;
  if (ms <= 0) return { state: 'expired', text: `${what} expired on ${d.notAfter.toISOString()}` };
  if (d.notBefore.getTime() > now) return { state: 'not-yet-valid', text: `${what} is not valid before ${d.notBefore.toISOString()}` };
  if (ms <= warnDays * DAY_MS) {
    return { state: 'expiring', text: `${what} expires in ${Math.floor(ms / DAY_MS)} days (${d.notAfter.toISOString()})` };
  }
  return undefined;
}

export class CertExpiryWatch {
  private material?: TlsMaterial;
  private readonly peers = new Map<string, CertDescription>();
  /** State per warning key, to log only what is new. */
  private readonly states = new Map<string, State>();

  constructor(private readonly o: CertExpiryWatchOptions) {}

  /** The material in use (start, successful reload); undefined for socket_type plain. */
  setMaterial(m: TlsMaterial | undefined): void {
    this.material = m;
    this.evaluateOwn();
  }

  /**
   * The certificate an agent presented on a new connection (undefined: a plain connection).
   * A fresh certificate clears the host's warning.
   */
  notePeer(host: string, cert: CertDescription | undefined): void {
    if (cert) this.peers.set(host, cert);
    else this.peers.delete(host);
    this.evaluatePeer(host);
  }

  /** Re-evaluates everything against the clock (the daemon calls it periodically). */
  evaluate(): void {
    this.evaluateOwn();
    for (const h of [...this.states.keys()].filter((k) => k.startsWith(`${CERT_KEY_PREFIX}agent:`))) {
      if (!this.peers.has(h.slice(`${CERT_KEY_PREFIX}agent:`.length))) this.set(h, undefined);
    }
    for (const h of this.peers.keys()) this.evaluatePeer(h);
  }

  private evaluateOwn(): void {
    const m = this.material;
    const now = this.o.clock.now();
    const days = this.o.warnDays;
    const own = m ? expiryWarnings({ own: m.cert }, days, now) : [];
    const client = m?.clientCert && m.clientCert !== m.cert ? expiryWarnings({ own: m.clientCert }, days, now) : [];
    const ca = m ? expiryWarnings({ ca: m.ca }, days, now) : [];
    const one = (ws: typeof own, prefix = '') =>
      ws.length === 0 ? undefined : { state: ws[0]!.state, text: ws.map((w) => `${prefix}${w.message}`).join('; ') };
    this.set(`${CERT_KEY_PREFIX}own`, one(own));
    this.set(`${CERT_KEY_PREFIX}client`, one(client, 'client '));
    this.set(`${CERT_KEY_PREFIX}ca`, one(ca));
  }

  private evaluatePeer(host: string): void {
    const d = this.peers.get(host);
    const w = d ? peerExpiry(d, this.o.warnDays, this.o.clock.now()) : undefined;
    this.set(`${CERT_KEY_PREFIX}agent:${host}`, w && { state: w.state, text: `agent ${host}: ${w.text}` });
  }

  private set(key: string, w: { state: State; text: string } | undefined): void {
    const before = this.states.get(key);
    if (!w) {
      if (before === undefined) return;
      this.states.delete(key);
      this.o.warnings.delete(key);
      this.o.logger.info(`certificate warning cleared (${key.slice(CERT_KEY_PREFIX.length)})`);
      return;
    }
    this.o.warnings.set(key, w.text);
    if (before === w.state) return;
    this.states.set(key, w.state);
    this.o.logger.warn(w.text, { warning: key });
  }
}
