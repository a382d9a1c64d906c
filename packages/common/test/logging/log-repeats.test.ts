import { expect } from 'chai';
import { RepeatFilter } from '../../src/log-repeats';
import type { LogLevel } from '../../src/logger';
import { FakeClock, MemoryLogger } from '../../src/testing';

/** The filter's timer seam on the fake clock, fired by hand (the filter keeps one timer at most). */
class FakeTimer {
  pending?: { fn: () => void; due: number };
  constructor(private readonly clock: FakeClock) {}
  readonly schedule = (fn: () => void, ms: number): (() => void) => {
    const t = { fn, due: this.clock.now() + ms };
    this.pending = t;
    return () => {
      if (this.pending === t) this.pending = undefined;
    };
  };
  fire(): void {
    const t = this.pending;
    this.pending = undefined;
    t?.fn();
  }
  /** Fires the pending timer if the fake clock has reached it. */
  fireIfDue(): void {
    if (this.pending && this.clock.now() >= this.pending.due) this.fire();
  }
}

function setup(windowMs = 60_000, maxTracked?: number, level?: LogLevel) {
  const clock = new FakeClock(0);
  const timer = new FakeTimer(clock);
  const out = new MemoryLogger();
  const log = RepeatFilter.wrap(out, { clock, windowMs, schedule: timer.schedule, maxTracked, level });
  return { clock, timer, out, log };
}

