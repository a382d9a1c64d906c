// Everything a sandbox names (namespaces, interfaces, subnets, addresses, ports, files) is derived
// from the absolute path of its directory, so two sandboxes (a Quick-start one and a test one)
// never collide and a later `down` in another process finds the same names again. Pure.
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { SandboxError } from './exec';

/** db1 … db20: two masters plus up to 18 replicas. */
export const MAX_NODES = 20;
/** Linux limit for interface names is 15 bytes (IFNAMSIZ 16 incl. NUL). */
export const IFNAME_MAX = 15;
/** sun_path is 108 bytes including the NUL. */
export const SOCKET_PATH_MAX = 107;
/** mysqld port inside a namespace (every node has its own network stack). */
export const NETNS_MYSQL_PORT = 3306;
/** Name of the JSON state file in DIR (written by startDbCluster, read by stopDbCluster). */
export const STATE_FILE = 'db-cluster.json';

export interface SandboxNames {
  /** Absolute sandbox directory. */
  dir: string;
  /** sha256 of `dir`, hex. */
  hash: string;
  /** `mmm-<6 hex>`: prefix of every namespace and root-namespace interface. */
  prefix: string;
  stateFile: string;
  loopback: {
    /** Node `dbN` listens on 127.0.0.(ipBase + N). */
    ipBase: number;
    /** First port of this sandbox's block of 100 (10000 … 31900, below the ephemeral range). */
    portBase: number;
  };
  netns: {
    /** `10.X.Y` with X in 61…250: node `dbN` is `.(10+N)`, the monitor veth `.10`, VIPs `.100+`. */
    subnet: string;
    switchNs: string;
    /** Root-namespace end of the monitor veth (its peer in the switch namespace is `mon`). */
    monitorIf: string;
  };
}

function hashInt(hash: string, from: number): number {
  return parseInt(hash.slice(from, from + 8), 16);
}

/** Derives every name of the sandbox in `dir` (resolved to an absolute path). */
export function sandboxNames(dir: string): SandboxNames {
  const abs = resolve(dir);
  const hash = createHash('sha256').update(abs).digest('hex');
  const prefix = `mmm-${hash.slice(0, 6)}`;
  const x = 61 + (hashInt(hash, 8) % 190);
  const y = hashInt(hash, 16) % 256;
  return {
    dir: abs,
    hash,
    prefix,
    stateFile: join(abs, STATE_FILE),
    loopback: {
      ipBase: 10 + (hashInt(hash, 24) % 200), // 127.0.0.11 … 127.0.0.229 (+ MAX_NODES ≤ 249)
      portBase: 10_000 + 100 * (hashInt(hash, 32) % 220),
    },
    netns: { subnet: `10.${x}.${y}`, switchNs: `${prefix}-sw`, monitorIf: `${prefix}-mon` },
  };
}

export const nodeName = (index: number): string => `db${index}`;

/** Namespace of node `name` (`mmm-abcdef-db12`: at most 15 characters). */
export const nodeNs = (names: SandboxNames, name: string): string => `${names.prefix}-${name}`;

/** Address node `index` (1-based) listens on in the given network mode. */
export function nodeIp(names: SandboxNames, index: number, netns: boolean): string {
  return netns ? `${names.netns.subnet}.${10 + index}` : `127.0.0.${names.loopback.ipBase + index}`;
}

export function nodePort(names: SandboxNames, index: number, netns: boolean): number {
  return netns ? NETNS_MYSQL_PORT : names.loopback.portBase + index;
}

/** Agent port of node `index` on loopback (netns nodes use the default 9989 on their own ip). */
export const loopbackAgentPort = (names: SandboxNames, index: number): number => names.loopback.portBase + 40 + index;
/** Agent health endpoint port of node `index` on loopback (21…40 of the block: free of the others). */
export const loopbackHealthPort = (names: SandboxNames, index: number): number => names.loopback.portBase + 20 + index;
/** Monitor port and its control port on 127.0.0.1, for the sandbox CLI. */
export const loopbackMonitorPort = (names: SandboxNames): number => names.loopback.portBase + 80;
export const controlPort = (names: SandboxNames): number => names.loopback.portBase + 81;
/** The monitor's HTTPS API (http_listen) in netns mode, on its veth address. */
export const NETNS_HTTP_PORT = 9990;
/**
 * The monitor's HTTPS API: netns mode on its veth address (so a browser or a load balancer inside
 * a namespace on the bridge reaches it), loopback mode on 127.0.0.1 next to the control port.
 */
export const monitorHttpAddress = (names: SandboxNames, netns: boolean): string =>
  netns ? `${names.netns.subnet}.10:${NETNS_HTTP_PORT}` : `127.0.0.1:${names.loopback.portBase + 82}`;
/** Port clients use on a VIP: MySQL's own in netns mode (and, when free, in loopback mode). */
export const VIP_PORT = 3306;
/** Loopback mode's VIP port when 3306 is taken on the VIP addresses (e.g. a server on *:3306). */
export const loopbackVipPortFallback = (names: SandboxNames): number => names.loopback.portBase + 90;

