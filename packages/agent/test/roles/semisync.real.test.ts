// durability semisync at agent level against two real MariaDB 10.11 servers (issue 16): the real
// SET_STATUS handler and health watch of buildAgentParts, over each server's unix socket, with an
// agent account that has exactly what docs/accounts.md lists (REPLICATION MASTER ADMIN added for
// semisync). db1 is the writer, db3 a replica (the agent re-points it). With durability async the
// same statuses leave every semi-sync variable as it was.
import { expect } from 'chai';
import { type AgentRequest, type RoleIp, encodeAgentReply, grantList, parseConfigTextOrThrow } from '@mmm/common';
import { MemoryLogger } from '@mmm/common/testing';
import { buildAgentParts } from '../../src/agent-parts';
import { setStatus } from '../../src/handlers/set-status';
import { toAgentHealth } from '../../src/health/health';
import type { AgentContext } from '../../src/handlers';
import type { HealthWatch } from '../../src/health';
import { FakeVipManager } from '../../src/testing';
import { type TestMariadb, mariadbAvailable, sleep, startMariadb } from '../helpers/mariadb';

const W: RoleIp = { name: 'writer', ip: '10.0.0.100' };
const R1: RoleIp = { name: 'reader', ip: '10.0.0.101' };
type SetStatus = Extract<AgentRequest, { kind: 'SET_STATUS' }>;

function conf(self: string, db1: TestMariadb, db3: TestMariadb, durability: string): string {
  return [
    `this ${self}`, 'active_master_role writer', 'writer_lease 600', 'switch_timeout 5', 'demote_grace 0', durability,
    '<host default>', '    cluster_interface eth0', '    agent_user mmm_agent', '    agent_password agentpw',
    '    replication_user repl', '    replication_password replpw', '    mysql_ssl off', '</host>',
    '<host db1>', '    ip 127.0.0.1', `    mysql_port ${db1.port}`, `    mysql_socket ${db1.socket}`, '    mode master', '    peer db2', '</host>',
    // db2 is only in the config (masters come in pairs); nothing here talks to it
    '<host db2>', '    ip 127.0.0.2', '    mysql_port 1', '    mode master', '    peer db1', '</host>',
    '<host db3>', '    ip 127.0.0.1', `    mysql_port ${db3.port}`, `    mysql_socket ${db3.socket}`, '    mode slave', '</host>',
    '<role writer>', '    hosts db1, db2', '    ips 10.0.0.100', '    mode exclusive', '</role>',
    '<role reader>', '    hosts db1, db2, db3', '    ips 10.0.0.101', '    mode balanced', '</role>',
    '<socket>', '    type plain', '</socket>',
  ].join('\n');
}

interface Agent {
  ctx: AgentContext;
  health: HealthWatch;
  set(roles: RoleIp[], activeMaster: string): Promise<string>;
  close(): Promise<void>;
}

let seq = 0;
function agentFor(self: string, db1: TestMariadb, db3: TestMariadb, durability: string): Agent {
  const { config } = parseConfigTextOrThrow('agent', { '/t/mmm_agent.conf': conf(self, db1, db3, durability) });
  const { ctx, healthWatch } = buildAgentParts({ config, logger: new MemoryLogger(), vips: new FakeVipManager('eth0') }, () => seq);
  return {
    ctx,
    health: healthWatch,
    async set(roles, activeMaster) {
      const req: SetStatus = { kind: 'SET_STATUS', host: self, state: 'ONLINE', roles, activeMaster };
      const reply = await setStatus(ctx, req, { connSeq: ++seq });
      return encodeAgentReply({ ...reply, uptime: 0 }).replace(/\|UP:[\d.]+$/, '');
    },
    close: async () => {
      await healthWatch.stop();
      await ctx.mysql.close?.();
    },
  };
}

