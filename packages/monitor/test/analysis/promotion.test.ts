// Candidate selection (promotion.ts, received.ts): the promotion policy, the received-transactions
// check and failover_cooldown, one row per case; ack_failover and move_role's share of it; the
// analysis passes that use them (operator's choice, a withheld writer that stops qualifying).
import { expect } from 'chai';
import { type HostState, type MmmConfig, texts } from '@mmm/common';
import { analyze } from '../../src/analysis/analyze';
import { type OperatorCommand, type OperatorStep, type OperatorView, operatorTransition } from '../../src/analysis/operator';
import { candidateOrder, cooldownUntil, electWriter, policyBar, type ElectionInput } from '../../src/analysis/promotion';
import { completeness } from '../../src/analysis/received';
import { normalizeAssignments } from '../../src/analysis/roles/role-table';
import type { FailoverRecord, HealthSummary, HostObservation, MonitorState, RoleAssignment } from '../../src/analysis/snapshot';
import { checks, makeConfig } from '../fixtures';

const NOW = 10_000_000;
const THREE = {
  writer: { name: 'writer', mode: 'exclusive' as const, hosts: ['db1', 'db2', 'db3'], ips: ['10.0.0.100'], prefer: 'db1' },
  reader: { name: 'reader', mode: 'balanced' as const, hosts: ['db1', 'db2', 'db3', 'db4'], ips: ['10.0.0.101', '10.0.0.102', '10.0.0.103', '10.0.0.104'] },
};
const cfg = (monitor: Partial<NonNullable<MmmConfig['monitor']>> = {}, roles = THREE): MmmConfig => makeConfig({ roles }, monitor);

/** A healthy observation; `pos` = gtid_io_pos = gtid_slave_pos = gtid_binlog_pos, `lag` Seconds_Behind_Master. */
function obs(o: { pos?: string; lag?: number | null; reachable?: boolean; legacy?: boolean; down?: boolean } = {}): HostObservation {
  const health: HealthSummary | undefined = o.legacy
    ? undefined
    : o.down
      ? { mysqldRunning: false, answering: false }
      : {
          mysqldRunning: true,
          answering: true,
          ...(o.pos !== undefined ? { gtidBinlogPos: o.pos } : {}),
          replication: { ioConnected: false, sqlRunning: true, secondsBehindMaster: o.lag ?? null, ...(o.pos !== undefined ? { gtidIoPos: o.pos, gtidSlavePos: o.pos } : {}) },
        };
  const reachable = o.reachable ?? true;
  return {
    checks: checks(o.down ? ['mysql'] : [], 0),
    agent: { reachable, lastContact: NOW, uptime: 1000, ...(health ? { health, healthAt: NOW } : {}), ...(o.legacy ? { legacy: true } : {}) },
  };
}

const TABLE: RoleAssignment[] = normalizeAssignments(THREE, [
  { role: 'reader', ip: '10.0.0.101', host: 'db2' },
  { role: 'reader', ip: '10.0.0.102', host: 'db3' },
  { role: 'reader', ip: '10.0.0.103', host: 'db4' },
]);

function input(hosts: Record<string, HostObservation>, over: Partial<ElectionInput> = {}): ElectionInput {
  return {
    config: cfg(),
    table: TABLE,
    canReceive: (h) => h !== 'db1' && !!hosts[h] && hosts[h].agent.reachable && !hosts[h].checks.mysql.phase.startsWith('F'),
    hosts,
    oldWriter: 'db1',
    oldWriterState: 'HARD_OFFLINE',
    healthMaxAgeMs: 15_000,
    now: NOW,
    ...over,
  };
}