/** The k-th VIP (0-based): 127.0.1.(ipBase+k) on loopback, 10.X.Y.(100+k) in netns mode. */
export function vipAddress(names: SandboxNames, k: number, netns: boolean): string {
  return netns ? `${names.netns.subnet}.${100 + k}` : `127.0.1.${names.loopback.ipBase + k}`;
}

/** Root-namespace address of the monitor veth (netns mode). */
export const monitorIp = (names: SandboxNames): string => `${names.netns.subnet}.10`;

// Monitor HA (`up --netns --monitors N`): monitor K (mon1 … mon9) in its own namespace on the
// bridge like a node, with etcd member K beside it. In the namespace: the monitor's control port
// 9988 and HTTPS API 9990, etcd's client port 2379 and peer port 2380; on 127.0.0.1 of the root
// namespace the sandbox's forwarder serves each monitor's control port and API on ports of DIR's block.

/** `up --monitors N`: 2 … MAX_MONITORS (a third monitor/etcd member is the usual case). */
export const MAX_MONITORS = 9;
/** A monitor's control port and HTTPS API inside its namespace; etcd's client and peer ports there. */
export const NETNS_CONTROL_PORT = 9988;
export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;

export const monitorId = (k: number): string => `mon${k}`;
/** Namespace of monitor K (`mmm-abcdef-mon1`); its switch-side veth is `monK` on br0. */
export const monitorNs = (names: SandboxNames, k: number): string => `${names.prefix}-${monitorId(k)}`;
/** Address of monitor K (and of etcd member K) in its namespace: 10.X.Y.(50+K). */
export const haMonitorIp = (names: SandboxNames, k: number): string => `${names.netns.subnet}.${50 + k}`;
/** 127.0.0.1 ports of the forwarder: monitor K's control port (block + 60 + K) and HTTPS API (block + 70 + K). */
export const haControlPort = (names: SandboxNames, k: number): number => names.loopback.portBase + 60 + k;
export const haHttpPort = (names: SandboxNames, k: number): number => names.loopback.portBase + 70 + k;
/** etcd's data on tmpfs (fsync off the critical path), one folder per sandbox: /dev/shm/mmm-<12 hex>-etcd. */
export const etcdDataRoot = (names: SandboxNames, shm = '/dev/shm'): string => join(shm, `mmm-${names.hash.slice(0, 12)}-etcd`);

/**
 * Every namespace name a sandbox in DIR may have created (nodes db1…dbN, monitors mon1…mon9, the
 * switch last): what `down` removes when nothing was recorded (a crashed up).
 */
export const derivedNamespaces = (names: SandboxNames, nodes = MAX_NODES): string[] => [
  ...Array.from({ length: nodes }, (_, i) => nodeNs(names, nodeName(i + 1))),
  ...Array.from({ length: MAX_MONITORS }, (_, i) => monitorNs(names, i + 1)),
  names.netns.switchNs,
];

/** Checks `up --monitors N` (N = 1: the single monitor of the root namespace). */
export function checkMonitorCount(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_MONITORS) {
    throw new SandboxError('SANDBOX', `--monitors: a whole number from 1 to ${MAX_MONITORS}, not ${String(n)}`);
  }
}

export interface NodeFiles {
  dir: string;
  cnf: string;
  datadir: string;
  tmpdir: string;
  socket: string;
  pidFile: string;
  errorLog: string;
}

/** Per-node files: `DIR/<name>/{my.cnf,data,tmp,mysqld.sock,mysqld.pid,error.log}`. */
export function nodeFiles(names: SandboxNames, name: string): NodeFiles {
  const d = join(names.dir, name);
  const files = {
    dir: d,
    cnf: join(d, 'my.cnf'),
    datadir: join(d, 'data'),
    tmpdir: join(d, 'tmp'),
    socket: join(d, 'mysqld.sock'),
    pidFile: join(d, 'mysqld.pid'),
    errorLog: join(d, 'error.log'),
  };
  if (Buffer.byteLength(files.socket) > SOCKET_PATH_MAX) {
    throw new SandboxError(
      'SANDBOX',
      `socket path ${files.socket} is longer than ${SOCKET_PATH_MAX} bytes (unix socket limit): use a shorter --dir`,
    );
  }
  return files;
}

/** Checks the node count and that every derived interface/namespace name fits. */
export function checkNodeCount(names: SandboxNames, count: number): void {
  if (!Number.isInteger(count) || count < 2 || count > MAX_NODES) {
    throw new SandboxError('SANDBOX', `a sandbox has 2 to ${MAX_NODES} nodes (2 masters + 0 to ${MAX_NODES - 2} replicas), not ${count}`);
  }
  const longest = [nodeNs(names, nodeName(count)), names.netns.monitorIf].find((n) => n.length > IFNAME_MAX);
  if (longest) throw new SandboxError('SANDBOX', `derived name ${longest} is longer than ${IFNAME_MAX} characters`);
}
