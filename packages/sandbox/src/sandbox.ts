// mmm_sandbox up | status | down: the DB layer (cluster.ts), certificates, configs, agents and the
// monitor of one sandbox in DIR. DIR/sandbox.json (0600) records every PID we started, so `down`
// (in any later process) stops exactly those, by PID, monitor first.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueClusterCerts } from '@mmm/common';
import { openDbCluster, readDbClusterState, runningPid, startDbCluster, stopDbCluster } from './cluster';
import { binScript, logTail, readText, sandboxBin, startDaemon, stopDaemon, type Daemon } from './daemons';
import { controlCommand, statusJson } from './control';
import { isRoot, processAlive, run, SandboxError, until } from './exec';
import { destroyNetwork, vipsOf } from './netns';
import { findEtcd } from './etcd';
import {
  addressOf, haMonConf, haNotReady, haStatus, issueHaCerts, planHa, startHa, stopHa, type EtcdMemberStatus, type HaMonitorStatus, type HaState,
} from './ha';
import {
  checkMonitorCount, controlPort, derivedNamespaces, loopbackVipPortFallback, monitorHttpAddress, monitorIp, nodeIp, nodeName, sandboxNames, VIP_PORT,
  type SandboxNames,
} from './paths';
import { query, readOnly, slaveStatus } from './sql';
import {
  SANDBOX_SEMISYNC_TIMEOUT, agentConf, agentConfigFile, agentLogFile, agentPort, commonConf, controlConf, healthAddress, monConf, replayVipEvents, roleIps,
  haFiles, sandboxFiles, usesVipHook, vipHookScript, type SandboxChecks, type SandboxLayout, type VipMethod,
} from './sandbox-config';
import type { DbClusterState, DbNode, NetworkMode } from './types';
import type { Credentials } from './users';
import { portFree, vipRoles, writeVipProxyConfig } from './vip-proxy';

export const DEFAULT_SANDBOX_DIR = '.mmm-sandbox';
export const DEFAULT_UP_TIMEOUT_MS = 90_000;

export interface DaemonRecord {
  pid: number;
  config: string;
  log: string;
}

/** DIR/sandbox.json */
export interface SandboxState {
  version: 1;
  dir: string;
  network: NetworkMode;
  vipMethod: VipMethod;
  replicas: number;
  createdAt: string;
  /** 127.0.0.1:port of the monitor's control listener. */
  control: string;
  /** health: "IP:PORT" of the agent's health endpoints (health_listen). */
  agents: Record<string, DaemonRecord & { port: number; health?: string }>;
  monitor?: DaemonRecord;
  /** Loopback mode: the VIP forwarder (`mmm_sandbox vip-proxy`) and the port it serves every VIP on. */
  vipProxy?: DaemonRecord & { port: number };
  /** MariaDB's links use TLS (false: `up --no-mysql-tls`). Absent in older state files: false. */
  mysqlTls?: boolean;
  /** `up --semisync`. Absent: async. */
  durability?: 'semisync';
  /** `up --no-writer-vip`: the writer role's address is only recorded by the VIP hook. */
  noWriterVip?: true;
  /** `up --semisync-timeout`: its semisync_timeout (s). Absent: SANDBOX_SEMISYNC_TIMEOUT. */
  semisyncTimeout?: number;
  /** `up --monitors N` (N ≥ 2): the etcd members, the monitors and their forwarder; `monitor` is mon1. */
  ha?: HaState;
}

export interface UpOptions {
  dir: string;
  replicas?: number;
  netns?: boolean;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
  /** Bound of the whole `up` (default 90 s). */
  timeoutMs?: number;
  /** Development: stop after the agents are up (no monitor, no ONLINE wait). */
  noMonitor?: boolean;
  /**
   * MariaDB only (nodes, accounts, replication, network): no certificates, configs, agents or
   * monitor, for running mmm from elsewhere (the installed package: scripts/deploy-demo.sh).
   */
  noAgents?: boolean;
  /** Aborts `up` (Ctrl-C): everything started is cleaned up. */
  signal?: AbortSignal;
  /** Check settings of mmm_mon.conf (default TUNED_CHECKS; see parseSandboxChecks). */
  checks?: SandboxChecks;
  /**
   * MariaDB with TLS from the sandbox CA, the monitor's checks and replication over it, the
   * monitor and replication accounts REQUIRE SSL (default true; `--no-mysql-tls`: all in clear).
   */
  mysqlTls?: boolean;
  /** `durability semisync`: semi-synchronous replication, set up by the agents (default false: async). */
  semisync?: boolean;
  /** Extra `<monitor>` keys of mmm_mon.conf (`--monitor-option KEY=VALUE`; see parseMonitorOption). */
  monitorOptions?: ReadonlyArray<readonly [string, string]>;
  /** No writer VIP: clients reach the writer through a load balancer following the agents' /writer (DESIGN §6). */
  noWriterVip?: boolean;
  /** With semisync: semisync_timeout in seconds (default SANDBOX_SEMISYNC_TIMEOUT; see parseSemisyncTimeout). */
  semisyncTimeout?: number;
  /**
   * Monitors (default 1: one in the root namespace). N ≥ 2 (netns only): monitor HA, an N-member
   * etcd cluster and N monitors, monitor K and etcd member K in namespace monK (ha.ts).
   */
  monitors?: number;
}

export interface UpResult {
  state: SandboxState;
  /** `mmm_control show` output (empty with noMonitor). */
  show: string;
  elapsedMs: number;
}

