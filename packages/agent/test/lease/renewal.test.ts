// The renewal rule alone; the dispatcher's use of it is in stale-status.test.ts
// ('a request on a replaced connection does not renew the lease').
import { expect } from 'chai';
import type { ResolvedRole } from '@mmm/common';
import { fromMonitorRole, renewsLease } from '../../src/lease/renewal';

describe('lease/renewal: which requests renew the writer lease', () => {
  const roles: Array<[ResolvedRole, boolean]> = [
    ['monitor', true],
    ['any', true],
    ['control', false],
    ['agent', false],
    ['viewer', false],
    [null, false],
  ];
  for (const [role, want] of roles) {
    it(`role ${String(role)}: ${want ? 'from the monitor' : 'not from the monitor'}`, () => {
      expect(fromMonitorRole({ role })).to.equal(want);
      expect(renewsLease({ peer: { role }, connSeq: 1, newestStatusConn: 0 })).to.equal(want);
    });
  }

  it('the current connection and newer ones renew; one the monitor has replaced does not', () => {
    const peer = { role: 'monitor' as const };
    expect(renewsLease({ peer, connSeq: 3, newestStatusConn: 3 })).to.equal(true);
    expect(renewsLease({ peer, connSeq: 4, newestStatusConn: 3 })).to.equal(true);
    expect(renewsLease({ peer, connSeq: 2, newestStatusConn: 3 })).to.equal(false);
  });

  it('once a term was seen, only a request admitted as a state-changing command of that term renews', () => {
    const peer = { role: 'monitor' as const };
    expect(renewsLease({ peer, connSeq: 3, newestStatusConn: 3, termAccepted: true })).to.equal(true);
    expect(renewsLease({ peer, connSeq: 3, newestStatusConn: 3, termAccepted: false })).to.equal(false);
    expect(renewsLease({ peer, connSeq: 2, newestStatusConn: 3, termAccepted: true }), 'the accept order still counts').to.equal(false);
    expect(renewsLease({ peer: { role: 'viewer' }, connSeq: 3, newestStatusConn: 0, termAccepted: true })).to.equal(false);
  });

  it('a standing WATCH_HEALTH renews nothing; GET_HEALTH and SET_STATUS do', () => {
    const peer = { role: 'monitor' as const };
    expect(renewsLease({ peer, connSeq: 3, newestStatusConn: 3, kind: 'WATCH_HEALTH' })).to.equal(false);
    expect(renewsLease({ peer, connSeq: 3, newestStatusConn: 3, kind: 'GET_HEALTH' })).to.equal(true);
    expect(renewsLease({ peer, connSeq: 3, newestStatusConn: 3, kind: 'SET_STATUS' })).to.equal(true);
  });

  it('with a term seen, a WATCH_HEALTH still renews nothing, and a GET_HEALTH (not gated) neither', () => {
    const peer = { role: 'monitor' as const };
    expect(renewsLease({ peer, connSeq: 3, newestStatusConn: 3, kind: 'WATCH_HEALTH', termAccepted: false })).to.equal(false);
    expect(renewsLease({ peer, connSeq: 3, newestStatusConn: 3, kind: 'WATCH_HEALTH', termAccepted: true })).to.equal(false);
    expect(renewsLease({ peer, connSeq: 3, newestStatusConn: 3, kind: 'GET_HEALTH', termAccepted: false })).to.equal(false);
    expect(renewsLease({ peer, connSeq: 3, newestStatusConn: 3, kind: 'SET_STATUS', termAccepted: true })).to.equal(true);
  });
});
