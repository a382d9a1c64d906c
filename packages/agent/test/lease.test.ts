import { expect } from 'chai';
import { FakeClock } from '@mmm/common/testing';
import { type LeaseState, initialLease, leaseDecision, liftFence, markFenced, renewLease, setHoldsWriter } from '../src/lease';
import { LeaseGuard } from '../src/lease-guard';

describe('lease: decision table', () => {
  const T = 1_000_000;
  const writer: LeaseState = { leaseMs: 3000, holdsWriter: true, lastRenewAt: T, fencedAt: undefined };
  const rows: [string, LeaseState, number, boolean | undefined, { status: string; action: string; msLeft: number | undefined }][] = [
    ['not writer', { ...writer, holdsWriter: false }, T + 99_999, false, { status: 'none', action: 'none', msLeft: undefined }],
    ['lease disabled (0)', { ...writer, leaseMs: 0 }, T + 99_999, false, { status: 'none', action: 'none', msLeft: undefined }],
    ['within the lease', writer, T + 1000, undefined, { status: 'held', action: 'none', msLeft: 2000 }],
    ['within the lease, peer down: still held', writer, T + 2999, false, { status: 'held', action: 'none', msLeft: 1 }],
    ['expired, peer not probed yet', writer, T + 3000, undefined, { status: 'expired', action: 'probe_peer', msLeft: 0 }],
    ['expired, peer reachable: keeps writing', writer, T + 5000, true, { status: 'expired', action: 'none', msLeft: 0 }],
    ['expired, peer unreachable: fence', writer, T + 5000, false, { status: 'expired', action: 'fence', msLeft: 0 }],
    ['already fenced', { ...writer, fencedAt: T + 3100 }, T + 9000, false, { status: 'fenced', action: 'none', msLeft: 0 }],
  ];
  for (const [title, s, now, peer, want] of rows) {
    it(title, () => expect(leaseDecision(s, now, peer)).to.deep.equal(want));
  }

  it('transitions', () => {
    let s = initialLease(3000, T);
    expect(leaseDecision(s, T, undefined).status).to.equal('none');
    s = setHoldsWriter(s, true, T + 10);
    expect(leaseDecision(s, T + 10, undefined)).to.include({ status: 'held', msLeft: 3000 });
    s = renewLease(s, T + 2000);
    expect(leaseDecision(s, T + 4000, undefined)).to.include({ status: 'held', msLeft: 1000 });
    s = markFenced(s, T + 6000);
    s = renewLease(s, T + 7000); // a PING does not lift a fence
    expect(leaseDecision(s, T + 7000, true).status).to.equal('fenced');
    s = liftFence(s, T + 8000); // a SET_STATUS with the writer role does
    expect(leaseDecision(s, T + 8000, undefined)).to.include({ status: 'held', msLeft: 3000 });
    s = setHoldsWriter(s, false, T + 9000);
    expect(leaseDecision(s, T + 99_000, false).status).to.equal('none');
  });
});

describe('lease-guard: timer wrapper', () => {
  function guard(peer: boolean, fenceFails = false) {
    const clock = new FakeClock();
    const calls: string[] = [];
    const g = new LeaseGuard({
      leaseMs: 3000,
      clock,
      probePeer: async () => {
        calls.push('probe');
        return peer;
      },
      fence: async () => {
        calls.push('fence');
        if (fenceFails) throw new Error('mysql down');
      },
    });
    return { clock, calls, g };
  }

  it('fences once when the lease ran out and the peer is unreachable', async () => {
    const { clock, calls, g } = guard(false);
    g.setHoldsWriter(true);
    await g.tick();
    expect(calls).to.deep.equal([]);
    clock.advance(3000);
    await g.tick();
    expect(calls).to.deep.equal(['probe', 'fence']);
    expect(g.status().status).to.equal('fenced');
    expect(g.fenced).to.equal(true);
    await g.tick();
    expect(calls).to.deep.equal(['probe', 'fence']);
  });

  it('keeps writing while the peer answers; renew restarts the lease', async () => {
    const { clock, calls, g } = guard(true);
    g.setHoldsWriter(true);
    clock.advance(5000);
    await g.tick();
    expect(calls).to.deep.equal(['probe']);
    expect(g.status().status).to.equal('expired');
    g.renew();
    expect(g.status()).to.include({ status: 'held', msLeft: 3000 });
  });

  it('a failed fence counts as fenced at once (no re-assertion may undo it) and its steps are retried every tick', async () => {
    const { clock, calls, g } = guard(false, true);
    g.setHoldsWriter(true);
    clock.advance(4000);
    await g.tick();
    expect(g.fenced).to.equal(true);
    expect(g.status().status).to.equal('fenced');
    await g.tick();
    expect(calls).to.deep.equal(['probe', 'fence', 'fence']);
    g.setHoldsWriter(true); // a writer SET_STATUS lifts the fence: no more retries
    await g.tick();
    expect(g.fenced).to.equal(false);
    expect(calls).to.deep.equal(['probe', 'fence', 'fence']);
  });

  it('start/stop do not leak timers', async () => {
    const { g } = guard(true);
    g.start();
    g.start();
    await g.stop();
  });
});
