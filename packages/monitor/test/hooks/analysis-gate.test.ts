// pre_failover_command in the analysis (pure): a failover and the switch back to the preferred
// host wait for the hook's approval like they wait for writer safety; a veto keeps them blocked
// with its reason (and the FailoverVetoed diagnosis) until pre_failover_interval has passed.
import { expect } from 'chai';
import { analyze } from '../../src/analysis/analyze';
import type { Attempt, PreFailoverRecord } from '../../src/analysis/pre-failover-gate';
import type { ClusterSnapshot } from '../../src/analysis/snapshot';
import { T0, buildConfig, buildPrevious, buildSnapshot, type J } from '../scenarios/golden';

const HOOKED = { monitor: { preFailoverCommand: '/hooks/pre', preFailoverInterval: 30 } };
const CRASH: J = { hosts: { db1: { failed: ['mysql'], health: { mysqldRunning: false, answering: false } } } };
const FAILOVER: Attempt = { event: 'failover', from: 'db1', to: 'db2' };

function crash(preFailover: PreFailoverRecord | undefined, config: J = HOOKED, at = 0) {
  const cfg = buildConfig(config);
  const snap: ClusterSnapshot = { ...buildSnapshot(CRASH, T0 + at), ...(preFailover ? { preFailover } : {}) };
  return analyze(snap, buildPrevious({}, cfg), cfg, T0 + at);
}
const failoverDecision = (r: ReturnType<typeof analyze>) => r.decisions.find((d) => d.kind === 'failover');

