// Issue 16's promotion policy with REAL parts (MariaDB from the sandbox harness, the built mmmd_agent
// and mmmd_mon over mutual TLS): `failover_max_lag 5` — db2 applies with MASTER_DELAY, so when db1
// is killed db2 lags more than 5 s and is passed over (FailoverBlocked names its lag) until it has
// applied what it received, then it is promoted with every row; `never_writer db2` (the monitor
// restarted with it) — db1 killed again: nobody may take the writer role, move_role is refused, and
// db1 takes its role back when it returns.
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { type StatusDocument, texts, validateStatusDocument } from '@mmm/common';
import { TEST_SCHEMA, query, readOnly, slaveStatus, stopPid } from '../../packages/sandbox/src';
import { backOnline, type Rig, startRig, until } from './helpers/rig';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));


describe('issue 16 with real MariaDB: promotion policy (failover_max_lag, never_writer)', function () {
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
  const insert = async (node: string, id: number): Promise<void> => {
    const app = rig.cluster.credentials.app;
    const n = rig.cluster.node(node);
    const c = await mysql.createConnection({ host: n.ip, port: n.port, user: app.user, password: app.password, database: TEST_SCHEMA });
    await c.query('INSERT INTO pol_t VALUES (?)', [id]);
    await c.end();
  };
  const has = async (node: string, id: number): Promise<boolean> => (await query(rig.cluster.node(node), `SELECT id FROM ${TEST_SCHEMA}.pol_t WHERE id = ?`, [id])).length === 1;
  const onlineAgain = async (host: string): Promise<void> => {
    const restarted = Date.now();
    await rig.cluster.startNode(host);
    await backOnline(rig, host, restarted);
  };

  before(async () => {
    rig = await startRig({ replicas: 1, monitorLines: ['failover_max_lag 5', 'failover_cooldown 0'] });
    await query(rig.cluster.node('db1'), `CREATE TABLE IF NOT EXISTS ${TEST_SCHEMA}.pol_t (id INT PRIMARY KEY)`);
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

  it('failover_max_lag 5: db2 (MASTER_DELAY 20) lags when db1 is killed: passed over, promoted once it applied everything, no row lost', async () => {
    const db2 = rig.cluster.node('db2');
    await query(db2, 'STOP SLAVE');
    await query(db2, 'CHANGE MASTER TO MASTER_DELAY=20');
    await query(db2, 'START SLAVE');
    await insert('db1', 1);
    await until('db2 lagging more than 5 s', async () => Number((await slaveStatus(db2))?.Seconds_Behind_Master ?? 0) > 6, 30_000);
    const tKill = Date.now();
    await rig.cluster.stopNode('db1', { kill: true });
    const blocked = await until('FailoverBlocked naming the lag', async () => diag(await status(), 'FailoverBlocked'));
    // MariaDB shows Seconds_Behind_Master NULL once the source is gone, relay log still to apply: the last reading counts
    expect(blocked.detail).to.match(/^no eligible host can take this role: db2 lags \d+ s behind its source( \(its last reading: it has not applied all it received yet\))?, more than failover_max_lag 5 s$/);
    figures['FailoverBlocked detail'] = blocked.detail ?? '';
    expect(await writable(['db2', 'db3'])).to.deep.equal([]);
    const blockedAt = Date.now();
    await until('db2 the writer once it applied the delayed row', async () => writerOf(await status()) === 'db2' && (await writable(['db2', 'db3'])).join() === 'db2', 60_000);
    figures['blocked for (MASTER_DELAY 20 from the insert)'] = `${Date.now() - blockedAt} ms`;
    figures['kill -9 → db2 writable (MASTER_DELAY 20)'] = `${Date.now() - tKill} ms`;
    expect(await has('db2', 1), 'the row db1 acknowledged').to.equal(true);
    const s = await status();
    const lastBlocked = s.decisions.filter((d) => d.kind === 'role_assign' && d.blocked && /failover_max_lag 5 s/.test(d.reason)).at(-1);
    const promoted = s.decisions.find((d) => d.kind === 'failover' && !d.blocked && d.host === 'db2');
    expect(lastBlocked, 'a blocked decision naming the lag').to.not.equal(undefined);
    // promoted after the lag block, not instead of it (then its catch-up would have had to wait out the delay)
    expect(Date.parse(promoted!.time)).to.be.at.least(Date.parse(lastBlocked!.time));
    expect(validateStatusDocument(s)).to.deep.equal([]);
    await query(db2, 'STOP SLAVE');
    await query(db2, 'CHANGE MASTER TO MASTER_DELAY=0');
    await query(db2, 'START SLAVE');
  });

  it('never_writer db2 (monitor restarted with it): db1 killed, nobody may take the writer role; move_role refused; db1 takes it back', async () => {
    await onlineAgain('db1');
    await until('db1 the writer again (planned switch back)', async () => writerOf(await status()) === 'db1' && (await writable(['db1', 'db2', 'db3'])).join() === 'db1', 90_000);
    await stopPid(rig.procs.get('monitor')!.pid!);
    writeFileSync(rig.monitorConf, readFileSync(rig.monitorConf, 'utf8').replace('<monitor>\n', '<monitor>\n    never_writer db2\n'));
    rig.startMonitor();
    await until('the restarted monitor answers', async () => (await rig.control('ping', 2000)) === 'OK: Pinged successfully!');
    await until('db1 still the writer', async () => writerOf(await status()) === 'db1');

    await rig.cluster.stopNode('db1', { kill: true });
    const blocked = await until('FailoverBlocked: never_writer', async () => diag(await status(), 'FailoverBlocked'));
    expect(blocked.detail).to.equal('no eligible host can take this role: db2 is in never_writer');
    expect(await rig.control('move_role writer db2')).to.equal(texts.neverWriter('db2', 'writer'));
    expect(await rig.control('move_role --force writer db2')).to.equal(texts.neverWriter('db2', 'writer'));
    await sleep(1000);
    expect(await writable(['db2', 'db3'])).to.deep.equal([]);

    await onlineAgain('db1');
    await until('db1 the writer again', async () => writerOf(await status()) === 'db1' && (await writable(['db1', 'db2', 'db3'])).join() === 'db1', 60_000);
    const s = await status();
    expect(diag(s, 'FailoverBlocked')).to.equal(undefined);
    expect(s.decisions.some((d) => d.kind === 'role_assign' && d.host === 'db1' && /orphaned role goes to db1: it held the role before/.test(d.reason))).to.equal(true);
  });
});
