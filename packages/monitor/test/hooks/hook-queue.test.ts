// notify_command's / post_failover_command's queue: in order, one at a time, bounded, no event
// twice while it waits; what is not queued is reported.
import { expect } from 'chai';
import { type HookEvent, eventKey } from '../../src/hooks/hook-env';
import { HookQueue, admit } from '../../src/hooks/hook-queue';

const ev = (host: string, to = 'HARD_OFFLINE'): HookEvent => ({ event: 'state_change', host, stateFrom: 'ONLINE', stateTo: to, reason: 'r', at: 0 });
const item = (e: HookEvent) => ({ key: eventKey(e), event: e });

describe('hook queue', () => {
  it('admit: duplicates of a waiting event and a full queue are refused', () => {
    expect(admit([], item(ev('db1')), 2)).to.deep.equal({ ok: true });
    expect(admit([item(ev('db1'))], item(ev('db1')), 2)).to.deep.equal({ ok: false, why: 'duplicate' });
    expect(admit([item(ev('db1'))], item(ev('db1', 'ONLINE')), 2)).to.deep.equal({ ok: true });
    expect(admit([item(ev('db1')), item(ev('db2'))], item(ev('db3')), 2)).to.deep.equal({ ok: false, why: 'full' });
    // the time is not part of the event
    expect(eventKey({ ...ev('db1'), at: 5 })).to.equal(eventKey(ev('db1')));
  });

  it('runs in order, never two at once; a duplicate waiting is dropped, one already running is not', async () => {
    const log: string[] = [];
    const dropped: string[] = [];
    let active = 0;
    let maxActive = 0;
    const gates: (() => void)[] = [];
    const q = new HookQueue({
      max: 3,
      run: async (e) => {
        active++;
        maxActive = Math.max(maxActive, active);
        log.push(`start ${e.host}`);
        await new Promise<void>((r) => gates.push(r));
        log.push(`end ${e.host}`);
        active--;
      },
      onDrop: (e, why) => dropped.push(`${e.host} ${why}`),
    });
    q.push(ev('db1')); // runs at once
    await Promise.resolve();
    q.push(ev('db1')); // db1 runs; this one waits (not a duplicate of a waiting one)
    q.push(ev('db2'));
    q.push(ev('db2')); // duplicate of a waiting event
    q.push(ev('db3'));
    q.push(ev('db4')); // full: db1, db2, db3 wait
    expect(dropped).to.deep.equal(['db2 duplicate', 'db4 full']);
    for (let i = 0; i < 4; i++) {
      while (gates.length === 0) await new Promise((r) => setImmediate(r));
      gates.shift()!();
    }
    await q.idle();
    expect(log).to.deep.equal(['start db1', 'end db1', 'start db1', 'end db1', 'start db2', 'end db2', 'start db3', 'end db3']);
    expect(maxActive).to.equal(1);
  });

  it('a run that throws does not stop the queue; stop drops what waits', async () => {
    const seen: string[] = [];
    const q = new HookQueue({ run: async (e) => { seen.push(e.host!); if (e.host === 'db1') throw new Error('x'); }, onDrop: () => undefined });
    q.push(ev('db1'));
    q.push(ev('db2'));
    await q.idle();
    expect(seen).to.deep.equal(['db1', 'db2']);
    await q.stop();
    q.push(ev('db3'));
    await q.idle();
    expect(seen).to.deep.equal(['db1', 'db2']);
  });
});
