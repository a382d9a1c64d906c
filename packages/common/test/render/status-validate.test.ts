import { expect } from 'chai';
import { encodeStatusJson, parseStatusJson, STATUS_SCHEMA_VERSION, validateStatusDocument } from '../../src/render';
import { clusterDoc, T0 } from './fixtures';

describe('render/status-validate', () => {
  it('accepts a complete document and its JSON round trip', () => {
    const doc = clusterDoc();
    expect(STATUS_SCHEMA_VERSION).to.equal(1);
    expect(validateStatusDocument(doc)).to.deep.equal([]);
    const text = encodeStatusJson(doc);
    expect(text).to.not.include('\n');
    expect(parseStatusJson(text)).to.deep.equal({ doc, problems: [] });
  });

  it('accepts a document with a move, warnings and nulls', () => {
    const doc = clusterDoc();
    doc.mode = 'PASSIVE';
    doc.passiveCause = 'Admin switched to passive mode.';
    doc.warnings = ['certificate /etc/mmm/agent.crt expires in 12 days'];
    doc.hosts[0].writable = null;
    doc.hosts[0].replicationLagSeconds = null;
    doc.hosts[0].stateChangedAt = null;
    doc.lastMove = { role: 'writer', from: 'db1', to: 'db2', startedAt: T0, durationMs: 540, outcome: 'done', reason: null };
    doc.decisions.push({ time: T0, kind: 'failover', host: 'db2', role: 'writer', reason: 'writer lease not yet expired', blocked: true });
    doc.decisions.push({ time: T0, kind: 'diagnosis', host: 'db1', role: null, reason: 'WriterIsolated on db1: no replica receives from it', blocked: false });
    doc.diagnoses = [{ code: 'WriterIsolated', host: 'db1', description: 'The writer is unreachable…', detail: null, since: T0 }];
    expect(validateStatusDocument(doc)).to.deep.equal([]);
  });

  it('checks diagnoses when present (older monitors send none)', () => {
    const doc = clusterDoc() as unknown as Record<string, any>;
    delete doc.diagnoses;
    expect(validateStatusDocument(doc)).to.deep.equal([]);
    doc.diagnoses = [{ code: '', host: 3, description: 'x', detail: null, since: 'yesterday' }];
    expect(validateStatusDocument(doc)).to.have.length(3);
  });

  it('checks lastFailover when present (older monitors send none)', () => {
    const doc = clusterDoc();
    expect(validateStatusDocument({ ...doc, lastFailover: null })).to.deep.equal([]);
    const f = { from: 'db1', to: 'db2', at: T0, automatic: true, acknowledgedAt: null, cooldownUntil: T0, lostAtLeast: ['0-1-46'], lostAtLeastCount: 1, positionAt: T0, lostOnReturn: null };
    expect(validateStatusDocument({ ...doc, lastFailover: f })).to.deep.equal([]);
    expect(validateStatusDocument({ ...doc, lastFailover: { ...f, automatic: 'yes', lostAtLeast: [''], cooldownUntil: 'soon' } })).to.deep.equal([
      '$.lastFailover.automatic: expected true or false',
      '$.lastFailover.cooldownUntil: expected an ISO 8601 time or null',
      '$.lastFailover.lostAtLeast[0]: must not be empty',
    ]);
  });

  it('lists every problem with its path', () => {
    const doc = clusterDoc() as unknown as Record<string, any>;
    doc.schemaVersion = 2;
    doc.mode = 'active';
    doc.hosts[0].state = 'DOWN';
    doc.hosts[1].checks = doc.hosts[1].checks.slice(1);
    doc.hosts[2].agentReachable = 'yes';
    doc.roles[0].ips[0].assignedTo = 7;
    doc.decisions[0].kind = 'coup';
    doc.generatedAt = 'yesterday';
    delete doc.lastMove;
    expect(validateStatusDocument(doc)).to.deep.equal([
      '$.schemaVersion: expected 1',
      '$.generatedAt: expected an ISO 8601 time',
      '$.mode: expected one of ACTIVE, MANUAL, WAIT, PASSIVE',
      '$.hosts[0].state: expected one of ONLINE, ADMIN_OFFLINE, HARD_OFFLINE, AWAITING_RECOVERY, REPLICATION_DELAY, REPLICATION_FAIL',
      '$.hosts[1].checks: expected the checks ping, mysql, rep_threads, rep_backlog in that order',
      '$.hosts[2].agentReachable: expected true or false',
      '$.roles[0].ips[0].assignedTo: expected a string',
      '$.decisions[0].kind: expected one of state_change, role_assign, role_move, failover, switchover, mode_change, fence, command, diagnosis, hook',
      '$.lastMove: missing (use null)',
    ]);
  });

  it('refuses non-objects, duplicate hosts and bad JSON', () => {
    expect(validateStatusDocument(null)).to.deep.equal(['$: expected an object']);
    expect(validateStatusDocument([])).to.deep.equal(['$: expected an object']);
    const doc = clusterDoc();
    doc.hosts.push({ ...doc.hosts[0] });
    expect(validateStatusDocument(doc)).to.deep.equal(['$.hosts: host names must be unique']);
    const bad = parseStatusJson('{"schemaVersion":');
    expect(bad.doc).to.equal(undefined);
    expect(bad.problems[0]).to.match(/^\$: not JSON/);
    expect(parseStatusJson('{}').problems).to.include('$.hosts: expected an array');
  });
});
