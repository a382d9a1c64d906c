import { expect } from 'chai';
import { DEFAULT_POLICY } from '../../src/analysis/policy';
import type { HostObservation } from '../../src/analysis/snapshot';
import { writerSafety, type WriterContext } from '../../src/analysis/writer-safety';
import { checks } from '../fixtures';

const NOW = 1_000_000;
const lost = (): HostObservation => ({ checks: checks(['ping', 'mysql']), agent: { reachable: false, lastContact: NOW - 3000 } });
const replica = (ioConnected: boolean, ageMs?: number, healthAt = NOW): HostObservation => ({
  checks: checks(), agent: { reachable: true, lastContact: NOW, healthAt,
    health: { mysqldRunning: true, answering: true, replication: { masterHost: 'db1', ioConnected, sqlRunning: true, lastReceiveAgeMs: ageMs, secondsBehindMaster: 0 } } },
});
const ctx = (db1: HostObservation, others: Record<string, HostObservation> = {}, over: Partial<WriterContext> = {}): WriterContext => ({
  oldWriter: 'db1', oldWriterIp: '10.0.0.11', hosts: { db1: db1, ...others }, lastWriterContact: NOW - 3000,
  activeMasterRole: 'writer', writerLeaseSec: 10, policy: DEFAULT_POLICY, now: NOW, ...over,
});

const ROWS: { label: string; c: WriterContext; allowed: boolean; basis?: string; reason?: RegExp }[] = [
  { label: 'no previous writer', c: ctx(lost(), {}, { oldWriter: '' }), allowed: true, basis: 'no-previous-writer' },
  { label: '(a) demoted: agent confirmed a status without writer', c: ctx({ checks: checks(), agent: { reachable: true, lastApplied: { at: NOW, ok: true, state: 'ONLINE', roles: [{ name: 'reader', ip: '10.0.0.101' }] } } }), allowed: true, basis: 'demoted' },
  { label: 'demotion reply was ERROR: not demoted', c: ctx({ checks: checks(), agent: { reachable: true, lastApplied: { at: NOW, ok: false, state: 'ONLINE', roles: [] } } }), allowed: false, reason: /not confirmed/ },
  { label: '(b) dead: agent answers, mysqld not running', c: ctx({ checks: checks(['mysql']), agent: { reachable: true, healthAt: NOW, health: { mysqldRunning: false, answering: false } } }), allowed: true, basis: 'dead' },
  // A hung server (SIGSTOP, stuck I/O) may resume and commit: not dead until its agent killed it.
  { label: 'hung, not dead: mysqld running but not answering locally', c: ctx({ checks: checks(['mysql']), agent: { reachable: true, healthAt: NOW, health: { mysqldRunning: true, answering: false } } }), allowed: false, reason: /reachable and has not confirmed/ },
  { label: 'stale health is no evidence', c: ctx({ checks: checks(['mysql']), agent: { reachable: true, healthAt: NOW - 60_000, health: { mysqldRunning: false, answering: false } } }), allowed: false },
  { label: '(c) fenced', c: ctx({ ...lost(), fence: { at: NOW, ok: true } }), allowed: true, basis: 'fenced' },
  { label: 'fence failed: not fenced', c: ctx({ ...lost(), fence: { at: NOW, ok: false } }), allowed: false },
  { label: '(d) lease expired, no replica receives', c: ctx(lost(), { db2: replica(false) }, { lastWriterContact: NOW - 12_000 }), allowed: true, basis: 'lease-expired' },
  { label: '(d) lease not yet expired', c: ctx(lost(), { db2: replica(false) }), allowed: false, reason: /waiting for its lease/ },
  { label: '(d) lease expired but a replica still receives', c: ctx(lost(), { db2: replica(true, 200) }, { lastWriterContact: NOW - 60_000 }), allowed: false, reason: /db2 still receive/ },
  { label: '(d) connected replica without heartbeat past the bound does not count', c: ctx(lost(), { db2: replica(true, 9000) }, { lastWriterContact: NOW - 12_000 }), allowed: true },
  { label: 'unknown last contact: never promote on time alone', c: ctx(lost(), {}, { lastWriterContact: undefined }), allowed: false, reason: /unknown/ },
  { label: 'old writer reachable, not demoted yet', c: ctx({ checks: checks(), agent: { reachable: true } }), allowed: false },
];

