// Real MariaDB: 2 masters + 1 replica, in loopback mode and (root with working `ip netns`) in
// netns mode. Every wait is bounded; after() tears down even when a test failed.
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import {
  cmdlineOf, execInNs, nodeIp, nodePort, listNamespaces, netnsSupport, processAlive, query, readOnly, run, sandboxNames, setLink, slaveStatus,
  startDbCluster, stopDbCluster, TEST_SCHEMA, verifyReplication, vipsOf, waitFor, type Account, type DbCluster, type DbNode,
} from '../src';

/** A TCP connection to a node (loopback address, or a netns node through the root-namespace monitor veth); `ca`: over TLS. */
function tcp(node: DbNode, a: Account, ca?: string): Promise<mysql.Connection> {
  return mysql.createConnection({
    host: node.ip, port: node.port, user: a.user, password: a.password, connectTimeout: 3_000,
    ...(ca ? { ssl: { ca: readFileSync(ca, 'utf8'), rejectUnauthorized: true } } : {}),
  });
}

/** The agent's way in: its node's unix socket. */
function socketLogin(node: DbNode, a: Account): Promise<mysql.Connection> {
  return mysql.createConnection({ socketPath: node.socket, user: a.user, password: a.password, connectTimeout: 3_000 });
}

async function errnoOf(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return (err as { errno?: number }).errno ?? -1;
  }
}

