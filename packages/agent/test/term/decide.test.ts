// What SET_TERM does to the term record, and the gate for state-changing commands: table tests
// of the pure rules (term/decide.ts, term/record.ts).
import { expect } from 'chai';
import { MmmError } from '@mmm/common';
import {
  type ConnTerm, type TermOffer, type TermRecord, TERM_GATED, decideTerm, decodeTermRecord, defaultTermFile, encodeTermRecord, termFields, termGateRefusal,
} from '../../src/term/index';

const AT = '2026-12-10T10:00:00.000Z';
const rec = (term: number, monitor: string, etcdClusterId = 'aa11', cluster = 'default'): TermRecord => ({ schema: 1, cluster, etcdClusterId, term, monitor, at: '2026-12-01T00:00:00.000Z' });
const offer = (term: number, monitor: string, etcdClusterId?: string, cluster = 'default'): TermOffer => ({ cluster, term, monitor, ...(etcdClusterId ? { etcdClusterId } : {}) });

describe('term/decide: SET_TERM against the record', () => {
  const cases: Array<[string, TermRecord | undefined, TermOffer, { change?: string; write?: boolean; next?: Partial<TermRecord>; refused?: string }]> = [
    ['first term ever', undefined, offer(5, 'monA', 'aa11'), { change: 'first', write: true, next: { term: 5, monitor: 'monA', etcdClusterId: 'aa11', at: AT } }],
    ['first term without an etcd id', undefined, offer(5, 'monA'), { change: 'first', write: true, next: { etcdClusterId: '' } }],
    ['same term, same monitor: nothing to write', rec(5, 'monA'), offer(5, 'monA', 'aa11'), { change: 'same', write: false, next: rec(5, 'monA') }],
    ['same term, same monitor, no etcd id sent: the record keeps its id', rec(5, 'monA'), offer(5, 'monA'), { change: 'same', write: false, next: { etcdClusterId: 'aa11' } }],
    ['same term, same monitor, naming the etcd id the record lacked: written', rec(5, 'monA', ''), offer(5, 'monA', 'bb22'), { change: 'same', write: true, next: { etcdClusterId: 'bb22', term: 5 } }],
    ['same term from another monitor', rec(5, 'monA'), offer(5, 'monB', 'aa11'), { refused: 'Refused: term 5 belongs to monitor monA; nothing changed' }],
    ['a lower term', rec(5, 'monA'), offer(4, 'monA', 'aa11'), { refused: 'Refused: stale term 4 < 5; nothing changed' }],
    ['a lower term from another monitor', rec(5, 'monA'), offer(3, 'monB'), { refused: 'Refused: stale term 3 < 5; nothing changed' }],
    ['a higher term from another monitor', rec(5, 'monA'), offer(9, 'monB', 'aa11'), { change: 'higher', write: true, next: { term: 9, monitor: 'monB', at: AT } }],
    ['a higher term from the same monitor (it won again)', rec(5, 'monA'), offer(6, 'monA'), { change: 'higher', write: true, next: { term: 6, etcdClusterId: '' } }],
    ['another etcd cluster, lower term: starts over', rec(500, 'monA', 'aa11'), offer(3, 'monB', 'cc33'), { change: 'restart', write: true, next: { term: 3, monitor: 'monB', etcdClusterId: 'cc33' } }],
    ['another etcd cluster, same term and other monitor: starts over', rec(5, 'monA', 'aa11'), offer(5, 'monB', 'cc33'), { change: 'restart', write: true, next: { monitor: 'monB' } }],
    ['no etcd id in the record: a lower term is stale whatever id it names', rec(5, 'monA', ''), offer(3, 'monB', 'cc33'), { refused: 'Refused: stale term 3 < 5; nothing changed' }],
  ];
  for (const [name, before, o, want] of cases) {
    it(name, () => {
      const d = decideTerm(before, o, AT);
      if (want.refused) {
        expect(d).to.deep.equal({ ok: false, text: want.refused });
        return;
      }
      expect(d.ok).to.equal(true);
      if (!d.ok) return;
      expect(d.change).to.equal(want.change);
      expect(d.write).to.equal(want.write);
      expect(d.next).to.deep.include(want.next ?? {});
    });
  }
});