// An MMM 2.x old writer (issue 14): no lease, and its OK replies prove nothing.
const REFUSED_SINCE = NOW - 12_000;
const legacy = (over: { refusedSince?: number; mysqlMessage?: string; reachable?: boolean; applied?: { at: number; roles: { name: string; ip: string }[] }; clearedAt?: number; system?: { at: number; writable: boolean; roles: { name: string; ip: string }[] } } = {}): HostObservation => {
  const c = checks(['mysql']);
  c.mysql = { ...c.mysql, lastMessage: over.mysqlMessage ?? 'ERROR: Connect error (db1)! connect ECONNREFUSED', ...(over.refusedSince !== undefined ? { refusedSince: over.refusedSince } : {}) };
  return {
    checks: c,
    agent: {
      reachable: over.reachable ?? true, lastContact: NOW, legacy: true,
      ...(over.applied ? { lastApplied: { at: over.applied.at, ok: true, state: 'HARD_OFFLINE' as const, roles: over.applied.roles } } : {}),
      ...(over.clearedAt !== undefined ? { clearedBadRolesAt: over.clearedAt } : {}),
      ...(over.system ? { systemAt: over.system.at, system: { writable: over.system.writable, configuredRoles: over.system.roles, masterIp: '' } } : {}),
    },
  };
};
const W = { name: 'writer', ip: '10.0.0.100' };
const LEGACY_ROWS: { label: string; c: WriterContext; allowed: boolean; basis?: string; reason?: RegExp; clear?: boolean; unproven?: boolean }[] = [
  { label: 'legacy: refused for trap_period, role-less status and CLEAR_BAD_ROLES answered ⇒ dead', c: ctx(legacy({ refusedSince: REFUSED_SINCE, applied: { at: NOW - 2000, roles: [] }, clearedAt: NOW - 1000 }), {}, { mysqlTrapSec: 10 }), allowed: true, basis: 'dead' },
  { label: 'legacy: refused for trap_period, no role-less status yet ⇒ waits for it', c: ctx(legacy({ refusedSince: REFUSED_SINCE }), {}, { mysqlTrapSec: 10 }), allowed: false, reason: /status without roles/ },
  { label: 'legacy: a role-less status from before the refusals does not count', c: ctx(legacy({ refusedSince: REFUSED_SINCE, applied: { at: REFUSED_SINCE - 1, roles: [] }, clearedAt: NOW }), {}, { mysqlTrapSec: 10 }), allowed: false, reason: /status without roles/ },
  { label: 'legacy: status answered, CLEAR_BAD_ROLES not yet ⇒ analysis sends it', c: ctx(legacy({ refusedSince: REFUSED_SINCE, applied: { at: NOW - 2000, roles: [] } }), {}, { mysqlTrapSec: 10 }), allowed: false, reason: /CLEAR_BAD_ROLES/, clear: true },
  { label: 'legacy: refused for less than trap_period ⇒ not dead', c: ctx(legacy({ refusedSince: NOW - 5000, applied: { at: NOW - 2000, roles: [] }, clearedAt: NOW - 1000 }), {}, { mysqlTrapSec: 10 }), allowed: false, unproven: true },
  { label: 'legacy: a timeout is never dead', c: ctx(legacy({ mysqlMessage: 'ERROR: Timeout', applied: { at: NOW - 2000, roles: [] }, clearedAt: NOW - 1000 }), {}, { mysqlTrapSec: 10 }), allowed: false, reason: /cannot fence itself.*Timeout/, unproven: true },
  { label: 'legacy: refused but its agent does not answer ⇒ not dead', c: ctx(legacy({ refusedSince: REFUSED_SINCE, reachable: false }), {}, { mysqlTrapSec: 10 }), allowed: false, reason: /does not answer/, unproven: true },
  { label: 'legacy: an OK to the demotion alone proves nothing', c: ctx(legacy({ mysqlMessage: 'ERROR: Timeout', applied: { at: NOW - 2000, roles: [] } })), allowed: false, unproven: true },
  { label: 'legacy: demotion verified by a later system status (read-only, no writer IP)', c: ctx(legacy({ mysqlMessage: 'OK', applied: { at: NOW - 2000, roles: [] }, system: { at: NOW - 1000, writable: false, roles: [] } })), allowed: true, basis: 'demoted' },
  { label: 'legacy: a system status from before the demotion does not verify it', c: ctx(legacy({ mysqlMessage: 'OK', applied: { at: NOW - 2000, roles: [] }, system: { at: NOW - 3000, writable: false, roles: [] } })), allowed: false, unproven: true },
  { label: 'legacy: system status still shows the writer IP', c: ctx(legacy({ mysqlMessage: 'OK', applied: { at: NOW - 2000, roles: [] }, system: { at: NOW - 1000, writable: false, roles: [W] } })), allowed: false, unproven: true },
  { label: 'legacy: the lease rule does not apply (no lease)', c: ctx(legacy({ reachable: false }), {}, { lastWriterContact: NOW - 600_000 }), allowed: false, unproven: true },
  { label: 'legacy: fenced by kill_host_bin', c: ctx({ ...legacy({ reachable: false }), fence: { at: NOW, ok: true } }), allowed: true, basis: 'fenced' },
  { label: 'legacy: legacy_failover mmm promotes by MMM rule', c: ctx(legacy({ mysqlMessage: 'ERROR: Timeout' }), {}, { legacyFailover: 'mmm' }), allowed: true, basis: 'mmm-rule', reason: /without proof/ },
];

describe('writer safety with an MMM 2.x old writer', () => {
  for (const r of LEGACY_ROWS) {
    it(r.label, () => {
      const s = writerSafety('db2', r.c);
      expect(s.allowed, s.reason).to.equal(r.allowed);
      if (r.basis) expect(s.basis).to.equal(r.basis);
      if (r.reason) expect(s.reason).to.match(r.reason);
      expect(s.needsClearBadRoles === 'db1', 'needsClearBadRoles').to.equal(!!r.clear);
      expect(!!s.legacyUnproven, 'legacyUnproven').to.equal(!!r.unproven);
    });
  }
});

describe('writer safety (DESIGN §5 one writer, always)', () => {
  for (const r of ROWS) {
    it(r.label, () => {
      const s = writerSafety('db2', r.c);
      expect(s.allowed, s.reason).to.equal(r.allowed);
      if (r.basis) expect(s.basis).to.equal(r.basis);
      if (r.reason) expect(s.reason).to.match(r.reason);
    });
  }
  it('says how long the lease still runs', () => {
    expect(writerSafety('db2', ctx(lost())).waitMs).to.equal(8000); // writer_lease + leaseMarginMs 1 s - elapsed
  });
});
