import { expect } from 'chai';
import { expireWindows, nextClose, noWindows, openIps, openWindows, vipLeft, vipReturned } from '../../src/reject/windows';

describe('reject/windows: when a VIP is answered (pure)', () => {
  const P = 5000;
  it('a demotion opens a window of the period; the departure restarts it; it runs out after the period', () => {
    let w = openWindows(noWindows, ['10.0.0.100'], 1000, P);
    expect(openIps(w)).to.deep.equal(['10.0.0.100']);
    expect(nextClose(w)).to.equal(6000);
    w = vipLeft(w, '10.0.0.100', 2500, P); // the grace and the client kill took 1.5 s
    expect(nextClose(w)).to.equal(7500);
    expect(openIps(expireWindows(w, 7499))).to.deep.equal(['10.0.0.100']);
    expect(openIps(expireWindows(w, 7500))).to.deep.equal([]);
    expect(nextClose(expireWindows(w, 7500))).to.equal(undefined);
  });

  it('a second demotion never shortens a window; each VIP closes on its own', () => {
    let w = openWindows(noWindows, ['10.0.0.100'], 0, P);
    w = vipLeft(w, '10.0.0.100', 4000, P); // closes at 9000
    w = openWindows(w, ['10.0.0.100', 'fd00::100'], 1000, P); // 6000 < 9000: kept
    expect(w.get('10.0.0.100')).to.equal(9000);
    expect(w.get('fd00::100')).to.equal(6000);
    expect(nextClose(w)).to.equal(6000);
    expect(openIps(expireWindows(w, 6000))).to.deep.equal(['10.0.0.100']);
  });

  it('the VIP back on this host closes its window at once; an unknown VIP changes nothing', () => {
    const w = openWindows(noWindows, ['10.0.0.100', '10.0.0.101'], 0, P);
    expect(openIps(vipReturned(w, '10.0.0.100'))).to.deep.equal(['10.0.0.101']);
    expect(vipReturned(w, '10.0.0.9')).to.equal(w);
    expect(expireWindows(w, 1)).to.equal(w); // nothing ran out: the same state
  });
});
