// Golden scenario folders: every folder holds snapshot.json (config overrides, previous monitor
// state or a startup, and one or more observation steps) and expected.json (what each step must
// decide). Times in the files are milliseconds relative to T0. Used by the pure scenario test
// and by the test that runs the same folders through the Monitor daemon class.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostState, MmmConfig } from '@mmm/common';
import { roleFromString, roleToString } from '@mmm/common';
import type { AnalysisResult } from '../../src/analysis/result';
import { afterSwitch } from '../../src/analysis/planned-switch';
import type { ClusterSnapshot, HostObservation, MonitorState } from '../../src/analysis/snapshot';
import { reconcileStartup, type StartupResult } from '../../src/analysis/startup';
import { normalizeAssignments } from '../../src/analysis/roles/role-table';
import { checks, makeConfig } from '../fixtures';

export const T0 = 1_700_000_000_000;
const DEFAULT_ROLES = { 'writer(10.0.0.100)': 'db1', 'reader(10.0.0.101)': 'db2', 'reader(10.0.0.102)': 'db3', 'reader(10.0.0.103)': 'db4', 'reader(10.0.0.104)': 'db1' };

/* eslint-disable @typescript-eslint/no-explicit-any */
export type J = any;

export function buildConfig(spec: J = {}): MmmConfig {
  const { monitor, ...rest } = spec;
  return makeConfig(rest, monitor ?? {});
}

export function buildPrevious(spec: J = {}, config: MmmConfig): MonitorState {
  const states: Record<string, HostState> = { db1: 'ONLINE', db2: 'ONLINE', db3: 'ONLINE', db4: 'ONLINE', ...(spec.hosts ?? {}) };
  const flaps: J = spec.flap ?? {};
  const hosts: MonitorState['hosts'] = {};
  for (const [h, st] of Object.entries(states)) {
    const f = flaps[h];
    hosts[h] = {
      state: st, since: T0 + (spec.since?.[h] ?? -3_600_000), lastUptime: spec.lastUptime?.[h] ?? 100_000,
      flap: f ? { flapping: !!f.flapping, count: f.count, windowStart: T0 + f.windowStart } : { flapping: false, count: 0 },
    };
  }
  const roleMap: Record<string, string> = spec.roles ?? DEFAULT_ROLES;
  const roles = normalizeAssignments(config.roles, Object.entries(roleMap).map(([k, host]) => {
    const r = roleFromString(k)!;
    return { role: r.name, ip: r.ip, host };
  }));
  const lf = spec.lastFailover;
  return {
    mode: spec.mode ?? 'ACTIVE', modeSince: T0 - 3_600_000, hosts, roles,
    lastWriter: spec.lastWriter ?? roleMap['writer(10.0.0.100)'] ?? '',
    lastWriterContact: T0 + (spec.lastWriterContact ?? 0),
    // times relative to T0, like everything else in the files
    ...(lf ? { lastFailover: { ...lf, at: T0 + lf.at, ...(lf.acknowledgedAt !== undefined ? { acknowledgedAt: T0 + lf.acknowledgedAt } : {}) } } : {}),
  };
}

export function buildHost(spec: J = {}, now: number): HostObservation {
  const a = spec.agent ?? {};
  const reachable = a.reachable ?? true;
  const o: HostObservation = {
    checks: checks(spec.failed ?? [], T0 - 3_600_000),
    agent: {
      reachable,
      lastContact: a.lastContact !== undefined ? T0 + a.lastContact : reachable ? now : undefined,
      uptime: a.uptime ?? 100_000 + (now - T0) / 1000,
      reported: a.reported ? { state: a.reported.state, roles: parseRoles(a.reported.roles), activeMaster: a.reported.activeMaster ?? '' } : undefined,
      lastApplied: a.lastApplied ? { ...a.lastApplied, at: T0 + a.lastApplied.at, roles: parseRoles(a.lastApplied.roles) } : undefined,
    },
  };
  if (spec.health) {
    o.agent.health = spec.health;
    o.agent.healthAt = spec.healthAt !== undefined ? T0 + spec.healthAt : now;
  }
  if (spec.system) o.agent.system = { writable: null, masterIp: '', ...spec.system, configuredRoles: parseRoles(spec.system.configuredRoles) };
  if (spec.fence) o.fence = { ...spec.fence, at: T0 + spec.fence.at };
  return o;
}

export function parseRoles(list: string[] | undefined) {
  return (list ?? []).map((s) => roleFromString(s)!);
}

export function buildSnapshot(step: J, now: number): ClusterSnapshot {
  const hosts: Record<string, HostObservation> = {};
  for (const h of ['db1', 'db2', 'db3', 'db4']) hosts[h] = buildHost(step.hosts?.[h], now);
  const last = step.lastSwitch;
  const cu = step.lastCatchUp;
  return {
    networkOk: step.networkOk ?? true, hosts,
    ...(last ? { lastSwitch: { ...last, at: T0 + last.at } } : {}),
    ...(cu ? { lastCatchUp: { ...cu, at: T0 + cu.at } } : {}),
  };
}

export function roleMap(r: AnalysisResult | StartupResult): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of 'roleAssignments' in r ? r.roleAssignments : r.state.roles) out[roleToString({ name: a.role, ip: a.ip })] = a.host;
  return out;
}

export interface Scenario {
  name: string;
  snap: J;
  expected: J;
}

export function loadScenarios(dir: string = __dirname): Scenario[] {
  return fs
    .readdirSync(dir)
    .filter((n) => fs.statSync(path.join(dir, n)).isDirectory())
    .sort()
    .map((name) => ({
      name,
      snap: JSON.parse(fs.readFileSync(path.join(dir, name, 'snapshot.json'), 'utf8')),
      expected: JSON.parse(fs.readFileSync(path.join(dir, name, 'expected.json'), 'utf8')),
    }));
}

/** The state before the first step: the startup reconciliation, or the previous state given. */
export function initialState(snap: J, config: MmmConfig): { state: MonitorState; startup?: StartupResult } {
  if (!snap.startup) return { state: buildPrevious(snap.previous, config) };
  const s = snap.startup;
  const hosts: J = {};
  for (const h of ['db1', 'db2', 'db3', 'db4']) {
    const o = buildHost(s.hosts?.[h], T0);
    hosts[h] = { checks: o.checks, agentReachable: o.agent.reachable, uptime: o.agent.uptime, agent: o.agent.reported, system: o.agent.system };
  }
  const stored = s.stored ? Object.fromEntries(Object.entries<J>(s.stored).map(([h, v]) => [h, { state: v.state, roles: parseRoles(v.roles) }])) : undefined;
  const r = reconcileStartup({ config, stored, hosts, now: T0 });
  return { state: r.state, startup: r };
}

/**
 * The state the next step starts from: analysis's, with a planned switch played out as the
 * executor would (the step's `switchFails` says whether the move fails).
 */
export function stateAfterStep(r: AnalysisResult, step: J, config: MmmConfig, now: number): MonitorState {
  const sw = r.actions.find((a) => a.kind === 'switch_writer');
  return sw && sw.kind === 'switch_writer' ? afterSwitch(r.state, config, sw, !step.switchFails, now) : r.state;
}
