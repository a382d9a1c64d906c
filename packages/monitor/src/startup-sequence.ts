// MMM 2.x `Monitor::init`: wait for the first checks (and a ping_ips answer), load the status
// file, ask every agent GET_AGENT_STATUS + GET_SYSTEM_STATUS, reconcile (writer vote,
// careful_startup ⇒ PASSIVE on conflicts), then — unless passive — CLEAR_BAD_ROLES everywhere.
import { errorMessage } from '@mmm/common';
import type { MonitorState } from './analysis/snapshot';
import { reconcileStartup, type StartupHostInput, type StoredHostStatus } from './analysis/startup';
import type { Monitor } from './monitor';
import { readStatusFile } from './persistence/status-file';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitUntil(cond: () => boolean, boundMs: number): Promise<boolean> {
  const end = Date.now() + boundMs;
  while (!cond()) {
    if (Date.now() >= end) return false;
    await sleep(25);
  }
  return true;
}

export async function runStartup(m: Monitor): Promise<MonitorState> {
  const { config, logger } = m;
  const checks = Object.values(config.checks);
  const bound = Math.max(...checks.map((c) => (c.timeout + c.checkPeriod) * 1000)) + 1500;
  if (!(await waitUntil(() => m.checks.complete(), bound))) logger.warn('not every check reported before startup: those count as failed');
  if (!(await waitUntil(() => m.network.ready && m.network.ok, bound))) logger.warn('no answer from ping_ips at startup');

  let stored: Record<string, StoredHostStatus> | undefined;
  const path = config.monitor?.statusPath;
  if (path) {
    try {
      const entries = await readStatusFile(path);
      if (entries) stored = Object.fromEntries(entries.filter((e) => config.hosts[e.host]).map((e) => [e.host, { state: e.state, roles: e.roles }]));
      logger.info(entries ? `status file ${path} loaded` : `no status file ${path}: first start`);
    } catch (e) {
      m.warnings.set('status_file', `status file ignored: ${errorMessage(e)}`);
      logger.error(`status file ignored: ${errorMessage(e)}`);
    }
  }

  const hosts = m.agents.hosts;
  await Promise.all(hosts.map(async (h) => {
    await m.agents.agentStatus(h);
    await m.agents.system(h);
    await m.agents.health(h);
  }));
  const now = m.clock.now();
  const inputs: Record<string, StartupHostInput> = {};
  for (const h of hosts) {
    const o = m.agents.obs[h];
    inputs[h] = { checks: m.checks.of(h, now), agentReachable: o.reachable, uptime: o.uptime, agent: o.reported, system: o.system };
  }
  const r = reconcileStartup({ config, stored, hosts: inputs, now });
  for (const d of r.decisions) {
    m.decisions.record({ kind: d.kind === 'mode_change' ? 'mode_change' : 'role_assign', host: d.host, role: d.role, reason: d.reason, blocked: d.blocked });
  }
  if (r.conflicts.length > 0) logger.warn(`startup conflicts: ${r.conflicts.join('; ')}`);
  logger.info(`startup: mode ${r.state.mode}, writer ${r.writer || '(none)'}`, {
    states: Object.fromEntries(hosts.map((h) => [h, r.state.hosts[h].state])),
  });
  if (r.state.mode !== 'PASSIVE') await Promise.all(hosts.map((h) => m.agents.clearBadRoles(h)));
  return r.state;
}
