// Runs planned steps against the node (I/O through LocalMysql and VipManager) and tells the truth
// about what failed, so SET_STATUS can answer OK only when everything worked.
import { type Logger, type RoleIp, errorMessage, nullLogger } from '@mmm/common';
import { ER_MASTER_FATAL_READING_BINLOG, type LocalMysql } from '../system/mysql';
import type { VipManager } from '../system/ip';
import { REJECT_RULES_WAIT_MS, type RejectPath, atMost, noReject } from '../reject/vip-reject';
import type { Observed, PlanHost, Step, StepGroup, WantedStatus } from './plan';
import { planReassert } from './plan';

export interface ReplicationCredentials {
  user: string;
  password: string;
}

export interface ApplyDeps {
  mysql: LocalMysql;
  vips: VipManager;
  /** Credentials written into CHANGE MASTER (`replication_user`/`replication_password`). */
  replication?: ReplicationCredentials;
  sleep?: (ms: number) => Promise<void>;
  logger?: Logger;
  /** vip_reject: refuses new connections to a writer VIP while and after it leaves this host. */
  reject?: RejectPath;
}

export interface FailedStep {
  name: string;
  error: string;
}

export interface ApplyResult {
  ok: boolean;
  /** Steps that were tried and failed. */
  failedSteps: FailedStep[];
  /** Steps not tried because an earlier step of their group failed. */
  skippedSteps: string[];
  /** Names of steps that worked, in order. */
  doneSteps: string[];
}

const defaultSleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));

async function runStep(s: Step, d: ApplyDeps): Promise<void> {
  const { mysql, vips } = d;
  switch (s.kind) {
    case 'read_only':
      if (s.on) return denyWrite(d);
      return mysql.setReadOnly(false);
    case 'grace':
      return (d.sleep ?? defaultSleep)(s.ms);
    case 'end_connections':
      await mysql.endClientConnections();
      return;
    case 'del_vip':
      return vips.del(s.role.ip);
    case 'add_vip':
      return vips.add(s.role.ip);
    case 'catch_up':
      await mysql.catchUp(s.timeoutMs);
      return;
    case 'repoint': {
      if (!d.replication) throw new Error('no replication_user/replication_password configured');
      const ssl = s.tls ? { ssl: { caFile: s.tls.caFile } } : {};
      return mysql.repoint({ host: s.ip, port: s.port, user: d.replication.user, password: d.replication.password, ...ssl }, s.timeoutMs);
    }
    case 'unresolvable':
      throw new Error(s.reason);
    case 'stop_slave':
      return mysql.stopSlave();
    case 'start_slave':
      return mysql.startSlave();
    case 'semisync_master':
      return mysql.setSemisyncMaster(s.on, s.timeoutMs);
    case 'semisync_slave':
      return mysql.setSemisyncSlave(true, { restartIo: s.restartIo });
  }
}

/** read_only=1; if it cannot get its lock in time (a long transaction), end the clients and try once more. */
async function denyWrite(d: ApplyDeps): Promise<void> {
  try {
    await d.mysql.setReadOnly(true);
  } catch (e) {
    if ((e as { code?: string }).code !== 'TIMEOUT') throw e;
    await d.mysql.endClientConnections();
    await d.mysql.setReadOnly(true);
  }
}

/** The writer VIPs a demotion (or a fence) takes off this host. */
function demotedVips(steps: readonly Step[]): string[] {
  return steps.flatMap((s) => (s.kind === 'del_vip' && s.group === 'demote' ? [s.role.ip] : []));
}

export async function applySteps(steps: readonly Step[], d: ApplyDeps): Promise<ApplyResult> {
  const log = d.logger ?? nullLogger;
  const reject = d.reject ?? noReject;
  const halted = new Set<StepGroup>();
  const r: ApplyResult = { ok: true, failedSteps: [], skippedSteps: [], doneSteps: [] };
  // Installed alongside read_only and the grace, so the rules are there when the address goes.
  const leaving = demotedVips(steps);
  const rules = leaving.length ? reject.demoting(leaving) : Promise.resolve();
  for (const s of steps) {
    if (halted.has(s.group)) {
      r.skippedSteps.push(s.name);
      continue;
    }
    const demotedVip = s.kind === 'del_vip' && s.group === 'demote';
    if (demotedVip) await atMost(rules, REJECT_RULES_WAIT_MS);
    try {
      await runStep(s, d);
      r.doneSteps.push(s.name);
      if (s.kind !== 'grace') log.info(`step done: ${s.name}`);
      if (s.kind === 'add_vip') reject.returned(s.role.ip);
    } catch (e) {
      r.failedSteps.push({ name: s.name, error: errorMessage(e) });
      log.error(`step failed: ${s.name}`, { error: errorMessage(e) });
      if (s.halts) halted.add(s.group);
    } finally {
      if (demotedVip) reject.left(s.role.ip);
    }
  }
  r.ok = r.failedSteps.length === 0 && r.skippedSteps.length === 0;
  return r;
}

/** Reads what is on the node; anything unreadable is undefined (the plan then assumes the worst).
 *  `semisync`: also the semi-sync state (durability semisync; with async it is never read). */
export async function observe(d: Pick<ApplyDeps, 'mysql' | 'vips'>, opts: { semisync?: boolean } = {}): Promise<Observed> {
  const [readOnly, vips, replication, semisync] = await Promise.all([
    d.mysql.getReadOnly().catch(() => undefined),
    d.vips.list().catch(() => undefined),
    d.mysql
      .slaveStatus()
      .then((s) =>
        s
          ? {
              host: s.masterHost, port: s.masterPort, ioConnected: s.ioRunning === 'Yes',
              ...(s.ioRunning === 'No' && s.lastIoErrno === ER_MASTER_FATAL_READING_BINLOG ? { ioRefused: true } : {}),
            }
          : null,
      )
      .catch(() => undefined),
    opts.semisync ? d.mysql.semisync().catch(() => undefined) : Promise.resolve(undefined),
  ]);
  return { readOnly, vips, replication, ...(opts.semisync ? { semisync } : {}) };
}

/** After each monitor connection: VIP present for every held role, writer writable, others read-only. */
export async function reassert(held: WantedStatus, host: PlanHost, d: ApplyDeps, opts: { fenced?: boolean } = {}): Promise<ApplyResult> {
  const o = await observe(d);
  return applySteps(planReassert(held, host, o, opts), d);
}

/** CLEAR_BAD_ROLES: removes configured role IPs that are on the NIC but not held; returns how many. */
export async function clearBadRoles(configuredRoleIps: readonly string[], heldRoles: readonly RoleIp[], vips: VipManager, logger: Logger = nullLogger): Promise<number> {
  const present = await vips.list();
  const held = new Set(heldRoles.map((r) => r.ip));
  let removed = 0;
  for (const ip of new Set(configuredRoleIps)) {
    if (!present.includes(ip) || held.has(ip)) continue;
    await vips.del(ip);
    logger.info('removed role IP not held by this host', { ip });
    removed++;
  }
  return removed;
}
