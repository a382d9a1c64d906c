// Scenario 14 (issue 16, failover_cooldown): `failover_cooldown 300` in the monitor's config.
// kill -9 of db1's mariadbd → db2 promoted, an automatic failover recorded (status_json
// lastFailover with cooldownUntil, show's `# Last failover` line). db1 restarted → ONLINE again
// and the writer back on db1 by the planned switch to `prefer` (planned moves are not held by the
// cooldown, nor counted). db1 killed again within the cooldown → no failover: FailoverCooldown
// (status_json, show, audit), no writer role, nothing writable, the VIP on nobody — also across a
// kill -9 and restart of the monitor (<status_path>.state.json) — until `mmm_control ack_failover`;
// then db2 is promoted. Before each kill the workload pauses until both replicas applied all
// db1 wrote (asynchronous replication loses what no replica received), so 0 acknowledged writes
// may be missing; never two writable nodes, never the VIP twice.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { readOnly } from '../../packages/sandbox/src';
import { auditSince, describeRoles, failoverTimeline, log, stateOf, until, writerOf, type AuditEntry } from './lib/cluster';
import { acksWhileReadOnly, heldWindow, pauseAndKill } from './lib/crash';
import { killMonitor, restartMariadb, restartMonitor } from './lib/faults';
import { converge, lostWrites, report, twoWritable, vipInTwoPlaces, waitForMonitor, writableCounts } from './lib/invariants';
import { firstTick, writableIn, type Observer } from './lib/observer';
import { scenario } from './lib/scenario';
import { waitForAcks, type Ack } from './lib/workload';

const COOLDOWN_S = 300;
const COOLDOWN_TEXT = /^automatic failover blocked by failover_cooldown: the last one \(db1 -> db2\) was \d+ s ago; it is allowed again in \d+ s or after 'mmm_control ack_failover'$/;

