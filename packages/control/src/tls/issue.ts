// `mmm_tls issue`: NAME.crt (0644) and NAME.key (0600) signed by the CA in --ca DIR.
// EKU serverAuth+clientAuth for daemons (agent, monitor), clientAuth only for control/viewer;
// the role goes in as SAN URI urn:mmm:role:<role>.
import { isIP } from 'node:net';
import * as path from 'node:path';
import { describeCert, isPeerRole, issueCert, issueMysqlCert, readCa, usageForRole, writeKeyPair, type PeerRole } from '@mmm/common';
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

/** An mmm peer role, or `mysql`: a MariaDB/MySQL server certificate (no mmm role). */
export type IssueRole = PeerRole | 'mysql';

export function parseRole(s: string | undefined): IssueRole {
  const role = s ?? 'agent';
  if (role !== 'mysql' && !isPeerRole(role)) throw new TlsToolError(`--role ${role}: must be agent, monitor, control, viewer or mysql`);
  return role;
}

export async function issue(o: IssueOptions): Promise<IssueResult> {
  if (!/^[A-Za-z0-9_.-]+$/.test(o.name)) throw new TlsToolError(`--name ${o.name}: use letters, digits, '.', '_' and '-' only (it names the files)`);
  const role = parseRole(o.role);
  for (const ip of o.ips ?? []) if (!isIP(ip)) throw new TlsToolError(`--ip ${ip}: not an IP address`);
  if ((role === 'agent' || role === 'monitor' || role === 'mysql') && !(o.ips?.length || o.dns?.length)) {
    const who = role === 'mysql' ? 'the monitor and the replicas check it against the host\'s ip' : 'clients check it against the configured address';
    throw new TlsToolError(`--role ${role}: a ${role === 'mysql' ? 'server' : 'daemon'} certificate needs --ip (or --dns): ${who}`);
  }
  const ca = await readCa(o.caDir);
  const validity = { days: o.days ?? 365, ...(o.notAfter ? { notAfter: o.notAfter } : {}) };
  const pair =
    role === 'mysql'
      ? await issueMysqlCert({ ca, name: o.name, ips: o.ips ?? [], dns: o.dns ?? [], ...validity })
      : await issueCert({ ca, commonName: o.name, ips: o.ips ?? [], dns: o.dns ?? [], role, usage: usageForRole(role), ...validity });
  const { certFile, keyFile } = await writeKeyPair(o.out, o.name, pair);
  const d = describeCert(pair.certPem);
  const what = role === 'mysql' ? 'MariaDB/MySQL server, no mmm role' : `role ${role}`;
  return {
    certFile,
    keyFile,
    lines: [
      `wrote ${certFile} (CN=${d.cn}, ${what}, EKU ${d.eku.join('+')}, SAN ${d.sans.join(', ')}, valid until ${d.notAfter.toISOString()})`,
      `wrote ${keyFile} (mode 0600)`,
      ...(role === 'mysql'
        ? [
            `mariadbd: copy ${path.basename(certFile)}, ${path.basename(keyFile)} and ca.crt to the node (the key owned by mysql, mode 0600), then in [mariadbd]: ` +
              `ssl_cert = …/${path.basename(certFile)}, ssl_key = …/${path.basename(keyFile)}, ssl_ca = …/ca.crt, and restart it (docs/mysql-tls.md)`,
          ]
        : []),
    ],
  };
}