function writeState(state: SandboxState): void {
  const file = sandboxFiles(sandboxNames(state.dir)).state;
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

export function readSandboxState(dir: string): SandboxState | undefined {
  const file = sandboxFiles(sandboxNames(dir)).state;
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as SandboxState;
}

function writePrivate(file: string, text: string, mode = 0o600): void {
  writeFileSync(file, text, { mode });
  chmodSync(file, mode); // the umask may have cut bits, and an existing file keeps its old mode
}

/** Addresses on `lo` (root namespace). */
async function loAddresses(): Promise<string[]> {
  const out = (await run('ip', ['-o', '-4', 'addr', 'show', 'dev', 'lo'], { timeoutMs: 5_000 })).stdout;
  return [...out.matchAll(/\binet\s+([0-9.]+)\//g)].map((m) => m[1]!);
}

function layoutOf(state: DbClusterState, names: SandboxNames, vipMethod: VipMethod): SandboxLayout {
  return {
    names, network: state.network, vipMethod, nodes: state.nodes, credentials: state.credentials, mysqlTls: state.mysqlTls !== undefined,
    ...(state.semisync ? { semisync: true } : {}),
  };
}

/**
 * Brings the whole sandbox up and returns once every host is ONLINE, the writer role is on db1,
 * db1 is the only writable node and replication runs everywhere. On any failure (or abort)
 * everything started is stopped, DIR removed, and the error (with the failing log's tail) thrown.
 */
export async function up(opts: UpOptions): Promise<UpResult> {
  const t0 = Date.now();
  const log = opts.log ?? (() => undefined);
  const names = sandboxNames(opts.dir);
  const files = sandboxFiles(names);
  const netns = opts.netns ?? false;
  const replicas = opts.replicas ?? 1;
  const deadline = t0 + (opts.timeoutMs ?? DEFAULT_UP_TIMEOUT_MS);
  if (/\s/.test(names.dir)) {
    // ip_add_command/ip_del_command are split on whitespace by the agent.
    throw new SandboxError('SANDBOX', `DIR must not contain spaces: ${names.dir}`);
  }
  if (opts.semisyncTimeout !== undefined && !opts.semisync) {
    throw new SandboxError('SANDBOX', 'a semisync timeout needs durability semisync (up --semisync)');
  }
  if (existsSync(files.state) || readDbClusterState(names.dir)) {
    throw new SandboxError('CONFLICT', `${names.dir} already holds a sandbox: use it, or run \`mmm_sandbox down --dir ${names.dir}\` first`);
  }
  const monitors = opts.monitors ?? 1;
  checkMonitorCount(monitors);
  if (monitors > 1) {
    if (!netns) throw new SandboxError('SANDBOX', `--monitors ${monitors} needs --netns: each monitor runs in a network namespace of its own`);
    if (opts.noMonitor || opts.noAgents) throw new SandboxError('SANDBOX', `--monitors ${monitors} starts monitors: not with --no-monitor or --no-agents`);
    findEtcd();
  }
  const ha = monitors > 1 ? planHa(names, monitors) : undefined;
  const vipMethod: VipMethod = netns ? 'netns' : isRoot() ? 'hook-lo' : 'hook-record';
  const count = 2 + replicas;
  if (vipMethod === 'hook-lo') {
    const ours = Object.values(roleIps(names, count, 'loopback')).flat();
    const taken = (await loAddresses()).filter((a) => ours.includes(a));
    if (taken.length) {
      throw new SandboxError('CONFLICT', `VIP address(es) ${taken.join(', ')} of this sandbox are already on lo (another sandbox?): use another --dir`);
    }
  }
  const aborted = (): void => {
    if (opts.signal?.aborted) throw new SandboxError('SANDBOX', 'interrupted');
  };

  // Certificates first (same code as mmm_tls, CA valid one year): mariadbd needs its own at start.
  const mysqlTls = opts.mysqlTls ?? true;
  const nodeAddrs = Array.from({ length: count }, (_, i) => ({ name: nodeName(i + 1), ip: nodeIp(names, i + 1, netns) }));
  let certs: Awaited<ReturnType<typeof issueClusterCerts>>;
  try {
    mkdirSync(names.dir, { recursive: true });
    certs = await issueClusterCerts({
      dir: files.tlsDir,
      nodes: nodeAddrs,
      // monitor HA: one monitor certificate for all, naming every monitor's namespace address
      monitorIps: netns ? ['127.0.0.1', monitorIp(names), ...(ha?.monitors.map((m) => m.ip) ?? [])] : ['127.0.0.1'],
      caName: `mmm sandbox CA (${names.prefix})`,
      caDays: 365,
      days: 365,
      mysql: mysqlTls,
      viewer: true,
    });
    if (ha) await issueHaCerts(names, ha);
  } catch (e) {
    rmSync(names.dir, { recursive: true, force: true });
    throw e;
  }
  log(`certificates in ${files.tlsDir}${mysqlTls ? ' (with the MariaDB servers\')' : ''}${ha ? `, etcd's own CA in ${haFiles(names).etcdTlsDir}` : ''} (${Date.now() - t0} ms)`);
  const dbTls = mysqlTls
    ? { caFile: certs.caCertFile, nodes: Object.fromEntries(Object.entries(certs.mysql).map(([n, w]) => [n, { certFile: w.certFile, keyFile: w.keyFile }])) }
    : false;

  log(`starting MariaDB ${nodeAddrs.map((n) => n.name).join(', ')}${netns ? ' in network namespaces' : ' on loopback'}${mysqlTls ? ', with TLS' : ', without TLS'}…`);
  const db = await startDbCluster({ dir: names.dir, replicas, netns, log: (l) => log(`  ${l}`), mysqlTls: dbTls, semisync: opts.semisync === true, monitors }).catch((e: unknown) => {
    if (!readDbClusterState(names.dir)) rmSync(names.dir, { recursive: true, force: true }); // only the certificates were there
    throw e;
  });
  const state: SandboxState = {
    version: 1,
    dir: names.dir,
    network: db.network,
    vipMethod,
    replicas,
    createdAt: new Date().toISOString(),
    control: ha ? ha.monitors[0]!.control : `127.0.0.1:${controlPort(names)}`,
    agents: {},
    mysqlTls,
    ...(opts.semisync ? { durability: 'semisync' as const } : {}),
    ...(opts.noWriterVip ? { noWriterVip: true as const } : {}),
    ...(opts.semisync && opts.semisyncTimeout !== undefined ? { semisyncTimeout: opts.semisyncTimeout } : {}),
    ...(ha ? { ha } : {}),
  };
  writeState(state);
  const daemons = new Map<string, { d: Daemon; log: string }>();
  let failingLog: string | undefined;
  try {
    aborted();
    if (opts.noAgents) return { state, show: '', elapsedMs: Date.now() - t0 };
    const dbState = readDbClusterState(names.dir)!;
    const layout: SandboxLayout = { ...layoutOf(dbState, names, vipMethod), ...(opts.checks ? { checks: opts.checks } : {}),
      ...(opts.monitorOptions?.length ? { monitorOptions: opts.monitorOptions } : {}), ...(opts.noWriterVip ? { noWriterVip: true } : {}),
      ...(state.semisyncTimeout !== undefined ? { semisyncTimeout: state.semisyncTimeout } : {}),
    };
    writePrivate(files.common, commonConf(layout));
    if (ha) {
      // monitor K's config in DIR/monK; mmm_control.conf names mon1 (the leader when up returns)
      for (const [i, m] of ha.monitors.entries()) {
        mkdirSync(join(m.config, '..'), { recursive: true, mode: 0o700 });
        writePrivate(m.config, haMonConf(layout, ha, i + 1));
      }
      writePrivate(files.control, controlConf(layout, addressOf(ha.monitors[0]!.control).port));
    } else {
      writePrivate(files.mon, monConf(layout));
      writePrivate(files.control, controlConf(layout));
    }
    for (const n of db.nodes) writePrivate(agentConfigFile(n), agentConf(layout, n));
    if (usesVipHook(layout)) {
      writePrivate(files.vipHook, vipHookScript(layout), 0o700);
      writePrivate(files.vipEvents, '');
    }
    if (!ha) mkdirSync(files.monitorDir, { recursive: true, mode: 0o700 });
    log(`configs written (mode 600) (${Date.now() - t0} ms)`);

    // Loopback VIPs: the forwarder (vip-proxy.ts), before the agents so that their first VIP steps
    // are served. 3306 on the VIPs when free there (what a client tries first), else a derived port.
    if (vipMethod !== 'netns') {
      const ips = roleIps(names, count, 'loopback');
      // --no-writer-vip: the forwarder serves the reader VIPs only.
      const vips = vipRoles(ips.writer, ips.readers).filter((v) => !(opts.noWriterVip && v.ip === ips.writer));
      const port = (await portFree(vips.map((v) => v.ip), VIP_PORT)) ? VIP_PORT : loopbackVipPortFallback(names);
      writeVipProxyConfig(files.vipProxyConfig, {
        events: files.vipEvents,
        port,
        vips,
        nodes: Object.fromEntries(db.nodes.map((n) => [n.name, { host: n.ip, port: n.port }])),
      });
      const rec = { config: files.vipProxyConfig, log: files.vipProxyLog, port };
      const d = startDaemon({ what: 'VIP forwarder', script: sandboxBin(), config: rec.config, log: rec.log, args: ['vip-proxy', '--config', rec.config] });
      daemons.set('VIP forwarder', { d, log: rec.log });
      state.vipProxy = { pid: d.pid, ...rec };
      writeState(state);
      await until(deadline, `VIP forwarder listening on port ${port}`, async () => {
        aborted();
        if (d.hasExited()) {
          failingLog = rec.log;
          throw new SandboxError('COMMAND', `VIP forwarder ${await d.exited}`);
        }
        return readText(rec.log).includes('listening on');
      }, () => (failingLog = rec.log));
      log(`VIP forwarder up (pid ${d.pid}): ${ips.writer}:${port} and the reader VIPs lead to their holder's mariadbd (${Date.now() - t0} ms)`);
    }

    // Agents.
    const agentScript = binScript('@mmm/agent', 'mmmd_agent.js');
    for (const n of db.nodes) {
      const rec = { config: agentConfigFile(n), log: agentLogFile(n), port: agentPort(names, n, db.network), health: healthAddress(names, n, db.network) };
      const d = startDaemon({ what: `agent ${n.name}`, script: agentScript, config: rec.config, log: rec.log, ...(n.netns ? { netns: n.netns } : {}) });
      daemons.set(`agent ${n.name}`, { d, log: rec.log });
      state.agents[n.name] = { pid: d.pid, ...rec };
      writeState(state);
    }
    await Promise.all(
      db.nodes.map(async (n) => {
        const what = `agent ${n.name}`;
        const { d, log: file } = daemons.get(what)!;
        await until(deadline, `${what} listening on ${n.ip}:${state.agents[n.name]!.port}`, async () => {
          aborted();
          if (d.hasExited()) {
            failingLog = file;
            throw new SandboxError('COMMAND', `${what} ${await d.exited}`);
          }
          return readText(file).includes('listening on');
        }, () => (failingLog = file));
      }),
    );
    log(`agents up (${db.nodes.map((n) => `${n.name}=${state.agents[n.name]!.pid}`).join(' ')}) (${Date.now() - t0} ms)`);

    if (opts.noMonitor) return { state, show: '', elapsedMs: Date.now() - t0 };

    const target = { config: files.control };
    let monLog: string;
    if (ha) {
      await startHa({
        names, ha, deadline, t0, controlConfig: files.control, log, daemons, aborted,
        save: () => writeState(state),
        failing: (f) => void (failingLog = f),
      });
      const first = ha.monitors[0]!;
      monLog = first.log;
      state.monitor = { pid: first.pid!, config: first.config, log: first.log };
      writeState(state);
    } else {
      // Monitor (root namespace; in netns mode it reaches the nodes through the sandbox's veth).
      monLog = files.monitorLog;
      const d = startDaemon({ what: 'monitor', script: binScript('@mmm/monitor', 'mmmd_mon.js'), config: files.mon, log: monLog });
      daemons.set('monitor', { d, log: monLog });
      state.monitor = { pid: d.pid, config: files.mon, log: monLog };
      writeState(state);
      let lastErr = '';
      await until(deadline, `monitor answering on ${state.control}`, async () => {
        aborted();
        if (d.hasExited()) {
          failingLog = monLog;
          throw new SandboxError('COMMAND', `monitor ${await d.exited}`);
        }
        try {
          return (await controlCommand(target, 'ping', 2_000)).length > 0;
        } catch (e) {
          lastErr = (e as Error).message;
          return false;
        }
      }, () => {
        failingLog = monLog;
        return lastErr;
      });
      log(`monitor up (pid ${d.pid}, control ${state.control}) (${Date.now() - t0} ms)`);
    }
    log(`waiting for ONLINE… (${Date.now() - t0} ms)`);
    const setOnlineSent = new Map<string, number>();
    let why = '';
    let lastReported = '';
    await until(deadline, 'every host ONLINE with the writer on db1', async () => {
      aborted();
      for (const [what, a] of daemons) {
        if (a.d.hasExited()) {
          failingLog = a.log;
          throw new SandboxError('COMMAND', `${what} ${await a.d.exited}`);
        }
      }
      const doc = await statusJson(target, 3_000);
      const states = doc.hosts.map((h) => `${h.name}=${h.state}`).join(' ');
      if (states !== lastReported) {
        log(`  ${states}`);
        lastReported = states;
      }
      for (const h of doc.hosts) {
        if (h.state !== 'AWAITING_RECOVERY') continue;
        const last = setOnlineSent.get(h.name) ?? 0;
        if (Date.now() - last < 2_000) continue;
        setOnlineSent.set(h.name, Date.now());
        const answer = await controlCommand(target, `set_online ${h.name}`, 3_000);
        log(`  set_online ${h.name}: ${answer.trim()}`);
      }
      why = await notReady(doc, db.nodes, opts.semisync === true);
      if (!why && ha) why = await haNotReady(files.control, ha);
      return why === '';
    }, () => {
      failingLog = monLog;
      return why;
    });
    return { state, show: await showViaMmmControl(files.control), elapsedMs: Date.now() - t0 };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    const tail = failingLog ? `\nlast lines of ${failingLog}:\n${logTail(failingLog)}` : '';
    log(`FAILED: ${msg}; cleaning up`);
    await down({ dir: names.dir, log: (l) => log(`  ${l}`) }).catch((e: Error) => log(`cleanup also failed: ${e.message}`));
    throw new SandboxError(err instanceof SandboxError ? err.code : 'SANDBOX', `up failed: ${msg}${tail}`, { cause: err });
  }
}


/** `mmm_control -c DIR/mmm_control.conf show`, run as the operator would (its exact output). */
export async function showViaMmmControl(controlConf: string): Promise<string> {
  const r = await run(process.execPath, [binScript('@mmm/control', 'mmm_control.js'), '-c', controlConf, 'show'], { timeoutMs: 15_000, allowFail: true });
  if (r.code !== 0 && !r.stdout.trim()) {
    // mmm_control missing or broken: the monitor's own text, through the control protocol.
    return controlCommand({ config: controlConf }, 'show', 5_000);
  }
  return r.stdout + r.stderr;
}


/** '' when the cluster is as `up` promises; otherwise what is still missing. */
async function notReady(doc: Awaited<ReturnType<typeof statusJson>>, nodes: DbNode[], semisync: boolean): Promise<string> {
  const notOnline = doc.hosts.filter((h) => h.state !== 'ONLINE');
  if (notOnline.length) return `not ONLINE: ${notOnline.map((h) => `${h.name} ${h.state}`).join(', ')}`;
  const writer = doc.roles.find((r) => r.activeMaster);
  const holder = writer?.ips.map((i) => i.assignedTo).filter(Boolean) ?? [];
  if (holder.length !== 1 || holder[0] !== 'db1') return `writer role on ${holder.join(',') || 'nobody'}, not db1`;
  const ro = await Promise.all(nodes.map(async (n) => [n.name, await readOnly(n)] as const));
  const writable = ro.filter(([, r]) => !r).map(([name]) => name);
  if (writable.join() !== 'db1') return `writable nodes: ${writable.join(', ') || 'none'} (want db1 only)`;
  const broken: string[] = [];
  for (const n of nodes) {
    const s = await slaveStatus(n);
    if (s?.Slave_IO_Running !== 'Yes' || s?.Slave_SQL_Running !== 'Yes') {
      broken.push(`${n.name} IO=${String(s?.Slave_IO_Running ?? '-')} SQL=${String(s?.Slave_SQL_Running ?? '-')}`);
    }
  }
  if (broken.length) return `replication not running: ${broken.join(', ')}`;
  if (semisync) return semisyncNotReady(nodes);
  return '';
}

/** up --semisync: db1's commits wait for a replica, and every other node is a semi-sync replica of it. */
async function semisyncNotReady(nodes: DbNode[]): Promise<string> {
  const rows = await query(nodes[0]!, "SHOW GLOBAL STATUS WHERE Variable_name IN ('Rpl_semi_sync_master_status', 'Rpl_semi_sync_master_clients')");
  const v = Object.fromEntries(rows.map((r) => [String(r.Variable_name), String(r.Value)]));
  const want = nodes.length - 1;
  if (v.Rpl_semi_sync_master_status !== 'ON' || Number(v.Rpl_semi_sync_master_clients) !== want) {
    return `semi-sync on db1: status ${v.Rpl_semi_sync_master_status ?? '?'}, ${v.Rpl_semi_sync_master_clients ?? '?'} of ${want} replicas acknowledging`;
  }
  return '';
}

export interface DownOptions {
  dir: string;
  keep?: boolean;
  log?: (line: string) => void;
}

/**
 * Stops the monitor first (monitor HA: every monitor, their forwarder, then the etcd members and
 * their data), then the agents, then the DB layer (mariadbd by PID, namespaces, veth),
 * removes our VIPs from lo and DIR (unless `keep`). Only PIDs recorded in DIR are signalled.
 * Returns false when there was no sandbox in DIR.
 */
export async function down(opts: DownOptions): Promise<boolean> {
  const log = opts.log ?? (() => undefined);
  const names = sandboxNames(opts.dir);
  const files = sandboxFiles(names);
  const state = readSandboxState(names.dir);
  const db = readDbClusterState(names.dir);
  const problems: string[] = [];
  const step = async (what: string, fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (e) {
      problems.push(`${what}: ${(e as Error).message}`);
    }
  };
  if (!state && !db) {
    // Nothing recorded: remove only namespaces/veth whose names derive from DIR (a crashed up),
    // never DIR itself (it may not be ours).
    await destroyNetwork(derivedNamespaces(names), names.netns.monitorIf).catch(() => undefined);
    return false;
  }
  if (state?.ha) {
    // every monitor, the forwarder and the etcd members (after the monitors: the leader resigns in etcd)
    await stopHa(state.ha, log, step);
  } else if (state?.monitor) {
    const m = state.monitor;
    await step('stopping the monitor', () => stopDaemon(m.pid, m.config, 'monitor'));
    log(`monitor stopped (pid ${m.pid})`);
  }
  if (state) {
    await Promise.all(
      Object.entries(state.agents).map(([name, a]) => step(`stopping agent ${name}`, () => stopDaemon(a.pid, a.config, `agent ${name}`))),
    );
    if (Object.keys(state.agents).length) log(`agents stopped (${Object.values(state.agents).map((a) => a.pid).join(' ')})`);
    if (state.vipProxy) {
      const v = state.vipProxy;
      await step('stopping the VIP forwarder', () => stopDaemon(v.pid, v.config, 'VIP forwarder'));
      log(`VIP forwarder stopped (pid ${v.pid})`);
    }
    if (state.vipMethod === 'hook-lo') {
      await step('removing VIPs from lo', async () => {
        const ours = new Set(Object.values(replayVipEvents(readText(files.vipEvents))).flat());
        const present = (await loAddresses()).filter((a) => ours.has(a));
        for (const ip of present) await run('ip', ['addr', 'del', `${ip}/32`, 'dev', 'lo'], { allowFail: true, timeoutMs: 5_000 });
        if (present.length) log(`VIPs removed from lo: ${present.join(', ')}`);
      });
    }
  }
  if (db) {
    await step('stopping the DB layer', () => stopDbCluster(names.dir, { keepDir: true }));
    log(`MariaDB stopped${db.network === 'netns' ? ', namespaces and veth removed' : ''}`);
  }
  if (problems.length) throw new SandboxError('SANDBOX', `down incomplete (${names.dir} kept): ${problems.join('; ')}`);
  if (!opts.keep) {
    rmSync(names.dir, { recursive: true, force: true });
    log(`${names.dir} removed`);
  }
  return true;
}

export interface NodeOpOptions {
  dir: string;
  /** `db1`, `db2`, … */
  node: string;
  /** stop: SIGKILL at once (a crash) instead of SIGTERM. */
  kill?: boolean;
}

function openSandbox(dir: string): ReturnType<typeof openDbCluster> {
  const names = sandboxNames(dir);
  if (!readDbClusterState(names.dir)) throw new SandboxError('SANDBOX', `no sandbox in ${names.dir}`);
  return openDbCluster(names.dir);
}

/**
 * `mmm_sandbox stop NODE`: stops that node's mariadbd by PID (SIGTERM, bounded, then SIGKILL; with
 * `kill` SIGKILL at once) and records it as stopped, so `status` shows it and `start` may follow.
 * Returns the line to print. A node that is not running is not an error.
 */
export async function stopNode(opts: NodeOpOptions): Promise<string> {
  const c = openSandbox(opts.dir);
  const n = nodeOf(c, opts.node);
  const pid = runningPid(n);
  await c.stopNode(n.name, { kill: opts.kill ?? false });
  if (!pid) return `${n.name}: mariadbd was not running`;
  return `${n.name}: mariadbd stopped (pid ${pid}, ${opts.kill ? 'SIGKILL' : 'SIGTERM'})`;
}

/**
 * `mmm_sandbox start NODE`: starts that node's mariadbd again (same my.cnf, datadir and namespace),
 * waits until it answers and records its PID, so `down` stops it. Returns the line to print.
 */
export async function startNode(opts: NodeOpOptions): Promise<string> {
  const c = openSandbox(opts.dir);
  const n = nodeOf(c, opts.node);
  const running = runningPid(n);
  if (running) return `${n.name}: mariadbd is already running (pid ${running})`;
  await c.startNode(n.name);
  return `${n.name}: mariadbd started (pid ${c.node(n.name).pid})`;
}

function nodeOf(c: ReturnType<typeof openDbCluster>, name: string): DbNode {
  const n = c.nodes.find((x) => x.name === name);
  if (!n) throw new SandboxError('SANDBOX', `no node ${name} in ${c.dir} (nodes: ${c.nodes.map((x) => x.name).join(', ')})`);
  return n;
}

export interface NodeStatus {
  name: string;
  mode: string;
  ip: string;
  mysql_port: number;
  socket: string;
  mariadbd_pid: number | null;
  agent_pid: number | null;
  netns: string | null;
  config: string;
  vips: string[];
  agent_port: number | null;
  /** "IP:PORT" of the agent's health endpoints (HTTPS, mutual TLS: /writer, /reader, /health); null: none. */
  health: string | null;
  agent_log: string;
  mariadbd_running: boolean;
  agent_running: boolean;
}

export interface SandboxStatus {
  dir: string;
  network: NetworkMode;
  vip_method: VipMethod | null;
  /** `http`: "IP:PORT" of the monitor's HTTPS API (http_listen), null without a monitor. */
  monitor: { pid: number | null; config: string; control: string; http: string | null; log: string; running: boolean };
  control_config: string;
  nodes: NodeStatus[];
  /** viewer_cert/viewer_key: a read-only certificate (role viewer) for a browser or a load balancer; null when absent. */
  certs: { ca: string; control_cert: string; control_key: string; viewer_cert: string | null; viewer_key: string | null };
  vip_events: string | null;
  /** Port clients use on every VIP (3306 in netns mode; the forwarder's port in loopback mode). */
  vip_port: number | null;
  /** Loopback mode: the VIP forwarder (null in netns mode). */
  vip_proxy: { pid: number; config: string; log: string; running: boolean } | null;
  /** MariaDB's links use TLS verified against certs.ca (false: `up --no-mysql-tls`). */
  mysql_tls: boolean;
  /** The cluster's `durability` (semisync: `up --semisync`). */
  durability: 'async' | 'semisync';
  /** The writer VIP; null with `up --no-writer-vip` (the writer is reached through a load balancer). */
  writer_vip: string | null;
  /** Its semisync_timeout in seconds (durability semisync), else null. */
  semisync_timeout: number | null;
  /**
   * `up --monitors N` (N ≥ 2): one entry per monitor (`control`/`http`: the 127.0.0.1 addresses a
   * plain shell uses) and per etcd member; null with a single monitor. `monitor` is then mon1.
   */
  monitors: HaMonitorStatus[] | null;
  etcd: EtcdMemberStatus[] | null;
  /** Monitor HA's settings (lease_ttl, etcd heartbeat/election, etcd's CA, the 127.0.0.1 forwarder), null without. */
  monitor_ha: { lease_ttl: number; heartbeat_ms: number; election_ms: number; etcd_ca: string; forwarder: { pid: number; log: string; running: boolean } | null } | null;
}

/** The sandbox in DIR as DESIGN §6 describes it, VIPs read live; undefined when there is none. */
export async function status(dir: string): Promise<SandboxStatus | undefined> {
  const names = sandboxNames(dir);
  const files = sandboxFiles(names);
  const db = readDbClusterState(names.dir);
  if (!db) return undefined;
  const state = readSandboxState(names.dir);
  const hooked = state && state.vipMethod !== 'netns' ? replayVipEvents(readText(files.vipEvents)) : {};
  const writerIp = roleIps(names, db.nodes.length, db.network).writer;
  const lo = state?.vipMethod === 'hook-lo' ? new Set(await loAddresses().catch(() => [] as string[])) : undefined;
  const cluster = openDbCluster(names.dir);
  const ha = state?.ha;
  const nodes = await Promise.all(
    cluster.nodes.map(async (n): Promise<NodeStatus> => {
      let vips: string[] = [];
      if (db.network === 'netns') vips = await vipsOf(n).catch(() => []);
      else vips = (hooked[n.name] ?? []).filter((ip) => (!lo || lo.has(ip)) && !(state?.noWriterVip && ip === writerIp));
      const a = state?.agents[n.name];
      const pid = n.pid ?? null;
      return {
        name: n.name,
        mode: n.mode,
        ip: n.ip,
        mysql_port: n.port,
        socket: n.socket,
        mariadbd_pid: pid,
        agent_pid: a?.pid ?? null,
        netns: n.netns ?? null,
        config: agentConfigFile(n),
        vips: vips.sort(),
        agent_port: a?.port ?? null,
        health: a?.health ?? null,
        agent_log: agentLogFile(n),
        mariadbd_running: pid !== null && processAlive(pid),
        agent_running: a !== undefined && processAlive(a.pid),
      };
    }),
  );
  return {
    dir: names.dir,
    network: db.network,
    vip_method: state?.vipMethod ?? null,
    monitor: {
      pid: state?.monitor?.pid ?? null,
      config: state?.monitor?.config ?? files.mon,
      control: state?.control ?? `127.0.0.1:${controlPort(names)}`,
      http: ha ? ha.monitors[0]!.http : state?.monitor ? monitorHttpAddress(names, db.network === 'netns') : null,
      log: state?.monitor?.log ?? files.monitorLog,
      running: state?.monitor !== undefined && processAlive(state.monitor.pid),
    },
    control_config: files.control,
    nodes,
    certs: {
      ca: files.caCert, control_cert: files.controlCert, control_key: files.controlKey,
      viewer_cert: existsSync(files.viewerCert) ? files.viewerCert : null, viewer_key: existsSync(files.viewerKey) ? files.viewerKey : null,
    },
    vip_events: state && usesVipHook(state) ? files.vipEvents : null,
    vip_port: db.network === 'netns' ? VIP_PORT : (state?.vipProxy?.port ?? null),
    vip_proxy: state?.vipProxy
      ? { pid: state.vipProxy.pid, config: state.vipProxy.config, log: state.vipProxy.log, running: processAlive(state.vipProxy.pid) }
      : null,
    mysql_tls: db.mysqlTls !== undefined,
    durability: db.semisync ? 'semisync' : 'async',
    writer_vip: state?.noWriterVip ? null : writerIp,
    semisync_timeout: db.semisync ? (state?.semisyncTimeout ?? SANDBOX_SEMISYNC_TIMEOUT) : null,
    ...(ha ? haStatus(ha) : { monitors: null, etcd: null }),
    monitor_ha: ha
      ? {
          lease_ttl: ha.leaseTtl, heartbeat_ms: ha.heartbeatMs, election_ms: ha.electionMs, etcd_ca: ha.etcdCa,
          forwarder: ha.forwarder ? { pid: ha.forwarder.pid, log: ha.forwarder.log, running: processAlive(ha.forwarder.pid) } : null,
        }
      : null,
  };
}

/** Human-readable `status`. */
export function formatStatus(s: SandboxStatus): string {
  const pid = (p: number | null, alive: boolean): string => (p === null ? '-' : `${p}${alive ? '' : ' (dead)'}`);
  const mariadbd = (n: NodeStatus): string => (n.mariadbd_pid === null ? 'stopped' : pid(n.mariadbd_pid, n.mariadbd_running));
  const agents = s.nodes.some((n) => n.agent_pid !== null);
  const rows = [
    ['node', 'mode', 'ip', 'mysql', 'mariadbd', 'agent', s.network === 'netns' ? 'netns' : 'agent port', 'vips'],
    ...s.nodes.map((n) => [
      n.name, n.mode, n.ip, String(n.mysql_port), mariadbd(n), pid(n.agent_pid, n.agent_running),
      s.network === 'netns' ? (n.netns ?? '-') : String(n.agent_port ?? '-'), n.vips.join(', ') || '-',
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
  return [
    `sandbox ${s.dir} (${s.network}, ${s.nodes.length} nodes, MySQL links ${s.mysql_tls ? 'over TLS' : 'in clear'})`,
    s.monitor.pid !== null
      ? `monitor  pid ${pid(s.monitor.pid, s.monitor.running)}, control ${s.monitor.control}, config ${s.monitor.config}`
      : `monitor  none (${agents ? 'up --no-monitor' : 'up --no-agents: MariaDB only'})`,
    ...(s.monitors && s.etcd && s.monitor_ha
      ? [
          `monitor HA (\`monitor\` above is mon1; lease_ttl ${s.monitor_ha.lease_ttl} s, etcd heartbeat ${s.monitor_ha.heartbeat_ms} ms, election ${s.monitor_ha.election_ms} ms):`,
          ...s.monitors.map((m) => `  ${m.id}  pid ${pid(m.pid, m.running)}, control ${m.control}, API ${m.http}, netns ${m.netns} at ${m.control_address}`),
          ...s.etcd.map((m) => `  ${m.name} pid ${pid(m.pid, m.running)}, ${m.endpoint}, netns ${m.netns}, data ${m.data_dir}`),
          ...(s.monitor_ha.forwarder ? [`  127.0.0.1 forwarder pid ${pid(s.monitor_ha.forwarder.pid, s.monitor_ha.forwarder.running)} (log ${s.monitor_ha.forwarder.log})`] : []),
        ]
      : []),
    '',
    table,
    '',
    ...(s.monitor.pid !== null ? [`mmm_control: npx --no-install mmm_control -c ${s.control_config} show`] : []),
    ...(agents || s.monitor.pid !== null ? [`certs:       ${s.certs.ca}, ${s.certs.control_cert}, ${s.certs.control_key}`] : []),
    ...(s.nodes.some((n) => n.health)
      ? [`health:      ${s.nodes.filter((n) => n.health).map((n) => `${n.name} https://${n.health!}`).join(', ')} (/writer, /reader?max_lag=S, /health; client certificate from ${s.certs.ca})`]
      : []),
    ...(s.writer_vip === null && agents ? ['writer VIP:  none (up --no-writer-vip): reach the writer through a load balancer checking each node\'s /writer'] : []),
    ...(s.vip_events ? [`VIP steps:   ${s.vip_events} (recorded by the agents' ip_add_command/ip_del_command hook)`] : []),
    ...(s.vip_proxy
      ? [`VIPs:        port ${s.vip_port ?? '-'} on every VIP, forwarded to the holder's mariadbd by pid ${pid(s.vip_proxy.pid, s.vip_proxy.running)} (log ${s.vip_proxy.log})`]
      : []),
  ].join('\n');
}

/** Monitor HA's part of the commands after `up`: the monitors' addresses, how to find the leader and how to cut one off. */
function haUsageLines(state: SandboxState, ctl: string): string[] {
  const ha = state.ha!;
  const names = sandboxNames(state.dir);
  const first = ha.monitors[0]!;
  const second = ha.monitors[1]!;
  const width = Math.max(...ha.monitors.map((m) => m.control.length));
  return [
    '',
    `Monitor HA: ${ha.monitors.length} monitors elected in etcd (lease_ttl ${ha.leaseTtl} s; etcd heartbeat ${ha.heartbeatMs} ms, election ${ha.electionMs} ms); ${first.id} led when up returned:`,
    ...ha.monitors.map((m, i) =>
      `  ${m.id}  control ${m.control.padEnd(width)}  API https://${m.http}/  in namespace ${m.netns} at ${m.ip}, with etcd member ${ha.etcd[i]!.name} (${ha.etcd[i]!.endpoint})`),
    `  ${ctl} --monitor ${second.control} show   # ${second.id}'s view: it names the leader`,
    `  The config names ${first.id} (${first.control}). Who leads is \`show\`'s line "# Monitor HA: …"; a follower refuses state changes`,
    '  with "ERROR: Not the leader: … the leader is \'monK\' at IP:9988": send them to that monitor (--monitor with its 127.0.0.1 port above,',
    `  or IP:9988 itself, reachable from this shell through veth ${names.netns.monitorIf}).`,
    `  Cut ${second.id} and etcd member ${ha.etcd[1]!.name} off the network: ip -n ${names.netns.switchNs} link set ${second.id} down   (back: … up)`,
    `  Crash the leader: kill -9 ${first.pid ?? 'PID'} (PIDs: mmm_sandbox status --json, "monitors" and "etcd")`,
  ];
}

/**
 * The commands printed after `up`: only those that work on what runs (`--no-monitor`: no
 * mmm_control; `--no-agents`: MariaDB only, with the accounts and VIPs to configure mmm with).
 */
export function usageText(state: SandboxState, dbNodes: DbNode[], credentials: Credentials, monitorIpAddr?: string): string {
  const files = sandboxFiles(sandboxNames(state.dir));
  const ctl = `npx --no-install mmm_control -c ${files.control}`;
  const ips = roleIps(sandboxNames(state.dir), dbNodes.length, state.network);
  const appUser = credentials.app;
  const app = `-u${appUser.user} -p${appUser.password} mmm_test`;
  const agents = Object.keys(state.agents).length > 0;
  const control = state.monitor
    ? [
        'Use the cluster:',
        `  ${ctl} show`,
        `  ${ctl} checks all`,
        `  ${ctl} show --json            # the status_json document`,
        `  ${ctl} set_offline db3        # then: set_online db3`,
        `  ${ctl} set_manual && ${ctl} move_role writer db2`,
        '                                 # (writer prefers db1: active mode keeps it there; set_active to go back)',
        ...(state.ha ? haUsageLines(state, ctl) : []),
      ]
    : agents
      ? [
          'No monitor (up --no-monitor): the agents listen; a monitor on the written config:',
          `  npx --no-install mmmd_mon -c ${files.mon}`,
          `  then: ${ctl} show`,
        ]
      : [
          'MariaDB only (up --no-agents): no certificates, configs, agents or monitor. For your own mmm configs',
          `(also in ${sandboxNames(state.dir).stateFile}, mode 0600):`,
          ...(['agent', 'monitor', 'replication'] as const).map((k) => `  ${`${k} account:`.padEnd(21)}${credentials[k].user} / ${credentials[k].password}`),
          `  ${'VIPs (unused):'.padEnd(21)}writer ${ips.writer}, readers ${ips.readers.join(', ')}`,
        ];
  const monitorLogs = state.ha ? state.ha.monitors.map((m) => m.log) : state.monitor ? [files.monitorLog] : [];
  const logs = [...monitorLogs, ...(agents ? dbNodes.map((n) => agentLogFile(n)) : []), ...(state.ha ? state.ha.etcd.map((m) => m.log) : [])];
  const health = Object.entries(state.agents).filter(([, a]) => a.health);
  const healthLines = health.length
    ? [
        '',
        `Health endpoints for load balancers (HTTPS, a client certificate signed by ${files.caCert}):`,
        `  ${health.map(([name, a]) => `${name} https://${a.health!}`).join(', ')}`,
        '  GET /writer (200 on the writer only), /reader?max_lag=S, /health; see docs/observability.md#load-balancers',
      ]
    : [];
  const http = state.ha ? state.ha.monitors[0]!.http : state.monitor ? monitorHttpAddress(sandboxNames(state.dir), state.network === 'netns') : undefined;
  const httpLines = http
    ? [
        '',
        `Monitor HTTPS API, status page and /metrics on https://${http}/ (docs/observability.md), e.g. read-only with the viewer certificate:`,
        `  curl --cacert ${files.caCert} --cert ${files.viewerCert} --key ${files.viewerKey} https://${http}/api/v1/cluster`,
      ]
    : [];
  const lines = [
    ...control,
    '',
    'MariaDB as root, through each node\'s socket:',
    ...dbNodes.map((n) => `  mariadb --defaults-file=${n.cnf}        # ${n.name} (${n.mode}), or: mariadb -S ${n.socket} -uroot`),
    '',
    `Application user (no SUPER: read_only stops it): ${appUser.user} / ${appUser.password}, schema mmm_test`,
    ...(state.network === 'netns'
      ? [
          agents && !state.noWriterVip
            ? `  ip netns exec ${dbNodes[2]?.netns ?? dbNodes[0]!.netns} mariadb -h ${ips.writer} ${app}   # the writer VIP, from inside a node's namespace`
            : `  ip netns exec ${dbNodes[2]?.netns ?? dbNodes[0]!.netns} mariadb -h ${dbNodes[0]!.ip} ${app}   # db1, from inside a node's namespace`,
        ]
      : [
          ...(state.vipProxy
            ? [
                ...(state.noWriterVip ? [] : [`  mariadb -h ${ips.writer} -P ${state.vipProxy.port} ${app}   # the writer VIP: whichever node is the writer`]),
                `  reader VIPs ${ips.readers.join(', ')}, port ${state.vipProxy.port}${state.noWriterVip ? '' : ' too'}`,
              ]
            : []),
          `  mariadb -h ${dbNodes[0]!.ip} -P ${dbNodes[0]!.port} ${app}   # db1 itself over TCP`,
        ]),
    ...(state.noWriterVip && agents
      ? [`  no writer VIP (up --no-writer-vip): the writer role's address ${ips.writer} is only recorded in ${files.vipEvents}; reach the writer through a load balancer checking /writer`]
      : []),
    ...(monitorIpAddr ? [`  (the monitor reaches the nodes from ${monitorIpAddr} through veth ${sandboxNames(state.dir).netns.monitorIf})`] : []),
    '',
    state.mysqlTls
      ? `MySQL links over TLS: MariaDB certificates ${files.tlsDir}/dbN-mysql.crt from ${files.caCert}; the monitor's checks and replication verify them, the monitor and replication accounts REQUIRE SSL, the agents use their node's socket (mmm_agent@localhost).${agents ? ` Check: npx --no-install mmm_tls verify --secure -c ${state.monitor?.config ?? files.mon}` : ''}`
      : 'MySQL links in clear (up --no-mysql-tls): no TLS on MariaDB, no REQUIRE SSL; the agents use their node\'s socket (mmm_agent@localhost).',
    ...(state.durability === 'semisync'
      ? ['', `Durability semisync (up --semisync): ${agents ? 'the agents turn on' : 'the agent account may set'} MariaDB's semi-sync (writer: master side, AFTER_SYNC, semisync_timeout ${state.semisyncTimeout ?? SANDBOX_SEMISYNC_TIMEOUT} s; every node: replica side); \`mmm_control show\` names a writer that fell back to async (WriterSemisyncFallback).`]
      : []),
    ...(state.vipMethod !== 'netns' && agents ? ['', `VIP steps of the agents are recorded in ${files.vipEvents}${state.vipMethod === 'hook-lo' ? ' (and put on lo)' : ''}.`] : []),
    ...healthLines,
    ...httpLines,
    ...(logs.length ? ['', `Logs: ${logs.join(', ')}`] : []),
    '',
    `Status: npx --no-install mmm_sandbox status --dir ${state.dir}   (--json: machine-readable)`,
    `Node:   npx --no-install mmm_sandbox stop db3 --dir ${state.dir}   # stops db3's mariadbd (--kill: SIGKILL, a crash); then: start db3`,
    `Stop:   npx --no-install mmm_sandbox down --dir ${state.dir}`,
  ];
  return lines.join('\n');
}