async function vars(db: TestMariadb): Promise<Record<string, string>> {
  const rows = (await db.sql("SHOW GLOBAL VARIABLES LIKE 'rpl_semi_sync%'")) as { Variable_name: string; Value: string }[];
  const st = (await db.sql("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync%'")) as { Variable_name: string; Value: string }[];
  return Object.fromEntries([...rows, ...st].map((r) => [r.Variable_name, r.Value]));
}

async function until(what: string, ms: number, f: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** MariaDB's defaults: what async must leave alone, and where each case starts. */
async function resetSemisync(db: TestMariadb): Promise<void> {
  for (const q of [
    'SET GLOBAL rpl_semi_sync_master_enabled = 0', "SET GLOBAL rpl_semi_sync_master_wait_point = 'AFTER_COMMIT'",
    'SET GLOBAL rpl_semi_sync_master_timeout = 10000', 'SET GLOBAL rpl_semi_sync_slave_enabled = 0',
  ]) await db.sql(q);
}

describe('agent: durability semisync against real MariaDB (SET_STATUS, GET_HEALTH)', function () {
  this.timeout(120_000);
  let db1: TestMariadb;
  let db3: TestMariadb;
  const agents: Agent[] = [];
  const SEMI = 'durability semisync\nsemisync_timeout 4';

  before(async function () {
    const why = mariadbAvailable();
    if (why) {
      console.log(`    skipped: ${why}`);
      return this.skip();
    }
    [db1, db3] = await Promise.all([startMariadb(41), startMariadb(43)]);
    for (const db of [db1, db3]) {
      const c = await db.root(); // one session: sql_log_bin=0 keeps the accounts out of the binlog
      try {
        for (const q of [
          'SET sql_log_bin=0',
          `CREATE USER 'repl'@'127.0.0.1' IDENTIFIED BY 'replpw'`,
          `GRANT REPLICATION SLAVE ON *.* TO 'repl'@'127.0.0.1'`,
          `CREATE USER 'mmm_agent'@'localhost' IDENTIFIED BY 'agentpw'`,
          `GRANT ${grantList('agent', 'mariadb', { semisync: true }).join(', ')} ON *.* TO 'mmm_agent'@'localhost'`,
        ]) await c.query(q);
      } finally {
        await c.end();
      }
    }
  });

  after(async () => {
    await Promise.all(agents.splice(0).map((a) => a.close()));
    await Promise.all([db1, db3].filter(Boolean).map((d) => d.stop()));
  });

  const agent = (self: string, durability: string): Agent => {
    const a = agentFor(self, db1, db3, durability);
    agents.push(a);
    return a;
  };

  it('the semi-sync variables are built in (MariaDB ≥ 10.3: no plugin to install) and off by default', async () => {
    const v = await vars(db1);
    expect(v).to.include({ rpl_semi_sync_master_enabled: 'OFF', rpl_semi_sync_slave_enabled: 'OFF', rpl_semi_sync_master_wait_point: 'AFTER_COMMIT' });
    const plugins = (await db1.sql("SELECT COUNT(*) AS n FROM information_schema.PLUGINS WHERE PLUGIN_NAME LIKE 'rpl_semi_sync%'")) as { n: number }[];
    expect(Number(plugins[0]!.n)).to.equal(0);
  });

  it('writer status: master side on with AFTER_SYNC and semisync_timeout, before read_only=0', async () => {
    const a1 = agent('db1', SEMI);
    expect(await a1.set([W], 'db1')).to.equal('OK: Status applied successfully!');
    expect(await vars(db1)).to.include({
      rpl_semi_sync_master_enabled: 'ON', rpl_semi_sync_master_wait_point: 'AFTER_SYNC', rpl_semi_sync_master_timeout: '4000', rpl_semi_sync_slave_enabled: 'ON',
    });
    expect(Number(((await db1.sql('SELECT @@global.read_only AS r')) as { r: number }[])[0]!.r)).to.equal(0);
    // a repeated status changes nothing (and says OK)
    expect(await a1.set([W], 'db1')).to.equal('OK: Status applied successfully!');
  });

  it('replica status: re-pointed with the replica side on; the writer waits for its acknowledgement (yes_tx grows)', async () => {
    const a3 = agent('db3', SEMI);
    expect(await a3.set([R1], 'db1')).to.equal('OK: Status applied successfully!');
    expect(await vars(db3)).to.include({ rpl_semi_sync_slave_enabled: 'ON', rpl_semi_sync_master_enabled: 'OFF' });
    await until('db3 acknowledging (Rpl_semi_sync_slave_status ON, master clients 1)', 10_000, async () =>
      (await vars(db3)).Rpl_semi_sync_slave_status === 'ON' && (await vars(db1)).Rpl_semi_sync_master_clients === '1');
    const before = Number((await vars(db1)).Rpl_semi_sync_master_yes_tx);
    await db1.sql('CREATE DATABASE IF NOT EXISTS semi');
    await db1.sql('CREATE TABLE IF NOT EXISTS semi.t (id INT PRIMARY KEY)');
    await db1.sql('INSERT INTO semi.t VALUES (1)');
    const after = await vars(db1);
    expect(Number(after.Rpl_semi_sync_master_yes_tx)).to.be.at.least(before + 3);
    expect(after.Rpl_semi_sync_master_status).to.equal('ON');
  });

  it('GET_HEALTH reports both sides: the writer acknowledged by 1 replica, the replica acknowledging', async () => {
    const h1 = toAgentHealth(await agents[0]!.health.latest());
    expect(h1).to.include({ writable: true, semisyncMaster: true, semisyncMasterStatus: true, semisyncMasterClients: 1, semisyncSlave: true });
    expect(h1.semisyncMasterYesTx).to.be.at.least(3);
    const h3 = toAgentHealth(await agents[1]!.health.latest());
    expect(h3).to.include({ writable: false, semisyncMaster: false, semisyncMasterStatus: false, semisyncSlave: true, semisyncSlaveStatus: true });
  });

  it('a replica whose IO thread connected without semi-sync (set off by hand): the next status restarts the IO thread', async () => {
    await db3.sql('SET GLOBAL rpl_semi_sync_slave_enabled = 0');
    await db3.sql('STOP SLAVE IO_THREAD');
    await db3.sql('START SLAVE IO_THREAD');
    await until('db1 without a semi-sync client', 10_000, async () => (await vars(db1)).Rpl_semi_sync_master_clients === '0');
    expect(await agents[1]!.set([R1], 'db1')).to.equal('OK: Status applied successfully!');
    await until('db3 acknowledging again', 10_000, async () => (await vars(db1)).Rpl_semi_sync_master_clients === '1');
    expect((await vars(db3)).Rpl_semi_sync_slave_status).to.equal('ON');
  });

  it('demotion: the master side off', async () => {
    expect(await agents[0]!.set([], 'db2')).to.equal('OK: Status applied successfully!');
    expect(await vars(db1)).to.include({ rpl_semi_sync_master_enabled: 'OFF', Rpl_semi_sync_master_status: 'OFF', rpl_semi_sync_slave_enabled: 'ON' });
    expect(Number(((await db1.sql('SELECT @@global.read_only AS r')) as { r: number }[])[0]!.r)).to.equal(1);
  });

  it('demotion while a commit waits for an acknowledgement: read_only=1 waits for it, so the agent ends the client (a lost connection, not an OK) and sets it', async () => {
    const a1 = agent('db1', 'durability semisync\nsemisync_timeout 60');
    expect(await a1.set([W], 'db1')).to.equal('OK: Status applied successfully!');
    await db3.sql('STOP SLAVE IO_THREAD');
    await until('db1 without a semi-sync client', 10_000, async () => (await vars(db1)).Rpl_semi_sync_master_clients === '0');
    const client = await db1.root();
    const t0 = Date.now();
    const outcome = client.query('INSERT INTO semi.t VALUES (2)').then(() => 'acknowledged', (e: Error) => `error: ${e.message}`);
    await until('the INSERT waiting for an acknowledgement', 5_000, async () => {
      const rows = (await db1.sql("SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE STATE LIKE 'Waiting for semi-sync ACK%'")) as { n: number }[];
      return Number(rows[0]!.n) === 1;
    });
    const reply = await a1.set([], 'db2');
    const got = await outcome;
    console.log(`      demotion answered after ${Date.now() - t0} ms (the agent's read_only bound is 5 s; semisync_timeout 60 s)`);
    client.destroy();
    expect(reply).to.equal('OK: Status applied successfully!');
    expect(got).to.match(/^error: /);
    expect(Number(((await db1.sql('SELECT @@global.read_only AS r')) as { r: number }[])[0]!.r)).to.equal(1);
    expect((await vars(db1)).rpl_semi_sync_master_enabled).to.equal('OFF');
    await db3.sql('START SLAVE IO_THREAD');
    agents.splice(agents.indexOf(a1), 1);
    await a1.close();
  });

  it('durability async: the same statuses touch no semi-sync variable (MMM), and GET_HEALTH has no semi-sync key', async () => {
    await Promise.all(agents.splice(0).map((a) => a.close()));
    await Promise.all([resetSemisync(db1), resetSemisync(db3)]);
    const before = [await vars(db1), await vars(db3)].map((v) => Object.fromEntries(Object.entries(v).filter(([k]) => k.startsWith('rpl_'))));
    const a1 = agent('db1', '');
    const a3 = agent('db3', '');
    await db3.sql('STOP SLAVE');
    await db3.sql('RESET SLAVE ALL'); // so that the replica status re-points it
    expect(await a1.set([W], 'db1')).to.equal('OK: Status applied successfully!');
    expect(await a3.set([R1], 'db1')).to.equal('OK: Status applied successfully!');
    await until('db3 replicating from db1 again', 10_000, async () => ((await db3.sql('SHOW SLAVE STATUS')) as { Slave_IO_Running: string }[])[0]?.Slave_IO_Running === 'Yes');
    expect(await a1.set([], 'db2')).to.equal('OK: Status applied successfully!');
    const now = [await vars(db1), await vars(db3)].map((v) => Object.fromEntries(Object.entries(v).filter(([k]) => k.startsWith('rpl_'))));
    expect(now).to.deep.equal(before);
    expect(Object.keys(toAgentHealth(await a1.health.latest())).filter((k) => k.startsWith('semisync'))).to.deep.equal([]);
  });

  it('without REPLICATION MASTER ADMIN the writer status says ERROR naming the step and the privilege, and the writer is promoted anyway', async () => {
    await Promise.all(agents.splice(0).map((a) => a.close()));
    await resetSemisync(db1);
    await db1.sql('SET GLOBAL read_only = 1');
    await db1.sql(`REVOKE REPLICATION MASTER ADMIN ON *.* FROM 'mmm_agent'@'localhost'`);
    try {
      const a1 = agent('db1', SEMI);
      const reply = await a1.set([W], 'db1');
      expect(reply).to.match(/^ERROR: Status not fully applied: failed: semi-sync master on \(AFTER_SYNC, timeout 4000 ms\) \(.*REPLICATION MASTER ADMIN/);
      expect(reply).to.not.match(/skipped/);
      expect(Number(((await db1.sql('SELECT @@global.read_only AS r')) as { r: number }[])[0]!.r)).to.equal(0);
      expect((await vars(db1)).rpl_semi_sync_master_enabled).to.equal('OFF');
    } finally {
      await db1.sql(`GRANT REPLICATION MASTER ADMIN ON *.* TO 'mmm_agent'@'localhost'`);
    }
  });
});
