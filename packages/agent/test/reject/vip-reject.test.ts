// VipRejector with a fake nft, a fake clock and a fake timer: which scripts reach nft, when the
// windows close, and that nothing of it ever throws.
import { expect } from 'chai';
import { FakeClock, MemoryLogger } from '@mmm/common/testing';
import { VipRejector } from '../../src/reject/vip-reject';
import { FakeNft } from '../../src/testing';

const REMOVE = 'table inet mmm_reject_db1\ndelete table inet mmm_reject_db1\n';

function setup(periodMs = 5000) {
  const clock = new FakeClock(0);
  const nft = new FakeNft();
  const log = new MemoryLogger();
  /** The one pending timer (the rejector keeps at most one). */
  const timers: Array<{ fn: () => void; at: number; cancelled: boolean }> = [];
  const schedule = (fn: () => void, ms: number) => {
    const t = { fn, at: clock.now() + ms, cancelled: false };
    timers.push(t);
    return () => void (t.cancelled = true);
  };
  const pending = () => timers.filter((t) => !t.cancelled);
  /** Advances the clock to the pending timer and fires it. */
  const fire = async () => {
    const [t] = pending();
    if (!t) throw new Error('no timer pending');
    clock.set(t.at);
    t.cancelled = true;
    t.fn();
    await r.settle();
  };
  const r = new VipRejector({ table: 'mmm_reject_db1', port: 3306, periodMs, nft, clock, logger: log, schedule });
  return { clock, nft, log, r, pending, fire };
}

describe('reject/vip-reject: the window loop', () => {
  it('start removes a leftover table; a demotion installs the rules before the VIP leaves; the window closes a period after it left', async () => {
    const { clock, nft, r, pending, fire } = setup();
    await r.start();
    expect(nft.scripts).to.deep.equal([REMOVE]);
    await r.demoting(['10.0.0.100']);
    expect(nft.lastVips()).to.deep.equal(['10.0.0.100']);
    expect(nft.scripts.at(-1)).to.include('tcp dport 3306');
    expect(r.open).to.deep.equal(['10.0.0.100']);
    clock.advance(1200); // read_only, grace, client kill
    r.left('10.0.0.100');
    expect(pending().map((t) => t.at)).to.deep.equal([6200]);
    expect(nft.scripts).to.have.length(2); // the departure changes no rule
    await fire();
    expect(clock.now()).to.equal(6200);
    expect(r.open).to.deep.equal([]);
    expect(nft.scripts.at(-1)).to.equal(REMOVE);
    expect(pending()).to.deep.equal([]);
  });

  it('without the departure the window still closes (a failed removal, a crash in between): never open forever', async () => {
    const { nft, r, pending, fire } = setup();
    await r.demoting(['10.0.0.100']);
    expect(pending().map((t) => t.at)).to.deep.equal([5000]);
    await fire();
    expect(r.open).to.deep.equal([]);
    expect(nft.scripts.at(-1)).to.equal(REMOVE);
  });

  it('two VIPs close one after the other, each a rule-set change', async () => {
    const { clock, nft, r, fire } = setup();
    await r.demoting(['10.0.0.100']);
    clock.advance(2000);
    await r.demoting(['fd00::100']);
    expect(nft.lastVips()).to.deep.equal(['10.0.0.100', 'fd00::100']);
    await fire();
    expect(clock.now()).to.equal(5000);
    expect(nft.lastVips()).to.deep.equal(['fd00::100']);
    await fire();
    expect(clock.now()).to.equal(7000);
    expect(nft.scripts.at(-1)).to.equal(REMOVE);
  });

  it('the VIP added here again closes its window at once', async () => {
    const { nft, r, pending } = setup();
    await r.demoting(['10.0.0.100']);
    r.returned('10.0.0.100');
    await r.tick();
    expect(r.open).to.deep.equal([]);
    expect(nft.scripts.at(-1)).to.equal(REMOVE);
    expect(pending()).to.deep.equal([]);
    const n = nft.scripts.length;
    r.returned('10.0.0.100'); // nothing open: nothing done
    r.left('10.0.0.100'); // no window: a departure alone opens none
    await r.tick();
    expect(nft.scripts).to.have.length(n);
  });

  it('changes while nft runs are coalesced: one run at a time, the last state wins', async () => {
    const { nft, r } = setup();
    let release!: () => void;
    nft.hold = new Promise<void>((res) => (release = res));
    const first = r.demoting(['10.0.0.100']);
    const second = r.demoting(['10.0.0.101']);
    r.returned('10.0.0.100');
    expect(nft.scripts).to.have.length(1); // the second waits for the first
    nft.hold = undefined;
    release();
    await Promise.all([first, second]);
    expect(nft.scripts).to.have.length(2);
    expect(nft.lastVips()).to.deep.equal(['10.0.0.101']);
  });

  it('nft missing: one warning naming the package, the demotion goes on, later tries are quiet; the next start tries again', async () => {
    const { nft, log, r, fire } = setup();
    nft.fail = 'missing';
    await r.start(); // resolves: never throws
    await r.demoting(['10.0.0.100']);
    await fire();
    const warns = log.messages('warn');
    expect(warns).to.have.length(1);
    expect(warns[0]).to.match(/nft is not installed \(Debian package nftables\).*apt-get install nftables, or set vip_reject no/);
    expect(nft.scripts).to.have.length(3); // every change was still tried
    await r.start();
    expect(nft.scripts).to.have.length(4);
    expect(log.messages('warn')).to.have.length(1);
  });

  it('says so once per window: a fence retried every tick does not repeat it', async () => {
    const { log, r } = setup();
    await r.demoting(['10.0.0.100']);
    await r.demoting(['10.0.0.100']);
    await r.demoting(['10.0.0.100', 'fd00::100']);
    expect(log.entries.filter((e) => e.level === 'info').map((e) => e.meta.vips)).to.deep.equal(['10.0.0.100', 'fd00::100']);
  });

  it('nft failing (old kernel, no permission): one warning of its own, and the rules are re-sent once it works', async () => {
    const { nft, log, r } = setup();
    nft.fail = 'failed';
    await r.demoting(['10.0.0.100']);
    await r.demoting(['10.0.0.100']);
    expect(log.messages('warn')).to.have.length(1);
    expect(log.messages('warn')[0]).to.match(/Operation not supported.*set vip_reject no/);
    nft.fail = undefined;
    await r.demoting(['10.0.0.100']); // same VIPs, but what the kernel holds is unknown: sent again
    expect(nft.scripts).to.have.length(3);
    expect(nft.lastVips()).to.deep.equal(['10.0.0.100']);
  });

  it('stop closes every window and removes the table; nothing opens after it', async () => {
    const { nft, r, pending } = setup();
    await r.start();
    await r.demoting(['10.0.0.100']);
    await r.stop();
    expect(nft.scripts.at(-1)).to.equal(REMOVE);
    expect(pending()).to.deep.equal([]);
    const n = nft.scripts.length;
    await r.demoting(['10.0.0.100']);
    expect(nft.scripts).to.have.length(n);
    expect(r.open).to.deep.equal([]);
  });

  it('a stop with nothing installed runs no nft', async () => {
    const { nft, r } = setup();
    await r.start();
    await r.stop();
    expect(nft.scripts).to.deep.equal([REMOVE]);
  });
});
