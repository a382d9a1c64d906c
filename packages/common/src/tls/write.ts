// Writes a certificate and key where daemons expect them: NAME.crt 0644, NAME.key 0600.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CertKeyPair } from './issue';

export interface WrittenPair {
  certFile: string;
  keyFile: string;
}

// Temp file created with the final mode, then renamed: the key is never briefly world-readable
// and a reader never sees half a file.
async function writeAtomic(file: string, data: string, mode: number): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await fs.writeFile(tmp, data, { mode });
  await fs.chmod(tmp, mode); // the umask may have cut bits from `mode`
  await fs.rename(tmp, file);
}

export async function writeKeyPair(dir: string, name: string, pair: CertKeyPair): Promise<WrittenPair> {
  await fs.mkdir(dir, { recursive: true });
  const certFile = path.join(dir, `${name}.crt`);
  const keyFile = path.join(dir, `${name}.key`);
  await writeAtomic(keyFile, pair.keyPem, 0o600);
  await writeAtomic(certFile, pair.chainPem ?? pair.certPem, 0o644);
  return { certFile, keyFile };
}
