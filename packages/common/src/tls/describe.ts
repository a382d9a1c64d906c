// Reading certificates: what `mmm_tls show`, expiry warnings and peer identification need.
import { X509Certificate as NodeX509 } from 'node:crypto';
import { roleClaim, type PeerRole } from '../model/peer-role';
import { TlsError, errorMessage } from '../errors';

const EKU_NAMES: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
};

export interface SanEntries {
  dns: string[];
  ips: string[];
  uris: string[];
}

export interface CertDescription {
  /** Subject CN ('' when the subject has none). */
  cn: string;
  subject: string;
  issuer: string;
  issuerCn: string;
  /** Every SAN value (DNS names, IPs, URIs), in certificate order. */
  sans: string[];
  san: SanEntries;
  /** Extended key usages by name (serverAuth, clientAuth) or OID; empty when the extension is absent. */
  eku: string[];
  /** From a SAN URI `urn:mmm:role:<role>`. */
  role?: PeerRole;
  /** Set when the certificate's urn:mmm:role URIs are unknown or conflicting: it has no rights. */
  roleProblem?: string;
  isCa: boolean;
  notBefore: Date;
  notAfter: Date;
  /** Whole days until notAfter (negative once expired). */
  daysLeft: number;
  fingerprint256: string;
  /** Lower-case hex. */
  serial: string;
  /** e.g. 'ec P-256', 'rsa 2048'. */
  key: string;
  selfSigned: boolean;
}

/** Splits a PEM bundle into its certificates (a CA file may hold several). */
export function splitPemCerts(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

function field(dn: string, key: string): string {
  for (const line of dn.split('\n')) if (line.startsWith(`${key}=`)) return line.slice(key.length + 1);
  return '';
}

/** Parses Node's `subjectAltName` text ("DNS:a, IP Address:1.2.3.4, URI:urn:…"). */
export function parseSubjectAltName(text: string | undefined): SanEntries & { all: string[] } {
  const out = { dns: [] as string[], ips: [] as string[], uris: [] as string[], all: [] as string[] };
  if (!text) return out;
  for (const part of text.split(/,\s*/)) {
    const i = part.indexOf(':');
    if (i < 0) continue;
    const kind = part.slice(0, i);
    const value = part.slice(i + 1).replace(/^"(.*)"$/, '$1');
    if (kind === 'DNS') out.dns.push(value);
    else if (kind === 'IP Address') out.ips.push(value);
    else if (kind === 'URI') out.uris.push(value);
    else continue;
    out.all.push(value);
  }
  return out;
}

/** The role of a valid claim (undefined for none or an invalid one: see roleClaim). */
export function roleFromUris(uris: string[]): PeerRole | undefined {
  const c = roleClaim(uris);
  return c.kind === 'role' ? c.role : undefined;
}

export function describeX509(c: NodeX509, now = Date.now()): CertDescription {
  const san = parseSubjectAltName(c.subjectAltName);
  const notAfter = new Date(c.validTo);
  const kd = c.publicKey.asymmetricKeyDetails ?? {};
  const kt = c.publicKey.asymmetricKeyType ?? '?';
  const claim = roleClaim(san.uris);
  return {
    cn: field(c.subject, 'CN'),
    subject: c.subject,
    issuer: c.issuer,
    issuerCn: field(c.issuer, 'CN'),
    sans: san.all,
    san: { dns: san.dns, ips: san.ips, uris: san.uris },
    eku: (c.keyUsage ?? []).map((o) => EKU_NAMES[o] ?? o),
    role: claim.kind === 'role' ? claim.role : undefined,
    ...(claim.kind === 'invalid' ? { roleProblem: claim.reason } : {}),
    isCa: c.ca,
    notBefore: new Date(c.validFrom),
    notAfter,
    daysLeft: Math.floor((notAfter.getTime() - now) / 86_400_000),
    fingerprint256: c.fingerprint256,
    serial: c.serialNumber.toLowerCase(),
    key: kt === 'ec' ? `ec ${String(kd.namedCurve)}` : `${kt} ${String(kd.modulusLength)}`,
    selfSigned: c.subject === c.issuer && c.verify(c.publicKey),
  };
}

/** Describes the first certificate of a PEM (file contents or string). */
export function describeCert(pem: string | Buffer, now = Date.now()): CertDescription {
  try {
    return describeX509(new NodeX509(pem), now);
  } catch (e) {
    throw new TlsError('TLS_MATERIAL', `not a PEM certificate: ${errorMessage(e)}`, { cause: e });
  }
}
