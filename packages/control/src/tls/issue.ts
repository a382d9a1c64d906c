// `mmm_tls issue`: NAME.crt (0644) and NAME.key (0600) signed by the CA in --ca DIR.
// EKU serverAuth+clientAuth for daemons (agent, monitor), clientAuth only for control/viewer;
// the role goes in as SAN URI urn:mmm:role:<role>.
import { isIP } from 'node:net';
import * as path from 'node:path';
import { describeCert, isPeerRole, issueCert, issueEtcdCert, issueMysqlCert, readCa, usageForRole, writeKeyPair, type PeerRole } from '@mmm/common';
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

/**
 * An mmm peer role; `mysql`: a MariaDB/MySQL server certificate (no mmm role); `etcd`: an etcd
 * member's (or a monitor's etcd client) certificate, both EKUs, no rights at mmm listeners.
 */
export type IssueRole = PeerRole | 'mysql' | 'etcd';

export function parseRole(s: string | undefined): IssueRole {
  const role = s ?? 'agent';
  if (role !== 'mysql' && role !== 'etcd' && !isPeerRole(role)) throw new TlsToolError(`--role ${role}: must be agent, monitor, control, viewer, mysql or etcd`);
  return role;
}

const NEEDS_ADDRESS: Partial<Record<IssueRole, string>> = {
  agent: "a daemon certificate needs --ip (or --dns): clients check it against the configured address",
  monitor: "a daemon certificate needs --ip (or --dns): clients check it against the configured address",
  mysql: "a server certificate needs --ip (or --dns): the monitor and the replicas check it against the host's ip",
  etcd: "an etcd certificate needs --ip (or --dns): the monitors and the other members check it against the addresses of its client and peer URLs",
};

export async function issue(o: IssueOptions): Promise<IssueResult> {
  if (!/^[A-Za-z0-9_.-]+$/.test(o.name)) throw new TlsToolError(`--name ${o.name}: use letters, digits, '.', '_' and '-' only (it names the files)`);
  const role = parseRole(o.role);
  for (const ip of o.ips ?? []) if (!isIP(ip)) throw new TlsToolError(`--ip ${ip}: not an IP address`);
  const needs = NEEDS_ADDRESS[role];
  if (needs && !(o.ips?.length || o.dns?.length)) throw new TlsToolError(`--role ${role}: ${needs}`);
  const ca = await readCa(o.caDir);
  const validity = { days: o.days ?? 365, ...(o.notAfter ? { notAfter: o.notAfter } : {}) };
  const addr = { ca, name: o.name, ips: o.ips ?? [], dns: o.dns ?? [], ...validity };
  const pair =
    role === 'mysql' ? await issueMysqlCert(addr)
      : role === 'etcd' ? await issueEtcdCert(addr)
        : await issueCert({ ca, commonName: o.name, ips: o.ips ?? [], dns: o.dns ?? [], role, usage: usageForRole(role), ...validity });
  const { certFile, keyFile } = await writeKeyPair(o.out, o.name, pair);
  const d = describeCert(pair.certPem);
  const what = role === 'mysql' ? 'MariaDB/MySQL server, no mmm role' : role === 'etcd' ? 'etcd member or client, no rights at mmm listeners' : `role ${role}`;
  const c = path.basename(certFile);
  const k = path.basename(keyFile);
  return {
    certFile,
    keyFile,
    lines: [
      `wrote ${certFile} (CN=${d.cn}, ${what}, EKU ${d.eku.join('+')}, SAN ${d.sans.join(', ')}, valid until ${d.notAfter.toISOString()})`,
      `wrote ${keyFile} (mode 0600)`,
      ...(role === 'mysql'
        ? [
            `mariadbd: copy ${c}, ${k} and ca.crt to the node (the key owned by mysql, mode 0600), then in [mariadbd]: ` +
              `ssl_cert = …/${c}, ssl_key = …/${k}, ssl_ca = …/ca.crt, and restart it (docs/mysql-tls.md)`,
          ]
        : []),
      ...(role === 'etcd'
        ? [
            `etcd: copy ${c}, ${k} and ca.crt to the member (the key owned by etcd, mode 0600), then start it with --cert-file=…/${c} --key-file=…/${k} ` +
              `--trusted-ca-file=…/ca.crt --client-cert-auth --peer-cert-file=…/${c} --peer-key-file=…/${k} --peer-trusted-ca-file=…/ca.crt --peer-client-cert-auth --pre-vote (docs/ha.md)`,
          ]
        : []),
    ],
  };
}