describe('promotion: candidate order and policy', () => {
  it('prefer first, then promotion_order, then fewest roles (ties: the role host list)', () => {
    const t = normalizeAssignments(THREE, [{ role: 'reader', ip: '10.0.0.101', host: 'db2' }, { role: 'reader', ip: '10.0.0.102', host: 'db2' }]);
    expect(candidateOrder(cfg(), t, ['db3', 'db2', 'db1'])).to.deep.equal(['db1', 'db3', 'db2']);
    expect(candidateOrder(cfg({ promotionOrder: ['db2'] }), t, ['db3', 'db2', 'db1'])).to.deep.equal(['db1', 'db2', 'db3']);
    expect(candidateOrder(cfg(), TABLE, ['db3', 'db2'])).to.deep.equal(['db2', 'db3']);
  });

  const bars: Array<[string, Partial<NonNullable<MmmConfig['monitor']>>, HostObservation, string | undefined]> = [
    ['no policy', {}, obs({ lag: 500 }), undefined],
    ['never_writer', { neverWriter: ['db2'] }, obs(), 'db2 is in never_writer'],
    ['lag above failover_max_lag', { failoverMaxLag: 30 }, obs({ lag: 31 }), 'db2 lags 31 s behind its source, more than failover_max_lag 30 s'],
    ['lag at the bound', { failoverMaxLag: 30 }, obs({ lag: 30 }), undefined],
    ['lag unknown (NULL: nothing left to apply)', { failoverMaxLag: 30 }, obs({ lag: null }), undefined],
  ];
  for (const [what, mon, o, want] of bars) {
    it(`policyBar: ${what}`, () => expect(policyBar('db2', o, undefined, cfg(mon), 15_000, NOW)).to.equal(want));
  }
  it('policyBar reads the monitor check when the agent reports no lag', () => {
    const o = obs({ legacy: true });
    o.checks.rep_backlog.lastLagSeconds = 90;
    expect(policyBar('db2', o, undefined, cfg({ failoverMaxLag: 60 }), 15_000, NOW)).to.match(/lags 90 s/);
  });
  it('policyBar: NULL lag (source gone) with relay log still to apply counts the last reading; nothing left to apply counts as no lag', () => {
    const mem = { state: 'ONLINE' as const, since: 0, lastUptime: 0, flap: { flapping: false, count: 0 }, lag: { seconds: 45, at: NOW - 2000 } };
    const o = obs({ pos: '0-1-9' });
    o.agent.health!.replication!.gtidIoPos = '0-1-12';
    expect(policyBar('db2', o, mem, cfg({ failoverMaxLag: 30 }), 15_000, NOW)).to.equal('db2 lags 45 s behind its source (its last reading: it has not applied all it received yet), more than failover_max_lag 30 s');
    expect(policyBar('db2', obs({ pos: '0-1-12' }), mem, cfg({ failoverMaxLag: 30 }), 15_000, NOW)).to.equal(undefined);
  });
});

