// Up and down of the sandbox's database layer: N MariaDB nodes, their accounts, the replication
// topology and (netns mode) their network. The state file in DIR lets another process tear down
// by PID what this one started.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCa, issueMysqlCert, mysqlCertName, writeKeyPair } from '@mmm/common';
import { cmdlineOf, processAlive, SandboxError } from './exec';
import { findBinary, initInstance, startInstance, stopInstance, type InstanceSpec } from './mariadb';
import { createNetwork, destroyNetwork, netnsSupport, type NetnsNode } from './netns';
import {
  checkMonitorCount, checkNodeCount, derivedNamespaces, haMonitorIp, monitorId, monitorIp, monitorNs, nodeFiles, nodeIp, nodeName, nodeNs, nodePort,
  sandboxNames, type SandboxNames,
} from './paths';
import { setupTopology, verifyReplication } from './replication';
import type { DbClusterState, DbNode, DbTls, NetworkMode } from './types';
import { LOOPBACK_HOSTS, createUsers, generateCredentials, type AccountHosts, type Credentials } from './users';

export interface StartDbClusterOptions {
  /** Sandbox directory (created; must not hold a sandbox already). */
  dir: string;
  /** Replicas of db1 besides the two masters (default 1: db3). */
  replicas?: number;
  /** Every node in its own network namespace (root only). Default: loopback addresses. */
  netns?: boolean;
  /** Progress lines (e.g. console.log); silent by default. */
  log?: (line: string) => void;
  /**
   * MariaDB's TLS: the certificates to use (the sandbox passes its cluster CA's), false for none
   * (the servers offer no TLS, the accounts do not REQUIRE SSL). Default: a CA and certificates
   * of its own in DIR/mysql-tls.
   */
  mysqlTls?: DbTls | false;
  /** `durability semisync` (up --semisync): the agent account also gets REPLICATION MASTER ADMIN. */
  semisync?: boolean;
  /**
   * Monitor HA (netns only): N ≥ 2 namespaces mon1…monN on the bridge like the nodes, for a monitor
   * and an etcd member each; the monitor account is then created at their addresses (not the veth's).
   */
  monitors?: number;
}

export interface DbCluster {
  dir: string;
  network: NetworkMode;
  names: SandboxNames;
  nodes: DbNode[];
  credentials: Credentials;
  /** netns mode: root-namespace address of the monitor veth (.10). */
  monitorIp?: string;
  /** The CA that signed the servers' certificates (mysql_ssl_ca); absent without TLS. */
  mysqlCa?: string;
  /** The node called `name`; throws if there is none. */
  node(name: string): DbNode;
  /** Stops one node's mariadbd by PID (SIGTERM, or SIGKILL with `kill` to simulate a crash). */
  stopNode(name: string, opts?: { kill?: boolean }): Promise<void>;
  /** Starts a stopped node again (same datadir, my.cnf, namespace); waits until it answers. */
  startNode(name: string): Promise<void>;
  /** Stops every mariadbd by PID, removes namespaces and veth, and DIR unless `keepDir`. */
  stop(opts?: { keepDir?: boolean }): Promise<void>;
}

function writeState(state: DbClusterState, file: string): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 }); // holds passwords
  renameSync(tmp, file);
}

/** The state file of the sandbox in `dir`, or undefined when there is none. */
export function readDbClusterState(dir: string): DbClusterState | undefined {
  const file = sandboxNames(dir).stateFile;
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as DbClusterState;
}

function planNodes(names: SandboxNames, count: number, netns: boolean): DbNode[] {
  return Array.from({ length: count }, (_, i) => {
    const index = i + 1;
    const name = nodeName(index);
    const f = nodeFiles(names, name);
    return {
      name,
      index,
      mode: index <= 2 ? 'master' : 'slave',
      ip: nodeIp(names, index, netns),
      port: nodePort(names, index, netns),
      socket: f.socket,
      ...(netns ? { netns: nodeNs(names, name) } : {}),
      dir: f.dir,
      datadir: f.datadir,
      cnf: f.cnf,
      pidFile: f.pidFile,
      errorLog: f.errorLog,
    };
  });
}

/** Monitor HA's namespaces mon1…monN (none for a single monitor). */
function planMonitors(names: SandboxNames, count: number): NetnsNode[] {
  checkMonitorCount(count);
  if (count < 2) return [];
  return Array.from({ length: count }, (_, i) => ({ name: monitorId(i + 1), netns: monitorNs(names, i + 1), ip: haMonitorIp(names, i + 1) }));
}

function specOf(names: SandboxNames, n: DbNode, tls: DbTls | undefined): InstanceSpec {
  const own = tls?.nodes[n.name];
  return {
    files: nodeFiles(names, n.name),
    serverId: n.index,
    bindAddress: n.netns ? '0.0.0.0' : n.ip,
    port: n.port,
    ...(n.netns ? { netns: n.netns } : {}),
    ...(tls && own ? { tls: { certFile: own.certFile, keyFile: own.keyFile, caFile: tls.caFile } } : {}),
  };
}

