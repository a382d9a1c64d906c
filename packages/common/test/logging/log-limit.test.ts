import { expect } from 'chai';
import { LogLimiter, MAX_LOGGED_INPUT, clipInput } from '../../src/log-limit';
import { FakeClock, MemoryLogger } from '../../src/testing';

/** Timers on the fake clock, fired by hand. */
class FakeTimers {
  pending: Array<{ fn: () => void; due: number }> = [];
  constructor(private readonly clock: FakeClock) {}
  readonly schedule = (fn: () => void, ms: number): (() => void) => {
    const t = { fn, due: this.clock.now() + ms };
    this.pending.push(t);
    return () => {
      this.pending = this.pending.filter((x) => x !== t);
    };
  };
  fireDue(): void {
    const due = this.pending.filter((t) => this.clock.now() >= t.due);
    this.pending = this.pending.filter((t) => !due.includes(t));
    for (const t of due) t.fn();
  }
}

function setup(perWindow = 20, windowMs = 60_000) {
  const clock = new FakeClock(0);
  const timers = new FakeTimers(clock);
  const out = new MemoryLogger();
  const limiter = new LogLimiter(out, { perWindow, windowMs, clock, schedule: timers.schedule });
  return { clock, timers, out, limiter };
}

describe('logging: refusal budget (LogLimiter)', () => {
  it('10,000 refusals of one kind in a minute: 20 lines, then one summary at the window end', () => {
    const { clock, timers, out, limiter } = setup();
    for (let i = 0; i < 10_000; i++) {
      limiter.warn('rejected request', `rejected request #${i}`, { peer: '10.0.0.9:4000' });
      clock.advance(5);
    }
    expect(out.entries).to.have.length(20);
    expect(out.messages()[19]).to.equal('rejected request #19');
    clock.set(60_000);
    timers.fireDue();
    expect(out.entries).to.have.length(21);
    expect(out.entries[20]).to.deep.include({ level: 'warn', msg: "9980 more 'rejected request' lines suppressed in the last 60 s (at most 20 per 60 s)" });
    expect(out.entries[20]!.meta).to.deep.include({ suppressed: 9980, kind: 'rejected request' });
  });

  it('kinds have separate budgets; a new window starts after the old one ended', () => {
    const { clock, timers, out, limiter } = setup(2, 1000);
    for (let i = 0; i < 5; i++) limiter.warn('a', `a${i}`);
    for (let i = 0; i < 5; i++) limiter.error('b', `b${i}`);
    expect(out.messages()).to.deep.equal(['a0', 'a1', 'b0', 'b1']);
    clock.advance(1000);
    timers.fireDue();
    expect(out.messages().slice(4)).to.deep.equal([
      "3 more 'a' lines suppressed in the last 1 s (at most 2 per 1 s)",
      "3 more 'b' lines suppressed in the last 1 s (at most 2 per 1 s)",
    ]);
    expect(out.entries[5]!.level).to.equal('error');
    limiter.warn('a', 'a-next');
    expect(out.messages().at(-1)).to.equal('a-next');
  });

  it('a window without suppressed lines ends silently; close() sums up what is pending', () => {
    const { clock, out, limiter } = setup(3, 60_000);
    limiter.warn('x', 'x1');
    clock.advance(61_000);
    limiter.warn('x', 'x2');
    expect(out.messages()).to.deep.equal(['x1', 'x2']);
    for (let i = 0; i < 10; i++) limiter.warn('x', 'more');
    limiter.close();
    expect(out.messages().slice(-1)[0]).to.match(/^8 more 'x' lines suppressed/);
    limiter.warn('x', 'after close');
    expect(out.messages().at(-1)).to.equal('after close');
  });

  it('clipInput bounds peer text and escapes control characters', () => {
    const long = 'A'.repeat(3000);
    const c = clipInput(long);
    expect(c).to.equal(`${'A'.repeat(MAX_LOGGED_INPUT)}… (2800 more characters)`);
    expect(clipInput('a\u0000b\u001b[31mc\n')).to.equal('a\\x00b\\x1b[31mc\\x0a');
    expect(clipInput('short')).to.equal('short');
  });
});
