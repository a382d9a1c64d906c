// MMM 2.x `Monitor::init` reconciliation as a pure function (reference/mmm.md §4.7): stored
// status file + what agents say (GET_AGENT_STATUS) + what is really configured
// (GET_SYSTEM_STATUS) → initial MonitorState, with the writer vote and careful_startup.
import type { HostState, MmmConfig, Mode, RoleIp } from '@mmm/common/pure';
import { normalizeAssignments } from './roles/role-table';
import { NOT_FLAPPING } from './flapping';
import { monitorSettings } from './policy';
import type { Action, Decision } from './result';
import type { AgentReportedStatus, HostChecks, HostMemory, MonitorState, RoleAssignment, SystemStatus } from './snapshot';

/** One line of the status file: `host|STATE|role(ip),…`. */
export interface StoredHostStatus {
  state: HostState;
  roles: RoleIp[];
}

export interface StartupHostInput {
  /** Result of the initial synchronous checks (non-OK = failed). */
  checks: HostChecks;
  agentReachable: boolean;
  uptime?: number;
  agent?: AgentReportedStatus;
  system?: SystemStatus;
}

export interface StartupInput {
  config: MmmConfig;
  /** Parsed status file, undefined when there is none. */
  stored?: Record<string, StoredHostStatus>;
  hosts: Record<string, StartupHostInput>;
  now: number;
}

export interface StartupResult {
  state: MonitorState;
  /** Writer vote per candidate host. */
  writerVotes: Record<string, number>;
  writer: string;
  /** Conflicts found (IP on several hosts, several writable hosts). */
  conflicts: string[];
  decisions: Decision[];
  /** What the daemon executes once the state is set. */
  actions: Action[];
}

const PRIORITY: HostState[] = ['ADMIN_OFFLINE', 'HARD_OFFLINE', 'REPLICATION_FAIL', 'REPLICATION_DELAY', 'ONLINE'];
const has = (roles: RoleIp[] | undefined, name: string, ip: string): boolean => !!roles?.some((r) => r.name === name && r.ip === ip);

export function initialHostState(stored: HostState | undefined, agent: string | undefined, checks: HostChecks): HostState {
  const found = PRIORITY.find((s) => s === stored || s === agent) ?? 'AWAITING_RECOVERY';
  // the initial checks say the host is down: it cannot be ONLINE or REPLICATION_* now
  if (found !== 'ADMIN_OFFLINE' && !(checks.ping.ok && checks.mysql.ok)) return 'HARD_OFFLINE';
  return found;
}

function conflictsOf(input: StartupInput, names: string[]): string[] {
  const out: string[] = [];
  for (const rc of Object.values(input.config.roles)) {
    for (const ip of rc.ips) {
      const on = names.filter((h) => has(input.hosts[h]?.system?.configuredRoles, rc.name, ip));
      if (on.length > 1) out.push(`IP ${ip} of role ${rc.name} is configured on ${on.join(', ')}`);
    }
  }
  const writable = names.filter((h) => input.hosts[h]?.system?.writable === true);
  if (writable.length > 1) out.push(`MySQL is writable on ${writable.join(', ')}`);
  return out;
}

