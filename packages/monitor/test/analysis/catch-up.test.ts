// Catch-up planning (catch-up.ts): which host the lacking candidate fetches from, the target GTID,
// and why not (no host can serve it, an MMM 2.x candidate, the backoff after a failure).
import { expect } from 'chai';
import { CATCH_UP_BACKOFF_MS, planCatchUp, stepCatchUpBackoff } from '../../src/analysis/catch-up';
import type { Election } from '../../src/analysis/promotion';
import type { HostObservation } from '../../src/analysis/snapshot';
import { checks } from '../fixtures';

const NOW = 1_000_000;

/** `io`/`slave`/`binlog` GTID positions of a healthy replica. */
function obs(p: { io?: string; slave?: string; binlog?: string; legacy?: boolean; down?: boolean } = {}): HostObservation {
  if (p.legacy) return { checks: checks(), agent: { reachable: true, legacy: true } };
  const health = p.down
    ? { mysqldRunning: false, answering: false }
    : { mysqldRunning: true, answering: true, ...(p.binlog ? { gtidBinlogPos: p.binlog } : {}), replication: { ioConnected: false, sqlRunning: true, secondsBehindMaster: null, ...(p.io ? { gtidIoPos: p.io } : {}), ...(p.slave ? { gtidSlavePos: p.slave } : {}) } };
  return { checks: checks(), agent: { reachable: true, health, healthAt: NOW } };
}

const lacking = (from = 'db3'): Election => ({
  reason: 'no host can take the writer role…', blocked: 'lacking',
  lacking: [{ host: 'db2', lacks: [{ from, gaps: [{ text: '0-1-44..0-1-45', count: 2 }] }] }],
});

const plan = (hosts: Record<string, HostObservation>, over: Partial<Parameters<typeof planCatchUp>[0]> = {}) =>
  planCatchUp({ election: lacking(), hosts, backoff: {}, switchTimeoutSec: 10, healthMaxAgeMs: 15_000, heartbeatBoundMs: 5000, now: NOW, ...over });

describe('catch-up planning', () => {
  const base = { db1: obs({ down: true }), db2: obs({ io: '0-1-43', slave: '0-1-43', binlog: '0-1-43' }), db4: obs({ io: '0-1-44', slave: '0-1-44', binlog: '0-1-44' }) };

  it('from the host that received more, to its binary log position, bounded by switch_timeout', () => {
    const p = plan({ ...base, db3: obs({ io: '0-1-45', slave: '0-1-45', binlog: '0-1-45' }) });
    expect(p.action).to.deep.include({ kind: 'catch_up', host: 'db2', source: 'db3', gtid: '0-1-45', timeoutMs: 10_000 });
    expect(p.decisions.map((d) => [d.blocked, d.reason])).to.deep.equal([[false, 'catch-up before the promotion: db2 replicates from db3 until 0-1-45 (it lacks 0-1-44..0-1-45 (2 transactions) that db3 received), bounded by switch_timeout 10 s']]);
  });

  it('not from a host whose binary log lacks what it received (not applied yet, or log_slave_updates off); another that has all of it is used', () => {
    const notApplied = { ...base, db3: obs({ io: '0-1-45', slave: '0-1-44', binlog: '0-1-44' }) };
    const p = plan(notApplied);
    expect(p.action).to.equal(undefined);
    expect(p.decisions[0]).to.deep.include({ blocked: true, reason: "db2 cannot be caught up: no host can serve what it lacks (db3's binary log lacks 0-1-45 (1 transaction) that db3 received (log_slave_updates off, or not applied yet); db4's binary log lacks 0-1-45 (1 transaction) that db3 received (log_slave_updates off, or not applied yet))" });
    const noSlaveUpdates = { ...base, db3: obs({ io: '0-1-45', slave: '0-1-45' }), db4: obs({ io: '0-1-45', slave: '0-1-45', binlog: '0-1-45' }) };
    expect(plan(noSlaveUpdates).action).to.deep.include({ source: 'db4', gtid: '0-1-45' });
  });

  it('an MMM 2.x candidate is not caught up', () => {
    const p = plan({ ...base, db2: obs({ legacy: true }), db3: obs({ io: '0-1-45', slave: '0-1-45', binlog: '0-1-45' }) });
    expect(p.action).to.equal(undefined);
    expect(p.decisions[0].reason).to.match(/^db2 cannot be caught up from another host: its agent speaks no CATCH_UP/);
  });

  it('after a failed catch-up: its error, then no new attempt for 30 s', () => {
    const hosts = { ...base, db3: obs({ io: '0-1-45', slave: '0-1-45', binlog: '0-1-45' }) };
    const last = { host: 'db2', source: 'db3', ok: false, at: NOW - 1000, error: 'timeout' };
    const backoff = stepCatchUpBackoff(undefined, last, NOW);
    expect(backoff).to.deep.equal({ db2: NOW - 1000 + CATCH_UP_BACKOFF_MS });
    const p = plan(hosts, { backoff, lastCatchUp: last });
    expect(p.action).to.equal(undefined);
    expect(p.decisions.map((d) => d.reason)).to.deep.equal(['catch-up of db2 from db3 failed: timeout', 'no new catch-up of db2 for 29 s after the failed one']);
    expect(stepCatchUpBackoff(backoff, undefined, NOW + CATCH_UP_BACKOFF_MS)).to.deep.equal({});
  });

  it('nothing when the election was not blocked for lacking transactions', () => {
    expect(planCatchUp({ election: { reason: 'x', blocked: 'cooldown' }, hosts: base, backoff: {}, switchTimeoutSec: 10, healthMaxAgeMs: 15_000, heartbeatBoundMs: 5000, now: NOW })).to.deep.equal({ decisions: [] });
  });

  it('a candidate still fed by its source (a demoted old writer) catches up by itself', () => {
    const db2 = obs({ io: '0-1-43', slave: '0-1-43', binlog: '0-1-43' });
    Object.assign(db2.agent.health!.replication!, { masterHost: 'db1', ioConnected: true, lastReceiveAgeMs: 200 });
    const p = plan({ ...base, db2, db3: obs({ io: '0-1-45', slave: '0-1-45', binlog: '0-1-45' }) });
    expect(p.action).to.equal(undefined);
    expect(p.decisions[0].reason).to.equal('db2 still receives from its source db1: it catches up by itself');
  });
});
