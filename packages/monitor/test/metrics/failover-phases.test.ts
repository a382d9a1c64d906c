// The failover tracker of /metrics (pure): a failover's result and the time of each phase, from
// the passes' states and the agents' confirmed statuses, by the monitor's clock.
import { expect } from 'chai';
import type { HostState } from '@mmm/common';
import { NOT_FLAPPING } from '../../src/analysis/flapping';
import type { AppliedStatus, HostObservation, MonitorState, RoleAssignment } from '../../src/analysis/snapshot';
import { type FailoverEvents, type FailoverTrack, type PassView, initialFailoverTrack, stepFailover } from '../../src/metrics/failover-phases';
import { checks, healthyHost } from '../fixtures';

const T = 1_700_000_000_000;
const WRITER_IP = '10.0.0.100';

interface Pass {
  at: number;
  states?: Partial<Record<string, [HostState, number]>>;
  writer?: string; // holder of the writer role ('' orphaned)
  lastWriter?: string;
  mode?: MonitorState['mode'];
  obs?: Record<string, HostObservation>;
  diagnoses?: string[];
}

const applied = (at: number, ok: boolean, writer: boolean): AppliedStatus =>
  ({ at, ok, state: 'ONLINE', roles: writer ? [{ name: 'writer', ip: WRITER_IP }] : [], ...(ok ? {} : { error: 'Status not fully applied' }) });

function view(p: Pass): PassView {
  const hosts: MonitorState['hosts'] = {};
  for (const h of ['db1', 'db2', 'db3']) {
    const [state, since] = p.states?.[h] ?? ['ONLINE', T - 60_000];
    hosts[h] = { state, since, lastUptime: 1000, flap: { ...NOT_FLAPPING } };
  }
  const roles: RoleAssignment[] = [{ role: 'writer', ip: WRITER_IP, host: p.writer ?? 'db1' }];
  const obs: Record<string, HostObservation> = { db1: healthyHost(p.at), db2: healthyHost(p.at), db3: healthyHost(p.at), ...p.obs };
  return {
    now: p.at,
    state: { mode: p.mode ?? 'ACTIVE', hosts, roles, lastWriter: p.lastWriter ?? p.writer ?? 'db1' },
    hosts: obs,
    diagnoses: (p.diagnoses ?? []).map((code) => ({ code })),
    activeMasterRole: 'writer',
  };
}

/** Runs the passes; returns every event in order and the last track. */
function run(passes: Pass[]): { events: FailoverEvents; track: FailoverTrack } {
  let track = initialFailoverTrack;
  const events: FailoverEvents = { results: [], phases: [] };
  for (const p of passes) {
    const s = stepFailover(track, view(p));
    track = s.track;
    events.results.push(...s.events.results);
    events.phases.push(...s.events.phases);
  }
  return { events, track };
}

const trapping = (since: number, at: number): HostObservation => {
  const o = healthyHost(at);
  o.checks = checks();
  o.checks.mysql = { ...o.checks.mysql, phase: 'TRAPPING', errorSince: since };
  return o;
};
const dead = (at: number): HostObservation => ({ checks: checks(['mysql'], at), agent: { reachable: true, lastContact: at, health: { mysqldRunning: false, answering: false }, healthAt: at } });
const withApplied = (at: number, a: AppliedStatus): HostObservation => ({ ...healthyHost(at), agent: { reachable: true, lastContact: at, lastApplied: a } });

