// durability semisync on the monitor's side (issue 16): GET_HEALTH's semisync_* keys in the health
// summary, the WriterSemisyncFallback diagnosis (only for an ONLINE, writable writer whose master
// status is OFF, only with durability semisync, report only in every mode), and status_json's
// per-host semi-sync state with the cluster's durability.
import { expect } from 'chai';
import { type Mode, decodeHealth, renderShowExtra, validateStatusDocument } from '@mmm/common';
import { actionFor, diagnoseSemisync } from '../../src/analysis/diagnosis';
import { healthFromWire } from '../../src/analysis/health';
import type { HealthSummary, HostObservation } from '../../src/analysis/snapshot';
import { buildStatusDocument } from '../../src/status/build-status';
import { healthyHost, makeConfig } from '../fixtures';

const NOW = 1_000_000;
const SEMI = { durability: 'semisync' as const, semisyncTimeout: 30 };
const writer = (semisync: HealthSummary['semisync'], over: Partial<HealthSummary> = {}): HostObservation => {
  const o = healthyHost(NOW);
  o.agent.health = { mysqldRunning: true, answering: true, readOnly: false, ...(semisync ? { semisync } : {}), ...over };
  o.agent.healthAt = NOW;
  return o;
};
const diag = (o: HostObservation, config: Parameters<typeof diagnoseSemisync>[0] = SEMI, state: 'ONLINE' | 'REPLICATION_FAIL' = 'ONLINE') =>
  diagnoseSemisync(config, 'db1', state, o, NOW, 15_000);

describe('durability semisync: health summary', () => {
  it('the semisync_* keys of GET_HEALTH become health.semisync; absent keys stay absent', () => {
    const h = decodeHealth('mysqld=running,answering=1,writable=1,lease=held,semisync_master=1,semisync_master_status=0,semisync_master_clients=0,semisync_slave=1');
    expect(healthFromWire(h).semisync).to.deep.equal({ master: true, masterStatus: false, masterClients: 0, replica: true });
    expect(healthFromWire(decodeHealth('mysqld=running,answering=1,lease=none'))).to.not.have.property('semisync');
  });
});

describe('durability semisync: WriterSemisyncFallback', () => {
  it('fell back: master side on, status OFF → the diagnosis on the writer, naming the timeout and the replicas', () => {
    const d = diag(writer({ master: true, masterStatus: false, masterClients: 0 }));
    expect(d).to.deep.include({ code: 'WriterSemisyncFallback', host: 'db1' });
    expect(d?.detail).to.equal('the writer db1 fell back to asynchronous replication: no replica acknowledged within semisync_timeout 30 s (0 semi-sync replicas connected); it acknowledges commits no replica has until a replica catches up');
  });

  it('master side off on the writer (its agent could not turn it on) → the diagnosis says so', () => {
    expect(diag(writer({ master: false, masterStatus: false }))?.detail).to.match(/^the semi-sync master side is off on the writer db1/);
  });

  it('nothing when: semi-sync works, async, unknown (no keys: older or MMM agent), the writer read-only (mid-promotion), not ONLINE, stale health', () => {
    expect(diag(writer({ master: true, masterStatus: true, masterClients: 1 }))).to.equal(undefined);
    expect(diag(writer({ master: true, masterStatus: false }), { durability: 'async', semisyncTimeout: 30 })).to.equal(undefined);
    expect(diag(writer(undefined))).to.equal(undefined);
    expect(diag(writer({ master: true }))).to.equal(undefined);
    expect(diag(writer({ master: false, masterStatus: false }, { readOnly: true }))).to.equal(undefined);
    expect(diag(writer({ master: true, masterStatus: false }), SEMI, 'REPLICATION_FAIL')).to.equal(undefined);
    const stale = writer({ master: true, masterStatus: false });
    stale.agent.healthAt = NOW - 60_000;
    expect(diag(stale)).to.equal(undefined);
    expect(diagnoseSemisync(SEMI, '', 'ONLINE', writer({ master: true, masterStatus: false }), NOW, 15_000)).to.equal(undefined);
  });

  it('report only, in every mode', () => {
    for (const m of ['ACTIVE', 'MANUAL', 'WAIT', 'PASSIVE'] as Mode[]) expect(actionFor('WriterSemisyncFallback', m)).to.include({ remedy: 'report', actionable: true });
  });
});

