// `mmm_tls crl`: (re)issue the CA's revocation list. Serials already in --out stay revoked, so
// the same command both revokes and refreshes nextUpdate (an expired CRL locks everyone out).
import { existsSync, promises as fs } from 'node:fs';
import { createCrl, describeCert, describeCrl, normalizeSerial, readCa } from '@mmm/common';
import { TlsToolError } from './errors';

export interface CrlOptions {
  caDir: string;
  /** Certificate files or hex serials to revoke. */
  revoke?: string[];
  days?: number; // 30
  out: string;
}

export interface CrlResult {
  revoked: string[];
  nextUpdate: Date;
  lines: string[];
}

async function serialOf(item: string): Promise<string> {
  if (existsSync(item)) return describeCert(await fs.readFile(item)).serial;
  const s = normalizeSerial(item);
  if (!/^[0-9a-f]+$/.test(s)) throw new TlsToolError(`--revoke ${item}: neither a certificate file nor a hex serial`);
  return s;
}

export async function issueCrl(o: CrlOptions): Promise<CrlResult> {
  const ca = await readCa(o.caDir);
  const kept = existsSync(o.out) ? (await describeCrl(await fs.readFile(o.out, 'utf8'), ca.certPem)) : undefined;
  if (kept && kept.signedByCa === false) throw new TlsToolError(`${o.out} was not signed by the CA in ${o.caDir}: refusing to extend it`);
  const added: string[] = [];
  for (const r of o.revoke ?? []) added.push(await serialOf(r));
  const revoked = [...new Set([...(kept?.revoked ?? []), ...added])];
  const thisUpdate = new Date(Date.now() - 60_000);
  const nextUpdate = new Date(thisUpdate.getTime() + (o.days ?? 30) * 86_400_000);
  const pem = await createCrl({ ca, revokedSerials: revoked, thisUpdate, nextUpdate });
  const tmp = `${o.out}.${process.pid}.tmp`;
  await fs.writeFile(tmp, pem, { mode: 0o644 });
  await fs.rename(tmp, o.out);
  return {
    revoked,
    nextUpdate,
    lines: [
      `wrote ${o.out}: ${revoked.length} revoked${added.length ? ` (${added.join(', ')} added)` : ''}, next update ${nextUpdate.toISOString()}`,
      'copy it to every node (crl_file) and send SIGHUP to the daemons before the next update passes',
    ],
  };
}
