// The pure parts of monitor HA: key names, value schemas, the leader deadline, the history bound.
import { expect } from 'chai';
import { DEADLINE_MARGIN_MS, LeaderDeadline, deadlineAfterAck, keepaliveIntervalMs } from '../../src/ha/deadline';
import { HISTORY_KEEP, nextHistoryRevision, pruneBoundary } from '../../src/ha/history';
import { classifyKey, haKeys } from '../../src/ha/keys';
import { clusterIdHex, encodeLeader, encodeMonitor, encodeStored, parseLeader, parseMonitor, parseStored } from '../../src/ha/values';

describe('ha: keys', () => {
  const k = haKeys('/mmm/v1/shop/');
  it('names every key under the prefix; history revisions are zero-padded so they sort as text', () => {
    expect([k.leader, k.state, k.op, k.monitor('mon1'), k.history(42)]).to.deep.equal([
      '/mmm/v1/shop/leader', '/mmm/v1/shop/state', '/mmm/v1/shop/op', '/mmm/v1/shop/monitors/mon1', '/mmm/v1/shop/history/0000000000000000042',
    ]);
    expect([k.history(9), k.history(10), k.history(100)].sort()).to.deep.equal([k.history(9), k.history(10), k.history(100)]);
  });
  const table: [string, ReturnType<typeof classifyKey>][] = [
    ['/mmm/v1/shop/leader', { kind: 'leader' }],
    ['/mmm/v1/shop/state', { kind: 'state' }],
    ['/mmm/v1/shop/op', { kind: 'op' }],
    ['/mmm/v1/shop/monitors/mon-1.eu', { kind: 'monitor', id: 'mon-1.eu' }],
    ['/mmm/v1/shop/monitors/', undefined],
    ['/mmm/v1/shop/history/0000000000000000042', { kind: 'history', revision: 42 }],
    ['/mmm/v1/shop/history/x', undefined],
    ['/mmm/v1/shop/leaderx', undefined],
    ['/mmm/v1/other/leader', undefined],
  ];
  for (const [key, want] of table) it(`classifies ${key}`, () => expect(classifyKey(k, key)).to.deep.equal(want));
});

describe('ha: values', () => {
  it('leader and monitor values round-trip; http only when given', () => {
    const l = encodeLeader({ monitor: 'mon1', control: '10.0.0.5:9988', since: '2026-01-01T00:00:00.000Z' });
    expect(JSON.parse(l)).to.deep.equal({ schema: 1, monitor: 'mon1', control: '10.0.0.5:9988', since: '2026-01-01T00:00:00.000Z' });
    expect(parseLeader(l)).to.deep.equal({ ok: true, value: JSON.parse(l) });
    const m = encodeMonitor({ id: 'mon2', control: '10.0.0.6:9988', http: '10.0.0.6:9990', since: 's' });
    expect(parseMonitor(m)).to.deep.equal({ ok: true, value: { schema: 1, id: 'mon2', control: '10.0.0.6:9988', http: '10.0.0.6:9990', since: 's' } });
  });
  const bad: [string, string][] = [
    ['not json', 'not JSON'],
    ['[1]', 'not a JSON object'],
    ['{"monitor":"m","control":"c","since":"s"}', 'no schema 1'],
    ['{"schema":2,"monitor":"m","control":"c","since":"s"}', "schema 2 is newer than this monitor's 1"],
    ['{"schema":1,"control":"c","since":"s"}', 'no monitor'],
    ['{"schema":1,"monitor":"m","control":"","since":"s"}', 'no control'],
    ['{"schema":1,"monitor":"m","control":"c","since":"s","http":5}', 'http is not a string'],
  ];
  for (const [text, reason] of bad) it(`leader value ${text}: ${reason}`, () => expect(parseLeader(text)).to.deep.equal({ ok: false, reason }));

  it('stored values (state, op, history) carry the term and time of the write', () => {
    const v = encodeStored(7, '2026-01-01T00:00:00.000Z', { hosts: { db1: 'ONLINE' } });
    expect(parseStored(v)).to.deep.equal({ ok: true, value: { schema: 1, term: 7, at: '2026-01-01T00:00:00.000Z', data: { hosts: { db1: 'ONLINE' } } } });
    expect(parseStored(encodeStored(7, 'x', null))).to.deep.include({ ok: true });
    for (const [text, reason] of [
      ['{"schema":1,"term":0,"at":"x","data":1}', 'no term'],
      ['{"schema":1,"term":1.5,"at":"x","data":1}', 'no term'],
      ['{"schema":1,"term":3,"data":1}', 'no at'],
      ['{"schema":1,"term":3,"at":"x"}', 'no data'],
    ]) expect(parseStored(text), text).to.deep.equal({ ok: false, reason });
  });

  it("etcd's cluster id as hex", () => {
    expect(clusterIdHex('15045093483658039385')).to.equal('d0cae8cfa1fb5059');
    expect(clusterIdHex('255')).to.equal('ff');
    for (const x of [undefined, '0', '', 'abc']) expect(clusterIdHex(x), String(x)).to.equal(undefined);
  });
});

