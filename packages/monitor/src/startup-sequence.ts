// MMM 2.x `Monitor::init`: wait for the first checks (and a ping_ips answer), load the status
// file, ask every agent GET_AGENT_STATUS + GET_SYSTEM_STATUS, reconcile (writer vote,
// careful_startup ⇒ PASSIVE on conflicts), then execute what reconciliation decided
// (unless passive: CLEAR_BAD_ROLES everywhere).
import { type Clock, type Logger, type MmmConfig, errorMessage, own } from '@mmm/common';
import type { Action } from './analysis/result';
import type { MonitorState } from './analysis/snapshot';
import { reconcileStartup, type StartupHostInput, type StoredHostStatus } from './analysis/startup';
import type { AgentSet } from './agents/agent-set';
import type { CheckStore } from './check-store';
import type { DecisionLog } from './decision-log';
import type { NetworkCheck } from './network-check';
import { readStatusFile } from './persistence/status-file';
import { type MonitorExtraState, formatStateFile, readStateFile, stateFilePath } from './persistence/state-file';

/** What start-up uses of the monitor. */
export interface StartupDeps {
  config: MmmConfig;
  logger: Logger;
  clock: Clock;
  checks: Pick<CheckStore, 'complete' | 'of'>;
  network: Pick<NetworkCheck, 'ready' | 'ok'>;
  agents: Pick<AgentSet, 'hosts' | 'obs' | 'agentStatus' | 'system' | 'health'>;
  decisions: Pick<DecisionLog, 'record'>;
  warnings: Map<string, string>;
  execute(actions: readonly Action[]): Promise<void>;
  /** The state file as loaded, so an unchanged state is not written again. */
  stateLoaded?(text: string): void;
  /** Monitor HA: the host states and roles the leader stored in etcd (undefined: none; then the status file). */
  storedStatus?(): Promise<Record<string, StoredHostStatus> | undefined>;
  /** Monitor HA: the reconciled state before its actions run (they are sent only once it is in etcd). */
  adoptStartupState?(s: MonitorState): void;
}

const POLL_MS = 25;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` until it holds or about `boundMs` of polling has passed (no clock: a test's fake clock may stand still). */
async function waitUntil(cond: () => boolean, boundMs: number): Promise<boolean> {
  for (let waited = 0; !cond(); waited += POLL_MS) {
    if (waited >= boundMs) return false;
    await sleep(POLL_MS);
  }
  return true;
}

/** Our state file (the last failover); unreadable: ignored with a warning, as the status file. */
async function loadExtraState(m: StartupDeps, file: string): Promise<MonitorExtraState | undefined> {
  try {
    const s = await readStateFile(file);
    if (s) {
      m.logger.info(`state file ${file} loaded`);
      m.stateLoaded?.(formatStateFile(s));
    }
    return s;
  } catch (e) {
    m.warnings.set('state_file', `state file ignored: ${errorMessage(e)}`);
    m.logger.error(`state file ignored: ${errorMessage(e)}`);
    return undefined;
  }
}

export async function runStartup(m: StartupDeps): Promise<MonitorState> {
  const { config, logger } = m;
  const checks = Object.values(config.checks);
  const bound = Math.max(...checks.map((c) => (c.timeout + c.checkPeriod) * 1000)) + 1500;
  if (!(await waitUntil(() => m.checks.complete(), bound))) logger.warn('not every check reported before startup: those count as failed');
  if (!(await waitUntil(() => m.network.ready && m.network.ok, bound))) logger.warn('no answer from ping_ips at startup');

  let stored = await m.storedStatus?.();
  const path = config.monitor?.statusPath;
  if (stored) logger.info('host states and roles from the leader\'s state in etcd');
  else if (path) {
    try {
      const entries = await readStatusFile(path);
      if (entries) stored = Object.fromEntries(entries.filter((e) => own(config.hosts, e.host)).map((e) => [e.host, { state: e.state, roles: e.roles }]));
      logger.info(entries ? `status file ${path} loaded` : `no status file ${path}: first start`);
    } catch (e) {
      m.warnings.set('status_file', `status file ignored: ${errorMessage(e)}`);
      logger.error(`status file ignored: ${errorMessage(e)}`);
    }
  }

  const hosts = m.agents.hosts;
  await Promise.all(hosts.map(async (h) => {
    await m.agents.agentStatus(h);
    // GET_HEALTH first: it tells an MMM 2.x agent apart, which must not get GET_SYSTEM_STATUS
    // while its mysqld is down (it dies on it); MMM's own monitor asked regardless.
    await m.agents.health(h);
    const legacyDown = m.agents.obs[h].legacy && !m.checks.of(h, m.clock.now()).mysql.ok;
    if (!legacyDown) await m.agents.system(h);
  }));
  const now = m.clock.now();
  const inputs: Record<string, StartupHostInput> = {};
  for (const h of hosts) {
    const o = m.agents.obs[h];
    inputs[h] = { checks: m.checks.of(h, now), agentReachable: o.reachable, uptime: o.uptime, agent: o.reported, system: o.system };
  }
  const r = reconcileStartup({ config, stored, hosts: inputs, now });
  const extra = path ? await loadExtraState(m, stateFilePath(path)) : undefined;
  if (extra?.lastFailover) r.state.lastFailover = extra.lastFailover;
  const before = extra?.lastWriter;
  if (!r.state.lastWriter && before && config.roles[config.activeMasterRole]?.hosts.includes(before)) {
    // nobody holds the writer role now: the host that held it last is the old writer, whose
    // demotion or death the next promotion waits for, and that promotion is a failover
    r.state.lastWriter = before;
    r.decisions.push({ kind: 'role_assign', host: before, reason: `startup: no host holds the writer role; ${before} held it last (state file): it is the old writer of the next promotion`, blocked: true });
  }
  for (const d of r.decisions) m.decisions.record(d);
  if (r.conflicts.length > 0) logger.warn(`startup conflicts: ${r.conflicts.join('; ')}`);
  logger.info(`startup: mode ${r.state.mode}, writer ${r.writer || '(none)'}`, {
    states: Object.fromEntries(hosts.map((h) => [h, r.state.hosts[h].state])),
  });
  m.adoptStartupState?.(r.state);
  await m.execute(r.actions);
  return r.state;
}