describe(`e2e 14: failover_cooldown ${COOLDOWN_S} — failover, planned switch back, writer killed again: held until ack_failover, also across a monitor restart`, function () {
  const s = scenario(this, '14', 240_000, ['--monitor-option', `failover_cooldown=${COOLDOWN_S}`]);
  const acks: Ack[] = [];
  let workloads = 0;
  let firstAt = '';
  let t0 = 0;

  /** pauseAndKill with ids of its own per workload (a failed id's outcome is unknown). */
  async function crash(writer: string): Promise<number> {
    const c = await pauseAndKill(s, writer, ++workloads * 1_000_000);
    acks.push(...c.acks);
    return c.tFault;
  }

  const decisions = (since: number): string[] => auditSince(s.c.dir, since).map((e) => `${e.kind}${e.blocked ? ' BLOCKED' : ''} ${e.host ?? ''}: ${e.reason}`);

  it('kill -9 of db1: db2 promoted, an automatic failover recorded with the cooldown (status_json, show)', async () => {
    t0 = Date.now();
    await s.startLoad();
    await waitForAcks(s.w!, 300);
    const tFault = await crash('db1');
    await waitForMonitor(s.c, 'writer role on db2', (d) => writerOf(d) === 'db2');
    await until('an acknowledged write on db2 through the VIP', async () => s.w!.firstAckOn('db2', tFault), 30_000);
    const conv = await converge(s.c, { writer: 'db2', states: { db1: 'HARD_OFFLINE' }, skip: ['db1'] });
    const doc = await s.c.statusDoc();
    const show = await s.c.control('show');
    const line = show.stdout.split('\n').find((l) => l.startsWith('# Last failover')) ?? '';
    const failover = auditSince(s.c.dir, tFault).find((e) => e.kind === 'failover' && !e.blocked && e.host === 'db2');
    report('14 first failover', {
      'fault → writer role on db2 → converged': `${conv.ms} ms after the role moved`,
      'status_json.lastFailover': JSON.stringify(doc.lastFailover),
      'mmm_control show': line,
      roles: conv.roles,
    });
    expect(failover, decisions(tFault).join('\n')).to.not.equal(undefined);
    expect(doc.lastFailover).to.deep.include({ from: 'db1', to: 'db2', automatic: true, acknowledgedAt: null, lostAtLeast: [] });
    const at = Date.parse(doc.lastFailover!.at);
    expect(Date.parse(doc.lastFailover!.cooldownUntil ?? ''), 'cooldownUntil = at + failover_cooldown').to.equal(at + COOLDOWN_S * 1000);
    expect(line).to.match(/^# Last failover: db1 -> db2 at .*; nothing db1 reported was lost; another automatic failover is blocked until .* \(failover_cooldown; mmm_control ack_failover lifts it\)$/);
    firstAt = doc.lastFailover!.at;
  });

  it('db1 restarted: ONLINE again and the writer back on db1 by the planned switch to prefer (not held by the cooldown, not counted)', async () => {
    const tBack = Date.now();
    await restartMariadb(s.c, 'db1');
    await waitForMonitor(s.c, 'db1 ONLINE with the writer role again', (d) => stateOf(d, 'db1') === 'ONLINE' && writerOf(d) === 'db1', 60_000);
    const conv = await converge(s.c, { writer: 'db1' });
    await waitForAcks(s.w!, 100);
    const doc = await s.c.statusDoc();
    const switched = auditSince(s.c.dir, tBack).find((e) => e.kind === 'switchover' && !e.blocked);
    report('14 switch back', {
      'restart → db1 the writer again, converged': `${Date.now() - tBack} ms`,
      'switchover decision': switched?.reason.slice(0, 200) ?? 'none',
      'status_json.lastMove': JSON.stringify(doc.lastMove),
      'status_json.lastFailover': JSON.stringify(doc.lastFailover),
      roles: conv.roles,
    });
    expect(switched, decisions(tBack).join('\n')).to.not.equal(undefined);
    expect(doc.lastFailover, 'the planned switch is not a failover').to.deep.include({ from: 'db1', to: 'db2', at: firstAt, acknowledgedAt: null });
    expect(doc.lastFailover!.lostOnReturn, 'db1 came back with nothing the writer lacks').to.deep.equal([]);
    expect(doc.lastFailover!.cooldownUntil, 'the cooldown still runs').to.not.equal(null);
  });

  it('db1 killed again within the cooldown: FailoverCooldown, nothing writable, no VIP — also after a monitor restart — until ack_failover; then db2 promoted, 0 lost', async () => {
    const db2 = s.c.db.node('db2');
    const db3 = s.c.db.node('db3');
    const tFault = await crash('db1');
    const cooled = (d: Awaited<ReturnType<typeof s.c.statusDoc>>): string => d.diagnoses?.find((x) => x.code === 'FailoverCooldown')?.detail ?? '';
    let detail = '';
    await waitForMonitor(s.c, 'FailoverCooldown with db1 HARD_OFFLINE', (d) => (detail = cooled(d)) !== '' && stateOf(d, 'db1') === 'HARD_OFFLINE', 20_000);
    const tBlocked = Date.now();
    const show = await s.c.control('show');
    const showLine = show.stdout.split('\n').find((l) => l.startsWith('# Diagnosis FailoverCooldown')) ?? '';
    const blockedDoc = await s.c.statusDoc();

    // the monitor killed and restarted while the failover is held: the cooldown is kept (<status_path>.state.json)
    const stateFile = join(s.c.dir, 'mmm_mond.status.state.json');
    const kept = existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as { lastFailover?: { at?: string } }) : {};
    const tMonKill = Date.now();
    await killMonitor(s.c);
    await restartMonitor(s.c);
    const tMonBack = Date.now();
    let afterRestart = '';
    await waitForMonitor(s.c, 'FailoverCooldown after the monitor restart', (d) => (afterRestart = cooled(d)) !== '', 20_000);
    const restartedDoc = await s.c.statusDoc();
    await new Promise((r) => setTimeout(r, 1_000)); // some passes of the restarted monitor
    const stillNoWriter = writerOf(await s.c.statusDoc());
    const writableHeld: string[] = [];
    for (const n of [db2, db3]) if (!(await readOnly(n))) writableHeld.push(n.name);

    const tAck = Date.now();
    const ack = await s.c.control('ack_failover');
    await waitForMonitor(s.c, 'writer role on db2 after ack_failover', (d) => writerOf(d) === 'db2', 20_000);
    const tWriter = Date.now();
    await until('an acknowledged write on db2 through the VIP', async () => s.w!.firstAckOn('db2', tAck), 30_000);
    const conv = await converge(s.c, { writer: 'db2', states: { db1: 'HARD_OFFLINE' }, skip: ['db1'] });
    await waitForAcks(s.w!, 50);
    const w = s.w!;
    await s.stopLoad();
    acks.push(...w.acks);

    const o: Observer = s.o!;
    const doc = await s.c.statusDoc();
    const audit = auditSince(s.c.dir, tFault);
    const cooldownBlocks = audit.filter((e: AuditEntry) => e.kind === 'role_assign' && e.blocked && COOLDOWN_TEXT.test(e.reason));
    const ackCommand = audit.find((e) => e.kind === 'command' && /^ack_failover: /.test(e.reason));
    const promoted = audit.find((e) => e.kind === 'failover' && !e.blocked && e.host === 'db2');
    const db2Writable = firstTick(o, tFault, (t) => writableIn(t).includes('db2'));
    const tEnd = db2Writable?.t ?? tWriter;
    const held = heldWindow(o, s.c.writerVip, tFault, tEnd);
    const lost = await lostWrites(s.c, 'db2', acks);
    report('14 killed again within the cooldown', {
      'FailoverCooldown detail': detail,
      'mmm_control show': showLine,
      'fault → FailoverCooldown seen': `${tBlocked - tFault} ms`,
      'monitor kill → answering again': `${tMonBack - tMonKill} ms`,
      'after the restart': afterRestart,
      'state file lastFailover.at': kept.lastFailover?.at ?? 'none',
      'blocked decisions naming the cooldown (audit)': cooldownBlocks.length,
      'mmm_control ack_failover': `exit ${ack.code}: ${ack.stdout.trim()}`,
      'ack_failover → writer role on db2 (monitor)': `${tWriter - tAck} ms`,
      'ack_failover → db2 writable (observer)': db2Writable ? `${db2Writable.t - tAck} ms` : 'never seen',
      'held (VIP off db1 → db2 writable)': `${held.ticks} ticks, ${tEnd - (held.vipGone?.t ?? tFault)} ms`,
      'status_json.lastFailover': JSON.stringify(doc.lastFailover),
      'acknowledged writes (all steps) / missing on db2': `${acks.length} / ${lost.lost.length}`,
      'observer ticks (writable per node)': `${o.ticks.length} (${writableCounts(o)})`,
      roles: conv.roles,
      'scenario time (sandbox up excluded)': `${Date.now() - t0} ms`,
    });
    log(failoverTimeline(s.c.dir, tFault).join('\n      '));

    expect(detail).to.match(COOLDOWN_TEXT);
    expect(showLine, show.stdout).to.match(/^# Diagnosis FailoverCooldown since .*: automatic failover blocked by failover_cooldown: the last one \(db1 -> db2\)/);
    expect(writerOf(blockedDoc), `no writer while held: ${describeRoles(blockedDoc)}`).to.equal('');
    expect(blockedDoc.lastFailover).to.deep.include({ at: firstAt, acknowledgedAt: null });
    expect(kept.lastFailover?.at, 'the cooldown\'s start in the state file').to.equal(firstAt);
    expect(afterRestart, 'the restarted monitor still holds the failover').to.match(COOLDOWN_TEXT);
    expect(restartedDoc.lastFailover).to.deep.include({ from: 'db1', to: 'db2', at: firstAt });
    expect(stillNoWriter, 'no writer role after the restart').to.equal('');
    expect(writableHeld, 'db2 and db3 read-only while held').to.deep.equal([]);
    expect(cooldownBlocks.length, 'the blocked decision in the audit log').to.be.at.least(1);
    expect(ack.code, ack.stdout).to.equal(0);
    expect(ack.stdout.trim()).to.match(/^OK: Acknowledged the failover from 'db1' to 'db2' at \S+: the next writer failure fails over automatically again\.$/);
    expect(ackCommand, 'ack_failover audited').to.not.equal(undefined);
    expect(promoted, 'the failover once acknowledged').to.not.equal(undefined);
    expect(Date.parse(promoted!.time)).to.be.at.least(Date.parse(ackCommand!.time));
    expect(held.vipGone, 'the writer VIP left db1').to.not.equal(undefined);
    expect(held.writable, 'nothing writable while the failover was held').to.deep.equal([]);
    expect(held.vip, 'the writer VIP on nobody while held').to.deep.equal([]);
    expect(acksWhileReadOnly(o, 'db2', tFault, tEnd, w.acks).map((a) => a.id), 'no write acknowledged while db2 was read-only').to.deep.equal([]);
    // the failover after the acknowledgement is automatic too: a new cooldown runs from it
    expect(doc.lastFailover).to.deep.include({ from: 'db1', to: 'db2', automatic: true, acknowledgedAt: null });
    expect(Date.parse(doc.lastFailover!.at)).to.be.above(Date.parse(firstAt));
    expect(doc.lastFailover!.cooldownUntil).to.not.equal(null);
    expect(doc.diagnoses?.some((x) => x.code === 'FailoverCooldown'), 'FailoverCooldown cleared').to.equal(false);
    expect(lost.lost, 'acknowledged writes missing on db2').to.deep.equal([]);
    expect(twoWritable(o), 'never two writable nodes').to.deep.equal([]);
    expect(vipInTwoPlaces(o, s.c.writerVip), 'never the writer VIP twice').to.deep.equal([]);
  });
});