describe('promotion: electWriter', () => {
  const base = { db1: obs({ down: true }), db4: obs({ pos: '0-1-40' }) };
  const rows: Array<[string, Record<string, HostObservation>, Partial<ElectionInput>, string | undefined, RegExp]> = [
    ['every candidate complete: MMM order', { ...base, db2: obs({ pos: '0-1-45' }), db3: obs({ pos: '0-1-45' }) }, {}, 'db2', /db2: fewest roles .*it has every transaction the other hosts report/],
    ['db2 lacks what db3 received: db3', { ...base, db2: obs({ pos: '0-1-43' }), db3: obs({ pos: '0-1-45' }) }, {}, 'db3', /passed over: db2 lacks 0-1-44\.\.0-1-45 \(2 transactions\) that db3 received/],
    ['what db4 (no writer host) received counts too', { ...base, db4: obs({ pos: '0-1-46' }), db2: obs({ pos: '0-1-45' }), db3: obs({ pos: '0-1-45' }) }, {}, undefined, /db2 lacks 0-1-46 \(1 transaction\) that db4 received; db3 lacks 0-1-46/],
    ['first writer: nothing compared', { ...base, db2: obs({ pos: '0-1-43' }), db3: obs({ pos: '0-1-45' }) }, { oldWriter: '', oldWriterState: undefined }, 'db2', /^db2: fewest roles among eligible hosts$/],
    ['a candidate without GTID positions is not compared (said so)', { ...base, db2: obs(), db3: obs({ pos: '0-1-45' }) }, {}, 'db2', /not compared \(db2 reports no GTID positions\)/],
    ['an MMM 2.x agent among the others is named as not compared', { ...base, db4: obs({ legacy: true }), db2: obs({ pos: '0-1-45' }), db3: obs({ pos: '0-1-45' }) }, {}, 'db2', /not compared: db4: an MMM 2\.x agent reports no positions/],
    ['a silent agent among the others is named as not compared', { ...base, db4: obs({ reachable: false }), db2: obs({ pos: '0-1-45' }), db3: obs({ pos: '0-1-45' }) }, {}, 'db2', /not compared: db4: its agent does not answer/],
    ['never_writer and lag leave nobody', { ...base, db2: obs({ pos: '0-1-45', lag: 50 }), db3: obs({ pos: '0-1-45' }) }, { config: cfg({ neverWriter: ['db3'], failoverMaxLag: 10 }) }, undefined, /^no eligible host can take this role: db2 lags 50 s .*; db3 is in never_writer$/],
    ['nobody ONLINE', { ...base, db2: obs({ down: true }), db3: obs({ down: true }) }, {}, undefined, /no ONLINE host with a reachable agent/],
  ];
  for (const [what, hosts, over, want, reason] of rows) {
    it(what, () => {
      const e = electWriter(input(hosts, over));
      expect(e.host).to.equal(want);
      expect(e.reason).to.match(reason);
    });
  }

  it('nobody complete: blocked as lacking, the GTIDs and the force command named', () => {
    const e = electWriter(input({ ...base, db4: obs({ pos: '0-1-46' }), db2: obs({ pos: '0-1-45' }), db3: obs({ pos: '0-1-44' }) }));
    expect(e.blocked).to.equal('lacking');
    expect(e.gtids).to.deep.equal(['0-1-46', '0-1-45', '0-1-45..0-1-46']);
    expect(e.reason).to.match(/'mmm_control move_role --force writer db2' promotes db2 anyway$/);
  });

  describe('failover_cooldown', () => {
    const last = (over: Partial<FailoverRecord> = {}): FailoverRecord => ({ at: NOW - 600_000, from: 'db2', to: 'db1', automatic: true, ...over });
    const hosts = { ...base, db2: obs({ pos: '0-1-45' }), db3: obs({ pos: '0-1-45' }) };
    const rows: Array<[string, Partial<ElectionInput>, string | undefined]> = [
      ['within the default hour: blocked', { lastFailover: last() }, undefined],
      ['acknowledged: allowed', { lastFailover: last({ acknowledgedAt: NOW - 1000 }) }, 'db2'],
      ['the operator chose the last one: allowed', { lastFailover: last({ automatic: false }) }, 'db2'],
      ['period passed', { lastFailover: last({ at: NOW - 3_600_000 }) }, 'db2'],
      ['failover_cooldown 0: off', { lastFailover: last(), config: cfg({ failoverCooldown: 0 }) }, 'db2'],
      ['failover_cooldown 300 s, 600 s ago', { lastFailover: last(), config: cfg({ failoverCooldown: 300 }) }, 'db2'],
      ['the old writer was set offline by the operator: not automatic, not blocked', { lastFailover: last(), oldWriterState: 'ADMIN_OFFLINE' }, 'db2'],
    ];
    for (const [what, over, want] of rows) {
      it(what, () => {
        const e = electWriter(input(hosts, over));
        expect(e.host).to.equal(want);
        if (!want) {
          expect(e.blocked).to.equal('cooldown');
          expect(e.cooldownUntil).to.equal(NOW + 3_000_000);
          expect(e.reason).to.equal("automatic failover blocked by failover_cooldown: the last one (db2 -> db1) was 600 s ago; it is allowed again in 3000 s or after 'mmm_control ack_failover'");
        }
      });
    }
    it('the old writer back ONLINE takes its role back during the cooldown', () => {
      const e = electWriter(input({ ...hosts, db1: obs({ pos: '0-1-45' }) }, { lastFailover: last(), canReceive: () => true }));
      expect(e.host).to.equal('db1');
    });
    it('cooldownUntil: only an automatic, unacknowledged record within the period', () => {
      const c = cfg({ failoverCooldown: 60 });
      expect(cooldownUntil(last({ at: NOW - 10_000 }), c, NOW)).to.equal(NOW + 50_000);
      expect(cooldownUntil(last({ at: NOW - 60_000 }), c, NOW)).to.equal(undefined);
      expect(cooldownUntil(undefined, c, NOW)).to.equal(undefined);
    });
  });

  it('completeness: a host whose mysqld is down is not a gap in the evidence', () => {
    const c = completeness('db2', { db1: obs({ down: true }), db2: obs({ pos: '0-1-5' }), db3: obs({ pos: '0-1-5' }) }, 15_000, NOW);
    expect(c).to.deep.equal({ lacks: [], unknown: [], candidateKnown: true });
  });
});

