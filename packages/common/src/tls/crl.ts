// Certificate revocation lists. Node checks CRLs for every CA in the chain once any CRL is given,
// and an expired CRL rejects everyone: give nextUpdate generously and re-issue before it passes.
import { TlsError, errorMessage } from '../errors';
import { x509 } from './x509-provider';
import { importSigningKey, signingAlgorithm, type HashName } from './keys';
import type { CertKeyPair } from './issue';

export interface CreateCrlOptions {
  ca: CertKeyPair;
  /** Hex serials (any case, optional colons) of revoked certificates. */
  revokedSerials: string[];
  thisUpdate?: Date;
  nextUpdate?: Date; // thisUpdate + 30 days
  hash?: HashName;
}

export function normalizeSerial(s: string): string {
  return s.replace(/[:\s]/g, '').toLowerCase();
}

/** Returns the CRL as PEM with the `X509 CRL` label that OpenSSL (and so Node) accepts. */
export async function createCrl(opts: CreateCrlOptions): Promise<string> {
  const hash = opts.hash ?? 'SHA-256';
  try {
    const caCert = new (x509().X509Certificate)(opts.ca.certPem);
    const signer = await importSigningKey(opts.ca.keyPem, hash);
    const thisUpdate = opts.thisUpdate ?? new Date(Date.now() - 60_000);
    const crl = await x509().X509CrlGenerator.create({
      issuer: caCert.subject,
      thisUpdate,
      nextUpdate: opts.nextUpdate ?? new Date(thisUpdate.getTime() + 30 * 86_400_000),
      signingKey: signer.key,
      signingAlgorithm: signingAlgorithm(signer.kind, hash),
      entries: opts.revokedSerials.map((s) => ({ serialNumber: normalizeSerial(s), revocationDate: thisUpdate })),
      extensions: [await x509().AuthorityKeyIdentifierExtension.create(caCert.publicKey)],
    });
    // crl.toString('pem') writes "BEGIN CRL", which OpenSSL rejects.
    return x509().PemConverter.encode(crl.rawData, 'X509 CRL');
  } catch (e) {
    throw new TlsError('TLS_MATERIAL', `cannot create CRL: ${errorMessage(e)}`, { cause: e });
  }
}
