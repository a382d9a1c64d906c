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
    expect(writerSafety('db2', ctx(lost())).waitMs).to.equal(9000);
  });
});
