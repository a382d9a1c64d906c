// mmm_tls_cert_expiry_timestamp_seconds: the monitor's own certificate(s) and every CA it trusts,
// by subject (one line, `CN=…, O=…`). Two certificates with one subject keep the earlier expiry.
import { type TlsMaterial, describeCert, splitPemCerts } from '@mmm/common';
import type { Sample } from './gauges';

export function certExpirySamples(m: TlsMaterial | undefined, cluster: string): Sample[] {
  if (!m) return [];
  const pems = [m.cert, ...(m.clientCert && m.clientCert !== m.cert ? [m.clientCert] : []), ...splitPemCerts(m.ca)];
  const bySubject = new Map<string, number>();
  for (const pem of pems) {
    let d;
    try {
      d = describeCert(pem);
    } catch {
      continue; // the material was validated at load: nothing to show for what cannot be read
    }
    const subject = d.subject.split('\n').filter(Boolean).join(', ') || '(empty subject)';
    const at = d.notAfter.getTime() / 1000;
    bySubject.set(subject, Math.min(bySubject.get(subject) ?? at, at));
  }
  return [...bySubject].sort(([a], [b]) => a.localeCompare(b)).map(([subject, value]) => ({ labels: { cluster, subject }, value }));
}
