// A cluster's certificates in one call: the CA, one certificate per node, the monitor and an
// operator (mmm_control). mmm_tls and mmm_sandbox both use this, so the sandbox's certificates
// are exactly what operators get.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ETCD_ROLE, ROLE_URI_PREFIX, type PeerRole } from '../model/peer-role';
import { TlsError, errorMessage } from '../errors';
import { createCa, issueCert, type CertKeyPair, type CertUsage } from './issue';
import type { KeyType } from './keys';
import { writeKeyPair, type WrittenPair } from './write';
import { x509, type X509 } from './x509-provider';

export const CA_CERT_FILE = 'ca.crt';
export const CA_KEY_FILE = 'ca.key';

/** Daemons are TLS servers and clients (serverAuth+clientAuth); control and viewer only connect. */
export function usageForRole(role: PeerRole): CertUsage {
  return role === 'agent' || role === 'monitor' ? 'both' : 'client';
}

/** File name (and CN) of a node's MariaDB server certificate: `db1-mysql`. */
export const mysqlCertName = (node: string): string => `${node}-mysql`;

/**
 * A MariaDB/MySQL server certificate: serverAuth only and no mmm role URI, so it can never act as
 * an mmm client (listeners want clientAuth) whatever peer_role rules say. SANs: the addresses
 * clients connect to (the host's ip).
 */
export async function issueMysqlCert(o: { ca: CertKeyPair; name: string; ips: string[]; dns?: string[]; days?: number; notAfter?: Date; keyType?: KeyType }): Promise<CertKeyPair> {
  return issueCert({
    ca: o.ca, commonName: o.name, ips: o.ips, dns: o.dns ?? [], usage: 'server', days: o.days ?? 365,
    ...(o.notAfter ? { notAfter: o.notAfter } : {}), ...(o.keyType ? { keyType: o.keyType } : {}),
  });
}

/**
 * An etcd certificate (docs/ha.md): serverAuth+clientAuth, since a member serves clients and peers
 * and dials its peers with the same certificate; SANs: the addresses its URLs name. Its role URI
 * `urn:mmm:role:etcd` gives it no rights at mmm listeners. A monitor may use one as its etcd client
 * certificate too (etcd checks only the chain and clientAuth of a client).
 */
export async function issueEtcdCert(o: { ca: CertKeyPair; name: string; ips: string[]; dns?: string[]; days?: number; notAfter?: Date; keyType?: KeyType }): Promise<CertKeyPair> {
  return issueCert({
    ca: o.ca, commonName: o.name, ips: o.ips, dns: o.dns ?? [], uris: [`${ROLE_URI_PREFIX}${ETCD_ROLE}`], usage: 'both', days: o.days ?? 365,
    ...(o.notAfter ? { notAfter: o.notAfter } : {}), ...(o.keyType ? { keyType: o.keyType } : {}),
  });
}

/** Reads DIR/ca.crt and DIR/ca.key; TlsError(TLS_MATERIAL) naming the missing file. */
export async function readCa(dir: string): Promise<CertKeyPair> {
  const read = async (name: string): Promise<string> => {
    const file = path.join(dir, name);
    try {
      return await fs.readFile(file, 'utf8');
    } catch (e) {
      throw new TlsError('TLS_MATERIAL', `cannot read ${file}: ${errorMessage(e)}`, { cause: e });
    }
  };
  return { certPem: await read(CA_CERT_FILE), keyPem: await read(CA_KEY_FILE) };
}

export interface ClusterNode {
  name: string;
  ip: string;
  dns?: string[];
}

export interface IssueClusterCertsOptions {
  /** Where ca.crt/ca.key and NAME.crt/NAME.key go (created if missing). */
  dir: string;
  nodes: ClusterNode[];
  /** IP SANs of the monitor certificate (its control listener address and its outgoing address). */
  monitorIps: string[];
  monitorDns?: string[];
  monitorName?: string; // 'monitor'
  /** The operator certificate for mmm_control (role control, clientAuth only). */
  controlName?: string; // 'control'
  /** Also a read-only certificate (role viewer, clientAuth only) named `viewer`: a browser or a load balancer. */
  viewer?: boolean;
  /** Use this CA instead of making one (it is not rewritten). */
  ca?: CertKeyPair;
  /** Also a MariaDB server certificate per node, `NAME-mysql` (issueMysqlCert). */
  mysql?: boolean;
  caName?: string; // 'mmm CA'
  caDays?: number; // 3650
  days?: number; // 365
  keyType?: KeyType; // 'ec'
}

