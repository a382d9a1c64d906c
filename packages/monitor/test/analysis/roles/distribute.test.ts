import { expect } from 'chai';
import type { RoleAssignment } from '../../../src/analysis/snapshot';
import { balanceRoles } from '../../../src/analysis/roles/balance';
import { distributeRoles, type DistributeContext } from '../../../src/analysis/roles/distribute';
import { countHostRoles, normalizeAssignments } from '../../../src/analysis/roles/role-table';
import { makeConfig } from '../../fixtures';

const config = makeConfig();
// compact table: "writer=db1 r1=db2 …" where rN is reader 10.0.0.10N
const W = '10.0.0.100';
function table(spec: Record<string, string>): RoleAssignment[] {
  const rows = normalizeAssignments(config.roles, []);
  return rows.map((r) => ({ ...r, host: spec[r.role === 'writer' ? 'writer' : `r${r.ip.slice(-1)}`] ?? '' }));
}
function compact(t: RoleAssignment[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of t) out[r.role === 'writer' ? 'writer' : `r${r.ip.slice(-1)}`] = r.host;
  return out;
}
const ctx = (eligible: string[], obey = true): DistributeContext => ({
  roles: config.roles, activeMasterRole: 'writer', canReceive: (h) => eligible.includes(h), obeyPreferences: obey,
});

interface Row { label: string; from: Record<string, string>; eligible: string[]; obey?: boolean; to: Record<string, string> }

const ROWS: Row[] = [
  { label: 'fresh cluster: writer to preferred db1, readers spread (writer IP counts 0.5)', from: {}, eligible: ['db1', 'db2', 'db3', 'db4'],
    to: { writer: 'db1', r1: 'db2', r2: 'db3', r3: 'db4', r4: 'db1' } },
  { label: 'orphaned writer goes to db2 when preferred db1 is not eligible', from: { r1: 'db2', r2: 'db3', r3: 'db4', r4: 'db1' }, eligible: ['db2', 'db3', 'db4'],
    // r4 stays on db1: stripping failed hosts is analyze's job, distribution only fills orphans
    to: { writer: 'db2', r1: 'db2', r2: 'db3', r3: 'db4', r4: 'db1' } },
  { label: 'obey preferences (active): writer returns to db1', from: { writer: 'db2', r1: 'db2', r2: 'db3', r3: 'db4', r4: 'db1' }, eligible: ['db1', 'db2', 'db3', 'db4'],
    to: { writer: 'db1', r1: 'db2', r2: 'db3', r3: 'db4', r4: 'db1' } },
  { label: 'no preference enforcement in manual: writer stays on db2', from: { writer: 'db2', r1: 'db2', r2: 'db3', r3: 'db4', r4: 'db1' }, eligible: ['db1', 'db2', 'db3', 'db4'], obey: false,
    to: { writer: 'db2', r1: 'db2', r2: 'db3', r3: 'db4', r4: 'db1' } },
  { label: 'orphaned reader goes to the host with the fewest roles', from: { writer: 'db1', r1: 'db2', r2: 'db3', r4: 'db1' }, eligible: ['db1', 'db2', 'db3', 'db4'],
    to: { writer: 'db1', r1: 'db2', r2: 'db3', r3: 'db4', r4: 'db1' } },
  { label: 'balance: max−min > 1 moves one reader', from: { writer: 'db1', r1: 'db3', r2: 'db3', r3: 'db3', r4: 'db3' }, eligible: ['db1', 'db2', 'db3', 'db4'],
    to: { writer: 'db1', r1: 'db2', r2: 'db4', r3: 'db1', r4: 'db3' } },
  { label: 'balance leaves max−min = 1 alone', from: { writer: 'db1', r1: 'db1', r2: 'db2', r3: 'db2', r4: 'db3' }, eligible: ['db1', 'db2', 'db3'],
    to: { writer: 'db1', r1: 'db1', r2: 'db2', r3: 'db2', r4: 'db3' } },
  { label: 'no eligible host: roles stay orphaned', from: {}, eligible: [], to: { writer: '', r1: '', r2: '', r3: '', r4: '' } },
  { label: 'ineligible holders are not balanced against', from: { writer: 'db1', r1: 'db4', r2: 'db4', r3: 'db4', r4: 'db4' }, eligible: ['db1', 'db4'],
    to: { writer: 'db1', r1: 'db1', r2: 'db1', r3: 'db4', r4: 'db4' } },
];

describe('role distribution (mmm.md §4.3)', () => {
  for (const r of ROWS) {
    it(r.label, () => {
      const d = distributeRoles(table(r.from), ctx(r.eligible, r.obey ?? true));
      expect(compact(d.table)).to.deep.equal(r.to);
    });
  }

  it('every move carries a reason', () => {
    const d = distributeRoles(table({}), ctx(['db1', 'db2', 'db3', 'db4']));
    expect(d.moves).to.have.length(5);
    for (const m of d.moves) expect(m.reason).to.be.a('string').and.not.equal('');
  });

  it('counts the active master role IP as 0.5', () => {
    const t = table({ writer: 'db1', r1: 'db1', r2: 'db2' });
    expect(countHostRoles(t, 'db1', 'writer')).to.equal(1.5);
    expect(countHostRoles(t, 'db2', 'writer')).to.equal(1);
  });

  it('balanceRoles alone does not touch exclusive roles', () => {
    const b = balanceRoles(table({ writer: 'db1' }), ctx(['db1', 'db2']));
    expect(compact(b.table).writer).to.equal('db1');
  });

  it('normalizeAssignments drops unknown rows and owners outside the role hosts', () => {
    const t = normalizeAssignments(config.roles, [
      { role: 'writer', ip: W, host: 'db3' },
      { role: 'ghost', ip: '1.2.3.4', host: 'db1' },
    ]);
    expect(t.find((a) => a.role === 'writer')!.host).to.equal('');
    expect(t.some((a) => a.role === 'ghost')).to.equal(false);
    expect(t).to.have.length(5);
  });
});