describe('metrics: failover result and phases', () => {
  it('times each phase of a failover from the first error to the last replica confirming', () => {
    const { events, track } = run([
      { at: T },
      { at: T + 1000, obs: { db1: trapping(T + 800, T + 1000) } }, // first mysql error at +800
      // +1500: db1 HARD_OFFLINE; the writer role given to db2, withheld (writer safety)
      { at: T + 1500, states: { db1: ['HARD_OFFLINE', T + 1500] }, writer: 'db2', lastWriter: 'db1', obs: { db1: dead(T + 1500) } },
      // +2500: allowed; db2 confirms its promotion at +2600, db3 its status at +2750
      {
        at: T + 2500, states: { db1: ['HARD_OFFLINE', T + 1500] }, writer: 'db2', lastWriter: 'db2',
        obs: { db1: dead(T + 2500), db2: withApplied(T + 2600, applied(T + 2600, true, true)), db3: withApplied(T + 2500, applied(T + 2400, true, false)) },
      },
      {
        at: T + 3000, states: { db1: ['HARD_OFFLINE', T + 1500] }, writer: 'db2', lastWriter: 'db2',
        obs: { db1: dead(T + 3000), db2: withApplied(T + 3000, applied(T + 2600, true, true)), db3: withApplied(T + 3000, applied(T + 2750, true, false)) },
      },
    ]);
    expect(events.results).to.deep.equal(['success']);
    expect(events.phases).to.deep.equal([['detect', 0.7], ['decide', 0], ['fence', 1], ['promote', 0.1], ['vip', 1.1], ['converge', 0.15]]);
    expect(track.episode, 'the failover is over').to.equal(undefined);
    expect(track.writer).to.equal('db2');
  });

  it('a planned move of an ONLINE writer is no failover', () => {
    const { events } = run([{ at: T }, { at: T + 1000, writer: 'db2', lastWriter: 'db2', obs: { db2: withApplied(T + 1000, applied(T + 1100, true, true)) } }]);
    expect(events).to.deep.equal({ results: [], phases: [] });
  });

  it('counts a blocked failover once (cooldown), then its success once allowed', () => {
    const down = { db1: ['HARD_OFFLINE', T + 1000] as [HostState, number] };
    const { events } = run([
      { at: T },
      { at: T + 1000, states: down, writer: '', lastWriter: 'db1', diagnoses: ['FailoverCooldown'] },
      { at: T + 2000, states: down, writer: '', lastWriter: 'db1', diagnoses: ['FailoverCooldown'] },
      { at: T + 3000, states: down, writer: 'db2', lastWriter: 'db2', obs: { db2: withApplied(T + 3000, applied(T + 3050, true, true)) } },
    ]);
    expect(events.results).to.deep.equal(['blocked', 'success']);
    expect(Object.fromEntries(events.phases)).to.include({ detect: 0, decide: 2, fence: 0, promote: 0.05 });
  });

  it('a writer failed outside ACTIVE mode keeps its role: blocked; its return ends the failover', () => {
    const { events, track } = run([
      { at: T, mode: 'MANUAL' },
      { at: T + 1000, mode: 'MANUAL', states: { db1: ['HARD_OFFLINE', T + 1000] } },
      { at: T + 2000, mode: 'MANUAL', states: { db1: ['HARD_OFFLINE', T + 1000] } },
      { at: T + 3000, mode: 'MANUAL' },
    ]);
    expect(events.results).to.deep.equal(['blocked']);
    expect(track.episode).to.equal(undefined);
  });

  it('a refused promotion counts failed once; a later confirmation still counts success', () => {
    const down = { db1: ['HARD_OFFLINE', T + 1000] as [HostState, number] };
    const { events } = run([
      { at: T },
      { at: T + 1000, states: down, writer: 'db2', lastWriter: 'db2', obs: { db2: withApplied(T + 1000, applied(T + 1100, false, true)) } },
      { at: T + 2000, states: down, writer: 'db2', lastWriter: 'db2', obs: { db2: withApplied(T + 2000, applied(T + 2100, false, true)) } },
      { at: T + 3000, states: down, writer: 'db2', lastWriter: 'db2', obs: { db2: withApplied(T + 3000, applied(T + 3200, true, true)) } },
    ]);
    expect(events.results).to.deep.equal(['failed', 'success']);
    expect(Object.fromEntries(events.phases)).to.include({ promote: 2.2 });
  });
});
