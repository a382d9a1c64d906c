// A mixed cluster for the rolling-upgrade tests (issue 14): real MariaDB in network namespaces
// (test/legacy-agent/rig.ts: MMM-style mmm_common.conf, MMM's agent grants, certificates with IP
// SANs and no role URI), the legacy-agent double (an MMM 2.2.1 agent) on some hosts, our BUILT
// mmmd_agent on the others and our BUILT mmmd_mon driving them all, plain or TLS. With TLS the
// monitor names every certificate's role by CN (`peer_role dbN agent`, `peer_role control
// control`), as an operator does for MMM's certificates; our agents get `peer_role monitor monitor`.
// It is a ClusterView, so the e2e workload, observer and invariants run on it unchanged.
// Everything started here is stopped by PID in teardown(), also after a failed start.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { StatusDocument } from '@mmm/common';
import {
  type Daemon, type DbCluster, findBinary, netnsSupport, processAlive, queries, query, startDaemon, statusJson, stopDaemon,
} from '../../../packages/sandbox/src';
import { createClientNs, removeClientNs, runNode, until, type ClusterView, type Ran } from '../../e2e/lib/cluster';
import { freePort } from '../../helpers/free-port';
import { LegacyRig, type SocketType } from '../../legacy-agent/rig';

const ROOT = resolve(__dirname, '../../..');
export const MONITOR_BIN = join(ROOT, 'packages/monitor/bin/mmmd_mon.js');
export const AGENT_BIN = join(ROOT, 'packages/agent/bin/mmmd_agent.js');
export const CONTROL_BIN = join(ROOT, 'packages/control/bin/mmm_control.js');
export const HOSTS = ['db1', 'db2', 'db3'] as const;

/** Check timing of the monitor (seconds): sub-second like the sandbox, trap 1 s. */
export const CHECKS = { period: 0.25, trap: 1, timeout: 1 };

export interface MixedOptions {
  socket: SocketType;
  /** Hosts that run the legacy-agent double; the others run our mmmd_agent. */
  legacy: readonly string[];
  /** Extra `<monitor>` lines (e.g. `legacy_failover mmm`). */
  monitorLines?: string[];
  /** The legacy angel's restart delay after a failed worker (MMM: 10 s). */
  legacyRestartDelayS?: number;
}

interface Ours {
  d: Daemon;
  config: string;
  log: string;
}

export class MixedCluster implements ClusterView {
  readonly dir: string;
  readonly db: DbCluster;
  readonly writerVip: string;
  readonly readerVips: string[];
  clientNs = '';
  clientIp = '';
  readonly monConf: string;
  readonly controlConf: string;
  readonly monitorLog: string;
  readonly ours = new Map<string, Ours>();
  monitor?: Daemon;
  private controlPort = 0;
  private tornDown = false;

  private constructor(readonly rig: LegacyRig, readonly o: MixedOptions) {
    this.dir = rig.dir;
    this.db = rig.db;
    this.writerVip = rig.vips.writer;
    this.readerVips = [...rig.vips.readers];
    this.monConf = join(this.dir, 'mmm_mon.conf');
    this.controlConf = join(this.dir, 'mmm_control.conf');
    this.monitorLog = join(this.dir, 'monitor', 'mmmd_mon.log');
  }

  /**
   * The cluster with every agent listening and no monitor yet; undefined (after printing why)
   * when this machine cannot run it: namespaces need root, the nodes need mariadbd, the daemons a build.
   */
  static async start(o: MixedOptions): Promise<MixedCluster | undefined> {
    const ok = await netnsSupport();
    if (ok !== true) return skip(`mixed clusters need network namespaces (VIPs on each host's eth0): ${ok}`);
    try {
      findBinary('mariadbd');
    } catch (e) {
      return skip((e as Error).message);
    }
    for (const f of [MONITOR_BIN, AGENT_BIN, CONTROL_BIN]) {
      if (!existsSync(f)) return skip(`${f} is missing`);
    }
    if (!existsSync(join(ROOT, 'packages/monitor/dist/main.js'))) return skip('the monitor is not built (npm run build)');
    const rig = await LegacyRig.start({ socket: o.socket });
    const c = new MixedCluster(rig, o);
    try {
      await c.setUp();
    } catch (e) {
      await c.teardown();
      throw e;
    }
    return c;
  }

  isLegacy(host: string): boolean {
    return this.o.legacy.includes(host);
  }

