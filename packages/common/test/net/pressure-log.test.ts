// pressure-log.ts: sockets closed by the listener's limits make one summary line per window.
import { expect } from 'chai';
import { PressureLog, countPressure, emptyCounts, pressureLine } from '../../src/net/pressure-log';
import { admissionLimits } from '../../src/net/admission';
import { FakeClock, MemoryLogger } from '../../src/testing';

const LIMITS = admissionLimits();

/** The log's timer seam on the fake clock (it keeps one timer at most), fired by hand. */
function setup(windowMs = 10_000) {
  const clock = new FakeClock(0);
  const out = new MemoryLogger();
  let pending: { fn: () => void; due: number } | undefined;
  const schedule = (fn: () => void, ms: number): (() => void) => {
    const t = { fn, due: clock.now() + ms };
    pending = t;
    return () => {
      if (pending === t) pending = undefined;
    };
  };
  const log = new PressureLog({ logger: out, limits: LIMITS, handshakeTimeoutMs: 3000, windowMs, clock, schedule });
  const advance = (ms: number): void => {
    clock.advance(ms);
    if (pending && clock.now() >= pending.due) {
      const t = pending;
      pending = undefined;
      t.fn();
    }
  };
  return { clock, out, log, advance, timerArmed: () => pending !== undefined };
}

describe('net: pressure log (one summary line, not one per socket)', () => {
  it('6000 evictions in 40 s make at most one line per 10 s window, with the counts and the top source', () => {
    const { out, log, advance } = setup();
    for (let i = 0; i < 6000; i++) {
      log.note('evicted', i % 100 === 0 ? '127.0.0.1' : '127.0.0.2');
      advance(40_000 / 6000);
    }
    advance(10_000);
    const lines = out.messages('warn');
    expect(lines.length).to.be.within(4, 5);
    expect(out.messages()).to.deep.equal(lines); // nothing at other levels
    const total = lines.map((l) => Number(/(\d+) connections closed/.exec(l)![1])).reduce((a, b) => a + b, 0);
    expect(total).to.equal(6000);
    expect(lines[0]).to.match(/^listener limits: \d+ connections closed in the last 10 s: \d+ unauthenticated evicted \(limits 16 per address, 128 in all\); top sources: 127\.0\.0\.2 \(\d+\), 127\.0\.0\.1 \(\d+\)$/);
  });

  it('nothing is logged without events; the first event opens a window that ends with one line', () => {
    const { out, log, advance, timerArmed } = setup();
    advance(60_000);
    expect(out.entries).to.have.length(0);
    expect(timerArmed()).to.equal(false);
    log.note('timedOut', '10.0.0.9');
    expect(out.entries).to.have.length(0);
    advance(9_999);
    expect(out.entries).to.have.length(0);
    advance(1);
    expect(out.messages('warn')).to.deep.equal(['listener limits: 1 connection closed in the last 10 s: 1 handshake timeout (3000 ms); top sources: 10.0.0.9 (1)']);
    expect(timerArmed()).to.equal(false);
  });

  it('flush() (the listener closing) logs the open window at once, with its real length', () => {
    const { out, log, advance } = setup();
    log.note('refused', '10.0.0.1');
    advance(2_400);
    log.flush();
    log.flush();
    expect(out.messages('warn')).to.deep.equal(['listener limits: 1 connection closed in the last 2 s: 1 refused (256 connections established); top sources: 10.0.0.1 (1)']);
  });

  it('the line: every kind that happened, the top 3 sources, how many sources there were', () => {
    const c = emptyCounts();
    for (const [kind, source, n] of [
      ['evicted', '10.0.0.1', 50],
      ['evicted', '10.0.0.2', 20],
      ['timedOut', '10.0.0.3', 5],
      ['timedOut', '10.0.0.2', 2],
      ['refused', '10.0.0.4', 1],
    ] as const) {
      for (let i = 0; i < n; i++) countPressure(c, kind, source);
    }
    expect(pressureLine(c, 10, LIMITS, 3000)).to.equal(
      'listener limits: 78 connections closed in the last 10 s: 70 unauthenticated evicted (limits 16 per address, 128 in all), ' +
        '7 handshake timeouts (3000 ms), 1 refused (256 connections established); top sources: 10.0.0.1 (50), 10.0.0.2 (22), 10.0.0.3 (5) of 4 sources',
    );
  });

  it('a flood from many addresses keeps a bounded map of sources', () => {
    const c = emptyCounts();
    for (let i = 0; i < 5000; i++) countPressure(c, 'evicted', `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
    expect(c.bySource.size).to.equal(1024);
    expect(c.untracked).to.equal(5000 - 1024);
    expect(pressureLine(c, 10, LIMITS, 3000)).to.match(/5000 connections closed .* of more than 1024 sources$/);
  });
});