export interface ClusterCerts {
  ca: CertKeyPair;
  caCertFile: string;
  /** Absent when the CA was passed in. */
  caKeyFile?: string;
  nodes: Record<string, WrittenPair>;
  /** With `mysql`: per node its MariaDB server certificate. */
  mysql: Record<string, WrittenPair>;
  monitor: WrittenPair;
  control: WrittenPair;
  /** With `viewer`. */
  viewer?: WrittenPair;
}

/**
 * Makes (or reuses) a CA and issues: per node `NAME` (role agent, IP SAN = node ip, both EKUs),
 * `monitor` (role monitor, both EKUs) and `control` (role control, clientAuth). Keys 0600.
 */
export async function issueClusterCerts(o: IssueClusterCertsOptions): Promise<ClusterCerts> {
  const days = o.days ?? 365;
  const keyType = o.keyType ?? 'ec';
  const ca = o.ca ?? (await createCa({ commonName: o.caName ?? 'mmm CA', days: o.caDays ?? 3650, keyType }));
  await fs.mkdir(o.dir, { recursive: true });
  let caKeyFile: string | undefined;
  let caCertFile = path.join(o.dir, CA_CERT_FILE);
  if (o.ca) {
    await fs.writeFile(caCertFile, ca.certPem, { mode: 0o644 });
  } else {
    ({ certFile: caCertFile, keyFile: caKeyFile } = await writeKeyPair(o.dir, 'ca', ca));
  }
  const one = async (name: string, role: PeerRole, ips: string[], dns: string[] = []): Promise<WrittenPair> =>
    writeKeyPair(o.dir, name, await issueCert({ ca, commonName: name, ips, dns, role, usage: usageForRole(role), days, keyType }));

  const nodes: Record<string, WrittenPair> = {};
  for (const n of o.nodes) nodes[n.name] = await one(n.name, 'agent', [n.ip], n.dns);
  const mysql: Record<string, WrittenPair> = {};
  if (o.mysql) {
    for (const n of o.nodes) {
      const name = mysqlCertName(n.name);
      mysql[n.name] = await writeKeyPair(o.dir, name, await issueMysqlCert({ ca, name, ips: [n.ip], ...(n.dns ? { dns: n.dns } : {}), days, keyType }));
    }
  }
  const monitor = await one(o.monitorName ?? 'monitor', 'monitor', o.monitorIps, o.monitorDns);
  const control = await one(o.controlName ?? 'control', 'control', []);
  const viewer = o.viewer ? await one('viewer', 'viewer', []) : undefined;
  return { ca, caCertFile, ...(caKeyFile ? { caKeyFile } : {}), nodes, mysql, monitor, control, ...(viewer ? { viewer } : {}) };
}

export interface CrlDescription {
  issuer: string;
  thisUpdate: Date;
  /** Absent when the CRL has none (OpenSSL then never treats it as expired). */
  nextUpdate?: Date;
  /** Lower-case hex serials. */
  revoked: string[];
  /** Whether `caPem` signed it; undefined when no CA was given. */
  signedByCa?: boolean;
}

/** Parses a PEM CRL (for `mmm_tls verify`'s freshness and revocation checks). */
export async function describeCrl(pem: string, caPem?: string): Promise<CrlDescription> {
  let crl: X509.X509Crl;
  try {
    crl = new (x509().X509Crl)(pem);
  } catch (e) {
    throw new TlsError('TLS_MATERIAL', `not a PEM CRL: ${errorMessage(e)}`, { cause: e });
  }
  let signedByCa: boolean | undefined;
  if (caPem !== undefined) {
    try {
      signedByCa = await crl.verify({ publicKey: new (x509().X509Certificate)(caPem) });
    } catch {
      signedByCa = false;
    }
  }
  return {
    issuer: crl.issuer,
    thisUpdate: crl.thisUpdate,
    ...(crl.nextUpdate ? { nextUpdate: crl.nextUpdate } : {}),
    revoked: crl.entries.map((e) => e.serialNumber.toLowerCase()),
    ...(signedByCa !== undefined ? { signedByCa } : {}),
  };
}
