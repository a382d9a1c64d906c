import { expect } from 'chai';
import { systemClock } from '@mmm/common';
import { legacyMove, legacyPrecheck, type LegacySwitchDeps } from '../../src/actions/switch-writer-legacy';
import type { BinlogPosition, Probed, ReplicaView, WriteState } from '../../src/actions/sql-probe';
import { makeConfig } from '../fixtures';

// A fake MySQL view per host (unit test of the move's logic; the real one runs against MariaDB in test/upgrade).
interface Fake { reachable: boolean; sees: Probed<boolean>; ro: WriteState[]; pos: Probed<BinlogPosition>; rep: Probed<ReplicaView | undefined>; wait: Probed<void>; legacy: boolean }
const POS: BinlogPosition = { file: 'mysql-bin.000003', position: 1234, gtid: '0-1-77' };
const replicaOf = (masterHost: string, over: Partial<ReplicaView> = {}): Probed<ReplicaView | undefined> => ({ ok: true, value: { masterHost, ioRunning: true, sqlRunning: true, usingGtid: false, ...over } });
const fake = (over: Partial<Fake> = {}): Fake => ({
  reachable: true, sees: { ok: true, value: true }, ro: [{ readOnly: false, writers: [] }], pos: { ok: true, value: POS }, rep: { ok: true, value: undefined }, wait: { ok: true, value: undefined }, legacy: true, ...over,
});

function deps(hosts: Record<string, Fake>, sent: string[]): LegacySwitchDeps {
  const config = makeConfig();
  const state = (h: string) => (hosts[h].ro.length > 1 ? hosts[h].ro.shift()! : hosts[h].ro[0]);
  return {
    config,
    clock: systemClock,
    pollMs: 1,
    agents: {
      ping: async (h: string) => hosts[h].reachable,
      obs: Object.fromEntries(Object.keys(hosts).map((h) => [h, { reachable: true, legacy: hosts[h].legacy }])),
    } as never,
    probe: {
      seesAllThreads: async (h) => hosts[h].sees,
      writeState: async (h) => ({ ok: true, value: state(h) }),
      position: async (h) => hosts[h].pos,
      replica: async (h) => hosts[h].rep,
      waitFor: async (h) => hosts[h].wait,
    },
    send: async (l) => {
      sent.push(`${l.host}:${l.roles.map((r) => r.name).join(',')}`);
      if (l.roles.some((r) => r.name === 'writer')) hosts[l.host].ro = [{ readOnly: false, writers: [] }];
      else hosts[l.host].ro = [{ readOnly: true, writers: [] }];
      return { at: Date.now(), ok: true, state: l.state, roles: l.roles };
    },
  };
}

describe('planned move with an MMM 2.x agent: checked before the writer is touched', () => {
  const ROWS: [string, Record<string, Partial<Fake>>, RegExp | { useGtid: boolean }][] = [
    ['all good, file/position', { db1: {}, db2: { rep: replicaOf('10.0.0.11') } }, { useGtid: false }],
    ['all good, GTID replication', { db1: {}, db2: { rep: replicaOf('10.0.0.11', { usingGtid: true }) } }, { useGtid: true }],
    ['candidate agent down', { db1: {}, db2: { reachable: false, rep: replicaOf('10.0.0.11') } }, /agent on db2 does not answer/],
    ['monitor lacks PROCESS', { db1: { sees: { ok: true, value: false } }, db2: { rep: replicaOf('10.0.0.11') } }, /lacks PROCESS on db1/],
    ['old writer MySQL not reachable', { db1: { sees: { ok: false, error: 'db1: cannot connect' } }, db2: { rep: replicaOf('10.0.0.11') } }, /cannot check db1 over MySQL/],
    ['no binary log on the old writer', { db1: { pos: { ok: false, error: 'db1: SHOW MASTER STATUS is empty' } }, db2: { rep: replicaOf('10.0.0.11') } }, /binary log position of db1/],
    ['candidate replicates from elsewhere', { db1: {}, db2: { rep: replicaOf('10.0.0.13') } }, /replicates from 10.0.0.13, not from db1/],
    ['candidate replication stopped', { db1: {}, db2: { rep: replicaOf('10.0.0.11', { sqlRunning: false }) } }, /not running \(IO Yes, SQL No\)/],
    ['candidate not a replica', { db1: {}, db2: {} }, /db2 does not replicate/],
  ];
  for (const [what, hosts, want] of ROWS) {
    it(what, async () => {
      const sent: string[] = [];
      const h = Object.fromEntries(Object.entries(hosts).map(([k, v]) => [k, fake(v)]));
      const r = await legacyPrecheck(deps(h, sent), 'db1', 'db2');
      if (want instanceof RegExp) expect('refused' in r ? r.refused : '').to.match(want);
      else expect(r).to.deep.equal(want);
      expect(sent, 'nothing sent by a pre-check').to.deep.equal([]);
    });
  }
});

describe('planned move with an MMM 2.x agent: the steps', () => {
  const line = (host: string, writer: boolean) => ({ host, state: 'ONLINE' as const, roles: writer ? [{ name: 'writer', ip: '10.0.0.100' }] : [], activeMaster: writer ? host : '' });
  const a = { from: 'db1', to: 'db2', demote: line('db1', false), promote: line('db2', true) };

  it('demote, read-only verified, position waited for, promote, writable verified', async () => {
    const sent: string[] = [];
    const r = await legacyMove(deps({ db1: fake(), db2: fake({ ro: [{ readOnly: true, writers: [] }] }) }, sent), a, false, () => undefined);
    expect(r).to.deep.equal({ failure: undefined, promoteSent: true });
    expect(sent).to.deep.equal(['db1:', 'db2:writer']);
  });
  it('a client still writing on the old writer: not promoted', async () => {
    const sent: string[] = [];
    const d = deps({ db1: fake(), db2: fake() }, sent);
    const send = d.send;
    d.send = async (l) => {
      const out = await send(l);
      if (l.host === 'db1') (d.probe as { writeState: unknown }).writeState = async () => ({ ok: true, value: { readOnly: true, writers: ['42: INSERT INTO t VALUES (1)'] } });
      return out;
    };
    const cfg = d.config;
    cfg.switchTimeout = 0.05;
    const r = await legacyMove(d, a, false, () => undefined);
    expect(r.promoteSent).to.equal(false);
    expect(r.failure).to.match(/db1 is not read-only without writing clients.*42: INSERT/);
    expect(sent).to.deep.equal(['db1:']);
  });
  it('the candidate does not catch up within switch_timeout: not promoted', async () => {
    const sent: string[] = [];
    const r = await legacyMove(deps({ db1: fake(), db2: fake({ wait: { ok: false, error: 'db2: timeout after 10 s' } }) }, sent), a, false, () => undefined);
    expect(r.promoteSent).to.equal(false);
    expect(r.failure).to.match(/db2 did not reach db1's mysql-bin.000003:1234 within switch_timeout/);
  });
  it('a legacy candidate that answers OK but stays read-only is a failure', async () => {
    const sent: string[] = [];
    const d = deps({ db1: fake(), db2: fake() }, sent);
    const send = d.send;
    d.send = async (l) => {
      const out = await send(l);
      if (l.host === 'db2') (d.probe as { writeState: unknown }).writeState = async () => ({ ok: true, value: { readOnly: true, writers: [] } });
      return out;
    };
    d.config.switchTimeout = 0.05;
    const r = await legacyMove(d, a, false, () => undefined);
    expect(r).to.deep.equal({ failure: 'db2 (MMM 2.x agent) answered OK but is still read-only', promoteSent: true });
  });
});
