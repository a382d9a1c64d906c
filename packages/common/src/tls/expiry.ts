// Certificate expiry warnings for own, CA and peers' certificates (cert_expiry_warn_days).
import { describeCert, splitPemCerts } from './describe';

export type ExpiryKind = 'own' | 'ca' | 'peer';

export interface ExpiryWarning {
  kind: ExpiryKind;
  cn: string;
  notAfter: Date;
  daysLeft: number;
  /** expired, not yet valid, or expiring within the warning window. */
  state: 'expired' | 'not-yet-valid' | 'expiring';
  message: string;
}

export interface ExpiryInput {
  own?: string;
  /** May be a bundle: every certificate in it is checked. */
  ca?: string;
  peer?: string;
}

/** Lists the certificates that are expired, not yet valid, or expire within `warnDays`. */
export function expiryWarnings(certs: ExpiryInput, warnDays: number, now = Date.now()): ExpiryWarning[] {
  const out: ExpiryWarning[] = [];
  const check = (kind: ExpiryKind, pem: string): void => {
    const d = describeCert(pem, now);
    const ms = d.notAfter.getTime() - now;
    let state: ExpiryWarning['state'] | undefined;
    if (ms <= 0) state = 'expired';
    else if (d.notBefore.getTime() > now) state = 'not-yet-valid';
    else if (ms <= warnDays * 86_400_000) state = 'expiring';
    if (!state) return;
    const what = `${kind} certificate CN=${d.cn || '?'}`;
    const message =
      state === 'expired'
        ? `${what} expired on ${d.notAfter.toISOString()}`
        : state === 'not-yet-valid'
          ? `${what} is not valid before ${d.notBefore.toISOString()}`
          : `${what} expires in ${d.daysLeft} days (${d.notAfter.toISOString()})`;
    out.push({ kind, cn: d.cn, notAfter: d.notAfter, daysLeft: d.daysLeft, state, message });
  };
  if (certs.own) check('own', certs.own);
  for (const c of certs.ca ? splitPemCerts(certs.ca) : []) check('ca', c);
  if (certs.peer) check('peer', certs.peer);
  return out;
}
