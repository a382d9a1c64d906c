// GET_HEALTH facts: is mysqld running, does it answer locally, is it writable, the writer lease,
// replication positions. Also the agent's own reaction to a dead mysqld: drop the writer VIP.
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { type AgentHealth, type Logger, errorMessage, nullLogger } from '@mmm/common';
import type { LocalMysql } from '../system/mysql';
import type { VipManager } from '../system/ip';
import type { LeaseDecision, LeaseStatus } from '../lease/index';
import { ioConnected } from '../system/slave-status';
import type { SemisyncState } from '../system/semisync';
import type { PortState } from '../system/port-probe';
import { REJECT_RULES_WAIT_MS, type RejectPath, atMost, noReject } from '../reject/vip-reject';

export interface ReplicationHealth {
  masterHost: string;
  ioRunning: boolean;
  sqlRunning: boolean;
  /** Slave_IO_Running = Yes (not Connecting). */
  ioConnected: boolean;
  /** ms since the IO thread last received something (event or heartbeat); undefined until seen. */
  lastHeartbeatAgeMs: number | undefined;
  gtidIoPos: string;
  gtidSlavePos: string | undefined;
  secondsBehindMaster: number | null;
}

export interface HealthFacts {
  /** undefined: no pid file configured or readable, so unknown. */
  mysqldRunning: boolean | undefined;
  mysqldPid: number | undefined;
  answering: boolean;
  /** undefined when not answering. */
  writable: boolean | undefined;
  lease: LeaseStatus;
  leaseMsLeft: number | undefined;
  /** null: no replication configured; undefined: not answering. */
  replication: ReplicationHealth | null | undefined;
  gtidBinlogPos: string | undefined;
  gtidBinlogState: string | undefined;
  serverId: string | undefined;
  /** Read with durability semisync only; null: the server has none; undefined: not read. */
  semisync?: SemisyncState | null;
}

/** Reads the pid file and checks /proc/<pid>. */
export async function mysqldProcess(
  pidfile: string | undefined,
  procRoot = '/proc',
  missingMeansStopped = true,
): Promise<{ running: boolean | undefined; pid: number | undefined }> {
  if (!pidfile) return { running: undefined, pid: undefined };
  let pid: number;
  try {
    pid = Number.parseInt((await readFile(pidfile, 'utf8')).trim(), 10);
  } catch (e) {
    // No pid file: mysqld removes it on a clean stop.
    // MMM's default path may simply not be this server's pid-file: then a missing file proves nothing.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { running: missingMeansStopped ? false : undefined, pid: undefined };
    return { running: undefined, pid: undefined };
  }
  if (!Number.isSafeInteger(pid) || pid <= 0) return { running: false, pid: undefined };
  return { running: await processAlive(procRoot, pid), pid };
}

/**
 * A killed mysqld stays in /proc as a zombie until its parent reaps it (a parent that is slow to
 * reap, or none that reaps at all in some containers): it holds no port and cannot write, so a
 * zombie (state Z or X in /proc/PID/stat) is not running.
 */
