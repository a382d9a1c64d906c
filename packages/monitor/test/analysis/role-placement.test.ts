import { expect } from 'chai';
import { placeRoles } from '../../src/analysis/role-placement';
import type { AgentObservation, ClusterSnapshot, HostObservation, RoleAssignment } from '../../src/analysis/snapshot';
import { checks } from '../fixtures';

const R = { name: 'reader', ip: '10.0.0.101' };
const W = { name: 'writer', ip: '10.0.0.100' };
const T = 1_000_000;
const obs = (agent: Partial<AgentObservation> = {}): HostObservation => ({ checks: checks(), agent: { reachable: true, lastContact: T, ...agent } });
const applied = (at: number, roles = [] as { name: string; ip: string }[]) => ({ at, ok: true, state: 'ONLINE' as const, roles });
const snap = (hosts: Record<string, HostObservation>): ClusterSnapshot => ({ networkOk: true, hosts });
const on = (host: string, r = R): RoleAssignment => ({ role: r.name, ip: r.ip, host });

type Row = {
  label: string;
  hosts: Record<string, HostObservation>;
  before: RoleAssignment[];
  after: RoleAssignment[];
  previousHeld?: Record<string, string[]>;
  /** owner of R after placement */
  owner: string;
  clear: string[];
  codes: string[];
};

const ROWS: Row[] = [
  { label: 'legacy db1 loses R, has not answered a status without it: R is given to nobody',
    hosts: { db1: obs({ legacy: true, lastApplied: applied(T - 5000, [R]) }), db3: obs() }, before: [on('db1')], after: [on('db3')],
    owner: '', clear: [], codes: ['LegacyRolesUnknown@db1'] },
  { label: 'legacy db1 answered a status without R: CLEAR_BAD_ROLES is sent, R still withheld',
    hosts: { db1: obs({ legacy: true, lastApplied: applied(T - 1000) }), db3: obs() }, before: [on('')], after: [on('db3')], previousHeld: { db1: [R.ip] },
    owner: '', clear: ['db1'], codes: ['LegacyRolesUnknown@db1'] },
  { label: 'legacy db1 answered the status and CLEAR_BAD_ROLES after it: R goes to db3',
    hosts: { db1: obs({ legacy: true, lastApplied: applied(T - 1000), clearedBadRolesAt: T - 500 }), db3: obs() }, before: [on('')], after: [on('db3')], previousHeld: { db1: [R.ip] },
    owner: 'db3', clear: [], codes: [] },
  { label: 'a CLEAR_BAD_ROLES from before the status does not count',
    hosts: { db1: obs({ legacy: true, lastApplied: applied(T - 1000), clearedBadRolesAt: T - 2000 }), db3: obs() }, before: [on('')], after: [on('db3')], previousHeld: { db1: [R.ip] },
    owner: '', clear: ['db1'], codes: ['LegacyRolesUnknown@db1'] },
  { label: 'legacy db1 fenced by kill_host_bin: R goes to db3',
    hosts: { db1: { ...obs({ legacy: true, reachable: false }), fence: { at: T, ok: true } }, db3: obs() }, before: [on('db1')], after: [on('db3')],
    owner: 'db3', clear: [], codes: [] },
  { label: 'legacy db1 whose interface (system status after the status) shows R gone: R goes to db3',
    hosts: { db1: obs({ legacy: true, lastApplied: applied(T - 1000), systemAt: T - 500, system: { writable: false, configuredRoles: [], masterIp: '' } }), db3: obs() },
    before: [on('db1')], after: [on('db3')], owner: 'db3', clear: [], codes: [] },
  { label: 'legacy db1 proven without R (status, then CLEAR_BAD_ROLES), told role-less statuses since: a system status from before the CLEAR_BAD_ROLES does not hold R again',
    hosts: { db1: obs({ legacy: true, lastApplied: applied(T - 500), clearedBadRolesAt: T - 1000, systemAt: T - 10_000, system: { writable: true, configuredRoles: [R, W], masterIp: '' } }), db3: obs() },
    before: [on('')], after: [on('db3')], owner: 'db3', clear: [], codes: [] },
  { label: 'legacy db1 unreachable: R stays withheld, nothing can be sent',
    hosts: { db1: obs({ legacy: true, reachable: false, lastApplied: applied(T - 1000) }), db3: obs() }, before: [on('')], after: [on('db3')], previousHeld: { db1: [R.ip] },
    owner: '', clear: [], codes: ['LegacyRolesUnknown@db1'] },
  { label: 'our agent loses R: withheld from db3 until db1 answered a status without it (one pass\'s statuses go out in parallel)',
    hosts: { db1: obs({ lastApplied: applied(T - 5000, [R]) }), db3: obs() }, before: [on('db1')], after: [on('db3')],
    owner: '', clear: [], codes: [] },
  { label: 'our agent answered a status without R: R goes to db3, no CLEAR_BAD_ROLES needed (its replies are true)',
    hosts: { db1: obs({ lastApplied: applied(T - 1000) }), db3: obs() }, before: [on('')], after: [on('db3')], previousHeld: { db1: [R.ip] },
    owner: 'db3', clear: [], codes: [] },
  { label: 'our agent answered that status with an ERROR naming the step about R: R still withheld',
    hosts: { db1: obs({ lastApplied: { ...applied(T - 1000), ok: false, error: `Status not fully applied: failed: read_only=1 (ECONNREFUSED); skipped: del reader(${R.ip})` } }), db3: obs() },
    before: [on('')], after: [on('db3')], previousHeld: { db1: [R.ip] }, owner: '', clear: [], codes: [] },
  { label: 'our agent answered with an ERROR about other steps only (mysqld down, VIPs removed): R goes to db3',
    hosts: { db1: obs({ lastApplied: { ...applied(T - 1000), ok: false, error: 'Status not fully applied: failed: read_only=1 (connect ECONNREFUSED 10.0.0.11:3306)' } }), db3: obs() },
    before: [on('')], after: [on('db3')], previousHeld: { db1: [R.ip] }, owner: 'db3', clear: [], codes: [] },
  { label: 'an ERROR naming 10.0.0.1011 is not about 10.0.0.101',
    hosts: { db1: obs({ lastApplied: { ...applied(T - 1000), ok: false, error: 'Status not fully applied: failed: add reader(10.0.0.1011) (busy)' } }), db3: obs() },
    before: [on('')], after: [on('db3')], previousHeld: { db1: [R.ip] }, owner: 'db3', clear: [], codes: [] },
  { label: 'an ERROR that is not a step list (Status not applied) proves nothing: R still withheld',
    hosts: { db1: obs({ lastApplied: { ...applied(T - 1000), ok: false, error: 'Status not applied: internal error' } }), db3: obs() },
    before: [on('')], after: [on('db3')], previousHeld: { db1: [R.ip] }, owner: '', clear: [], codes: [] },
  { label: 'our agent unreachable: it cannot confirm anything, R moves at once',
    hosts: { db1: obs({ reachable: false, lastApplied: applied(T - 5000, [R]) }), db3: obs() }, before: [on('db1')], after: [on('db3')],
    owner: 'db3', clear: [], codes: [] },
  { label: 'our agent losing the writer IP: not held here (writer safety gates it)',
    hosts: { db1: obs({ lastApplied: applied(T - 5000, [W]) }), db2: obs() }, before: [on('db1', W), on('db1')], after: [on('db2', W), on('db1')],
    owner: 'db1', clear: [], codes: [] },
  { label: 'legacy db1 keeps R: nothing withheld',
    hosts: { db1: obs({ legacy: true, lastApplied: applied(T - 5000, [R]) }), db3: obs() }, before: [on('db1')], after: [on('db1')],
    owner: 'db1', clear: [], codes: [] },
  { label: 'invariant: db3 seen holding the writer IP the monitor gave to db2: diagnosed and cleared',
    hosts: { db2: obs(), db3: obs({ lastApplied: applied(T - 1000, [R]), systemAt: T - 100, system: { writable: false, configuredRoles: [R, W], masterIp: '' } }) },
    before: [on('db3'), on('db2', W)], after: [on('db3'), on('db2', W)], owner: 'db3', clear: ['db3'], codes: ['RoleOnWrongHost@db3'] },
  { label: 'a system status older than the last status is not evidence of a stray IP',
    hosts: { db2: obs(), db3: obs({ lastApplied: applied(T - 100, [R]), systemAt: T - 1000, system: { writable: false, configuredRoles: [R, W], masterIp: '' } }) },
    before: [on('db3'), on('db2', W)], after: [on('db3'), on('db2', W)], owner: 'db3', clear: [], codes: [] },
  { label: 'a restarted agent that answered its first status since gets CLEAR_BAD_ROLES',
    hosts: { db3: obs({ restartedAt: T - 2000, lastApplied: applied(T - 1000, [R]) }) }, before: [on('db3')], after: [on('db3')], owner: 'db3', clear: ['db3'], codes: [] },
  { label: 'a restarted agent not yet told its status waits for it',
    hosts: { db3: obs({ restartedAt: T - 2000, lastApplied: applied(T - 3000, [R]) }) }, before: [on('db3')], after: [on('db3')], owner: 'db3', clear: [], codes: [] },
  { label: 'a restarted agent already cleared since gets nothing more',
    hosts: { db3: obs({ restartedAt: T - 2000, lastApplied: applied(T - 1000, [R]), clearedBadRolesAt: T - 900 }) }, before: [on('db3')], after: [on('db3')], owner: 'db3', clear: [], codes: [] },
];

