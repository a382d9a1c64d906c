// `mmm_tls init-ca DIR`: a new CA (ca.crt 0644, ca.key 0600). Never overwrites an existing CA:
// every certificate it signed would stop being trusted.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { CA_CERT_FILE, CA_KEY_FILE, createCa, describeCert, writeKeyPair } from '@mmm/common';
import { TlsToolError } from './errors';

export interface InitCaOptions {
  dir: string;
  cn?: string; // 'mmm CA'
  days?: number; // 3650
}

export interface InitCaResult {
  certFile: string;
  keyFile: string;
  lines: string[];
}

export async function initCa(o: InitCaOptions): Promise<InitCaResult> {
  for (const f of [CA_CERT_FILE, CA_KEY_FILE]) {
    const p = path.join(o.dir, f);
    if (existsSync(p)) throw new TlsToolError(`${p} exists: refusing to overwrite a CA (certificates it signed would break)`);
  }
  const ca = await createCa({ commonName: o.cn ?? 'mmm CA', days: o.days ?? 3650 });
  const { certFile, keyFile } = await writeKeyPair(o.dir, 'ca', ca);
  const d = describeCert(ca.certPem);
  return {
    certFile,
    keyFile,
    lines: [
      `wrote ${certFile} (CN=${d.cn}, valid until ${d.notAfter.toISOString()})`,
      `wrote ${keyFile} (mode 0600)`,
      `note: ${keyFile} signs certificates for the whole cluster; keep it on this admin machine, never copy it to the nodes.`,
      `      Copy only ${certFile} to every node (ca_file).`,
    ],
  };
}
