// Issue 16 with REAL parts (MariaDB from the sandbox harness, the built mmmd_agent and mmmd_mon
// over mutual TLS): a crash failover never promotes a host that lacks what another host received —
// db2's IO thread is held, db3 receives rows db2 lacks, db1 is killed: db2 is caught up from db3
// (CATCH_UP) before its promotion, with every row. Then failover_cooldown (default 3600 s): db1
// back as the writer, killed again: no failover, also across a monitor restart, until
// `ack_failover`. Last, rows db3 received but has not applied (nobody can serve them): the failover
// waits naming the GTIDs, `move_role` is refused, `--force` promotes db2 and the loss is reported at
// the failover and when db1 returns.
import { expect } from 'chai';
import mysql from 'mysql2/promise';
import { type StatusDocument, texts, validateStatusDocument } from '@mmm/common';
import { TEST_SCHEMA, gtidState, query, readOnly, slaveStatus, stopPid } from '../../packages/sandbox/src';
import { backOnline, type Rig, startRig, until } from './helpers/rig';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));


describe('issue 16 with real MariaDB: the candidate must have what a survivor received; failover_cooldown', function () {
  this.timeout(600_000);
  let rig: Rig;
  const figures: Record<string, string> = {};
  const status = async (): Promise<StatusDocument> => JSON.parse(await rig.control('status_json')) as StatusDocument;
  const writerOf = (d: StatusDocument): string => d.roles.find((r) => r.activeMaster)?.ips[0]?.assignedTo ?? '';
  const diag = (d: StatusDocument, code: string) => d.diagnoses?.find((x) => x.code === code);
  const writable = async (names: string[]): Promise<string[]> => {
    const out: string[] = [];
    for (const n of names) if (!(await readOnly(rig.cluster.node(n)).catch(() => true))) out.push(n);
    return out;
  };
  const insert = async (node: string, ids: number[]): Promise<void> => {
    const app = rig.cluster.credentials.app;
    const n = rig.cluster.node(node);
    const c = await mysql.createConnection({ host: n.ip, port: n.port, user: app.user, password: app.password, database: TEST_SCHEMA });
    for (const id of ids) await c.query('INSERT INTO dur_t VALUES (?, ?)', [id, `on ${node}`]);
    await c.end();
  };
  const ids = async (node: string): Promise<Set<number>> => new Set((await query(rig.cluster.node(node), `SELECT id FROM ${TEST_SCHEMA}.dur_t`)).map((r) => Number(r.id)));

  before(async () => {
    // rep_threads trap 60 s: the held IO thread must not take db2 out of ONLINE before the crash
    rig = await startRig({ replicas: 1, repThreadsTrap: 60 });
    await query(rig.cluster.node('db1'), `CREATE TABLE IF NOT EXISTS ${TEST_SCHEMA}.dur_t (id INT PRIMARY KEY, note VARCHAR(40))`);
    rig.startMonitor();
    await until('the monitor to answer ping', async () => (await rig.control('ping', 2000)) === 'OK: Pinged successfully!');
    for (const h of ['db1', 'db2', 'db3']) await until(`set_online ${h}`, async () => /^OK: (State of|This host is already ONLINE)/.test(await rig.control(`set_online ${h}`)));
    await until('every host ONLINE, db1 the only writable writer', async () => {
      const s = await status();
      return s.hosts.every((h) => h.state === 'ONLINE') && writerOf(s) === 'db1' && (await writable(['db1', 'db2', 'db3'])).join() === 'db1';
    });
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed' || !rig) return;
    // the monitor's own account first: its decisions with their reasons
    const d = await status().catch(() => undefined);
    if (d) process.stdout.write(`${d.decisions.slice(-40).map((x) => `      ${x.time} ${x.kind}${x.blocked ? ' BLOCKED' : ''} ${x.host ?? ''}: ${x.reason}`).join('\n')}\n`);
    process.stdout.write(`${rig.logTails(40)}\n`);
  });

  after(async () => {
    if (Object.keys(figures).length) console.log(Object.entries(figures).map(([k, v]) => `      ${k}: ${v}`).join('\n'));
    await rig?.stop();
  });

  it('db3 received rows db2 lacks, db1 killed: db2 is caught up from db3 (CATCH_UP) before it becomes writable, with every row', async () => {
    const db2 = rig.cluster.node('db2');
    const db1ip = rig.cluster.node('db1').ip;
    await insert('db1', [1, 2, 3]);
    await until('rows 1-3 on db2 and db3', async () => (await ids('db2')).size === 3 && (await ids('db3')).size === 3);
    await query(db2, 'STOP SLAVE IO_THREAD');
    await insert('db1', [4, 5]);
    await until('rows 4, 5 applied on db3', async () => (await ids('db3')).has(5));
    expect((await ids('db2')).has(4), 'db2 lacks row 4').to.equal(false);
    const pos = (await gtidState(rig.cluster.node('db1'))).binlogPos;
    await sleep(500); // a few passes: the monitor saw db1's position
    const tKill = Date.now();
    await rig.cluster.stopNode('db1', { kill: true });

    await until('db2 writer, the only writable node', async () => writerOf(await status()) === 'db2' && (await writable(['db2', 'db3'])).join() === 'db2');
    figures['kill -9 → db2 writable, caught up from db3'] = `${Date.now() - tKill} ms`;
    const have = await ids('db2');
    expect([1, 2, 3, 4, 5].filter((i) => !have.has(i)), 'rows acknowledged by db1 missing on db2').to.deep.equal([]);
    const s = await status();
    expect(validateStatusDocument(s)).to.deep.equal([]);
    const reasons = s.decisions.map((d) => `${d.kind}${d.blocked ? ' BLOCKED' : ''} ${d.host ?? ''}: ${d.reason}`);
    const at = (re: RegExp): number => reasons.findIndex((r) => re.test(r));
    const blocked = at(/^role_assign BLOCKED : no host can take the writer role without losing transactions another host received: db2 lacks 0-1-\d+\.\.0-1-\d+ \(2 transactions\) that db3 received/);
    const planned = at(/^failover db2: catch-up before the promotion: db2 replicates from db3 until 0-1-\d+ \(it lacks 0-1-\d+\.\.0-1-\d+ \(2 transactions\) that db3 received\), bounded by switch_timeout 5 s$/);
    const done = at(/^failover db2: catch-up of db2 from db3: Caught up to 0-1-\d+ from db3 in \d+ ms; replicates from 127\.[\d.]+:\d+ again$/);
    const promoted = at(/^failover db2: failover from db1 \(HARD_OFFLINE\): db2 may become writable: .*; db2 has everything db1 last reported/);
    expect([blocked, planned, done, promoted].every((i) => i >= 0), reasons.join('\n')).to.equal(true);
    expect(blocked < planned && planned < done && done < promoted, 'blocked, then caught up, then promoted').to.equal(true);
    figures['catch-up'] = reasons[done];
    const t = (k: number): string => `+${Date.parse(s.decisions[k].time) - tKill} ms`;
    figures['after the kill: blocked, catch-up sent, caught up, promoted'] = [blocked, planned, done, promoted].map(t).join(', ');
    expect(s.lastFailover).to.deep.include({ from: 'db1', to: 'db2', automatic: true, lostAtLeast: [], lostAtLeastCount: 0 });
    expect(s.lastFailover!.cooldownUntil).to.not.equal(null);
    figures['db1 gtid_binlog_pos at the kill'] = pos;
    // the agent pointed db2 back at its peer (down: its IO thread waits for it)
    expect((await slaveStatus(db2))?.Master_Host).to.equal(db1ip);
    await until('db3 replicating from db2', async () => (await slaveStatus(rig.cluster.node('db3')))?.Master_Host === db2.ip);
  });

  it('db1 back and the writer again; killed within failover_cooldown: no failover, also after a monitor restart, until ack_failover', async () => {
    const restarted = Date.now();
    await rig.cluster.startNode('db1');
    await backOnline(rig, 'db1', restarted);
    // ACTIVE with prefer db1: the planned switch back (not a failover, not blocked)
    await until('db1 the writer again, the only writable node', async () => writerOf(await status()) === 'db1' && (await writable(['db1', 'db2', 'db3'])).join() === 'db1', 90_000);
    await insert('db1', [6]);
    await until('row 6 on db2', async () => (await ids('db2')).has(6));

    await rig.cluster.stopNode('db1', { kill: true });
    const cooled = await until('FailoverCooldown', async () => {
      const s = await status();
      return diag(s, 'FailoverCooldown') && s.hosts.find((h) => h.name === 'db1')!.state === 'HARD_OFFLINE' ? s : undefined;
    });
    expect(diag(cooled, 'FailoverCooldown')!.detail).to.match(/^automatic failover blocked by failover_cooldown: the last one \(db1 -> db2\) was \d+ s ago; it is allowed again in \d+ s or after 'mmm_control ack_failover'$/);
    expect(writerOf(cooled)).to.equal('');
    expect(cooled.lastFailover).to.deep.include({ from: 'db1', to: 'db2', acknowledgedAt: null });

    // a restarted monitor keeps the cooldown (<status_path>.state.json)
    const mon = rig.procs.get('monitor')!;
    await stopPid(mon.pid!);
    rig.startMonitor();
    await until('the restarted monitor answers', async () => (await rig.control('ping', 2000)) === 'OK: Pinged successfully!');
    const again = await until('FailoverCooldown after the restart', async () => {
      const s = await status();
      return diag(s, 'FailoverCooldown') ? s : undefined;
    });
    expect(again.lastFailover).to.deep.include({ from: 'db1', to: 'db2' });
    await sleep(1000);
    expect(await writable(['db2', 'db3'])).to.deep.equal([]);

    const ack = await rig.control('ack_failover');
    expect(ack).to.match(/^OK: Acknowledged the failover from 'db1' to 'db2' at \S+: the next writer failure fails over automatically again\.$/);
    const t = Date.now();
    await until('db2 the writer after ack_failover', async () => writerOf(await status()) === 'db2' && (await writable(['db2', 'db3'])).join() === 'db2');
    figures['ack_failover → db2 writable'] = `${Date.now() - t} ms`;
    const s = await status();
    // the failover that followed is automatic too: it starts a new cooldown
    expect(s.lastFailover).to.deep.include({ from: 'db1', to: 'db2', automatic: true, acknowledgedAt: null });
    expect(s.lastFailover!.cooldownUntil).to.not.equal(null);
    // db1 died before the monitor restarted: what it wrote last is unknown to the new monitor
    expect(s.lastFailover!.lostAtLeast).to.equal(null);
    expect(await rig.control('ack_failover')).to.match(/^OK: Acknowledged the failover from 'db1' to 'db2'/);
    expect(await rig.control('ack_failover')).to.equal(texts.nothingToAck());
    expect(s.decisions.some((d) => d.kind === 'command' && /^ack_failover: /.test(d.reason))).to.equal(true);
    expect((await ids('db2')).has(6)).to.equal(true);
  });

  it('nobody can serve what db2 lacks (db3 has not applied it): blocked, move_role refused, --force promotes it; the loss reported at the failover and exactly when db1 returns', async () => {
    const db2 = rig.cluster.node('db2');
    const db3 = rig.cluster.node('db3');
    const restarted = Date.now();
    await rig.cluster.startNode('db1');
    await backOnline(rig, 'db1', restarted);
    await until('db1 the writer again', async () => writerOf(await status()) === 'db1' && (await writable(['db1', 'db2', 'db3'])).join() === 'db1', 90_000);
    await until('db3 replicating from db1', async () => (await slaveStatus(db3))?.Master_Host === rig.cluster.node('db1').ip);
    await query(db2, 'STOP SLAVE IO_THREAD');
    await query(db3, 'STOP SLAVE SQL_THREAD');
    await insert('db1', [7, 8]);
    await until('rows 7, 8 received (not applied) on db3', async () => {
      const io = String((await slaveStatus(db3))?.Gtid_IO_Pos ?? '');
      return io !== '' && io === (await gtidState(rig.cluster.node('db1'))).binlogPos;
    });
    await sleep(500); // a few passes: the monitor saw db1's position with rows 7 and 8
    await rig.cluster.stopNode('db1', { kill: true });
    const blocked = await until('FailoverBlocked', async () => diag(await status(), 'FailoverBlocked'));
    expect(blocked.detail).to.match(/db2 lacks 0-1-\d+\.\.0-1-\d+ \(2 transactions\) that db3 received/);
    await sleep(1000);
    const s0 = await status();
    expect(writerOf(s0)).to.equal('');
    expect(await writable(['db2', 'db3'])).to.deep.equal([]);
    expect(s0.decisions.some((d) => d.kind === 'failover' && d.blocked && /^db2 cannot be caught up: no host can serve what it lacks \(db3's binary log lacks .* that db3 received \(log_slave_updates off, or not applied yet\)/.test(d.reason))).to.equal(true);
    const refused = await rig.control('move_role writer db2');
    expect(refused).to.match(/^ERROR: Host 'db2' lacks transactions that other hosts received \(0-1-\d+\.\.0-1-\d+ on db3\): giving it role 'writer' would lose them\. Use 'move_role --force writer db2' to promote it anyway\.$/);

    expect(await rig.control('move_role --force writer db2')).to.equal(texts.forcedMoveRoleOk('writer', '', 'db2'));
    await until('db2 the writer', async () => writerOf(await status()) === 'db2' && (await writable(['db2'])).join() === 'db2');
    const s = await status();
    expect(s.lastFailover).to.deep.include({ from: 'db1', to: 'db2', automatic: false, lostAtLeastCount: 2 });
    expect(s.lastFailover!.lostAtLeast![0]).to.match(/^0-1-\d+\.\.0-1-\d+$/);
    figures['forced promotion, lower bound of the loss'] = s.lastFailover!.lostAtLeast!.join(', ');
    expect(s.decisions.some((d) => d.kind === 'command' && /^move_role --force: db2 lacks 0-1-\d+\.\.0-1-\d+ \(2 transactions\) that db3 received; promoted anyway by operator, they are lost$/.test(d.reason))).to.equal(true);
    expect(s.decisions.find((d) => d.kind === 'failover' && !d.blocked && d.host === 'db2' && /to the host the operator chose/.test(d.reason))?.reason).to.match(/at least 0-1-\d+\.\.0-1-\d+ \(2 transactions\) of db1 lost/);
    const have = await ids('db2');
    expect([7, 8].filter((i) => have.has(i)), 'rows 7 and 8 are the loss').to.deep.equal([]);
    await insert('db2', [9]);
    await query(db3, 'START SLAVE SQL_THREAD');

    // db1 comes back with rows 7 and 8, which the writer lacks: kept out, named in the failover record
    await rig.cluster.startNode('db1');
    const back = await until('db1 diverged, the failover record completed', async () => {
      const x = await status();
      return x.lastFailover?.lostOnReturn?.length ? x : undefined;
    });
    expect(back.hosts.find((h) => h.name === 'db1')!.state).to.equal('REPLICATION_FAIL');
    expect(back.lastFailover!.lostOnReturn).to.deep.equal([back.lastFailover!.lostAtLeast![0].split('..')[1]]);
    figures['db1 came back with'] = back.lastFailover!.lostOnReturn!.join(', ');
    expect(validateStatusDocument(back)).to.deep.equal([]);
  });
});
