// Certificate issuance: a CA, intermediates and leaf certificates for daemons and tools.
// Also the odd ones tests need (expired, not yet valid, self-signed, RSA-1024, SHA-1, no SAN).
import { randomBytes, X509Certificate as NodeX509 } from 'node:crypto';
import { ROLE_URI_PREFIX, type PeerRole } from '../model/peer-role';
import { TlsError, errorMessage } from '../errors';
import { x509, type X509 } from './x509-provider';
import {
  generateKeyPair,
  importSigningKey,
  privateKeyToPem,
  signingAlgorithm,
  type HashName,
  type KeyType,
} from './keys';

/** A certificate and its private key, both PEM. */
export interface CertKeyPair {
  certPem: string;
  keyPem: string;
  /** Lower-case hex serial (what createCrl takes). */
  serial?: string;
  /** certPem followed by the intermediates below the root, for a `cert_file` that needs the chain. */
  chainPem?: string;
}

export type CertUsage = 'server' | 'client' | 'both';

export interface CreateCaOptions {
  commonName: string;
  days?: number; // 3650
  notBefore?: Date;
  keyType?: KeyType; // 'ec'
  hash?: HashName;
}

export interface IssueCertOptions {
  /** The signer: a root CA or an intermediate (issued with isCa). */
  ca: CertKeyPair;
  commonName: string;
  ips?: string[];
  dns?: string[];
  /** Written as SAN URI `urn:mmm:role:<role>`. */
  role?: PeerRole;
  /** More SAN URIs, as given (tests: unknown or conflicting role URIs). */
  uris?: string[];
  /** EKU: 'both' (serverAuth+clientAuth) for daemons, 'client' for mmm_control and viewers. */
  usage: CertUsage;
  days?: number; // 365
  notBefore?: Date; // now - 5 min, for clock skew
  notAfter?: Date; // overrides days
  keyType?: KeyType; // 'ec'
  hash?: HashName; // 'SHA-256'
  /** Issue an intermediate CA instead of a leaf. */
  isCa?: boolean;
  /** No subjectAltName at all (MMM CA.pl-style certificates: identity is the CN). */
  noSan?: boolean;
}

const DAY_MS = 86_400_000;
const SKEW_MS = 5 * 60_000;

function serialHex(): string {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x10; // positive and no leading zero byte
  return b.toString('hex');
}

function validity(o: { days?: number; notBefore?: Date; notAfter?: Date }, defaultDays: number) {
  const notBefore = o.notBefore ?? new Date(Date.now() - SKEW_MS);
  const notAfter = o.notAfter ?? new Date(notBefore.getTime() + (o.days ?? defaultDays) * DAY_MS);
  return { notBefore, notAfter };
}

function caExtensions(pathLength?: number): X509.Extension[] {
  const lib = x509();
  return [
    new lib.BasicConstraintsExtension(true, pathLength, true),
    new lib.KeyUsagesExtension(
      lib.KeyUsageFlags.keyCertSign | lib.KeyUsageFlags.cRLSign | lib.KeyUsageFlags.digitalSignature,
      true,
    ),
  ];
}

export async function createCa(opts: CreateCaOptions): Promise<CertKeyPair> {
  const lib = x509();
  const hash = opts.hash ?? 'SHA-256';
  const keyType = opts.keyType ?? 'ec';
  const keys = await generateKeyPair(keyType, hash);
  const serial = serialHex();
  const cert = await lib.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial,
    name: `CN=${opts.commonName}`,
    ...validity(opts, 3650),
    keys,
    signingAlgorithm: signingAlgorithm(keyType === 'ec' ? 'ec' : 'rsa', hash),
    extensions: [...caExtensions(), await lib.SubjectKeyIdentifierExtension.create(keys.publicKey)],
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyToPem(keys.privateKey), serial };
}