function clusterSuite(netns: boolean): void {
  const mode = netns ? 'netns' : 'loopback';
  describe(`DB cluster in ${mode} mode (2 masters + 1 replica)`, function () {
    this.timeout(30_000);
    let dir = '';
    let c: DbCluster | undefined;
    const conns: mysql.Connection[] = [];
    const cluster = (): DbCluster => {
      if (!c) throw new Error('cluster did not start');
      return c;
    };

    before(async function () {
      if (netns) {
        const ok = await netnsSupport();
        if (ok !== true) {
          console.log(`      skipping netns mode: ${ok}`);
          return this.skip();
        }
      }
      dir = mkdtempSync(join(tmpdir(), `mmm-sbx-${mode}-`));
      const t0 = Date.now();
      c = await startDbCluster({ dir, replicas: 1, netns });
      console.log(`      up in ${Date.now() - t0} ms: ${c.nodes.map((n) => `${n.name}=${n.ip}:${n.port}`).join(' ')}`);
    });

    after(async function () {
      for (const conn of conns) conn.destroy();
      if (dir) await stopDbCluster(dir);
    });

    it('runs db1, db2 as masters and db3 as a replica, each with a live PID and a private state file', () => {
      const cl = cluster();
      expect(cl.nodes.map((n) => [n.name, n.mode])).to.deep.equal([['db1', 'master'], ['db2', 'master'], ['db3', 'slave']]);
      for (const n of cl.nodes) expect(processAlive(n.pid!), n.name).to.equal(true);
      expect(statSync(cl.names.stateFile).mode & 0o077).to.equal(0);
      if (netns) expect(cl.nodes.map((n) => n.netns)).to.deep.equal(['db1', 'db2', 'db3'].map((x) => `${cl.names.prefix}-${x}`));
    });

    it('starts every node read-only', async () => {
      for (const n of cluster().nodes) expect(await readOnly(n), n.name).to.equal(true);
    });

    it('replicates db1 <-> db2 by GTID and db1 -> db3, writes arriving everywhere from either master', async () => {
      const cl = cluster();
      const [db1, db2, db3] = cl.nodes as [DbNode, DbNode, DbNode];
      const from = async (n: DbNode): Promise<string> => String((await slaveStatus(n))?.Master_Host);
      expect([await from(db1), await from(db2), await from(db3)]).to.deep.equal([db2.ip, db1.ip, db1.ip]);
      expect((await slaveStatus(db3))?.Using_Gtid).to.equal('Slave_Pos');
      await verifyReplication(cl.nodes, db1, 10_000);
      await verifyReplication(cl.nodes, db2, 10_000);
    });

    it('refuses the app user writes on a read_only node (1290) and lets it write once read_only=0', async () => {
      const cl = cluster();
      const [db1, db2] = cl.nodes as [DbNode, DbNode];
      const app2 = await tcp(db2, cl.credentials.app);
      conns.push(app2);
      expect(await errnoOf(app2.query(`INSERT INTO ${TEST_SCHEMA}.t (token, origin) VALUES ('app', 'db2')`))).to.equal(1290);
      await query(db1, 'SET GLOBAL read_only = 0');
      try {
        const app1 = await tcp(db1, cl.credentials.app);
        conns.push(app1);
        await app1.query(`INSERT INTO ${TEST_SCHEMA}.t (token, origin) VALUES ('app-ok', 'db1')`);
        expect(await errnoOf(app1.query('CREATE DATABASE not_allowed'))).to.equal(1044); // no DDL, no other schema
      } finally {
        await query(db1, 'SET GLOBAL read_only = 1');
      }
    });

    it('lets mmm_agent (over the socket) set read_only and kill the app user\'s connections, and mmm_monitor (over TLS) read slave status', async () => {
      const cl = cluster();
      const db3 = cl.node('db3');
      const app = await tcp(db3, cl.credentials.app);
      conns.push(app);
      const agent = await socketLogin(db3, cl.credentials.agent);
      conns.push(agent);
      await agent.query('SET GLOBAL read_only = 1');
      const [ids] = await agent.query("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'app'");
      const list = ids as Array<{ ID: number }>;
      expect(list.length).to.equal(1);
      await agent.query(`KILL CONNECTION ${list[0]!.ID}`);
      expect(await errnoOf(app.query('SELECT 1'))).to.not.equal(undefined);
      const mon = await tcp(db3, cl.credentials.monitor, cl.mysqlCa);
      conns.push(mon);
      const [rows] = await mon.query('SHOW SLAVE STATUS');
      const s = (rows as Array<Record<string, unknown>>)[0];
      expect(s).to.include({ Slave_IO_Running: 'Yes', Master_SSL_Allowed: 'Yes', Master_SSL_Verify_Server_Cert: 'Yes' }); // replication over TLS
    });

    it('grants mmm_agent at localhost only, and the monitor and replication accounts REQUIRE SSL from the nodes\' addresses', async () => {
      const cl = cluster();
      const db2 = cl.node('db2');
      expect(await errnoOf(tcp(db2, cl.credentials.agent)), 'the agent password over TCP').to.equal(1045);
      expect(await errnoOf(tcp(db2, cl.credentials.monitor)), 'the monitor password without TLS').to.equal(1045);
      expect(await errnoOf(tcp(db2, cl.credentials.replication)), 'the replication password without TLS').to.equal(1045);
      const hosts = (await query(db2, "SELECT User, Host, ssl_type FROM mysql.user WHERE User IN ('mmm_agent', 'mmm_monitor', 'repl') ORDER BY User"))
        .map((r) => `${String(r.User)}@${String(r.Host)} ${String(r.ssl_type) || 'none'}`);
      const monitorFrom = netns ? cl.monitorIp! : '127.0.0.1';
      const nodesFrom = netns ? `${cl.names.netns.subnet}.%` : '127.0.0.1';
      expect(hosts).to.deep.equal([`mmm_agent@localhost none`, `mmm_monitor@${monitorFrom} ANY`, `repl@${nodesFrom} ANY`]);
    });

    it('crashes and restarts a node: its peer notices, the node comes back read-only and replication resumes', async () => {
      const cl = cluster();
      const [db1, db2] = cl.nodes as [DbNode, DbNode];
      const old = db2.pid!;
      await cl.stopNode('db2', { kill: true });
      expect(processAlive(old)).to.equal(false);
      await waitFor('db1 noticing db2 is gone', async () => (await slaveStatus(db1))?.Slave_IO_Running !== 'Yes', { timeoutMs: 15_000 });
      await cl.startNode('db2');
      expect(db2.pid).to.be.a('number').and.not.equal(old);
      expect(await readOnly(db2)).to.equal(true);
      await verifyReplication(cl.nodes, db2, 15_000);
      await verifyReplication(cl.nodes, db1, 15_000);
    });

    it('refuses a second sandbox on the same DIR', async () => {
      let err: unknown;
      try {
        await startDbCluster({ dir, netns });
      } catch (e) {
        err = e;
      }
      expect((err as { code?: string }).code).to.equal('CONFLICT');
      for (const n of cluster().nodes) expect(processAlive(n.pid!), n.name).to.equal(true);
    });

    if (netns) {
      const serverIdFrom = async (cl: DbCluster, client: DbNode, target: DbNode): Promise<string> => {
        const m = cl.credentials.app; // the monitor account logs in from the monitor's address only
        const r = await execInNs(client.netns!, 'mariadb', [
          '--no-defaults', `-h${target.ip}`, `-P${target.port}`, `-u${m.user}`, `-p${m.password}`,
          '--connect-timeout=2', '-N', '-e', 'SELECT @@server_id',
        ], { timeoutMs: 10_000 });
        return r.stdout.trim();
      };

      it('lets a client inside one namespace reach another node, and isolates a node whose link is down', async () => {
        const cl = cluster();
        const [db1, db2, db3] = cl.nodes as [DbNode, DbNode, DbNode];
        expect(await serverIdFrom(cl, db3, db2)).to.equal('2');
        expect(await serverIdFrom(cl, db2, db1)).to.equal('1');
        await setLink(db1, 'down');
        try {
          let err: unknown;
          try {
            await serverIdFrom(cl, db3, db1);
          } catch (e) {
            err = e;
          }
          expect(err, 'db1 reachable with its link down').to.be.instanceOf(Error);
        } finally {
          await setLink(db1, 'up');
        }
        expect(await serverIdFrom(cl, db3, db1)).to.equal('1');
      });

      it('reports addresses on eth0 besides the node\'s own ip as its VIPs', async () => {
        const cl = cluster();
        const db2 = cl.node('db2');
        expect(await vipsOf(db2)).to.deep.equal([]);
        const vip = `${cl.names.netns.subnet}.100`;
        await execInNs(db2.netns!, 'ip', ['addr', 'add', `${vip}/32`, 'dev', 'eth0']);
        expect(await vipsOf(db2)).to.deep.equal([vip]);
        await execInNs(db2.netns!, 'ip', ['addr', 'del', `${vip}/32`, 'dev', 'eth0']);
        expect(await vipsOf(db2)).to.deep.equal([]);
      });
    }

    it('tears down from the state file: no process, namespace, veth or directory left', async () => {
      const cl = cluster();
      const pids = cl.nodes.map((n) => n.pid!);
      await stopDbCluster(dir); // what another process's `down` does
      for (const p of pids) expect(processAlive(p), `pid ${p}`).to.equal(false);
      expect(existsSync(dir)).to.equal(false);
      if (netns) {
        const names = sandboxNames(dir);
        const left = (await listNamespaces()).filter((n) => n.startsWith(names.prefix));
        expect(left).to.deep.equal([]);
        const link = await run('ip', ['link', 'show', names.netns.monitorIf], { allowFail: true });
        expect(link.code, 'monitor veth still present').to.not.equal(0);
      }
    });
  });
}

clusterSuite(false);
clusterSuite(true);

describe('DB cluster start failure', function () {
  this.timeout(30_000);
  const dir = join(tmpdir(), `mmm-sbx-fail-${process.pid}`);
  let blocker: Server | undefined;

  after(async () => {
    blocker?.close();
    await stopDbCluster(dir);
  });

  it('cleans up everything it started and names the failing node\'s error log when a port is taken', async () => {
    const names = sandboxNames(dir);
    blocker = createServer();
    await new Promise<void>((res, rej) => {
      blocker!.once('error', rej).listen(nodePort(names, 2, false), nodeIp(names, 2, false), () => res());
    });
    let err: unknown;
    try {
      await startDbCluster({ dir });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(Error);
    expect((err as Error).message).to.include(join(dir, 'db2', 'error.log'));
    expect(existsSync(dir)).to.equal(false);
    const ours = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && cmdlineOf(Number(p)).includes(dir));
    expect(ours, 'processes left running').to.deep.equal([]);
  });
});