describe('role placement: no VIP on two hosts (legacy agents, strays, restarts)', () => {
  for (const r of ROWS) {
    it(r.label, () => {
      const p = placeRoles({ snapshot: snap(r.hosts), before: r.before, after: r.after, previousHeld: r.previousHeld, activeMasterRole: 'writer' });
      expect(p.table.find((a) => a.ip === R.ip)?.host).to.equal(r.owner);
      expect(p.actions.map((a) => (a.kind === 'clear_bad_roles' ? a.host : a.kind))).to.deep.equal(r.clear);
      expect(p.diagnoses.map((d) => `${d.code}@${d.host}`)).to.deep.equal(r.codes);
    });
  }
  it('remembers what a legacy agent may hold across passes until it is proven gone', () => {
    const hosts = { db1: obs({ legacy: true, lastApplied: applied(T - 5000, [R]) }), db3: obs() };
    const p1 = placeRoles({ snapshot: snap(hosts), before: [on('db1')], after: [on('db3')], activeMasterRole: 'writer' });
    expect(p1.held).to.deep.equal({ db1: [R.ip] });
    // the next pass: the table no longer names db1 for R; the memory still does
    const p2 = placeRoles({ snapshot: snap(hosts), before: p1.table, after: [on('db3')], previousHeld: p1.held, activeMasterRole: 'writer' });
    expect(p2.table.find((a) => a.ip === R.ip)?.host).to.equal('');
  });
  it('the writer IP is left to writer safety', () => {
    const hosts = { db1: obs({ legacy: true, lastApplied: applied(T - 5000, [W]) }), db2: obs() };
    const p = placeRoles({ snapshot: snap(hosts), before: [on('db1', W)], after: [on('db2', W)], activeMasterRole: 'writer' });
    expect(p.table.find((a) => a.ip === W.ip)?.host).to.equal('db2');
  });
});