  private async setUp(): Promise<void> {
    const mon = this.db.credentials.monitor;
    // docs/accounts.md: while MMM agents remain, planned moves read positions and client threads
    // over the monitor's own account.
    // to the monitor account wherever the sandbox made it (the monitor's own address, docs/accounts.md)
    await Promise.all(this.db.nodes.map(async (n) => {
      const hosts = (await query(n, 'SELECT Host AS h FROM mysql.user WHERE User = ?', [mon.user])).map((r) => String(r.h));
      await queries(n, ['SET SESSION sql_log_bin = 0', ...hosts.map((h) => `GRANT PROCESS, BINLOG MONITOR ON *.* TO '${mon.user}'@'${h}'`)]);
    }));
    for (const h of HOSTS) if (!this.isLegacy(h)) this.writeOurAgentConfig(h);
    this.controlPort = await freePort('127.0.0.1');
    this.writeMonitorConfig();
    this.writeControlConfig();
    mkdirSync(join(this.dir, 'monitor'), { recursive: true, mode: 0o700 });
    const cli = await createClientNs(this.db.dir);
    this.clientNs = cli.ns;
    this.clientIp = cli.ip;
    await Promise.all(HOSTS.map((h) => this.startAgent(h)));
  }

  private ourConfig(name: string): string {
    return join(this.dir, `${name}-mmmd_agent.conf`);
  }

  ourLog(name: string): string {
    return join(this.dir, `${name}-mmmd_agent.log`);
  }

  /** The log of whatever agent runs on `name`. */
  agentLog(name: string): string {
    return this.isLegacy(name) ? this.rig.logFile(name) : this.ourLog(name);
  }

  private socketBlock(cert: string, peerRoles: string[]): string {
    if (this.o.socket === 'plain') return '';
    const t = join(this.dir, 'tls');
    return ['<socket>', '    type            ssl', `    cert_file       ${t}/${cert}.crt`, `    key_file        ${t}/${cert}.key`,
      `    ca_file         ${t}/ca.crt`, ...peerRoles.map((r) => `    peer_role       ${r}`), '</socket>', ''].join('\n');
  }

  /** Our agent reads MMM's mmm_common.conf unchanged; our keys live in its own file (docs/upgrade.md). */
  private writeOurAgentConfig(name: string): void {
    const n = this.db.node(name);
    write(this.ourConfig(name), [
      `include ${join(this.dir, 'mmm_common.conf')}`,
      `this ${name}`,
      'writer_lease 3',
      'switch_timeout 10',
      'demote_grace 0.2',
      '',
      `<host ${name}>`,
      `    mysql_pidfile   ${n.pidFile}`,
      `    mysql_socket    ${n.socket}`,
      // MMM clusters run MySQL in clear: no TLS to MySQL until the servers get certificates
      '    mysql_ssl       off',
      // monitor HA: the term record in this rig's folder, never the machine's /var/lib/mmm
      `    term_file       ${join(this.dir, `${name}.term.json`)}`,
      '</host>',
      '',
      this.socketBlock(name, ['monitor monitor']),
    ].join('\n'));
  }

  private writeMonitorConfig(): void {
    const mon = this.db.credentials.monitor;
    const check = (name: string): string[] => [
      `<check ${name}>`, `    check_period    ${CHECKS.period}`, `    trap_period     ${CHECKS.trap}`, `    timeout         ${CHECKS.timeout}`,
      ...(name === 'rep_backlog' ? ['    max_backlog     60'] : []), '</check>', '',
    ];
    write(this.monConf, [
      `include ${join(this.dir, 'mmm_common.conf')}`,
      'writer_lease 3',
      'switch_timeout 10',
      '',
      '<monitor>',
      '    ip                      127.0.0.1',
      `    port                    ${this.controlPort}`,
      `    status_path             ${join(this.dir, 'mmm_mond.status')}`,
      '    mode                    active',
      `    ping_interval           ${CHECKS.period}`,
      '    wait_for_other_master   10',
      ...(this.o.monitorLines ?? []).map((l) => `    ${l}`),
      '</monitor>',
      '',
      '<host default>',
      '    mysql_ssl               off',
      `    monitor_user            ${mon.user}`,
      `    monitor_password        ${mon.password}`,
      '</host>',
      '',
      ...['ping', 'mysql', 'rep_threads', 'rep_backlog'].flatMap(check),
      this.socketBlock('monitor', ['control control', ...HOSTS.map((h) => `${h} agent`)]),
    ].join('\n'));
  }

  private writeControlConfig(): void {
    const t = join(this.dir, 'tls');
    write(this.controlConf, [
      '<monitor>', '    ip      127.0.0.1', `    port    ${this.controlPort}`, '</monitor>', '',
      ...(this.o.socket === 'ssl'
        ? ['<socket>', '    type                ssl', `    client_cert_file    ${t}/control.crt`, `    client_key_file     ${t}/control.key`,
          `    ca_file             ${t}/ca.crt`, '</socket>', '']
        : []),
    ].join('\n'));
  }

