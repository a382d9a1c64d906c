// The health generation and the WATCH_HEALTH requests waiting on it: answered on a change, at
// their bound, at once for an old generation, when their connection closes, when the agent stops;
// bounded in number per connection, per peer and in all.
import { expect } from 'chai';
import { HealthEvents, changeKey } from '../../src/health/health-events';

const up = { mysqldRunning: true as boolean | undefined, answering: true, writable: false as boolean | undefined, lease: 'none' as const };
const down = { ...up, mysqldRunning: false, answering: false, writable: undefined };
const never = new Promise<void>(() => undefined);

describe('HealthEvents', () => {
  it('a new generation only when what the monitor decides on changes (not the first observation)', () => {
    const e = new HealthEvents();
    const g0 = e.current;
    expect(g0).to.be.above(0);
    e.note(up);
    expect(e.current, 'first observation').to.equal(g0);
    e.note({ ...up });
    expect(e.current, 'same facts').to.equal(g0);
    e.note(down);
    expect(e.current).to.equal(g0 + 1);
    e.note({ ...down, lease: 'expired' });
    expect(e.current, 'the lease state counts').to.equal(g0 + 2);
  });

  const keys: Array<[string, Parameters<typeof changeKey>[0], Parameters<typeof changeKey>[0], boolean]> = [
    ['mysqld stopped', up, { ...up, mysqldRunning: false }, true],
    ['mysqld unknown', up, { ...up, mysqldRunning: undefined }, true],
    ['not answering', up, { ...up, answering: false }, true],
    ['made writable', up, { ...up, writable: true }, true],
    ['lease fenced', up, { ...up, lease: 'fenced' }, true],
    ['nothing', up, { ...up }, false],
  ];
  for (const [what, a, b, differs] of keys) it(`changeKey: ${what} ${differs ? 'is' : 'is not'} a change`, () => expect(changeKey(a) !== changeKey(b)).to.equal(differs));

  it('answers at once a request with another generation (0 always), waits on the current one', async () => {
    const e = new HealthEvents();
    expect(await e.wait(0, 60_000, 1, 'p')).to.equal('changed');
    expect(await e.wait(e.current + 5, 60_000, 1, 'p'), 'newer: the agent restarted').to.equal('changed');
    e.note(up);
    const w = e.wait(e.current, 60_000, 1, 'p');
    expect(e.waiting).to.equal(1);
    e.note(down);
    expect(await w).to.equal('changed');
    expect(e.waiting).to.equal(0);
  });

  it('answers at the bound when nothing changes', async () => {
    const e = new HealthEvents();
    expect(await e.wait(e.current, 20, 1, 'p')).to.equal('bound');
    expect(e.waiting).to.equal(0);
  });

  it('stops waiting when the connection closes', async () => {
    const e = new HealthEvents();
    let close!: () => void;
    const closed = new Promise<void>((r) => (close = r));
    const w = e.wait(e.current, 60_000, 1, 'p', closed);
    close();
    expect(await w).to.equal('closed');
    expect(e.waiting).to.equal(0);
  });

  it('stop(): every waiter is answered now, later requests at once and refused', async () => {
    const e = new HealthEvents();
    const ws = [1, 2, 3].map((c) => e.wait(e.current, 60_000, c, `p${c}`, never));
    e.stop();
    expect(await Promise.all(ws)).to.deep.equal(['stopping', 'stopping', 'stopping']);
    expect(await e.wait(e.current, 60_000, 4, 'p')).to.equal('stopping');
    expect(e.refusal(5, 'p')).to.equal('the agent is stopping');
  });

  it('one per connection, perPeer per peer, total in all', () => {
    const e = new HealthEvents({ perPeer: 2, total: 3 });
    void e.wait(e.current, 60_000, 1, 'a', never);
    expect(e.refusal(1, 'a')).to.equal('a WATCH_HEALTH already waits on this connection');
    expect(e.refusal(2, 'a')).to.equal(undefined);
    void e.wait(e.current, 60_000, 2, 'a', never);
    expect(e.refusal(3, 'a')).to.equal('too many standing WATCH_HEALTH requests from this peer (2)');
    expect(e.refusal(3, 'b')).to.equal(undefined);
    void e.wait(e.current, 60_000, 3, 'b', never);
    expect(e.refusal(4, 'c')).to.equal('too many standing WATCH_HEALTH requests (3)');
    e.stop(); // no timers left behind
  });
});
