// `mmm_tls show FILE`: what an operator needs to know about a certificate, one fact per line.
import { MmmError, describeCert, splitPemCerts } from '@mmm/common';

/** Pure: lines describing every certificate in a PEM file (leaf first, then any chain). */
export function showLines(pem: string, file = 'the input', now = Date.now()): string[] {
  const certs = splitPemCerts(pem);
  if (certs.length === 0) {
    const what = /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)
      ? 'a private key, not a certificate (show the .crt that belongs to it)'
      : /-----BEGIN X509 CRL-----/.test(pem)
        ? 'a CRL, not a certificate'
        : 'no PEM certificate (-----BEGIN CERTIFICATE-----)';
    throw new MmmError('TLS_MATERIAL', `${file} holds ${what}`);
  }
  const out: string[] = [];
  certs.forEach((c, i) => {
    const d = describeCert(c, now);
    if (certs.length > 1) out.push(`certificate ${i + 1} of ${certs.length}${i === 0 ? ' (leaf)' : ''}`);
    const days =
      d.notAfter.getTime() <= now ? `expired ${-d.daysLeft} days ago` : d.notBefore.getTime() > now ? 'not valid yet' : `${d.daysLeft}`;
    out.push(
      `subject:     ${d.subject.replace(/\n/g, ', ')}`,
      `issuer:      ${d.issuer.replace(/\n/g, ', ')}${d.selfSigned ? ' (self-signed)' : ''}`,
      `SANs:        ${d.sans.length ? d.sans.join(', ') : '(none: identity is the CN)'}`,
      `EKU:         ${d.eku.length ? d.eku.join(', ') : '(none: any usage)'}`,
      `role:        ${d.roleProblem !== undefined ? `(invalid: ${d.roleProblem}; no rights)` : (d.role ?? (d.isCa ? '(CA)' : '(none: peer_role entries decide)'))}`,
      `CA:          ${d.isCa ? 'yes' : 'no'}`,
      `key:         ${d.key}`,
      `not before:  ${d.notBefore.toISOString()}`,
      `not after:   ${d.notAfter.toISOString()}`,
      `days left:   ${days}`,
      `serial:      ${d.serial}`,
      `fingerprint: SHA256 ${d.fingerprint256}`,
    );
  });
  return out;
}