export function reconcileStartup(input: StartupInput): StartupResult {
  const { config, now } = input;
  const ms = monitorSettings(config);
  const names = Object.keys(config.hosts).sort();
  const configured = (config.monitor?.mode ?? 'active').toUpperCase() as Mode;
  const manual = configured === 'MANUAL' || configured === 'WAIT';
  const decisions: Decision[] = [];

  const hosts: Record<string, HostMemory> = {};
  for (const h of names) {
    const i = input.hosts[h];
    const st = initialHostState(input.stored?.[h]?.state, i?.agent?.state, i?.checks ?? { ping: { ok: false }, mysql: { ok: false } } as HostChecks);
    hosts[h] = { state: st, since: now, lastUptime: 0, flap: { ...NOT_FLAPPING } };
  }

  // writer vote: writable +4, IP configured +2, in status file +1, agent claims +1, +1 per slave
  const amRole = config.roles[config.activeMasterRole];
  const amIp = amRole?.ips[0];
  const writerVotes: Record<string, number> = {};
  let writer = '';
  if (amRole && amIp) {
    for (const h of amRole.hosts) {
      const i = input.hosts[h];
      const st = hosts[h]?.state;
      if (!i || st === 'ADMIN_OFFLINE' || (st === 'HARD_OFFLINE' && configured !== 'MANUAL')) {
        writerVotes[h] = 0;
        continue;
      }
      let v = 0;
      if (i.system?.writable === true) v += 4;
      if (has(i.system?.configuredRoles, amRole.name, amIp)) v += 2;
      if (has(input.stored?.[h]?.roles, amRole.name, amIp)) v += 1;
      if (has(i.agent?.roles, amRole.name, amIp)) v += 1;
      const ids = [h, config.hosts[h].ip];
      v += names.filter((o) => o !== h && ids.includes(input.hosts[o]?.system?.masterIp ?? '')).length;
      writerVotes[h] = v;
    }
    const order = [...amRole.hosts].sort((a, b) => (a === amRole.prefer ? -1 : b === amRole.prefer ? 1 : 0));
    for (const h of order) if (writerVotes[h] > 0 && (!writer || writerVotes[h] > writerVotes[writer])) writer = h;
    if (writer) {
      const st = hosts[writer].state;
      // MMM sets a REPLICATION_* winner ONLINE in every mode. An AWAITING_RECOVERY one (nothing
      // stored, nothing reported: a first start) waits for set_online unless first_start is vote.
      const replicating = st === 'REPLICATION_FAIL' || st === 'REPLICATION_DELAY';
      const promote = replicating || (!manual && st !== 'AWAITING_RECOVERY') || (!manual && ms.firstStart === 'vote');
      if (promote) hosts[writer] = { ...hosts[writer], state: 'ONLINE' };
      const waits = hosts[writer].state === 'AWAITING_RECOVERY';
      decisions.push({
        kind: 'role_assign', host: writer, role: `${amRole.name}(${amIp})`,
        reason: `startup writer vote: ${JSON.stringify(writerVotes)}${waits ? `; ${writer} stays AWAITING_RECOVERY until set_online (first_start manual)` : ''}`,
        blocked: waits,
      });
    } else {
      decisions.push({ kind: 'role_assign', role: `${amRole.name}(${amIp})`, reason: `startup writer vote found no candidate: ${JSON.stringify(writerVotes)}`, blocked: true });
    }
  }

  // other roles: configured +4, stored +2, agent +1
  const table: RoleAssignment[] = normalizeAssignments(config.roles, []).map((a) => {
    if (a.role === config.activeMasterRole) return { ...a, host: writer };
    let best = '';
    let bestV = 0;
    for (const h of config.roles[a.role].hosts) {
      const st = hosts[h]?.state;
      if (!manual && st !== 'ONLINE' && st !== 'AWAITING_RECOVERY') continue;
      const i = input.hosts[h];
      const v = (has(i?.system?.configuredRoles, a.role, a.ip) ? 4 : 0) + (has(input.stored?.[h]?.roles, a.role, a.ip) ? 2 : 0) + (has(i?.agent?.roles, a.role, a.ip) ? 1 : 0);
      if (v > bestV) [best, bestV] = [h, v];
    }
    return { ...a, host: best };
  });

  for (const h of names) {
    const up = input.hosts[h]?.uptime;
    if (hosts[h].state === 'ONLINE' && up !== undefined) hosts[h] = { ...hosts[h], lastUptime: up };
  }

  const conflicts = conflictsOf(input, names);
  let mode = configured;
  let passiveCause: string | undefined;
  if (conflicts.length > 0) {
    if (ms.carefulStartup) {
      mode = 'PASSIVE';
      passiveCause = `careful_startup: ${conflicts.join('; ')}`;
      decisions.push({ kind: 'mode_change', reason: `${configured} -> PASSIVE: ${passiveCause}`, blocked: false });
    } else {
      decisions.push({ kind: 'mode_change', reason: `conflict at startup (${conflicts.join('; ')}), careful_startup is off: staying ${configured}`, blocked: true });
    }
  }

  // a writable host that lost the vote may still take writes: keep it as the writer to be made safe
  const stray = names.find((h) => h !== writer && input.hosts[h]?.system?.writable === true);
  const state: MonitorState = {
    mode,
    passiveCause,
    modeSince: now,
    hosts,
    roles: table,
    lastWriter: writer && !stray ? writer : stray ?? writer,
    // a previous monitor may have renewed the writer's lease until now
    lastWriterContact: now,
  };
  // MMM: unless passive, every agent forgets the roles it could not apply
  const actions: Action[] = mode === 'PASSIVE' ? [] : names.map((host) => ({ kind: 'clear_bad_roles', host }));
  return { state, writerVotes, writer, conflicts, decisions, actions };
}
