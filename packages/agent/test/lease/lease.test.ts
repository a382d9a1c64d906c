import { expect } from 'chai';
import { type LeaseState, initialLease, leaseDecision, liftFence, markFenced, renewLease, setHoldsWriter } from '../../src/lease/lease';

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
