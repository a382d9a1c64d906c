import type { HostState } from '@mmm/common';
import { expect } from 'chai';
import { NOT_FLAPPING, stepFlap } from '../../src/analysis/flapping';

const S = { flapCount: 3, flapDurationMs: 3_600_000 };

describe('flapping reducer', () => {
  it('more than flap_count drops within flap_duration ⇒ flapping', () => {
    let f = NOT_FLAPPING;
    const started: boolean[] = [];
    for (let i = 0; i < 4; i++) {
      const s = stepFlap(f, 'ONLINE', 'HARD_OFFLINE', S, i * 60_000);
      f = s.flap;
      started.push(s.startedFlapping);
    }
    expect(started).to.deep.equal([false, false, false, true]);
    expect(f.flapping).to.equal(true);
  });

  it('a drop after the window starts a new window', () => {
    let f = NOT_FLAPPING;
    for (let i = 0; i < 3; i++) f = stepFlap(f, 'ONLINE', 'REPLICATION_DELAY', S, i * 1000).flap;
    f = stepFlap(f, 'ONLINE', 'HARD_OFFLINE', S, 3_700_000).flap;
    expect(f).to.deep.include({ count: 1, flapping: false, windowStart: 3_700_000 });
  });

  const ignored: [HostState, HostState][] = [['ONLINE', 'ADMIN_OFFLINE'], ['HARD_OFFLINE', 'AWAITING_RECOVERY'], ['REPLICATION_FAIL', 'ONLINE']];
  for (const [from, to] of ignored) {
    it(`${from} -> ${to} is not counted`, () => {
      expect(stepFlap(NOT_FLAPPING, from, to, S, 0).flap.count).to.equal(0);
    });
  }

  it('flap_count 0 disables detection', () => {
    expect(stepFlap(NOT_FLAPPING, 'ONLINE', 'HARD_OFFLINE', { ...S, flapCount: 0 }, 0).flap.count).to.equal(0);
  });
});
