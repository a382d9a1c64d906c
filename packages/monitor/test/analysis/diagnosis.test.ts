import type { Mode } from '@mmm/common';
import { expect } from 'chai';
import { actionFor, DIAGNOSES, type DiagnosisCode, trackDiagnoses } from '../../src/analysis/diagnosis';
import { stepMode } from '../../src/analysis/modes';
import { makeConfig } from '../fixtures';

const ROWS: [DiagnosisCode, Mode, string, boolean][] = [
  ['DeadWriter', 'ACTIVE', 'failover', true],
  ['DeadWriter', 'MANUAL', 'failover', false],
  ['DeadWriter', 'WAIT', 'failover', false],
  ['DeadWriter', 'PASSIVE', 'failover', false],
  ['WriterIsolated', 'ACTIVE', 'failover', true],
  ['UnreachableWriter', 'ACTIVE', 'keep_writer', true],
  ['ReplicaDelayed', 'ACTIVE', 'move_roles', true],
  ['ReplicaBroken', 'MANUAL', 'move_roles', false],
  ['NoWriter', 'MANUAL', 'assign_writer', true],
  ['NoWriter', 'PASSIVE', 'assign_writer', false],
  ['MonitorIsolated', 'PASSIVE', 'freeze', true],
];

describe('actionFor(diagnosis, mode)', () => {
  for (const [code, mode, remedy, actionable] of ROWS) {
    it(`${code} in ${mode}: ${remedy}${actionable ? '' : ' (blocked)'}`, () => {
      const r = actionFor(code, mode);
      expect(r).to.include({ remedy, actionable });
      expect(r.why).to.be.a('string').and.not.equal('');
    });
  }
  it('every diagnosis has a description', () => {
    for (const d of Object.values(DIAGNOSES)) expect(d.length).to.be.greaterThan(20);
  });
});

describe('WAIT mode', () => {
  const config = makeConfig({}, { waitForOtherMaster: 120 });
  const hosts = (db1: 'ONLINE' | 'HARD_OFFLINE', db2: 'ONLINE' | 'HARD_OFFLINE') => ({
    db1: { state: db1, since: 0, lastUptime: 0, flap: { flapping: false, count: 0 } },
    db2: { state: db2, since: 0, lastUptime: 0, flap: { flapping: false, count: 0 } },
  });
  it('WAIT -> ACTIVE when both masters are ONLINE', () => {
    expect(stepMode('WAIT', 0, hosts('ONLINE', 'ONLINE'), config, 1000).mode).to.equal('ACTIVE');
  });
  it('stays WAIT with one master ONLINE before wait_for_other_master', () => {
    const s = stepMode('WAIT', 0, hosts('ONLINE', 'HARD_OFFLINE'), config, 60_000);
    expect(s.mode).to.equal('WAIT');
    expect(s.decision).to.include({ blocked: true });
  });
  it('WAIT -> ACTIVE with one master ONLINE after wait_for_other_master', () => {
    expect(stepMode('WAIT', 0, hosts('ONLINE', 'HARD_OFFLINE'), config, 120_000).mode).to.equal('ACTIVE');
  });
  it('wait_for_other_master 0 waits forever', () => {
    expect(stepMode('WAIT', 0, hosts('ONLINE', 'HARD_OFFLINE'), makeConfig({}, { waitForOtherMaster: 0 }), 1e9).mode).to.equal('WAIT');
  });
});

describe('trackDiagnoses', () => {
  const host = (code: 'HostDown' | 'ReplicaDelayed', h: string, detail?: string) => ({ code, host: h, description: DIAGNOSES[code], detail });
  it('records a diagnosis when it appears and when it clears, not while it lasts', () => {
    const a = trackDiagnoses([host('HostDown', 'db3', 'ping failed')], undefined, 1000);
    expect(a.decisions).to.deep.equal([{ kind: 'diagnosis', host: 'db3', reason: 'HostDown on db3: ping failed', blocked: false }]);
    expect(a.diagnoses[0].since).to.equal(1000);
    const b = trackDiagnoses([host('HostDown', 'db3', 'mysql failed too')], a.since, 2000);
    expect(b.decisions).to.deep.equal([]);
    expect(b.diagnoses[0].since).to.equal(1000);
    const c = trackDiagnoses([{ code: 'NoWriter', description: DIAGNOSES.NoWriter }], b.since, 3000);
    expect(c.decisions.map((d) => d.reason)).to.deep.equal([`NoWriter: ${DIAGNOSES.NoWriter}`, 'HostDown on db3 cleared']);
    expect(c.since).to.deep.equal({ 'NoWriter@': 3000 });
  });
});
