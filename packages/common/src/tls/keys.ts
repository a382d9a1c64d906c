// Key generation and PEM <-> WebCrypto key conversion for certificate issuance.
import { createPrivateKey, createPublicKey, type webcrypto } from 'node:crypto';
import { TlsError } from '../errors';
import { subtle, x509 } from './x509-provider';

export type KeyType = 'ec' | 'rsa2048' | 'rsa1024';
export type HashName = 'SHA-256' | 'SHA-1';

type CryptoKey = webcrypto.CryptoKey;
type WebKeyPair = { privateKey: CryptoKey; publicKey: CryptoKey };

function keyAlgorithm(kind: 'ec' | 'rsa', hash: HashName): webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams {
  return kind === 'ec'
    ? { name: 'ECDSA', namedCurve: 'P-256' }
    : { name: 'RSASSA-PKCS1-v1_5', hash };
}

/** The signature algorithm a key of this kind signs with. */
export function signingAlgorithm(kind: 'ec' | 'rsa', hash: HashName): webcrypto.Algorithm | webcrypto.EcdsaParams {
  return kind === 'ec' ? { name: 'ECDSA', hash } : { name: 'RSASSA-PKCS1-v1_5' };
}

export async function generateKeyPair(type: KeyType, hash: HashName = 'SHA-256'): Promise<WebKeyPair> {
  const params: webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams =
    type === 'ec'
      ? { name: 'ECDSA', namedCurve: 'P-256' }
      : {
          name: 'RSASSA-PKCS1-v1_5',
          modulusLength: type === 'rsa1024' ? 1024 : 2048,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash,
        };
  return (await subtle.generateKey(params, true, ['sign', 'verify'])) as WebKeyPair;
}

export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  const der = await subtle.exportKey('pkcs8', key);
  return x509().PemConverter.encode(der, 'PRIVATE KEY');
}

/** 'ec' or 'rsa', from a PEM private key (PKCS#8, PKCS#1 or SEC1). */
export function keyKind(keyPem: string): 'ec' | 'rsa' {
  const t = createPrivateKey(keyPem).asymmetricKeyType;
  if (t === 'ec') return 'ec';
  if (t === 'rsa') return 'rsa';
  throw new TlsError('TLS_MATERIAL', `unsupported key type ${String(t)} (need EC P-256 or RSA)`);
}

/** Imports a PEM private key as a WebCrypto signing key; RSA keys carry their hash in WebCrypto. */
export async function importSigningKey(keyPem: string, hash: HashName): Promise<{ key: CryptoKey; kind: 'ec' | 'rsa' }> {
  const kind = keyKind(keyPem);
  const der = createPrivateKey(keyPem).export({ format: 'der', type: 'pkcs8' });
  const key = await subtle.importKey('pkcs8', der, keyAlgorithm(kind, hash), false, ['sign']);
  return { key, kind };
}

/** The public half of a PEM private key, as WebCrypto key (for SubjectKeyIdentifier etc.). */
export async function importPublicKey(keyPem: string, hash: HashName): Promise<CryptoKey> {
  const kind = keyKind(keyPem);
  const der = createPublicKey(keyPem).export({ format: 'der', type: 'spki' });
  return subtle.importKey('spki', der, keyAlgorithm(kind, hash), true, ['verify']);
}
