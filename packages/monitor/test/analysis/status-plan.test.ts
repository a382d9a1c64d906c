// SET_STATUS order: the old writer first, the writer next, the rest after it.
import { expect } from 'chai';
import type { MmmConfig } from '@mmm/common';
import { planStatuses } from '../../src/analysis/status-plan';
import { defaultPassIntervalMs } from '../../src/monitor';
import { FakeHost } from '../daemon/fake-host';

type Plan = ReturnType<typeof planStatuses>;
const phase = (p: Plan, ph: Plan[number]['phase']) => p.filter((a) => a.phase === ph);

describe('planStatuses', () => {
  it('puts the demoted old writer first and withholds a new writer that is not allowed yet', () => {
    const m = new FakeHost();
    const state = { ...m.state, roles: m.state.roles.map((a) => (a.role === 'writer' ? { ...a, host: 'db2' } : a)) };
    const p = planStatuses({ config: m.config, state, withheld: 'db2', previousWriter: 'db1', lastApplied: {} });
    expect(phase(p, 'demote').map((d) => d.host)).to.deep.equal(['db1']);
    expect(phase(p, 'writer')).to.deep.equal([]);
    expect(p.map((a) => a.activeMaster)).to.deep.equal(['', '', '', '']);
    expect(phase(p, 'rest').find((d) => d.host === 'db2')!.roles.map((r) => r.name)).to.deep.equal(['reader']);
    // the demotion, once confirmed, lets the next pass promote at once
    expect(phase(p, 'demote').map((d) => d.nextPassOnSuccess)).to.deep.equal([true]);
    expect(p.map((a) => a.phase)).to.deep.equal(['demote', 'rest', 'rest', 'rest']);
  });

  it('sends the writer before the replicas once allowed, with the active master everywhere', () => {
    const m = new FakeHost();
    const state = { ...m.state, roles: m.state.roles.map((a) => (a.role === 'writer' ? { ...a, host: 'db2' } : a)) };
    const applied = { at: 1, ok: true, state: 'ONLINE' as const, roles: [{ name: 'reader', ip: '10.0.0.101' }] };
    const p = planStatuses({ config: m.config, state, withheld: '', previousWriter: 'db2', lastApplied: { db1: applied } });
    expect(phase(p, 'writer').map((d) => d.host)).to.deep.equal(['db2']);
    expect(phase(p, 'demote')).to.deep.equal([]);
    expect(phase(p, 'rest').map((d) => [d.host, d.activeMaster])).to.deep.equal([['db1', 'db2'], ['db3', 'db2'], ['db4', 'db2']]);
    expect(p.map((a) => a.host)).to.deep.equal(['db2', 'db1', 'db3', 'db4']);
    expect(p.some((a) => a.nextPassOnSuccess)).to.equal(false);
  });
});

describe('defaultPassIntervalMs', () => {
  const withPeriods = (p: number) =>
    ({ checks: { ping: { checkPeriod: p }, mysql: { checkPeriod: 5 }, rep_threads: { checkPeriod: 5 }, rep_backlog: { checkPeriod: 5 } } }) as unknown as MmmConfig;
  for (const [period, ms] of [[0.25, 250], [5, 1000], [0.05, 100], [1, 1000], [0.5, 500]] as const) {
    it(`fastest check_period ${period} s → a pass every ${ms} ms`, () => expect(defaultPassIntervalMs(withPeriods(period))).to.equal(ms));
  }
});