describe('logging: repeat suppression', () => {
  it('1000 identical lines within the window make 1 line + 1 summary (the monitor logging a dead host every pass)', () => {
    const { clock, timer, out, log } = setup();
    for (let i = 0; i < 1000; i++) {
      log.error('agent db2 could not apply its status: no reply', { host: 'db2' });
      clock.advance(50); // 1000 × 50 ms = 50 s: one window
    }
    expect(out.entries).to.have.length(1);
    expect(timer.pending?.due, 'the window ends 60 s after the first line').to.equal(60_000);
    clock.set(60_000);
    timer.fireIfDue();
    expect(out.entries).to.have.length(2);
    expect(out.entries[1]).to.deep.equal({
      level: 'error',
      msg: 'message repeated 999 times in the last 60 s: agent db2 could not apply its status: no reply',
      meta: { host: 'db2', repeated: 999 },
    });
    expect(timer.pending, 'nothing left to report').to.equal(undefined);
  });

  it('after its window a line appears in full again, and each window has its own count', () => {
    const { clock, timer, out, log } = setup();
    for (let i = 0; i < 4 * 240; i++) {
      log.error('same');
      clock.advance(250); // 4 minutes at one line a pass (0.25 s)
      timer.fireIfDue();
    }
    expect(out.messages().filter((m) => m === 'same')).to.have.length(4);
    expect(out.messages().filter((m) => m === 'message repeated 239 times in the last 60 s: same')).to.have.length(4);
    expect(out.entries).to.have.length(8);
  });

  it('a late timer or a stepped clock: the count is logged before the line starts a new window', () => {
    const { clock, out, log } = setup();
    log.warn('x');
    log.warn('x');
    clock.advance(61_000);
    log.warn('x');
    expect(out.messages()).to.deep.equal(['x', 'message repeated 1 times in the last 60 s: x', 'x']);
  });

  it('interleaved lines (two dead hosts, several lines per failed pass) are each suppressed', () => {
    const { timer, clock, out, log } = setup();
    for (let i = 0; i < 100; i++) {
      log.error('agent does not answer', { host: 'db1' });
      log.error('agent does not answer', { host: 'db2' });
      log.error('step failed: read_only', { error: 'ECONNREFUSED' });
    }
    expect(out.entries.map((e) => [e.msg, e.meta.host])).to.deep.equal([
      ['agent does not answer', 'db1'],
      ['agent does not answer', 'db2'],
      ['step failed: read_only', undefined],
    ]);
    clock.advance(60_000);
    timer.fire();
    expect(out.messages().slice(3)).to.deep.equal([
      'message repeated 99 times in the last 60 s: agent does not answer',
      'message repeated 99 times in the last 60 s: agent does not answer',
      'message repeated 99 times in the last 60 s: step failed: read_only',
    ]);
    expect(out.entries.slice(3).map((e) => e.meta.host)).to.deep.equal(['db1', 'db2', undefined]);
  });

  it('the key is the whole line but its time: another level, host or other metadata is another line', () => {
    const { out, log } = setup();
    log.error('m', { host: 'db1', error: 'a' });
    log.warn('m', { host: 'db1', error: 'a' });
    log.error('m', { host: 'db2', error: 'a' });
    log.error('m', { host: 'db1', error: 'b' });
    log.info('SET_STATUS applied', { state: 'HARD_OFFLINE' });
    log.info('SET_STATUS applied', { state: 'ONLINE' });
    log.error('m', { host: 'db1', error: 'a' });
    log.info('SET_STATUS applied', { state: 'ONLINE' });
    expect(out.entries.map((e) => `${e.level} ${e.msg} ${JSON.stringify(e.meta)}`)).to.deep.equal([
      'error m {"host":"db1","error":"a"}',
      'warn m {"host":"db1","error":"a"}',
      'error m {"host":"db2","error":"a"}',
      'error m {"host":"db1","error":"b"}',
      'info SET_STATUS applied {"state":"HARD_OFFLINE"}',
      'info SET_STATUS applied {"state":"ONLINE"}',
    ]);
  });

  it('children share the suppression; a child\'s host is part of the key; the summary goes through the same child', () => {
    const { clock, timer, out, log } = setup();
    const db1 = log.child({ host: 'db1' });
    const db2 = log.child({ host: 'db2' });
    db1.info('up');
    db2.info('up');
    db1.info('up');
    log.child({ host: 'db1' }).info('up');
    expect(out.entries.map((e) => e.meta.host)).to.deep.equal(['db1', 'db2']);
    clock.advance(60_000);
    timer.fire();
    expect(out.entries[2]).to.deep.equal({ level: 'info', msg: 'message repeated 2 times in the last 60 s: up', meta: { host: 'db1', repeated: 2 } });
  });

  it('a line seen once has no summary and starts no timer', () => {
    const { timer, out, log } = setup();
    log.info('a');
    log.info('b');
    expect(out.messages()).to.deep.equal(['a', 'b']);
    expect(timer.pending).to.equal(undefined);
  });

  it('close() logs every pending count, cancels the timer, and lets later lines through', () => {
    const { clock, timer, out, log } = setup();
    log.error('e');
    clock.advance(5_000);
    log.error('e');
    log.error('e');
    expect(timer.pending).to.not.equal(undefined);
    log.close();
    expect(timer.pending, 'timer cleared').to.equal(undefined);
    expect(out.messages()).to.deep.equal(['e', 'message repeated 2 times in the last 5 s: e']);
    log.error('e');
    log.error('e');
    expect(out.messages()).to.have.length(4);
  });

  it('at most maxTracked distinct lines are followed: the oldest is summed up and forgotten', () => {
    const { out, log } = setup(60_000, 2);
    log.info('a');
    log.info('a');
    log.info('b');
    log.info('c'); // forgets 'a' (its count first)
    log.info('a');
    expect(out.messages()).to.deep.equal(['a', 'b', 'c', 'message repeated 1 times in the last 1 s: a', 'a']);
  });

  it('the timer is armed for the earliest window with repeats', () => {
    const { clock, timer, out, log } = setup();
    log.info('a');
    clock.advance(10_000);
    log.info('b');
    log.info('b');
    expect(timer.pending?.due, "b's window").to.equal(70_000);
    clock.advance(20_000);
    log.info('a');
    expect(timer.pending?.due, "a's window ends first: the one timer moves there").to.equal(60_000);
    clock.set(60_000);
    timer.fireIfDue();
    expect(out.messages()).to.deep.equal(['a', 'b', 'message repeated 1 times in the last 60 s: a']);
    expect(timer.pending?.due, "then b's").to.equal(70_000);
    clock.set(70_000);
    timer.fireIfDue();
    expect(out.messages().slice(3)).to.deep.equal(['message repeated 1 times in the last 60 s: b']);
  });

  it('lines below the logger level pass through untracked (they take no slot and start no timer)', () => {
    const { timer, out, log } = setup(60_000, 1, 'info');
    log.info('kept');
    for (let i = 0; i < 3; i++) log.debug('chatty');
    log.info('kept');
    expect(out.messages()).to.deep.equal(['kept', 'chatty', 'chatty', 'chatty']);
    expect(timer.pending?.due, 'the info repeat is still counted').to.equal(60_000);
  });

  it('reopen() is passed on to the logger it wraps', () => {
    const { out, log } = setup();
    log.reopen();
    expect(out.reopened).to.equal(1);
  });
});
