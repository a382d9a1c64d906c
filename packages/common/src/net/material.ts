// TLS material (PEM strings) and the Node options built from it. One builder for the listener's
// context and its reloads, so setSecureContext always gets the full option set (Node rebuilds
// the context from only the options given).
import { promises as fs } from 'node:fs';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';
import type { SocketConfig } from '../config/types';
import { TlsError, errorMessage } from '../errors';
import { splitPemCerts } from '../tls/describe';

export interface TlsMaterial {
  /** Own certificate (may be followed by intermediates). */
  cert: string;
  key: string;
  /** Trusted CA(s): only these, never the system roots. */
  ca: string;
  crl?: string;
  /** Presented when connecting out; default cert/key. */
  clientCert?: string;
  clientKey?: string;
}

/**
 * TLS 1.2: forward secrecy (ECDHE) and AEAD only (AES-GCM, ChaCha20-Poly1305), no CBC suites
 * (`DEFAULT` offered ECDHE-ECDSA-AES128-SHA, -SHA256, -AES256-SHA, -SHA384: issue 15 finding 8).
 * TLS 1.3 keeps Node's suites (all AEAD). OpenSSL level 2: no RSA/DH < 2048 bits, no SHA-1
 * signatures (Node 20 defaults to level 1).
 */
export const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
] as const;
export const TLS_CIPHERS = `${TLS12_CIPHERS.join(':')}:@SECLEVEL=2`;
export const ALPN = ['mmm/1'];

async function readPem(file: string | undefined, what: string): Promise<string> {
  if (!file) throw new TlsError('TLS_MATERIAL', `${what} is not configured`);
  try {
    return await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new TlsError('TLS_MATERIAL', `cannot read ${what} ${file}: ${errorMessage(e)}`, { cause: e });
  }
}

/** Reads cert, key, CA, CRL and client cert/key named by a socket block. Permissions are config's job. */
export async function loadTlsMaterial(socket: SocketConfig): Promise<TlsMaterial> {
  const m: TlsMaterial = {
    cert: await readPem(socket.certFile, 'cert_file'),
    key: await readPem(socket.keyFile, 'key_file'),
    ca: await readPem(socket.caFile, 'ca_file'),
  };
  if (socket.crlFile) m.crl = await readPem(socket.crlFile, 'crl_file');
  if (socket.clientCertFile) m.clientCert = await readPem(socket.clientCertFile, 'client_cert_file');
  if (socket.clientKeyFile) m.clientKey = await readPem(socket.clientKeyFile, 'client_key_file');
  return m;
}

/**
 * A client's material: the client certificate (client_cert_file/client_key_file, defaulting to
 * cert_file/key_file) and ca_file (required with verify_mode 1). Undefined for socket_type plain.
 * Unlike loadTlsMaterial it needs no server certificate (mmm_control's client-only configs).
 */
export async function loadClientMaterial(socket: SocketConfig): Promise<TlsMaterial | undefined> {
  if (socket.type === 'plain') return undefined;
  const certFile = socket.clientCertFile ?? socket.certFile;
  const keyFile = socket.clientKeyFile ?? socket.keyFile;
  if (!certFile || !keyFile) throw new TlsError('TLS_MATERIAL', 'no client certificate configured (client_cert_file/client_key_file or cert_file/key_file)');
  if (!socket.caFile && socket.verifyMode === 1) throw new TlsError('TLS_MATERIAL', 'ca_file is required with verify_mode 1');
  const m: TlsMaterial = {
    cert: await readPem(certFile, socket.clientCertFile ? 'client_cert_file' : 'cert_file'),
    key: await readPem(keyFile, socket.clientKeyFile ? 'client_key_file' : 'key_file'),
    ca: socket.caFile ? await readPem(socket.caFile, 'ca_file') : '',
  };
  if (socket.crlFile) m.crl = await readPem(socket.crlFile, 'crl_file');
  return m;
}

function checkPair(cert: string, key: string, what: string): void {
  let x: X509Certificate;
  try {
    x = new X509Certificate(cert);
  } catch (e) {
    throw new TlsError('TLS_MATERIAL', `${what} certificate is not a PEM certificate: ${errorMessage(e)}`, { cause: e });
  }
  let k;
  try {
    k = createPrivateKey(key);
  } catch (e) {
    throw new TlsError('TLS_MATERIAL', `${what} key is not a usable PEM private key: ${errorMessage(e)}`, { cause: e });
  }
  if (!x.checkPrivateKey(k)) throw new TlsError('TLS_MATERIAL', `${what} key does not match its certificate`);
}

/**
 * A crl_file may hold several CRLs (one per CA: `cat root.crl intermediate.crl`). Node's `crl`
 * option reads only the FIRST CRL of a string, and with CRL_CHECK_ALL a CA without its CRL
 * refuses every certificate under it (UNABLE_TO_GET_CRL): pass them one by one. Text holding no
 * CRL block is passed on unchanged, so Node still refuses it ("Failed to parse CRL").
 */
export function crlOption(crl: string): string | string[] {
  const all = crl.match(/-----BEGIN X509 CRL-----[\s\S]+?-----END X509 CRL-----/g);
  return all && all.length > 0 ? all : crl;
}

export function secureContextOptions(m: TlsMaterial, socket: SocketConfig): tls.SecureContextOptions {
  return {
    cert: m.cert,
    key: m.key,
    ca: m.ca,
    ...(m.crl ? { crl: crlOption(m.crl) } : {}),
    minVersion: socket.tlsMinVersion ?? 'TLSv1.2',
    ciphers: TLS_CIPHERS,
  };
}

/** Throws TlsError(TLS_MATERIAL) unless the material makes a working context (a dry run). */
export function validateTlsMaterial(m: TlsMaterial, socket: SocketConfig): void {
  if (splitPemCerts(m.ca).length === 0) throw new TlsError('TLS_MATERIAL', 'ca_file holds no PEM certificate');
  checkPair(m.cert, m.key, 'own');
  if (m.clientCert || m.clientKey) checkPair(m.clientCert ?? m.cert, m.clientKey ?? m.key, 'client');
  try {
    tls.createSecureContext(secureContextOptions(m, socket));
  } catch (e) {
    throw new TlsError('TLS_MATERIAL', `TLS material refused: ${errorMessage(e)}`, { cause: e });
  }
}