// ---- the operator's part ----

function opView(state: Partial<MonitorState>, hosts: Record<string, HostObservation>, config = cfg()): OperatorView {
  const mem = (st: HostState) => ({ state: st, since: 0, lastUptime: 0, flap: { flapping: false, count: 0 } });
  return {
    config,
    now: NOW,
    hosts,
    pinged: {},
    state: {
      mode: 'ACTIVE', modeSince: 0, hosts: { db1: mem('HARD_OFFLINE'), db2: mem('ONLINE'), db3: mem('ONLINE'), db4: mem('ONLINE') },
      roles: TABLE, lastWriter: 'db1', ...state,
    },
  };
}

function run(cmd: OperatorCommand, v: OperatorView): Extract<OperatorStep, { kind: 'done' }> {
  let step = operatorTransition(cmd, v);
  while (step.kind === 'ping') {
    (v.pinged as Record<string, boolean>)[step.host] = true;
    step = operatorTransition(cmd, v);
  }
  if (step.kind !== 'done') throw new Error(`unexpected ${step.kind}`);
  return step;
}

describe('ack_failover', () => {
  const hosts = { db1: obs({ down: true }), db2: obs(), db3: obs(), db4: obs() };
  const rec: FailoverRecord = { at: NOW - 60_000, from: 'db1', to: 'db2', automatic: true };
  const rows: Array<[string, FailoverRecord | undefined, boolean]> = [
    ['no failover yet', undefined, false],
    ['an automatic failover a minute ago', rec, true],
    ['already acknowledged', { ...rec, acknowledgedAt: NOW - 1 }, false],
    ['chosen by the operator', { ...rec, automatic: false }, false],
    ['older than failover_cooldown', { ...rec, at: NOW - 4_000_000 }, false],
  ];
  for (const [what, last, acks] of rows) {
    it(what, () => {
      const d = run({ kind: 'ack_failover' }, opView(last ? { lastFailover: last } : {}, hosts));
      if (!acks) {
        expect(d.reply).to.equal(texts.nothingToAck());
        expect([d.state, d.pass]).to.deep.equal([undefined, false]);
        return;
      }
      expect(d.reply).to.equal(texts.ackFailoverOk('db1', 'db2', new Date(rec.at).toISOString()));
      expect(d.state!.lastFailover).to.deep.equal({ ...rec, acknowledgedAt: NOW });
      expect(d.actions).to.deep.equal([{ kind: 'persist' }]);
      expect(d.pass).to.equal(true);
      expect(d.decisions[0].reason).to.match(/^ack_failover: the failover from db1 to db2 at .* acknowledged by operator/);
    });
  }
});

describe('move_role writer while nobody holds it', () => {
  const lacking = { db1: obs({ down: true }), db2: obs({ pos: '0-1-43' }), db3: obs({ pos: '0-1-45' }), db4: obs({ pos: '0-1-43' }) };
  it('refuses a host that lacks what another received, naming the GTIDs and --force', () => {
    const d = run({ kind: 'move_role', role: 'writer', host: 'db2', force: false }, opView({}, lacking));
    expect(d.reply).to.equal(texts.candidateLacks('db2', 'writer', '0-1-44..0-1-45 on db3'));
    expect(d.state).to.equal(undefined);
  });
  it('--force gives it the role, records the loss and the operator as the chooser', () => {
    const d = run({ kind: 'move_role', role: 'writer', host: 'db2', force: true }, opView({}, lacking));
    expect(d.reply).to.equal(texts.forcedMoveRoleOk('writer', '', 'db2'));
    expect(d.state!.roles.find((a) => a.role === 'writer')!.host).to.equal('db2');
    expect(d.state!.operatorWriter).to.equal('db2');
    expect(d.state!.hosts.db2.state).to.equal('ONLINE');
    expect(d.decisions.map((x) => x.reason)).to.include('move_role --force: db2 lacks 0-1-44..0-1-45 (2 transactions) that db3 received; promoted anyway by operator, they are lost');
  });
  it('a complete host needs no --force', () => {
    const d = run({ kind: 'move_role', role: 'writer', host: 'db3', force: false }, opView({}, lacking));
    expect(d.reply).to.equal(texts.moveRoleOk('writer', '', 'db3'));
    expect(d.state!.operatorWriter).to.equal('db3');
  });
  it('never_writer is refused, forced or not', () => {
    for (const force of [false, true]) {
      const d = run({ kind: 'move_role', role: 'writer', host: 'db3', force }, opView({}, lacking, cfg({ neverWriter: ['db3'] })));
      expect(d.reply).to.equal(texts.neverWriter('db3', 'writer'));
    }
  });
  it('--force to an ONLINE host while another holds the writer role stays refused (MMM)', () => {
    const roles = TABLE.map((a) => (a.role === 'writer' ? { ...a, host: 'db3' } : a));
    const d = run({ kind: 'move_role', role: 'writer', host: 'db2', force: true }, opView({ roles, lastWriter: 'db3' }, lacking));
    expect(d.reply).to.equal(texts.cantForceToState('ONLINE'));
  });
});