  /** Starts the agent of `name` (the double or ours) and waits until it listens. */
  async startAgent(name: string): Promise<void> {
    if (this.isLegacy(name)) {
      await this.rig.startAgent(name, { restartDelayS: this.o.legacyRestartDelayS ?? 10 });
      return;
    }
    if (this.ours.get(name) && !this.ours.get(name)!.d.hasExited()) throw new Error(`our agent on ${name} already runs`);
    const n = this.db.node(name);
    const log = this.ourLog(name);
    const before = readText(log).length;
    const d = startDaemon({ what: `agent ${name}`, script: AGENT_BIN, config: this.ourConfig(name), log, netns: n.netns!, args: ['-c', this.ourConfig(name), '--log-level', 'debug'] });
    this.ours.set(name, { d, config: this.ourConfig(name), log });
    await until(`our agent on ${name} listening`, async () => {
      if (d.hasExited()) throw new Error(`agent ${name} ${await d.exited}: ${readText(log).slice(before).slice(-2000)}`);
      return /mmmd_agent for \S+ listening on/.test(readText(log).slice(before));
    }, 30_000, 50);
  }

  async stopAgent(name: string): Promise<void> {
    if (this.isLegacy(name)) return this.rig.stopAgent(name);
    const a = this.ours.get(name);
    this.ours.delete(name);
    if (a && processAlive(a.d.pid)) await stopDaemon(a.d.pid, a.config, `agent ${name}`);
  }

  async startMonitor(): Promise<void> {
    if (this.monitor && !this.monitor.hasExited()) throw new Error('the monitor already runs');
    const before = readText(this.monitorLog).length;
    const d = startDaemon({ what: 'monitor', script: MONITOR_BIN, config: this.monConf, log: this.monitorLog, args: ['-c', this.monConf, '--log-level', 'debug'] });
    this.monitor = d;
    await until('the monitor answering ping', async () => {
      if (d.hasExited()) throw new Error(`monitor ${await d.exited}: ${readText(this.monitorLog).slice(before).slice(-3000)}`);
      return (await this.control('ping')).code === 0;
    }, 40_000, 100);
  }

  async stopMonitor(): Promise<void> {
    const d = this.monitor;
    this.monitor = undefined;
    if (d && processAlive(d.pid)) await stopDaemon(d.pid, this.monConf, 'monitor');
  }

  control(...args: string[]): Promise<Ran> {
    return runNode(CONTROL_BIN, ['-c', this.controlConf, ...args], 30_000);
  }

  statusDoc(timeoutMs = 3_000): Promise<StatusDocument> {
    return statusJson({ config: this.controlConf }, timeoutMs);
  }

  /** Monitor log lines since byte `from` (see monitorLogSize()). */
  monitorLines(from = 0): string[] {
    return readText(this.monitorLog).slice(from).split('\n').filter(Boolean);
  }

  monitorLogSize(): number {
    return readText(this.monitorLog).length;
  }

  /** Warnings, errors and role lines of every daemon, for a failed test's report. */
  logTails(lines = 60): string {
    const files: Array<[string, string]> = [['monitor', this.monitorLog], ...HOSTS.map((h) => [`${this.isLegacy(h) ? 'legacy' : 'our'} agent ${h}`, this.agentLog(h)] as [string, string])];
    return files.map(([what, f]) => `--- ${what}: ${f} (last ${lines} lines)\n${readText(f).trimEnd().split('\n').slice(-lines).map((l) => `  ${l.slice(0, 400)}`).join('\n')}`).join('\n');
  }

  /** Copies every daemon's log (and the audit log) to `dest` (MMM_TEST_KEEP_LOGS, for debugging a failed run). */
  keepLogs(dest: string): void {
    mkdirSync(dest, { recursive: true });
    const files: Array<[string, string]> = [['mmmd_mon.log', this.monitorLog], ['audit.jsonl', join(this.dir, 'mmm_mond.status.audit.jsonl')],
      ...HOSTS.map((h) => [`${h}-agent.log`, this.agentLog(h)] as [string, string])];
    for (const [name, f] of files) if (existsSync(f)) copyFileSync(f, join(dest, name));
  }

  /** Stops the monitor, the agents (by PID), removes the client namespace, MariaDB, namespaces and DIR. Safe twice. */
  async teardown(): Promise<void> {
    if (this.tornDown) return;
    this.tornDown = true;
    const step = (what: string, p: Promise<unknown>): Promise<unknown> => p.catch((e: Error) => console.log(`      teardown: ${what}: ${e.message}`));
    await step('monitor', this.stopMonitor());
    await Promise.all([...this.ours.keys()].map((h) => step(`agent ${h}`, this.stopAgent(h))));
    if (this.clientNs) await step('client namespace', removeClientNs(this.clientNs));
    await step('legacy rig', this.rig.stop());
  }

  /** PIDs this cluster started that still run (for the last check). */
  livePids(): number[] {
    const pids = [this.monitor?.pid, ...[...this.ours.values()].map((a) => a.d.pid), ...[...this.rig.agents.values()].flatMap((a) => [a.pid, ...a.workers()]),
      ...this.db.nodes.map((n) => n.pid)];
    return pids.filter((p): p is number => !!p && processAlive(p));
  }
}

function skip(why: string): undefined {
  console.log(`      skipping: ${why}`);
  return undefined;
}

function write(file: string, text: string): void {
  writeFileSync(file, text, { mode: 0o600 });
}

export function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