describe('ha: the leader deadline', () => {
  it('send time of the last acknowledged keepalive + TTL − 0.5 s; keepalives every TTL/3', () => {
    expect(DEADLINE_MARGIN_MS).to.equal(500);
    const table: [number, number, number][] = [[0, 3, 2500], [1000, 2, 2500], [10_000.5, 5, 14_500.5]];
    for (const [sent, ttl, want] of table) expect(deadlineAfterAck(sent, ttl)).to.equal(want);
    expect(keepaliveIntervalMs(3)).to.equal(1000);
    expect(keepaliveIntervalMs(2)).to.be.closeTo(666.67, 0.01);
  });

  it('an acknowledgement moves it forward, never back; passed at the deadline exactly', () => {
    const d = new LeaderDeadline(0, 3);
    expect(d.at()).to.equal(2500);
    d.ack(1000, 1010);
    expect(d.at()).to.equal(3500);
    d.ack(500, 1020); // an older keepalive acknowledged late
    expect(d.at()).to.equal(3500);
    expect(d.passed(3499.9)).to.equal(false);
    expect(d.remaining(3000)).to.equal(500);
    expect(d.passed(3500)).to.equal(true);
  });

  it('once passed it stays passed: a late acknowledgement does not revive the leadership', () => {
    const d = new LeaderDeadline(0, 2);
    expect(d.passed(1600)).to.equal(true);
    d.ack(1400, 1700); // sent before the deadline, acknowledged after it
    expect(d.passed(1700)).to.equal(true);
    expect(d.remaining(1700)).to.equal(0);
  });

  it('the deadline is checked on every call, not only by the timer', () => {
    const d = new LeaderDeadline(100, 2);
    expect([d.passed(1599), d.passed(1600)]).to.deep.equal([false, true]);
  });
});

describe('ha: the bounded history', () => {
  it('the next entry is past the newest revision seen and past the newest entry', () => {
    const table: [number, number | undefined, number][] = [[10, undefined, 11], [10, 20, 21], [30, 20, 31], [0, undefined, 1]];
    for (const [seen, newest, want] of table) expect(nextHistoryRevision(seen, newest), `${seen}/${newest}`).to.equal(want);
  });
  it(`keeps the last ${HISTORY_KEEP}: the boundary is the oldest key kept`, () => {
    const keys = (n: number) => Array.from({ length: n }, (_, i) => `h/${String(i).padStart(3, '0')}`);
    expect(pruneBoundary(keys(HISTORY_KEEP))).to.equal(undefined);
    expect(pruneBoundary(keys(HISTORY_KEEP + 1))).to.equal('h/001');
    expect(pruneBoundary(keys(5), 2)).to.equal('h/003');
    expect(pruneBoundary([], 2)).to.equal(undefined);
  });
});
