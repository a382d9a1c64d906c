// mmmd_mon end to end with REAL parts: MariaDB (sandbox harness), the built mmmd_agent and
// mmmd_mon binaries over mutual TLS. Initial distribution, kill -9 of the writer's mariadbd,
// recovery, and a planned move back under a write workload with no acknowledged write lost.
import { expect } from 'chai';
import mysql from 'mysql2/promise';
import { type StatusDocument, validateStatusDocument } from '@mmm/common';
import { TEST_SCHEMA, query, readOnly, slaveStatus } from '../../packages/sandbox/src';
import { backOnline, type Rig, startRig, until } from './helpers/rig';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));


describe('mmmd_mon with real MariaDB, agents and mutual TLS', function () {
  this.timeout(300_000);
  let rig: Rig;
  const status = async (): Promise<StatusDocument> => JSON.parse(await rig.control('status_json')) as StatusDocument;
  const writerOf = (d: StatusDocument): string => d.roles.find((r) => r.activeMaster)?.ips[0]?.assignedTo ?? '';
  const writableNodes = async (names: string[]): Promise<string[]> => {
    const out: string[] = [];
    for (const n of names) if (!(await readOnly(rig.cluster.node(n)))) out.push(n);
    return out;
  };

  before(async () => {
    rig = await startRig({ replicas: 1 });
    await query(rig.cluster.node('db1'), `CREATE TABLE IF NOT EXISTS ${TEST_SCHEMA}.mon_t (id INT PRIMARY KEY, note VARCHAR(40))`);
    rig.startMonitor();
    await until('the monitor to answer ping', async () => (await rig.control('ping', 2000)) === 'OK: Pinged successfully!');
  });

  afterEach(function () {
    // the logs go with the rig's directory: show them while they exist
    if (this.currentTest?.state === 'failed' && rig) process.stdout.write(`${rig.logTails(80)}\n`);
  });

  after(async () => {
    await rig?.stop();
  });

  it('starts with the writer on db1; set_online brings every host ONLINE; db1 is the only writable node', async () => {
    const first = await status();
    expect(validateStatusDocument(first)).to.deep.equal([]);
    for (const h of ['db1', 'db2', 'db3']) {
      const st = first.hosts.find((x) => x.name === h)!.state;
      if (st !== 'ONLINE') expect(await rig.control(`set_online ${h}`)).to.equal(`OK: State of '${h}' changed to ONLINE. Now you can wait some time and check its new roles!`);
    }
    const d = await until('every host ONLINE with the writer on db1', async () => {
      const s = await status();
      const online = s.hosts.every((h) => h.state === 'ONLINE');
      const spread = s.hosts.every((h) => h.roles.some((r) => r.name === 'reader'));
      return online && spread && writerOf(s) === 'db1' && (await writableNodes(['db1', 'db2', 'db3'])).join() === 'db1' ? s : undefined;
    });
    expect(validateStatusDocument(d)).to.deep.equal([]);
    const show = await rig.control('show');
    expect(show).to.match(/ {2}db1\(127\.0\.0\.\d+\) master\/ONLINE\. Roles: .*writer\(/);
    expect(show).to.contain("# Role writer is assigned to it's preferred host db1.");
    expect(await rig.control('mode')).to.equal('ACTIVE');
    expect(await rig.control('checks db1 mysql')).to.match(/^db1 {2}mysql {2}\[last change: .*\] {2}OK$/);
  });

  it('refuses state changes from a viewer certificate', async () => {
    const r = await (rig as unknown as { viewerControl(l: string): Promise<string> }).viewerControl('set_offline db3');
    expect(r).to.match(/^ERROR: /);
    expect((await status()).hosts.find((h) => h.name === 'db3')!.state).to.equal('ONLINE');
  });

  it('kill -9 of db1 mariadbd: db2 becomes the only writable node, db3 follows it, a row committed on db1 survives', async () => {
    const app = rig.cluster.credentials.app;
    const db1 = rig.cluster.node('db1');
    const c = await mysql.createConnection({ host: db1.ip, port: db1.port, user: app.user, password: app.password, database: TEST_SCHEMA });
    await c.query('INSERT INTO mon_t VALUES (1, "before crash")');
    await c.end();
    await sleep(300);
    await rig.cluster.stopNode('db1', { kill: true });
    const db2 = rig.cluster.node('db2');
    await until('db2 writer and the only writable node', async () => {
      const s = await status();
      return writerOf(s) === 'db2' && (await writableNodes(['db2', 'db3'])).join() === 'db2';
    });
    await until('db3 replicating from db2', async () => {
      const row = await slaveStatus(rig.cluster.node('db3'));
      return row && row.Master_Host === db2.ip && row.Slave_IO_Running === 'Yes';
    });
    const rows = await query(db2, `SELECT note FROM ${TEST_SCHEMA}.mon_t WHERE id = 1`);
    expect(rows).to.have.length(1);
    const s = await status();
    expect(s.decisions.some((d) => d.kind === 'state_change' && d.host === 'db1' && /HARD_OFFLINE/.test(d.reason))).to.equal(true);
    expect(validateStatusDocument(s)).to.deep.equal([]);
  });

  it('db1 recovers; move_role writer db1 under a write workload loses no acknowledged write', async () => {
    expect(await rig.control('set_manual')).to.equal('OK: Switched into manual mode.');
    const restarted = Date.now();
    await rig.cluster.startNode('db1');
    await backOnline(rig, 'db1', restarted);

    // workload: insert through whichever node holds the writer role; record what was acknowledged
    const app = rig.cluster.credentials.app;
    const acked: number[] = [];
    let stop = false;
    let nextId = 1000;
    const workload = (async () => {
      let conn: mysql.Connection | undefined;
      let host = '';
      while (!stop) {
        try {
          const w = writerOf(await status());
          if (!w) { await sleep(50); continue; }
          if (w !== host || !conn) {
            await conn?.end().catch(() => undefined);
            const n = rig.cluster.node(w);
            conn = await mysql.createConnection({ host: n.ip, port: n.port, user: app.user, password: app.password, database: TEST_SCHEMA, connectTimeout: 2000 });
            host = w;
          }
          const id = nextId++;
          await conn.query('INSERT INTO mon_t VALUES (?, ?)', [id, `via ${host}`]);
          acked.push(id);
        } catch {
          await conn?.end().catch(() => undefined);
          conn = undefined;
          await sleep(50);
        }
      }
      await conn?.end().catch(() => undefined);
    })();
    await until('some writes on db2', async () => acked.length >= 20);
    const reply = await rig.control('move_role writer db1');
    expect(reply).to.equal("OK: Role 'writer' has been moved from 'db2' to 'db1'. Now you can wait some time and check new roles info!");
    await until('more writes after the move', async () => acked.length >= 60 && acked.length > 0);
    stop = true;
    await workload;

    await until('db1 the only writable node', async () => (await writableNodes(['db1', 'db2', 'db3'])).join() === 'db1');
    const ids = new Set((await query(rig.cluster.node('db1'), `SELECT id FROM ${TEST_SCHEMA}.mon_t WHERE id >= 1000`)).map((r) => Number(r.id)));
    const lost = acked.filter((id) => !ids.has(id));
    expect(lost, 'acknowledged writes missing on the new writer').to.deep.equal([]);
    const s = await status();
    expect(s.lastMove).to.include({ role: 'writer', from: 'db2', to: 'db1', outcome: 'done' });
    expect(validateStatusDocument(s)).to.deep.equal([]);
    await until('db3 replicating from db1', async () => (await slaveStatus(rig.cluster.node('db3')))?.Master_Host === rig.cluster.node('db1').ip);
  });
});