describe('pre_failover_command in the analysis', () => {
  it('without the hook the crash fails over at once (the golden writer-crash)', () => {
    const r = crash(undefined, {});
    expect(r.state.lastWriter).to.equal('db2');
    expect(r.actions.some((a) => a.kind === 'pre_failover')).to.equal(false);
  });

  it('with the hook: blocked, and the hook asked to run for db1 -> db2; nobody is told db2 is writer', () => {
    const r = crash(undefined);
    expect(r.state.lastWriter).to.equal('db1');
    expect(failoverDecision(r)).to.deep.include({ host: 'db2', blocked: true, reason: "db2 is not made writable yet: waiting for pre_failover_command's answer on the failover db1 -> db2" });
    expect(r.actions.filter((a) => a.kind === 'pre_failover')).to.deep.equal([{ kind: 'pre_failover', event: 'failover', from: 'db1', to: 'db2', reason: 'db1 is HARD_OFFLINE' }]);
    const db2 = r.actions.find((a) => a.kind === 'set_status' && a.host === 'db2');
    expect(db2 && db2.kind === 'set_status' && db2.roles.some((x) => x.name === 'writer')).to.equal(false);
  });

  it('while it runs: blocked, no second run asked', () => {
    const r = crash({ running: { attempt: FAILOVER, startedAt: T0 - 1000 } });
    expect(failoverDecision(r)?.reason).to.match(/waiting for pre_failover_command's answer on the failover db1 -> db2$/);
    expect(r.actions.some((a) => a.kind === 'pre_failover')).to.equal(false);
  });

  it('vetoed: blocked with the hook’s reason, FailoverVetoed, no run before the interval', () => {
    const r = crash({ last: { attempt: FAILOVER, ok: false, reason: 'backup running (exit status 1)', at: T0 - 10_000 } });
    expect(failoverDecision(r)).to.deep.include({ blocked: true, reason: 'db2 is not made writable yet: pre_failover_command vetoed the failover db1 -> db2: backup running (exit status 1); it is asked again every 30 s' });
    expect(r.diagnoses.find((d) => d.code === 'FailoverVetoed')).to.deep.include({ host: 'db2', detail: 'pre_failover_command vetoed the failover db1 -> db2: backup running (exit status 1); it is asked again every 30 s' });
    expect(r.actions.some((a) => a.kind === 'pre_failover')).to.equal(false);
    expect(r.state.lastWriter).to.equal('db1');
    // after the interval it is asked again; the veto stands (same words, same diagnosis) until it answers
    const later = crash({ last: { attempt: FAILOVER, ok: false, reason: 'backup running (exit status 1)', at: T0 - 30_000 } });
    expect(later.actions.some((a) => a.kind === 'pre_failover')).to.equal(true);
    expect(failoverDecision(later)?.reason).to.equal(failoverDecision(r)?.reason);
    expect(later.diagnoses.some((d) => d.code === 'FailoverVetoed')).to.equal(true);
  });

  it('approved: the failover proceeds', () => {
    const r = crash({ last: { attempt: FAILOVER, ok: true, reason: '', at: T0 - 500 } });
    expect(r.state.lastWriter).to.equal('db2');
    expect(failoverDecision(r)?.blocked).to.equal(false);
    expect(r.diagnoses.some((d) => d.code === 'FailoverVetoed')).to.equal(false);
  });

  describe('the switch back to the preferred host', () => {
    // writer-returns-to-preferred: db1 (preferred) is ONLINE again while db2 is the writer
    const prev: J = { hosts: { db1: 'ONLINE' }, since: { db1: -5000 }, lastWriter: 'db2', roles: { 'writer(10.0.0.100)': 'db2', 'reader(10.0.0.101)': 'db2', 'reader(10.0.0.102)': 'db3', 'reader(10.0.0.103)': 'db4', 'reader(10.0.0.104)': 'db3' } };
    const step: J = { hosts: { db2: { agent: { lastApplied: { at: -3000, ok: true, state: 'ONLINE', roles: ['reader(10.0.0.101)', 'writer(10.0.0.100)'] } } } } };
    const back = (preFailover?: PreFailoverRecord, config: J = HOOKED) => {
      const cfg = buildConfig(config);
      return analyze({ ...buildSnapshot(step, T0), ...(preFailover ? { preFailover } : {}) }, buildPrevious(prev, cfg), cfg, T0);
    };
    const SWITCH: Attempt = { event: 'switchover', from: 'db2', to: 'db1' };

    it('without the hook: the planned switch', () => {
      expect(back(undefined, {}).actions.some((a) => a.kind === 'switch_writer')).to.equal(true);
    });
    it('with it: no switch yet, one run asked (a switchover, not a failover), the writer stays on db2', () => {
      const r = back();
      expect(r.actions.some((a) => a.kind === 'switch_writer')).to.equal(false);
      expect(r.actions.filter((a) => a.kind === 'pre_failover')).to.deep.equal([{ kind: 'pre_failover', event: 'switchover', from: 'db2', to: 'db1', reason: 'the writer returns to its preferred host db1' }]);
      expect(r.decisions.find((d) => d.kind === 'switchover')).to.deep.include({ blocked: true, reason: "writer stays on db2: the writer returns to its preferred host db1, but waiting for pre_failover_command's answer on the switchover db2 -> db1" });
      expect(r.state.lastWriter).to.equal('db2');
      const db2 = r.actions.find((a) => a.kind === 'set_status' && a.host === 'db2');
      expect(db2 && db2.kind === 'set_status' && db2.roles.some((x) => x.name === 'writer')).to.equal(true);
    });
    it('vetoed: blocked with the reason and FailoverVetoed; approved: the switch', () => {
      const v = back({ last: { attempt: SWITCH, ok: false, reason: 'no (exit status 1)', at: T0 } });
      expect(v.actions.some((a) => a.kind === 'switch_writer' || a.kind === 'pre_failover')).to.equal(false);
      expect(v.diagnoses.find((d) => d.code === 'FailoverVetoed')?.host).to.equal('db1');
      const ok = back({ last: { attempt: SWITCH, ok: true, reason: '', at: T0 } });
      expect(ok.actions.some((a) => a.kind === 'switch_writer')).to.equal(true);
    });
  });
});