describe('term/decide: the gate for state-changing commands', () => {
  const conn = (term: number, monitor: string, epoch = 0): ConnTerm => ({ term, monitor, epoch });
  const cases: Array<[string, { record: TermRecord | undefined; epoch: number }, ConnTerm | undefined, string | undefined]> = [
    ['no term ever seen: a term-less connection works as before', { record: undefined, epoch: 0 }, undefined, undefined],
    ['the term and its monitor', { record: rec(5, 'monA'), epoch: 0 }, conn(5, 'monA'), undefined],
    ['a term-less connection once a term was seen', { record: rec(5, 'monA'), epoch: 0 }, undefined, 'Refused: this agent follows term 5 (monitor monA); send SET_TERM first; nothing changed'],
    ['a connection of an older term', { record: rec(7, 'monB'), epoch: 0 }, conn(5, 'monA'), 'Refused: stale term 5 < 7; nothing changed'],
    ['a connection of the record before a restart (epoch)', { record: rec(5, 'monB', 'cc33'), epoch: 1 }, conn(5, 'monB', 0), 'Refused: this agent follows term 5 (monitor monB); send SET_TERM first; nothing changed'],
    ['a connection after the restart', { record: rec(5, 'monB', 'cc33'), epoch: 1 }, conn(5, 'monB', 1), undefined],
  ];
  for (const [name, t, c, want] of cases) {
    it(name, () => expect(termGateRefusal(t, c)).to.equal(want));
  }

  it('gates exactly the state-changing commands, SET_TERM aside', () => {
    expect([...TERM_GATED].sort()).to.deep.equal(['CATCH_UP', 'CLEAR_BAD_ROLES', 'SET_STATUS', 'WAIT_GTID']);
  });

  it('log fields: none before any term; term and monitor of the connection; term=none for a term-less one', () => {
    expect(termFields({ record: undefined, epoch: 0 }, undefined)).to.deep.equal({});
    expect(termFields({ record: rec(5, 'monA'), epoch: 0 }, conn(5, 'monA'))).to.deep.equal({ term: 5, monitor: 'monA' });
    expect(termFields({ record: rec(5, 'monA'), epoch: 0 }, undefined)).to.deep.equal({ term: 'none' });
  });
});

describe('term/record: the term file format', () => {
  it('round-trips {schema, cluster, etcdClusterId, term, monitor, at} as one JSON line', () => {
    const r = rec(42, 'mon-1.example', 'cdf818194e3a8c32', 'shop');
    const text = encodeTermRecord(r);
    expect(text).to.equal('{"schema":1,"cluster":"shop","etcdClusterId":"cdf818194e3a8c32","term":42,"monitor":"mon-1.example","at":"2026-12-01T00:00:00.000Z"}\n');
    expect(decodeTermRecord(text, '/f')).to.deep.equal(r);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['empty', '', /not JSON/],
    ['cut off', '{"schema":1,"cluster":"d', /not JSON/],
    ['an array', '[1]', /not a JSON object/],
    ['another schema', '{"schema":2,"cluster":"d","etcdClusterId":"","term":1,"monitor":"m","at":""}', /schema 2 \(this agent reads schema 1\)/],
    ['term 0', '{"schema":1,"cluster":"d","etcdClusterId":"","term":0,"monitor":"m","at":""}', /'term' 0 is not a positive integer/],
    ['term as text', '{"schema":1,"cluster":"d","etcdClusterId":"","term":"5","monitor":"m","at":""}', /'term' "5"/],
    ['no monitor', '{"schema":1,"cluster":"d","etcdClusterId":"","term":5,"at":""}', /'monitor' is not a non-empty string/],
    ['upper-case id', '{"schema":1,"cluster":"d","etcdClusterId":"ABC","term":5,"monitor":"m","at":""}', /'etcdClusterId' 'ABC'/],
  ];
  for (const [name, text, re] of bad) {
    it(`malformed (${name}): STATE_INVALID naming the file and the way out`, () => {
      let e: unknown;
      try {
        decodeTermRecord(text, '/var/lib/mmm/t.json');
      } catch (x) {
        e = x;
      }
      expect(e).to.be.instanceOf(MmmError);
      expect((e as MmmError).code).to.equal('STATE_INVALID');
      expect((e as Error).message).to.match(/^term file \/var\/lib\/mmm\/t\.json is malformed: /).and.to.match(re).and.to.match(/--reset-term/);
    });
  }

  it('default path: per host, and per cluster with @cluster', () => {
    expect(defaultTermFile('db1')).to.equal('/var/lib/mmm/mmmd_agent.db1.term.json');
    expect(defaultTermFile('db1', 'C')).to.equal('/var/lib/mmm/mmmd_agent_C.db1.term.json');
  });
});