describe('analysis with the operator’s choice and a withheld writer', () => {
  const config = cfg({}, { ...THREE, writer: { ...THREE.writer, hosts: ['db1', 'db2'] } });
  const prev = (over: Partial<MonitorState> = {}): MonitorState => {
    const mem = (st: HostState) => ({ state: st, since: 0, lastUptime: 1000, flap: { flapping: false, count: 0 } });
    return {
      mode: 'ACTIVE', modeSince: 0, hosts: { db1: mem('HARD_OFFLINE'), db2: mem('ONLINE'), db3: mem('ONLINE'), db4: mem('ONLINE') },
      roles: normalizeAssignments(config.roles, TABLE), lastWriter: 'db1', lastWriterContact: NOW - 60_000, ...over,
    };
  };
  const hosts = { db1: obs({ down: true }), db2: obs({ pos: '0-1-43' }), db3: obs({ pos: '0-1-45' }), db4: obs({ pos: '0-1-43' }) };
  const writerOf = (s: MonitorState) => s.roles.find((a) => a.role === 'writer')!.host;

  it('blocked election: nobody; the forced choice is promoted next pass, in the cooldown too, with the loss named', () => {
    const cooled = { lastFailover: { at: NOW - 60_000, from: 'db2', to: 'db1', automatic: true } };
    const r1 = analyze({ networkOk: true, hosts }, prev(cooled), config, NOW);
    expect(writerOf(r1.state)).to.equal('');
    const forced = prev({ ...cooled, roles: r1.state.roles.map((a) => (a.role === 'writer' ? { ...a, host: 'db2' } : a)), operatorWriter: 'db2' });
    const r2 = analyze({ networkOk: true, hosts }, forced, config, NOW + 1000);
    expect(r2.state.lastWriter).to.equal('db2');
    expect(r2.state.operatorWriter).to.equal(undefined);
    expect(r2.state.lastFailover).to.deep.include({ from: 'db1', to: 'db2', automatic: false });
    expect(r2.decisions.find((d) => d.kind === 'failover')!.reason).to.match(/to the host the operator chose/);
  });

  it('a writer chosen earlier but not writable yet is passed over once it lacks what another host received', () => {
    const withheld = prev({ roles: normalizeAssignments(config.roles, TABLE.map((a) => (a.role === 'writer' ? { ...a, host: 'db2' } : a))) });
    // the old writer is lost, not known dead: its lease still runs, so db2 waits; meanwhile db3 got more
    const lost = { ...hosts, db1: { ...obs({ reachable: false }), checks: checks(['ping', 'mysql'], 0) } };
    const r = analyze({ networkOk: true, hosts: lost }, { ...withheld, lastWriterContact: NOW - 1000 }, config, NOW);
    expect(writerOf(r.state)).to.equal('');
    expect(r.decisions.map((d) => d.reason)).to.include('db2 no longer qualifies for the writer role: db2 lacks 0-1-44..0-1-45 (2 transactions) that db3 received');
    // while it still qualifies it keeps the role (withheld until the lease has run out), nothing re-decided
    const same = analyze({ networkOk: true, hosts: { ...lost, db3: obs({ pos: '0-1-43' }) } }, { ...withheld, lastWriterContact: NOW - 1000 }, config, NOW);
    expect(writerOf(same.state)).to.equal('db2');
    expect(same.state.lastWriter).to.equal('db1');
    expect(same.decisions.filter((d) => d.kind === 'role_move' || d.kind === 'role_assign').map((d) => d.role)).to.not.include('writer(10.0.0.100)');
  });
});
