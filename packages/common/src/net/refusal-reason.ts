// Why the listener refused a TLS client, in words an operator can act on (issue 15 finding 9).
// Node reports OpenSSL's verify result as a code, and the security-level ones (RSA key too small,
// SHA-1 signature) it does not know as `UNSPECIFIED`; the client's certificate, captured during
// the handshake, says what was wrong.
import type { X509Certificate } from 'node:crypto';
import { x509 } from '../tls/x509-provider';
import { own } from '../model/own';

export interface RefusalInput {
  /** Node's `authorizationError` (an OpenSSL verify code name), if verification failed. */
  verifyCode?: string;
  /** The error Node passed with tlsClientError (ERR_SSL_…, ECONNRESET…). */
  errorCode?: string;
  errorMessage?: string;
  /** The client's certificate, when it sent one. */
  cert?: X509Certificate;
}

export interface Refusal {
  /** An OpenSSL verify code, an ERR_SSL_… code, or ours: stable, for grep and tests. */
  code: string;
  /** What was wrong, for the log line. */
  reason: string;
}

const MIN_RSA_BITS = 2048;
const WEAK_HASHES = new Set(['SHA-1', 'MD5']);

function cnOf(x: X509Certificate): string {
  return /^CN=(.*)$/m.exec(x.subject)?.[1] ?? x.subject.replace(/\n/g, ', ');
}

function signatureHash(x: X509Certificate): string | undefined {
  try {
    const alg = new (x509().X509Certificate)(x.raw).signatureAlgorithm as { hash?: { name?: string } };
    return alg.hash?.name;
  } catch {
    return undefined;
  }
}

function rsaBits(x: X509Certificate): number | undefined {
  return x.publicKey.asymmetricKeyType === 'rsa' ? x.publicKey.asymmetricKeyDetails?.modulusLength : undefined;
}

/** Security level 2 refusals: Node names none of them (UNSPECIFIED). */
function securityLevel(x: X509Certificate | undefined): Refusal {
  if (x) {
    const who = `certificate CN=${cnOf(x)}`;
    const bits = rsaBits(x);
    if (bits !== undefined && bits < MIN_RSA_BITS) return { code: 'EE_KEY_TOO_SMALL', reason: `${who}: RSA key ${bits} bits < ${MIN_RSA_BITS} (security level 2)` };
    const hash = signatureHash(x);
    if (hash && WEAK_HASHES.has(hash)) return { code: 'CA_MD_TOO_WEAK', reason: `${who}: ${hash} signature (security level 2 refuses ${hash})` };
  }
  return { code: 'UNSPECIFIED', reason: 'a certificate in the chain is below security level 2 (a key under 2048 bits or a SHA-1 signature; OpenSSL names it, Node does not)' };
}

const PLAIN_ERRORS: Record<string, string> = {
  ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE: 'no client certificate',
  ERR_SSL_UNSUPPORTED_PROTOCOL: 'TLS version below tls_min_version (TLS 1.0/1.1?)',
  ERR_SSL_NO_PROTOCOLS_AVAILABLE: 'no TLS version in common (below tls_min_version)',
  ERR_SSL_NO_SHARED_CIPHER: 'no cipher suite in common (TLS 1.2 needs ECDHE with AES-GCM or ChaCha20-Poly1305)',
  ERR_SSL_NO_APPLICATION_PROTOCOL: 'the client offered ALPN protocols and none is mmm/1 (another service client?)',
  ERR_SSL_WRONG_VERSION_NUMBER: 'not a TLS handshake',
  ECONNRESET: 'the client closed the connection during the handshake',
};

/** What to log for one refused handshake. */
export function describeRefusal(i: RefusalInput): Refusal {
  const x = i.cert;
  const who = x ? `certificate CN=${cnOf(x)}` : 'the client certificate';
  switch (i.verifyCode) {
    case undefined:
    case null:
    case '':
      break;
    case 'UNSPECIFIED':
    case 'EE_KEY_TOO_SMALL':
    case 'CA_KEY_TOO_SMALL':
    case 'CA_MD_TOO_WEAK':
      return securityLevel(x);
    case 'CERT_HAS_EXPIRED':
      return { code: i.verifyCode, reason: `${who} expired${x ? ` on ${new Date(x.validTo).toISOString()}` : ''} (or a CA above it did; check clocks too)` };
    case 'CERT_NOT_YET_VALID':
      return { code: i.verifyCode, reason: `${who} is not valid${x ? ` before ${new Date(x.validFrom).toISOString()}` : ' yet'} (check clocks)` };
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return { code: i.verifyCode, reason: `${who}${x ? ` issued by ${x.issuer.replace(/\n/g, ', ')}` : ''}: wrong CA (not ca_file's), or an intermediate the client did not send` };
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
      return { code: i.verifyCode, reason: `${who} is self-signed, not issued by ca_file` };
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return { code: i.verifyCode, reason: `${who}: its chain ends in a self-signed CA that is not in ca_file (wrong CA)` };
    case 'CERT_SIGNATURE_FAILURE':
      return { code: i.verifyCode, reason: `${who}: its signature does not verify (forged, or damaged)` };
    case 'CERT_REVOKED':
      return { code: i.verifyCode, reason: `${who}${x ? ` (serial ${x.serialNumber.toLowerCase()})` : ''} is revoked by crl_file` };
    case 'CRL_HAS_EXPIRED':
      return { code: i.verifyCode, reason: 'crl_file has passed its nextUpdate: every client is refused until a fresh CRL is installed' };
    case 'UNABLE_TO_GET_CRL':
      return { code: i.verifyCode, reason: `crl_file has no CRL for the CA that issued ${who}: every client under that CA is refused` };
    case 'INVALID_PURPOSE':
      return { code: i.verifyCode, reason: `${who} is not for client use (its extended key usage lacks clientAuth)` };
    default:
      return { code: i.verifyCode, reason: `${who} refused by verification` };
  }
  const code = i.errorCode ?? 'UNKNOWN';
  return { code, reason: own(PLAIN_ERRORS, code) ?? i.errorMessage ?? 'handshake failed' };
}