function leafExtensions(opts: Omit<IssueCertOptions, 'ca'>, keyType: KeyType): X509.Extension[] {
  const lib = x509();
  const ext: X509.Extension[] = [];
  if (opts.isCa) {
    ext.push(...caExtensions(0));
  } else {
    ext.push(new lib.BasicConstraintsExtension(false, undefined, true));
    let ku = lib.KeyUsageFlags.digitalSignature;
    if (keyType !== 'ec') ku |= lib.KeyUsageFlags.keyEncipherment;
    ext.push(new lib.KeyUsagesExtension(ku, true));
    const eku: string[] = [];
    if (opts.usage !== 'client') eku.push(lib.ExtendedKeyUsage.serverAuth);
    if (opts.usage !== 'server') eku.push(lib.ExtendedKeyUsage.clientAuth);
    ext.push(new lib.ExtendedKeyUsageExtension(eku, false));
  }
  const names: X509.JsonGeneralName[] = [
    ...(opts.ips ?? []).map((value) => ({ type: 'ip' as const, value })),
    ...(opts.dns ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(opts.role ? [{ type: 'url' as const, value: `${ROLE_URI_PREFIX}${opts.role}` }] : []),
    ...(opts.uris ?? []).map((value) => ({ type: 'url' as const, value })),
  ];
  if (!opts.noSan && names.length > 0) ext.push(new lib.SubjectAlternativeNameExtension(names, false));
  return ext;
}

function isSelfIssued(pem: string): boolean {
  const c = new NodeX509(pem);
  return c.subject === c.issuer && c.verify(c.publicKey);
}

/** Issues a certificate signed by `opts.ca` (root or intermediate). */
export async function issueCert(opts: IssueCertOptions): Promise<CertKeyPair> {
  const lib = x509();
  const hash = opts.hash ?? 'SHA-256';
  const keyType = opts.keyType ?? 'ec';
  let caCert: X509.X509Certificate;
  let signer: Awaited<ReturnType<typeof importSigningKey>>;
  try {
    caCert = new lib.X509Certificate(opts.ca.certPem);
    signer = await importSigningKey(opts.ca.keyPem, hash);
  } catch (e) {
    throw new TlsError('TLS_MATERIAL', `cannot use CA for signing: ${errorMessage(e)}`, { cause: e });
  }
  const keys = await generateKeyPair(keyType, hash);
  const serial = serialHex();
  const cert = await lib.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: `CN=${opts.commonName}`,
    issuer: caCert.subject,
    ...validity(opts, 365),
    publicKey: keys.publicKey,
    signingKey: signer.key,
    signingAlgorithm: signingAlgorithm(signer.kind, hash),
    extensions: [
      ...leafExtensions(opts, keyType),
      await lib.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await lib.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  const certPem = cert.toString('pem');
  const chainPem = isSelfIssued(opts.ca.certPem)
    ? certPem
    : `${certPem}\n${opts.ca.chainPem ?? opts.ca.certPem}`;
  return { certPem, keyPem: await privateKeyToPem(keys.privateKey), serial, chainPem };
}

/** A self-signed leaf (not a CA): what an attacker or a careless operator would present. */
export async function createSelfSigned(opts: Omit<IssueCertOptions, 'ca' | 'isCa'>): Promise<CertKeyPair> {
  const lib = x509();
  const hash = opts.hash ?? 'SHA-256';
  const keyType = opts.keyType ?? 'ec';
  const keys = await generateKeyPair(keyType, hash);
  const serial = serialHex();
  const cert = await lib.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial,
    name: `CN=${opts.commonName}`,
    ...validity(opts, 365),
    keys,
    signingAlgorithm: signingAlgorithm(keyType === 'ec' ? 'ec' : 'rsa', hash),
    extensions: leafExtensions(opts, keyType),
  });
  const certPem = cert.toString('pem');
  return { certPem, keyPem: await privateKeyToPem(keys.privateKey), serial, chainPem: certPem };
}