async function processAlive(procRoot: string, pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`${procRoot}/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).charAt(0); // "PID (comm) S …": comm may hold ')'
    return state !== 'Z' && state !== 'X';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    return existsSync(`${procRoot}/${pid}`);
  }
}

/**
 * Is mysqld there? "Stopped" must be certain: the monitor promotes another writer on it. A server
 * that answers runs (whatever a misconfigured pid file says); one that accepts TCP but never
 * greets is hung, not dead; only a refused port or a pid file naming a dead process is stopped.
 */
export function mysqldRunning(answering: boolean, process: boolean | undefined, port: PortState | undefined): boolean | undefined {
  if (answering || process === true) return true;
  if (port === 'refused') return false;
  if (port === 'silent' || port === 'greeting') return true;
  return process;
}

/** Notices when the IO thread last received something: the heartbeat counter or the received GTID moved. */
export class HeartbeatTracker {
  private key: string | undefined;
  private changedAt: number | undefined;

  observe(receivedHeartbeats: number | undefined, gtidIoPos: string, connected: boolean, now: number): number | undefined {
    const key = `${receivedHeartbeats ?? ''}|${gtidIoPos}`;
    if (this.key !== undefined && key !== this.key) this.changedAt = now;
    this.key = key;
    if (!connected && this.changedAt === undefined) return undefined;
    return this.changedAt === undefined ? undefined : now - this.changedAt;
  }
}

export interface HealthDeps {
  mysql: LocalMysql;
  /** Probes the local MySQL port when the server does not answer (crashed vs hung). */
  probePort?: () => Promise<PortState>;
  pidfile?: string;
  /** False when `pidfile` is MMM's default rather than configured: a missing file is then no proof of a stop. */
  pidfileConfigured?: boolean;
  lease: () => LeaseDecision;
  heartbeat: HeartbeatTracker;
  now: () => number;
  /** Read the semi-sync state too (durability semisync). */
  semisync?: boolean;
}

export async function collectHealth(d: HealthDeps): Promise<HealthFacts> {
  const [proc, answering] = await Promise.all([mysqldProcess(d.pidfile, '/proc', d.pidfileConfigured !== false), d.mysql.isAnswering()]);
  const port = answering || proc.running === true || !d.probePort ? undefined : await d.probePort();
  const lease = d.lease();
  const facts: HealthFacts = {
    mysqldRunning: mysqldRunning(answering, proc.running, port),
    mysqldPid: proc.pid,
    answering,
    writable: undefined,
    lease: lease.status,
    leaseMsLeft: lease.msLeft,
    replication: undefined,
    gtidBinlogPos: undefined,
    gtidBinlogState: undefined,
    serverId: undefined,
  };
  if (!answering) return facts;
  const [ro, status, pos, semisync] = await Promise.all([
    d.mysql.getReadOnly().catch(() => undefined),
    d.mysql.slaveStatus().catch(() => 'unreadable' as const),
    d.mysql.gtidPositions().catch(() => undefined),
    d.semisync ? d.mysql.semisync().catch(() => undefined) : undefined,
  ]);
  if (semisync !== undefined) facts.semisync = semisync;
  facts.writable = ro === undefined ? undefined : !ro;
  facts.gtidBinlogPos = pos?.own;
  facts.gtidBinlogState = pos?.binlogState;
  facts.serverId = pos?.serverId || undefined;
  if (status === undefined) facts.replication = null;
  else if (status === 'unreadable') facts.replication = undefined;
  else {
    const connected = ioConnected(status);
    facts.replication = {
      masterHost: status.masterHost,
      ioRunning: status.ioRunning === 'Yes' || status.ioRunning === 'Connecting',
      sqlRunning: status.sqlRunning === 'Yes',
      ioConnected: connected,
      lastHeartbeatAgeMs: d.heartbeat.observe(status.receivedHeartbeats, status.gtidIoPos, connected, d.now()),
      gtidIoPos: status.gtidIoPos,
      gtidSlavePos: pos ? (pos.flavor === 'mariadb' ? pos.slavePos : pos.executed) : undefined,
      secondsBehindMaster: status.secondsBehindMaster,
    };
  }
  return facts;
}

/** The wire shape (common/protocol AgentHealth). */
export function toAgentHealth(f: HealthFacts): AgentHealth {
  const h: AgentHealth = {
    // Only a certain stop is 'stopped': the monitor promotes another writer on it.
    mysqld: f.mysqldRunning === true ? 'running' : f.mysqldRunning === false ? 'stopped' : 'unknown',
    answering: f.answering,
    lease: f.lease,
  };
  if (f.writable !== undefined) h.writable = f.writable;
  if (f.lease === 'held' && f.leaseMsLeft !== undefined) h.leaseLeftMs = Math.max(0, Math.round(f.leaseMsLeft));
  if (f.gtidBinlogPos !== undefined) h.gtidBinlogPos = f.gtidBinlogPos;
  if (f.gtidBinlogState !== undefined) h.gtidBinlogState = f.gtidBinlogState.replace(/\s+/g, '');
  if (f.serverId !== undefined) h.serverId = f.serverId;
  if (f.replication === null) h.replication = 'none';
  else if (f.replication) {
    const r = f.replication;
    Object.assign(h, { replication: 'configured', ioRunning: r.ioRunning, sqlRunning: r.sqlRunning, ioConnected: r.ioConnected, gtidIoPos: r.gtidIoPos });
    if (r.gtidSlavePos !== undefined) h.gtidSlavePos = r.gtidSlavePos;
    if (r.lastHeartbeatAgeMs !== undefined) h.lastHeartbeatAgeMs = Math.round(r.lastHeartbeatAgeMs);
    if (r.secondsBehindMaster !== null) h.secondsBehind = r.secondsBehindMaster;
  }
  const s = f.semisync;
  if (s) {
    Object.assign(h, { semisyncMaster: s.masterEnabled, semisyncMasterStatus: s.masterActive, semisyncSlave: s.slaveEnabled, semisyncSlaveStatus: s.slaveActive });
    if (s.masterClients !== undefined) h.semisyncMasterClients = s.masterClients;
    if (s.masterYesTx !== undefined) h.semisyncMasterYesTx = s.masterYesTx;
    if (s.masterNoTx !== undefined) h.semisyncMasterNoTx = s.masterNoTx;
  }
  return h;
}

/** Health loop reaction: mysqld not answering → this host must not attract writes; returns removed IPs. */
export async function dropWriterVipIfDead(
  facts: Pick<HealthFacts, 'answering'>, writerIps: readonly string[], vips: VipManager, logger: Logger = nullLogger, reject: RejectPath = noReject,
): Promise<string[]> {
  if (facts.answering) return [];
  return (await dropWriterVips(writerIps, vips, logger, reject)).removed;
}

/** Removes the writer VIPs of a host whose mysqld does not answer; `left`: still here, or unknown.
 *  The reject path (vip_reject) answers the clients that still come here once the VIP is gone. */
export async function dropWriterVips(
  writerIps: readonly string[], vips: VipManager, logger: Logger = nullLogger, reject: RejectPath = noReject,
): Promise<{ removed: string[]; left: string[] }> {
  const removed: string[] = [];
  const left: string[] = [];
  for (const ip of writerIps) {
    let removing = false;
    try {
      if (!(await vips.has(ip))) continue;
      removing = true;
      await atMost(reject.demoting([ip]), REJECT_RULES_WAIT_MS);
      await vips.del(ip);
      removed.push(ip);
      logger.error('local MySQL is not answering: removed the writer VIP', { ip });
    } catch (e) {
      left.push(ip);
      logger.error('local MySQL is not answering and removing the writer VIP failed', { ip, error: errorMessage(e) });
    } finally {
      if (removing) reject.left(ip);
    }
  }
  return { removed, left };
}
