import { expect } from 'chai';
import { FakeClock } from '@mmm/common/testing';
import { LeaseGuard } from '../../src/lease/lease-guard';

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

  it('probes the peer in the last 1.25 s of the lease and, the peer unreachable, fences at the expiry without a second probe', async () => {
    const { clock, calls, g } = guard(false);
    g.setHoldsWriter(true);
    clock.advance(1700);
    await g.tick();
    expect(calls, '1.3 s left: no probe yet').to.deep.equal([]);
    clock.advance(200);
    await g.tick();
    await g.tick();
    await g.stop(); // lets the early probe finish
    expect(calls, '1.1 s left: one early probe').to.deep.equal(['probe']);
    expect(g.fenced, 'not before the expiry').to.equal(false);
    clock.advance(1100);
    await g.tick();
    expect(calls, 'at the expiry: fenced on the early probe').to.deep.equal(['probe', 'fence']);
  });

  it('an early probe that found the peer is not trusted at the expiry, and a renewal makes it stale', async () => {
    const { clock, calls, g } = guard(true);
    g.setHoldsWriter(true);
    clock.advance(2000);
    await g.tick();
    await g.stop();
    expect(calls).to.deep.equal(['probe']);
    g.renew(); // the monitor came back: the lease starts over, the early probe is forgotten
    clock.advance(2000);
    await g.tick();
    await g.stop();
    expect(calls, 'a new early probe for the new lease').to.deep.equal(['probe', 'probe']);
    clock.advance(1000);
    await g.tick();
    expect(calls, 'the peer answered: asked again at the expiry, no fence').to.deep.equal(['probe', 'probe', 'probe']);
    expect(g.fenced).to.equal(false);
  });

  it('start/stop do not leak timers', async () => {
    const { g } = guard(true);
    g.start();
    g.start();
    await g.stop();
  });
});
