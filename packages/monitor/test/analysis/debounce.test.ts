import { expect } from 'chai';
import { initialCheckState, okCheck, stepCheck } from '../../src/analysis/debounce';
import type { CheckResult, CheckState } from '../../src/analysis/snapshot';

const OK: CheckResult = { status: 'OK', message: 'OK' };
const ERR: CheckResult = { status: 'ERROR', message: 'ERROR: Connect error' };
const UNK: CheckResult = { status: 'UNKNOWN', message: 'UNKNOWN: Too many connections' };
const TRAP = 10; // seconds

/** Feeds results at the given seconds; returns the reported ok flag after each. */
function feed(seq: [number, CheckResult][], start: CheckState = okCheck(0)): { ok: boolean[]; changed: boolean[]; last: CheckState } {
  let s = start;
  const ok: boolean[] = [];
  const changed: boolean[] = [];
  for (const [t, r] of seq) {
    const st = stepCheck(s, r, TRAP, t * 1000);
    s = st.state;
    ok.push(s.ok);
    changed.push(st.changed);
  }
  return { ok, changed, last: s };
}

describe('check debounce (trap logic)', () => {
  it('PASSING -> TRAPPING -> FAILED only after trap_period of uninterrupted errors', () => {
    const r = feed([[0, ERR], [5, ERR], [9, ERR], [10, ERR]]);
    expect(r.ok).to.deep.equal([true, true, true, false]);
    expect(r.changed).to.deep.equal([false, false, false, true]);
    expect(r.last).to.include({ phase: 'FAILED', message: ERR.message, lastChange: 10_000 });
  });

  it('FAILED -> PASSING: an OK reports recovery at once', () => {
    const r = feed([[0, ERR], [10, ERR], [11, OK]]);
    expect(r.ok).to.deep.equal([true, false, true]);
    expect(r.changed[2]).to.equal(true);
    expect(r.last.lastChange).to.equal(11_000);
  });

  it('TRAPPING -> PASSING: an OK before trap_period reports nothing', () => {
    const r = feed([[0, ERR], [5, OK], [8, ERR], [15, ERR]]);
    expect(r.ok).to.deep.equal([true, true, true, true]);
    expect(r.changed).to.deep.equal([false, false, false, false]);
    expect(r.last.errorSince).to.equal(8_000);
  });

  it('UNKNOWN while TRAPPING resets the timer', () => {
    const r = feed([[0, ERR], [8, UNK], [9, ERR], [18, ERR], [19, ERR]]);
    expect(r.ok).to.deep.equal([true, true, true, true, false]);
  });

  it('UNKNOWN while FAILED keeps the failure', () => {
    const r = feed([[0, ERR], [10, ERR], [11, UNK]]);
    expect(r.ok).to.deep.equal([true, false, false]);
    expect(r.last.phase).to.equal('FAILED');
  });

  it('keeps the latest raw message apart from the reported one', () => {
    const r = feed([[0, ERR], [10, ERR], [11, { status: 'ERROR', message: 'ERROR: other' }]]);
    expect(r.last.message).to.equal(ERR.message);
    expect(r.last.lastMessage).to.equal('ERROR: other');
  });

  it('startup: the first synchronous result decides (non-OK = failed)', () => {
    expect(initialCheckState(OK, 1).ok).to.equal(true);
    expect(initialCheckState(UNK, 1)).to.include({ ok: false, phase: 'FAILED' });
  });
});

describe('debounce: refused connects (evidence that a legacy writer is dead)', () => {
  const REF: CheckResult = { status: 'ERROR', message: 'ERROR: Connect error! connect ECONNREFUSED', refused: true };
  const TIMEOUT: CheckResult = { status: 'ERROR', message: 'ERROR: Timeout' };
  const ROWS: [string, [number, CheckResult][], number | undefined][] = [
    ['an unbroken run of refusals keeps its start', [[1, REF], [5, REF], [12, REF]], 1000],
    ['a timeout breaks the run', [[1, REF], [5, TIMEOUT], [12, REF]], 12_000],
    ['an OK ends it', [[1, REF], [5, OK]], undefined],
    ['UNKNOWN ends it too', [[1, REF], [5, UNK]], undefined],
    ['plain errors never start one', [[1, ERR], [5, ERR]], undefined],
  ];
  for (const [what, seq, since] of ROWS) {
    it(what, () => {
      expect(feed(seq).last.refusedSince).to.equal(since);
    });
  }
  it('a first result that was refused starts the run', () => {
    expect(initialCheckState(REF, 7).refusedSince).to.equal(7);
  });
});
