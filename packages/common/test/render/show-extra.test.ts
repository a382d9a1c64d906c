import { expect } from 'chai';
import { formatDuration, renderShowExtra } from '../../src/render';
import { clusterDoc, T0 } from './fixtures';

const AT = '2026/11/23 17:46:52';

describe('render/show-extra', () => {
  it('adds per host, per role and last move lines, all starting with #', () => {
    const doc = clusterDoc();
    doc.hosts.find((h) => h.name === 'db3')!.replicationLagSeconds = 4;
    doc.hosts.find((h) => h.name === 'db2')!.replicationLagSeconds = null;
    doc.warnings = ['monitor cannot reach db3 over ping'];
    doc.lastMove = { role: 'writer', from: 'db2', to: 'db1', startedAt: T0, durationMs: 540, outcome: 'done', reason: 'move_role writer db1' };
    expect(renderShowExtra(doc)).to.equal(
      '# Warning: monitor cannot reach db3 over ping\n' +
        `# Host db1: ONLINE since ${AT}; replication lag 0 s; writable\n` +
        `# Host db2: ONLINE since ${AT}; replication lag unknown; read-only\n` +
        `# Host db3: ONLINE since ${AT}; replication lag 4 s; read-only\n` +
        '# Role reader on db1, db2, db3: balanced over ONLINE hosts\n' +
        '# Role writer on db1: startup vote: writable, IP configured\n' +
        `# Last move: role writer from db2 to db1 took 540 ms, started ${AT}: move_role writer db1\n`,
    );
  });

  it('shows the monitor\'s diagnoses after the warnings, cluster-wide and per host', () => {
    const doc = clusterDoc();
    doc.diagnoses = [
      { code: 'NoWriter', host: null, description: 'The active master role is not held by any host.', detail: null, since: T0 },
      { code: 'ReplicaDelayed', host: 'db3', description: 'A host lags behind its source by more than max_backlog.', detail: 'ERROR: Backlog is 120 s', since: null },
    ];
    const lines = renderShowExtra(doc).split('\n');
    expect(lines.slice(0, 2)).to.deep.equal([
      `# Diagnosis NoWriter since ${AT}: The active master role is not held by any host.`,
      '# Diagnosis ReplicaDelayed on db3: ERROR: Backlog is 120 s',
    ]);
  });

  it('describes orphaned roles, aborted and running moves', () => {
    const doc = clusterDoc();
    const writer = doc.roles.find((r) => r.name === 'writer')!;
    writer.ips[0].assignedTo = '';
    writer.reason = null;
    const reader = doc.roles.find((r) => r.name === 'reader')!;
    reader.ips[0].assignedTo = '';
    const lines = renderShowExtra(doc).split('\n');
    expect(lines).to.include('# Role writer is not assigned.');
    expect(lines).to.include('# Role reader on db1, db2 (1 of 3 IPs not assigned): balanced over ONLINE hosts');

    doc.lastMove = { role: 'writer', from: 'db1', to: 'db2', startedAt: T0, durationMs: 10_000, outcome: 'aborted', reason: 'db2 did not reach 0-1-900 in 10 s' };
    expect(renderShowExtra(doc)).to.include(`# Last move: role writer from db1 to db2 aborted after 10.0 s, started ${AT}: db2 did not reach 0-1-900 in 10 s\n`);
    doc.lastMove = { role: 'writer', from: '', to: 'db2', startedAt: T0, durationMs: null, outcome: 'running', reason: null };
    expect(renderShowExtra(doc)).to.include(`# Move in progress: role writer from (none) to db2, started ${AT}\n`);
  });

  it('reports the last failover: its loss (lower bound, then what the old writer came back with) and the cooldown', () => {
    const doc = clusterDoc();
    const base = { from: 'db1', to: 'db2', at: T0, automatic: true, acknowledgedAt: null, cooldownUntil: null, lostAtLeast: null, lostAtLeastCount: null, positionAt: null, lostOnReturn: null };
    doc.lastFailover = { ...base, cooldownUntil: T0, lostAtLeast: ['0-1-44..0-1-45'], lostAtLeastCount: 2 };
    expect(renderShowExtra(doc)).to.include(
      `# Last failover: db1 -> db2 at ${AT}; at least 2 transactions lost (0-1-44..0-1-45); another automatic failover is blocked until ${AT} (failover_cooldown; mmm_control ack_failover lifts it)\n`,
    );
    doc.lastFailover = { ...base, automatic: false, lostAtLeast: [], lostAtLeastCount: 0, lostOnReturn: ['0-1-45'], acknowledgedAt: T0 };
    expect(renderShowExtra(doc)).to.include(`# Last failover: db1 -> db2 at ${AT} (chosen by the operator); nothing db1 reported was lost; db1 came back with 0-1-45 that the writer lacks; acknowledged ${AT}\n`);
    doc.lastFailover = { ...base, lostOnReturn: [] };
    expect(renderShowExtra(doc)).to.include(`# Last failover: db1 -> db2 at ${AT}; loss unknown (no GTID positions); db1 came back with nothing the writer lacks\n`);
  });

  it('formats durations', () => {
    expect(formatDuration(12)).to.equal('12 ms');
    expect(formatDuration(15_600)).to.equal('15.6 s');
    expect(formatDuration(185_000)).to.equal('3 min 5 s');
    expect(formatDuration(7_260_000)).to.equal('2 h 1 min');
  });
});
