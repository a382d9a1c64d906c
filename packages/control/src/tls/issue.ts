// `mmm_tls issue`: NAME.crt (0644) and NAME.key (0600) signed by the CA in --ca DIR.
// EKU serverAuth+clientAuth for daemons (agent, monitor), clientAuth only for control/viewer;
// the role goes in as SAN URI urn:mmm:role:<role>.
import { isIP } from 'node:net';
import { describeCert, isPeerRole, issueCert, readCa, usageForRole, writeKeyPair, type PeerRole } from '@mmm/common';
import { TlsToolError } from './errors';

export interface IssueOptions {
  caDir: string;
  name: string;
  ips?: string[];
  dns?: string[];
  role?: string; // 'agent'
  days?: number; // 365
  out: string;
  /** Overrides days (tests: certificates that expire soon or already did). */
  notAfter?: Date;
}

export interface IssueResult {
  certFile: string;
  keyFile: string;
  lines: string[];
}

export function parseRole(s: string | undefined): PeerRole {
  const role = s ?? 'agent';
  if (!isPeerRole(role)) throw new TlsToolError(`--role ${role}: must be agent, monitor, control or viewer`);
  return role;
}

export async function issue(o: IssueOptions): Promise<IssueResult> {
  if (!/^[A-Za-z0-9_.-]+$/.test(o.name)) throw new TlsToolError(`--name ${o.name}: use letters, digits, '.', '_' and '-' only (it names the files)`);
  const role = parseRole(o.role);
  for (const ip of o.ips ?? []) if (!isIP(ip)) throw new TlsToolError(`--ip ${ip}: not an IP address`);
  if ((role === 'agent' || role === 'monitor') && !(o.ips?.length || o.dns?.length)) {
    throw new TlsToolError(`--role ${role}: a daemon certificate needs --ip (or --dns): clients check it against the configured address`);
  }
  const ca = await readCa(o.caDir);
  const pair = await issueCert({
    ca,
    commonName: o.name,
    ips: o.ips ?? [],
    dns: o.dns ?? [],
    role,
    usage: usageForRole(role),
    days: o.days ?? 365,
    ...(o.notAfter ? { notAfter: o.notAfter } : {}),
  });
  const { certFile, keyFile } = await writeKeyPair(o.out, o.name, pair);
  const d = describeCert(pair.certPem);
  return {
    certFile,
    keyFile,
    lines: [
      `wrote ${certFile} (CN=${d.cn}, role ${role}, EKU ${d.eku.join('+')}, SAN ${d.sans.join(', ')}, valid until ${d.notAfter.toISOString()})`,
      `wrote ${keyFile} (mode 0600)`,
    ],
  };
}
