// Golden scenarios: every folder holds snapshot.json (config overrides, previous monitor state or
// a startup, and one or more observation steps) and expected.json (what each step must decide).
// Times in the files are milliseconds relative to T0. A regression costs one folder.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostState, MmmConfig } from '@mmm/common';
import { roleFromString, roleToString, rolesToString } from '@mmm/common';
import { analyze } from '../../src/analysis/analyze';
import type { AnalysisResult } from '../../src/analysis/result';
import type { ClusterSnapshot, HostObservation, MonitorState } from '../../src/analysis/snapshot';
import { reconcileStartup, type StartupResult } from '../../src/analysis/startup';
import { normalizeAssignments } from '../../src/roles/role-table';
import { checks, makeConfig } from '../fixtures';

const T0 = 1_700_000_000_000;
const DEFAULT_ROLES = { 'writer(10.0.0.100)': 'db1', 'reader(10.0.0.101)': 'db2', 'reader(10.0.0.102)': 'db3', 'reader(10.0.0.103)': 'db4', 'reader(10.0.0.104)': 'db1' };

/* eslint-disable @typescript-eslint/no-explicit-any */
type J = any;

function buildConfig(spec: J = {}): MmmConfig {
  const { monitor, ...rest } = spec;
  return makeConfig(rest, monitor ?? {});
}

function buildPrevious(spec: J = {}, config: MmmConfig): MonitorState {
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
  return {
    mode: spec.mode ?? 'ACTIVE', modeSince: T0 - 3_600_000, hosts, roles,
    lastWriter: spec.lastWriter ?? roleMap['writer(10.0.0.100)'] ?? '',
    lastWriterContact: T0 + (spec.lastWriterContact ?? 0),
  };
}

function buildHost(spec: J = {}, now: number): HostObservation {
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

function parseRoles(list: string[] | undefined) {
  return (list ?? []).map((s) => roleFromString(s)!);
}

function buildSnapshot(step: J, now: number): ClusterSnapshot {
  const hosts: Record<string, HostObservation> = {};
  for (const h of ['db1', 'db2', 'db3', 'db4']) hosts[h] = buildHost(step.hosts?.[h], now);
  return { networkOk: step.networkOk ?? true, hosts };
}

function roleMap(r: AnalysisResult | StartupResult): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of 'roleAssignments' in r ? r.roleAssignments : r.state.roles) out[roleToString({ name: a.role, ip: a.ip })] = a.host;
  return out;
}

function checkStep(r: AnalysisResult, e: J) {
  if (e.transitions) expect(r.transitions.map((t) => `${t.host}: ${t.arrow}`)).to.deep.equal(e.transitions);
  if (e.roles) expect(roleMap(r)).to.include(e.roles);
  if (e.writer !== undefined) expect(r.state.lastWriter, 'lastWriter').to.equal(e.writer);
  if (e.mode) expect(r.mode).to.equal(e.mode);
  for (const d of e.diagnoses ?? []) expect(r.diagnoses.map((x) => `${x.code}@${x.host ?? ''}`)).to.include(d);
  for (const d of e.notDiagnoses ?? []) expect(r.diagnoses.map((x) => `${x.code}@${x.host ?? ''}`)).to.not.include(d);
  for (const want of e.decisions ?? []) {
    const hit = r.decisions.find((d) => d.kind === want.kind && (want.host === undefined || d.host === want.host) && (want.blocked === undefined || d.blocked === want.blocked) && (!want.reason || d.reason.includes(want.reason)));
    expect(hit, `decision ${JSON.stringify(want)} in ${JSON.stringify(r.decisions, null, 1)}`).to.not.equal(undefined);
  }
  const sent = Object.fromEntries(r.actions.flatMap((a) => (a.kind === 'set_status' ? [[a.host, a]] : [])));
  for (const [h, roles] of Object.entries<string>(e.sentRoles ?? {})) expect(rolesToString(sent[h]?.roles ?? []), `roles sent to ${h}`).to.equal(roles);
  if (e.activeMasterSent !== undefined) for (const a of Object.values<J>(sent)) expect(a.activeMaster).to.equal(e.activeMasterSent);
  if (e.actions) expect(r.actions.filter((a) => a.kind !== 'set_status' && a.kind !== 'persist').map((a) => `${a.kind} ${'host' in a ? a.host : ''}`.trim())).to.deep.equal(e.actions);
  if (e.noSetStatus) expect(Object.keys(sent)).to.deep.equal([]);
}

const dir = __dirname;
for (const name of fs.readdirSync(dir).filter((n) => fs.statSync(path.join(dir, n)).isDirectory()).sort()) {
  const snap: J = JSON.parse(fs.readFileSync(path.join(dir, name, 'snapshot.json'), 'utf8'));
  const expected: J = JSON.parse(fs.readFileSync(path.join(dir, name, 'expected.json'), 'utf8'));
  describe(`scenario ${name}`, () => {
    it(snap.description ?? name, () => {
      const config = buildConfig(snap.config);
      let state: MonitorState;
      if (snap.startup) {
        const s = snap.startup;
        const hosts: J = {};
        for (const h of ['db1', 'db2', 'db3', 'db4']) {
          const o = buildHost(s.hosts?.[h], T0);
          hosts[h] = { checks: o.checks, agentReachable: o.agent.reachable, uptime: o.agent.uptime, agent: o.agent.reported, system: o.agent.system };
        }
        const stored = s.stored ? Object.fromEntries(Object.entries<J>(s.stored).map(([h, v]) => [h, { state: v.state, roles: parseRoles(v.roles) }])) : undefined;
        const r = reconcileStartup({ config, stored, hosts, now: T0 });
        const e = expected.startup;
        if (e.mode) expect(r.state.mode).to.equal(e.mode);
        if (e.writer !== undefined) expect(r.writer).to.equal(e.writer);
        if (e.roles) expect(roleMap(r)).to.deep.equal(e.roles);
        if (e.states) expect(Object.fromEntries(Object.entries(r.state.hosts).map(([h, m]) => [h, m.state]))).to.deep.equal(e.states);
        if (e.passiveCause) expect(r.state.passiveCause ?? '').to.include(e.passiveCause);
        if (e.votes) expect(r.writerVotes).to.deep.equal(e.votes);
        state = r.state;
      } else {
        state = buildPrevious(snap.previous, config);
      }
      (snap.steps ?? []).forEach((step: J, i: number) => {
        const now = T0 + (step.at ?? 0);
        const r = analyze(buildSnapshot(step, now), state, config, now);
        try {
          checkStep(r, expected.steps[i]);
        } catch (err) {
          (err as Error).message = `step ${i}: ${(err as Error).message}`;
          throw err;
        }
        state = r.state;
      });
    });
  });
}
