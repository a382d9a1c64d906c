// Scenario 7 (+ issue 4's "move_role writer db2 and back under a write workload"): in MANUAL mode
// (the writer prefers db1, so ACTIVE mode refuses to move it away), `mmm_control move_role writer
// db2` and back to db1, five times, under the workload. Every acknowledged write is on the final
// writer (0 lost), the observer never sees two writable nodes or the VIP twice.
import { expect } from 'chai';
import { writerOf } from './lib/cluster';
import { converge, lostWrites, report, twoWritable, vipInTwoPlaces, writableCounts } from './lib/invariants';
import { scenario } from './lib/scenario';
import { longestGap } from './lib/workload';

const ROUNDS = 5;

describe('e2e 07: planned move_role writer db2 and back, 5 times, under load → 0 lost', function () {
  const s = scenario(this, '07');

  it('moves the writer 10 times with every acknowledged write kept', async () => {
    await s.startLoad();
    expect((await s.c.control('set_manual')).code).to.equal(0);
    const w = s.w!;
    const o = s.o!;
    const moves: string[] = [];
    const gaps: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      for (const to of ['db2', 'db1']) {
        const t0 = Date.now();
        const r = await s.c.control('move_role', 'writer', to);
        const took = Date.now() - t0;
        expect(r.code, `move_role writer ${to}: ${r.stdout}${r.stderr}`).to.equal(0);
        const doc = await s.c.statusDoc();
        expect(writerOf(doc)).to.equal(to);
        const first = await new Promise<number>((res, rej) => {
          const end = Date.now() + 20_000;
          const poll = (): void => {
            const a = w.firstAckOn(to, t0);
            if (a) return res(a.t);
            if (Date.now() > end) return rej(new Error(`no write acknowledged by ${to} within 20 s`));
            setTimeout(poll, 20);
          };
          poll();
        });
        const gap = longestGap(w.acks, t0 - 200, first + 1).ms;
        gaps.push(gap);
        moves.push(`→${to}: mmm_control ${took} ms (monitor ${doc.lastMove?.durationMs ?? '?'} ms), first ack on ${to} +${first - t0} ms, blocked ${gap} ms`);
        await new Promise((res) => setTimeout(res, 1_000));
      }
    }
    expect((await s.c.control('set_active')).code).to.equal(0);
    const conv = await converge(s.c, { writer: 'db1' });
    await new Promise((res) => setTimeout(res, 500));
    await s.stopLoad();
    const lost = await lostWrites(s.c, 'db1', w.acks);
    const lostOnDb2 = await lostWrites(s.c, 'db2', w.acks);
    report('07 planned switches', {
      ...Object.fromEntries(moves.map((m, i) => [`move ${i + 1}`, m])),
      'write-blocked window per move (min/median/max)': `${Math.min(...gaps)} / ${[...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)]} / ${Math.max(...gaps)} ms`,
      'acknowledged writes': w.acks.length,
      'lost on db1 (final writer) / missing on db2': `${lost.lost.length} / ${lostOnDb2.lost.length}`,
      'client errors': w.errors.length,
      'observer ticks (writable per node)': `${o.ticks.length} (${writableCounts(o)})`,
      roles: conv.roles,
    });
    expect(lost.lost, 'no acknowledged write lost').to.deep.equal([]);
    expect(twoWritable(o), 'never two writable nodes').to.deep.equal([]);
    expect(vipInTwoPlaces(o, s.c.writerVip), 'never the writer VIP twice').to.deep.equal([]);
  });
});
