// The "VIP on two hosts" reading of one observer tick (pure: no cluster needed).
import { expect } from 'chai';
import { doubleHolders } from './invariants';
import type { NodeSample, Tick } from './observer';

const V = '10.0.0.100';
const node = (name: string, vips: string[] | null, vipsLate: string[] | null): NodeSample => ({
  node: name, readOnly: null, vips, vipsLate, masterHost: null, ioRunning: null, sqlRunning: null, lastSqlErrno: null,
});
const tick = (...nodes: NodeSample[]): Tick => ({ n: 0, t: 0, nodes });

describe('e2e invariants: doubleHolders (forward and reverse interface reads)', () => {
  const cases: Array<[string, Tick, [string, string] | undefined]> = [
    ['one holder', tick(node('db1', [V], [V]), node('db2', [], []), node('db3', [], [])), undefined],
    ['moved db1 → db2 between the reads: db1 had it first, db2 next, db1 not any more', tick(node('db1', [V], []), node('db2', [V], [V]), node('db3', [], [])), undefined],
    ['moved db2 → db1 after db1 was read: db1 gains it in its late read only', tick(node('db1', [], [V]), node('db2', [V], []), node('db3', [], [])), undefined],
    ['db1 throughout, db2 too: a real double', tick(node('db1', [V], [V]), node('db2', [V], [V]), node('db3', [], [])), ['db1', 'db2']],
    ['db1 throughout, db3 in its first read only: db1 held it then too', tick(node('db1', [V], [V]), node('db2', [], []), node('db3', [V], [])), ['db1', 'db3']],
    ['a failed read says nothing', tick(node('db1', [V], null), node('db2', [V], [V]), node('db3', null, null)), undefined],
  ];
  for (const [what, t, want] of cases) {
    it(what, () => expect(doubleHolders(t, V)).to.deep.equal(want));
  }
});