describe('durability semisync: status_json and show', () => {
  const state = {
    mode: 'ACTIVE' as const, modeSince: 0, lastWriter: 'db1',
    hosts: Object.fromEntries(['db1', 'db2', 'db3', 'db4'].map((h) => [h, { state: 'ONLINE' as const, since: 0, lastUptime: 0, flap: { flapping: false, count: 0 } }])),
    roles: [{ role: 'writer', ip: '10.0.0.100', host: 'db1' }],
  };
  const doc = (durability: 'async' | 'semisync', hosts: Record<string, HostObservation>) =>
    buildStatusDocument({ config: makeConfig({ durability }), state, hosts, warnings: [], decisions: [], lastMove: null, roleReasons: {}, now: NOW });

  it('semisync: durability and each host\'s semi-sync (null when unknown); the document validates; show adds it to the host lines', () => {
    const replica = healthyHost(NOW);
    replica.agent.health = { mysqldRunning: true, answering: true, readOnly: true, semisync: { master: false, masterStatus: false, replica: true, replicaStatus: true } };
    const unreachable = healthyHost(NOW, { agent: { reachable: false } });
    const d = doc('semisync', { db1: writer({ master: true, masterStatus: false, masterClients: 0, masterYesTx: 12, masterNoTx: 3, replica: true, replicaStatus: true }), db2: replica, db3: unreachable, db4: healthyHost(NOW) });
    expect(d.durability).to.equal('semisync');
    const by = Object.fromEntries(d.hosts.map((h) => [h.name, h.semisync]));
    expect(by.db1).to.deep.equal({ master: true, masterStatus: false, masterClients: 0, masterYesTx: 12, masterNoTx: 3, replica: true, replicaStatus: true });
    expect(by.db2).to.deep.include({ master: false, replica: true, replicaStatus: true, masterClients: null });
    expect(by.db3).to.equal(null);
    expect(by.db4).to.equal(null);
    expect(validateStatusDocument(JSON.parse(JSON.stringify(d)))).to.deep.equal([]);
    const show = renderShowExtra(d);
    expect(show).to.match(/^# Host db1: .*; writable; semi-sync fell back to async \(0 semi-sync replicas\)$/m);
    expect(show).to.match(/^# Host db2: .*; read-only; semi-sync replica acknowledging$/m);
    expect(show.split('\n').find((l) => l.startsWith('# Host db3:'))).to.be.a('string').and.not.include('semi-sync');
  });

  it('async: durability async and no semisync key per host (status_json as before)', () => {
    const d = doc('async', { db1: writer({ master: true, masterStatus: true }) });
    expect(d.durability).to.equal('async');
    expect(d.hosts.every((h) => !('semisync' in h))).to.equal(true);
    expect(renderShowExtra(d)).to.not.match(/semi-sync/);
  });

  it('the validator refuses a bad semisync or durability value, and accepts their absence (older monitors)', () => {
    const d = JSON.parse(JSON.stringify(doc('semisync', { db1: writer({ master: true, masterStatus: true, masterClients: 1 }) })));
    d.hosts[0].semisync.masterClients = -1;
    d.hosts[1].semisync = 'on';
    d.durability = 'sync';
    expect(validateStatusDocument(d)).to.deep.equal([
      '$.hosts[0].semisync.masterClients: expected a non-negative number or null',
      '$.hosts[1].semisync: expected an object',
      '$.durability: expected one of async, semisync',
    ]);
    delete d.durability;
    for (const h of d.hosts) delete h.semisync;
    expect(validateStatusDocument(d)).to.deep.equal([]);
  });
});