/** A CA and one MariaDB server certificate per node (IP SAN = its address), in DIR/mysql-tls. */
async function issueDbTls(dir: string, nodes: DbNode[]): Promise<DbTls> {
  const tlsDir = join(dir, 'mysql-tls');
  const ca = await createCa({ commonName: `mmm sandbox MariaDB CA (${dir})`, days: 365 });
  const { certFile: caFile } = await writeKeyPair(tlsDir, 'ca', ca);
  const out: DbTls = { caFile, nodes: {} };
  for (const n of nodes) {
    const name = mysqlCertName(n.name);
    const w = await writeKeyPair(tlsDir, name, await issueMysqlCert({ ca, name, ips: [n.ip], days: 365 }));
    out.nodes[n.name] = { certFile: w.certFile, keyFile: w.keyFile };
  }
  return out;
}

/** Runs `fn` on every node in parallel; records what succeeded before rethrowing the first failure. */
async function eachNode<T>(nodes: DbNode[], fn: (n: DbNode) => Promise<T>, onOk?: (n: DbNode, v: T) => void): Promise<void> {
  const results = await Promise.allSettled(nodes.map(fn));
  results.forEach((r, i) => r.status === 'fulfilled' && onOk?.(nodes[i]!, r.value));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Brings up the database layer: nodes db1, db2 (masters of each other) and db3… (replicas of db1),
 * all read_only, accounts created, replication running and verified both ways. On any failure
 * everything started so far is torn down and the error rethrown.
 */
export async function startDbCluster(opts: StartDbClusterOptions): Promise<DbCluster> {
  const log = opts.log ?? (() => undefined);
  const netns = opts.netns ?? false;
  const names = sandboxNames(opts.dir);
  const count = 2 + (opts.replicas ?? 1);
  checkNodeCount(names, count);
  findBinary('mariadbd');
  findBinary('mariadb-install-db');
  const haMonitors = planMonitors(names, opts.monitors ?? 1);
  if (haMonitors.length && !netns) throw new SandboxError('SANDBOX', 'monitors in namespaces of their own need netns mode (--netns)');
  if (netns) {
    const ok = await netnsSupport();
    if (ok !== true) throw new SandboxError('NOT_ROOT', ok);
  }
  if (existsSync(names.stateFile) || existsSync(nodeFiles(names, 'db1').dir)) {
    throw new SandboxError('CONFLICT', `${names.dir} already holds a sandbox: bring it down first`);
  }
  mkdirSync(names.dir, { recursive: true });
  const t0 = Date.now();
  const nodes = planNodes(names, count, netns);
  const state: DbClusterState = {
    version: 1,
    dir: names.dir,
    network: netns ? 'netns' : 'loopback',
    namespaces: [],
    nodes,
    credentials: generateCredentials(),
    ...(opts.semisync ? { semisync: true } : {}),
    ...(haMonitors.length ? { monitors: haMonitors } : {}),
  };
  const save = (): void => writeState(state, names.stateFile);
  save();
  try {
    if (netns) {
      // A monitor's namespace is wired like a node's (eth0 into br0, its switch-side end named monK).
      await createNetwork(names, [...nodes.map((n) => ({ name: n.name, netns: n.netns!, ip: n.ip })), ...haMonitors], (kind, name) => {
        if (kind === 'netns') state.namespaces.unshift(name); // switch namespace ends up last
        else state.monitorIf = name;
        save();
      });
      state.monitorIp = monitorIp(names);
      save();
      log(`network ${names.netns.subnet}.0/24 ready (${Date.now() - t0} ms)`);
    }
    const tls = opts.mysqlTls === false ? undefined : (opts.mysqlTls ?? (await issueDbTls(names.dir, nodes)));
    if (tls) {
      state.mysqlTls = tls;
      save();
    }
    await eachNode(nodes, (n) => initInstance(specOf(names, n, tls)));
    log(`datadirs initialised (${Date.now() - t0} ms)`);
    await eachNode(nodes, (n) => startInstance(specOf(names, n, tls)), (n, pid) => (n.pid = pid));
    save();
    log(`mariadbd running${tls ? ' (TLS)' : ''}: ${nodes.map((n) => `${n.name}=${n.pid}`).join(' ')} (${Date.now() - t0} ms)`);
    const hosts: AccountHosts = netns
      ? { monitor: haMonitors.length ? haMonitors.map((m) => m.ip) : monitorIp(names), replication: `${names.netns.subnet}.%`, tls: tls !== undefined }
      : { ...LOOPBACK_HOSTS, tls: tls !== undefined };
    await eachNode(nodes, (n) => createUsers(n, state.credentials, hosts, { semisync: opts.semisync === true }));
    await setupTopology(nodes, state.credentials.replication, tls?.caFile);
    await verifyReplication(nodes, nodes[0]!);
    await verifyReplication(nodes, nodes[1]!);
    log(`replication verified on ${count} nodes (${Date.now() - t0} ms)`);
  } catch (err) {
    await teardown(state).catch((e: Error) => log(`cleanup after failure also failed: ${e.message}`));
    throw err;
  }
  return clusterOf(state, names);
}

function clusterOf(state: DbClusterState, names: SandboxNames): DbCluster {
  const node = (name: string): DbNode => {
    const n = state.nodes.find((x) => x.name === name);
    if (!n) throw new SandboxError('SANDBOX', `no node ${name} in ${state.dir}`);
    return n;
  };
  return {
    dir: state.dir,
    network: state.network,
    names,
    nodes: state.nodes,
    credentials: state.credentials,
    ...(state.monitorIp ? { monitorIp: state.monitorIp } : {}),
    ...(state.mysqlTls ? { mysqlCa: state.mysqlTls.caFile } : {}),
    node,
    async stopNode(name, o) {
      const n = node(name);
      const pid = runningPid(n);
      if (pid) await stopInstance(pid, n.cnf, { kill: o?.kill ?? false });
      delete n.pid;
      writeState(state, names.stateFile);
    },
    async startNode(name) {
      const n = node(name);
      const running = runningPid(n);
      if (running) throw new SandboxError('CONFLICT', `${name}: mariadbd is already running (pid ${running})`);
      try {
        n.pid = await startInstance(specOf(names, n, state.mysqlTls));
      } finally {
        writeState(state, names.stateFile); // a failed start was stopped by startInstance: no PID recorded
      }
    },
    stop: (o) => teardown(state, o?.keepDir),
  };
}

/** Opens the running sandbox in `dir` from its state file (e.g. in another process). */
export function openDbCluster(dir: string): DbCluster {
  const state = readDbClusterState(dir);
  if (!state) throw new SandboxError('SANDBOX', `no sandbox state in ${sandboxNames(dir).stateFile}`);
  return clusterOf(state, sandboxNames(dir));
}

/**
 * The PID of the node's mariadbd if one runs (recorded, else from its pid-file, which covers a
 * start interrupted before it was recorded), and only if its command line names this node's my.cnf.
 */
export function runningPid(n: DbNode): number | undefined {
  return pidsOf(n).find((pid) => processAlive(pid) && cmdlineOf(pid).includes(n.cnf));
}

/** The recorded PID and the pid-file's, when they differ (a start that was not recorded). */
function pidsOf(n: DbNode): number[] {
  let fromFile: number | undefined;
  try {
    fromFile = Number(readFileSync(n.pidFile, 'utf8').trim()) || undefined;
  } catch {
    fromFile = undefined;
  }
  return [...new Set([n.pid, fromFile].filter((p): p is number => typeof p === 'number' && p > 0))];
}

/** Best effort: every step runs even if an earlier one failed; the failures are reported together. */
async function teardown(state: DbClusterState, keepDir = false): Promise<void> {
  const problems: string[] = [];
  const attempt = async (step: () => Promise<void> | void): Promise<void> => {
    try {
      await step();
    } catch (err) {
      problems.push(err instanceof Error ? err.message : String(err));
    }
  };
  // Only a process whose command line names this node's my.cnf is signalled (PIDs get reused).
  await Promise.all(state.nodes.map((n) => attempt(async () => {
    for (const pid of pidsOf(n)) await stopInstance(pid, n.cnf);
  })));
  if (state.network === 'netns') await attempt(() => destroyNetwork(state.namespaces, state.monitorIf));
  if (!keepDir && !problems.length) await attempt(() => rmSync(state.dir, { recursive: true, force: true }));
  if (problems.length) throw new SandboxError('SANDBOX', `teardown of ${state.dir} incomplete: ${problems.join('; ')}`);
}

/**
 * Tears down the sandbox in `dir` using its state file: mariadbd by PID, our namespaces (whatever
 * still runs inside them first), the monitor veth, then DIR unless `keepDir`. Without a state
 * file it still removes namespaces and the veth whose names derive from `dir`.
 */
export async function stopDbCluster(dir: string, opts: { keepDir?: boolean; replicasHint?: number } = {}): Promise<void> {
  const state = readDbClusterState(dir);
  if (state) return teardown(state, opts.keepDir);
  const names = sandboxNames(dir);
  await destroyNetwork(derivedNamespaces(names, 2 + (opts.replicasHint ?? 18)), names.netns.monitorIf);
  if (!opts.keepDir) rmSync(names.dir, { recursive: true, force: true });
}
