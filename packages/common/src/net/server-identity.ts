// verify_mode 1 identity check. MMM's CA.pl certificates carry the host only in the CN, and
// Node never falls back to the CN for IP hosts, so the rule is ours: a SAN (IP or DNS) must equal
// the configured host ip or name; the CN counts only when the certificate has no SAN at all.
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type { PeerCertificate } from 'node:tls';

export const IDENTITY_MISMATCH = 'ERR_MMM_SERVER_IDENTITY';

function mismatch(msg: string): Error {
  return Object.assign(new Error(msg), { code: IDENTITY_MISMATCH });
}

/** Returns undefined when `cert` names `expected`, else an Error (the tls.connect contract). */
export function checkServerIdentity(expected: string, cert: PeerCertificate): Error | undefined {
  if (!cert.raw) return mismatch('server sent no certificate');
  const x = new X509Certificate(cert.raw);
  if (!x.subjectAltName) {
    const cn = /^CN=(.*)$/m.exec(x.subject)?.[1] ?? '';
    return cn.toLowerCase() === expected.toLowerCase()
      ? undefined
      : mismatch(`server certificate CN=${cn} (no SAN) does not name ${expected}`);
  }
  const ok = isIP(expected) ? x.checkIP(expected) !== undefined : x.checkHost(expected, { subject: 'never' }) !== undefined;
  return ok ? undefined : mismatch(`server certificate SAN (${x.subjectAltName}) does not name ${expected}`);
}
