// pre_failover_command's gate as a table (pure, FakeClock): when a failover or switchover may go
// ahead, when the hook runs, and how long a veto holds.
import { expect } from 'chai';
import { FakeClock } from '@mmm/common/testing';
import { type Attempt, type PreFailoverRecord, consumeApproval, covers, gateSettings, preFailoverVerdict } from '../../src/analysis/pre-failover-gate';
import { makeConfig } from '../fixtures';

const A: Attempt = { event: 'failover', from: 'db1', to: 'db2' };
const OTHER: Attempt = { event: 'failover', from: 'db1', to: 'db3' };
const S = { command: '/x', intervalMs: 30_000 };

describe('pre_failover_command gate', () => {
  const clock = new FakeClock();
  const T = clock.now();
  const veto = (at: number, attempt = A): PreFailoverRecord => ({ last: { attempt, ok: false, reason: 'maintenance window (exit status 1)', at } });
  const ok = (at: number, attempt: Attempt = A): PreFailoverRecord => ({ last: { attempt, ok: true, reason: '', at } });

  const ROWS: { label: string; rec?: PreFailoverRecord; a?: Attempt; s?: typeof S | { intervalMs: number }; after?: number; kind: string; reason?: RegExp; vetoed?: boolean }[] = [
    { label: 'no hook configured: go', s: { intervalMs: 30_000 }, kind: 'go' },
    { label: 'never ran: run', kind: 'run', reason: /^waiting for pre_failover_command's answer on the failover db1 -> db2$/ },
    { label: 'running: every attempt waits', rec: { running: { attempt: OTHER, startedAt: T - 2000 } }, kind: 'wait', vetoed: false, reason: /^waiting for pre_failover_command's answer on the failover db1 -> db3$/ },
    { label: 'vetoed 1 s ago: waits with the veto reason', rec: veto(T - 1000), kind: 'wait', vetoed: true, reason: /^pre_failover_command vetoed the failover db1 -> db2: maintenance window \(exit status 1\); it is asked again every 30 s$/ },
    { label: 'asked again after a veto: the veto stands meanwhile, in the same words', rec: { ...veto(T - 30_000), running: { attempt: A, startedAt: T - 100 } }, kind: 'wait', vetoed: true, reason: /vetoed the failover db1 -> db2: maintenance window \(exit status 1\); it is asked again every 30 s$/ },
    { label: 'vetoed: a different candidate does not re-run it within the interval', rec: veto(T - 1000), a: OTHER, kind: 'wait', vetoed: true },
    { label: 'vetoed 29.9 s ago: still waits', rec: veto(T - 29_900), kind: 'wait', vetoed: true },
    { label: 'vetoed 30 s ago: runs again, the veto standing until it answers', rec: veto(T - 30_000), kind: 'run', vetoed: true, reason: /vetoed the failover db1 -> db2: maintenance window/ },
    { label: 'approved for this attempt: go', rec: ok(T - 5000), kind: 'go' },
    { label: 'approved for another candidate: run', rec: ok(T - 5000), a: OTHER, kind: 'run' },
    { label: 'approved for any candidate (set_offline): go', rec: ok(T - 5000, { event: 'switchover', from: 'db1', to: '' }), kind: 'go' },
    { label: 'approved away from another writer: run', rec: ok(T - 5000, { event: 'failover', from: 'db2', to: 'db1' }), kind: 'run' },
    { label: 'approval older than the interval: run', rec: ok(T - 30_000), kind: 'run' },
  ];
  for (const r of ROWS) {
    it(r.label, () => {
      const v = preFailoverVerdict(r.rec, r.a ?? A, r.s ?? S, clock.now());
      expect(v.kind).to.equal(r.kind);
      if (r.reason) expect('reason' in v ? v.reason : '').to.match(r.reason);
      if (r.vetoed !== undefined) expect(v.kind !== 'go' && v.vetoed).to.equal(r.vetoed);
    });
  }

  it('never at pass rate: a veto is answered without a run until the interval has passed', () => {
    const c = new FakeClock();
    const rec = veto(c.now());
    let runs = 0;
    for (let t = 0; t < 60_000; t += 250) {
      if (preFailoverVerdict(rec, A, S, c.now()).kind === 'run') {
        runs++;
        rec.last!.at = c.now(); // it vetoed again
      }
      c.advance(250);
    }
    expect(runs).to.equal(1); // at 30 s; the next would be at 60 s
  });

  it('an approval is used up once; a later attempt asks again', () => {
    const used = consumeApproval(ok(T));
    expect(preFailoverVerdict(used, A, S, T).kind).to.equal('run');
    // a veto is not an approval: consuming keeps it
    expect(consumeApproval(veto(T))).to.deep.equal(veto(T));
  });

  it('covers: same old writer, same candidate or any', () => {
    expect(covers(A, A)).to.equal(true);
    expect(covers({ ...A, to: '' }, OTHER)).to.equal(true);
    expect(covers(A, OTHER)).to.equal(false);
  });

  it('settings from the config: the command and pre_failover_interval (default 30 s)', () => {
    expect(gateSettings(makeConfig({}, { preFailoverCommand: '/bin/true', preFailoverInterval: 2 }))).to.deep.equal({ command: '/bin/true', intervalMs: 2000 });
    expect(gateSettings(makeConfig())).to.deep.equal({ command: undefined, intervalMs: 30_000 });
  });
});
