// The legacy-agent double against real MariaDB 10.11 and a real TLS client: it must behave as
// MMM 2.2.1's agent is documented to (mmm-interop.md, mmm-wire.md, mmm.md), or the mixed-cluster
// tests built on it prove nothing. As root the nodes and the doubles live in network namespaces
// and the interface tests run; otherwise they are skipped with the reason printed.
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import mysql from 'mysql2/promise';
import {
  execInNs, findBinary, processAlive, query, readOnly, setReadOnly, slaveStatus, TEST_SCHEMA, vipsOf, waitFor,
} from '@mmm/sandbox';
import { LegacyRig } from './rig';
import { waitForLog } from './process';
import { PERL_DEATH } from './wire';

const UP = /\|UP:\d+(\.\d+)?$/;
const strip = (reply: string): string => reply.replace(UP, '');

describe('legacy-agent double: an MMM 2.2.1 agent on real MariaDB (TLS)', function () {
  this.timeout(240_000);
  let rig: LegacyRig | undefined;
  const r = (): LegacyRig => rig!;
  const send = async (name: string, line: string): Promise<string> => {
    const reply = await r().send(name, line);
    expect(reply, `${line} → ${reply}`).to.match(UP);
    return strip(reply);
  };
  const figures: string[] = [];
  const netnsOnly = function (this: Mocha.Context): void {
    if (!r().netns) {
      console.log('    skipped: interface side effects need root and network namespaces (this run is on loopback with --no-ip)');
      this.skip();
    }
  };

  before(async function () {
    try {
      findBinary('mariadbd');
    } catch (e) {
      console.log(`    skipped: ${(e as Error).message}`);
      return this.skip();
    }
    if (!existsSync(resolve(__dirname, '../../packages/common/dist/index.js'))) {
      console.log('    skipped: @mmm/common is not built (npm run build)');
      return this.skip();
    }
    rig = await LegacyRig.start();
    await Promise.all(['db1', 'db2', 'db3'].map((n) => r().startAgent(n)));
  });

  afterEach(function () {
    if (this.currentTest?.state !== 'failed' || !rig) return;
    for (const n of ['db1', 'db2', 'db3']) console.log(`    --- ${n} legacy-agent log (tail) ---\n${r().log(n).trim().split('\n').slice(-25).join('\n')}`);
  });

  after(async () => {
    if (figures.length) console.log(`    figures: ${figures.join('; ')}`);
    await rig?.stop();
  });

  it("answers MMM's texts, each followed by |UP:<uptime>, and logs each answer", async () => {
    expect(await send('db1', 'PING|1|db1')).to.equal('OK: Pinged!');
    expect(await send('db1', 'GET_AGENT_STATUS|1|db1')).to.equal('OK: Returning status!|UNKNOWN||');
    expect(await send('db1', 'PING|1|db2')).to.equal("ERROR: Invalid hostname in command (db2)! My name is 'db1'");
    expect(await send('db1', 'PING')).to.equal("ERROR: Invalid command 'PING'!");
    expect(await send('db1', 'FOO|1|db1')).to.equal("ERROR: Invalid command 'FOO'!");
    expect(await send('db1', 'PING|2|db1|ignored')).to.equal('OK: Pinged!');
    expect(await send('db1', 'CLEAR_BAD_ROLES|1|db1')).to.equal('OK: Removed 0 roles');
    // db1 replicates from db2 and is read_only: not writable, no role IP, master = db2's ip
    expect(await send('db1', 'GET_SYSTEM_STATUS|1|db1')).to.equal(`OK: Returning status!|||${r().node('db2').ip}`);
    await waitForLog(r().logFile('db1'), /DEBUG Daemon: Answer = 'OK: Pinged!'$/);
    await waitForLog(r().logFile('db1'), /WARN Version in command 'PING\|2\|db1\|ignored'/);
  });

  it("answers our extension commands with MMM's Invalid command, as a 2.2.1 agent does", async () => {
    expect(await send('db2', 'GET_GTID|1|db2')).to.equal("ERROR: Invalid command 'GET_GTID'!");
    expect(await send('db2', 'WAIT_GTID|1|db2|0-1-5|10000')).to.equal("ERROR: Invalid command 'WAIT_GTID'!");
    expect(await send('db2', 'GET_HEALTH|1|db2')).to.equal("ERROR: Invalid command 'GET_HEALTH'!");
    await waitForLog(r().logFile('db2'), /Daemon: Answer = 'ERROR: Invalid command 'GET_HEALTH'!'$/);
  });

  it('answers several lines on one connection, and serves one connection at a time', async () => {
    const both = await r().exchange('db3', ['PING|1|db3', 'GET_AGENT_STATUS|1|db3']);
    expect(both.map((x) => strip(x.reply))).to.deep.equal(['OK: Pinged!', 'OK: Returning status!|UNKNOWN||']);
    // A holds a connection (handshake done, one answer), C comes and goes, then B asks: B must be
    // answered only after A has gone, whatever the timing.
    const events: string[] = [];
    const a = await r().holdOpen('db3');
    const c = await r().rawConnect('db3'); // queued behind A, gives up before its turn
    c.destroy();
    const b = r().exchange('db3', ['PING|1|db3']).then((x) => events.push(`B answered ${strip(x[0]!.reply)}`));
    await new Promise((res) => setTimeout(res, 300)); // gives a concurrent server every chance to answer B first
    events.push('A closing');
    a.destroy();
    await b;
    expect(events).to.deep.equal(['A closing', 'B answered OK: Pinged!']);
  });

  it('TLS: refuses a client without certificate, one from another CA, and plain TCP', async () => {
    const none = await r().exchange('db1', ['PING|1|db1'], { cert: 'none' });
    expect(none[0]!.reply).to.equal('');
    expect(none[0]!.error).to.match(/certificate required/);
    const rogue = await r().exchange('db1', ['PING|1|db1'], { cert: 'rogue' });
    expect(rogue[0]!.reply).to.equal('');
    expect(rogue[0]!.error).to.be.a('string');
    const plain = await r().exchange('db1', ['PING|1|db1'], { socket: 'plain' });
    expect(plain[0]).to.deep.equal({ reply: '', error: 'closed without reply' });
    expect(await send('db1', 'PING|1|db1')).to.equal('OK: Pinged!'); // and still serves
  });

  it('SET_STATUS with the writer role: read_only=0 (and the VIPs); without it: read_only=1 and client threads killed', async () => {
    const { writer, readers } = r().vips;
    const db1 = r().node('db1');
    expect(await readOnly(db1)).to.equal(true);
    expect(await send('db1', `SET_STATUS|1|db1|ONLINE|reader(${readers[0]}),writer(${writer})|db1`)).to.equal('OK: Status applied successfully!');
    expect(await readOnly(db1)).to.equal(false);
    expect(await send('db1', 'GET_AGENT_STATUS|1|db1')).to.equal(`OK: Returning status!|ONLINE|reader(${readers[0]}),writer(${writer})|`);
    if (r().netns) {
      expect((await vipsOf(db1)).sort()).to.deep.equal([readers[0], writer].sort());
      expect(await send('db1', 'GET_SYSTEM_STATUS|1|db1')).to.equal(
        `OK: Returning status!|1|writer(${writer}),reader(${readers[0]})|${r().node('db2').ip}`);
    }
    const app = await appConnection(r(), 'db1');
    await app.conn.query(`INSERT INTO \`${TEST_SCHEMA}\`.t (token, origin) VALUES ('legacy-w', 'db1')`);
    const t0 = Date.now();
    expect(await send('db1', `SET_STATUS|1|db1|ONLINE|reader(${readers[0]})|db2`)).to.equal('OK: Status applied successfully!');
    figures.push(`SET_STATUS dropping the writer (deny_write + kill) answered in ${Date.now() - t0} ms`);
    expect(await readOnly(db1)).to.equal(true);
    await waitFor('the application connection killed', () => app.closed(), { timeoutMs: 5_000 });
    await waitForLog(r().logFile('db1'), /mysql_deny_write: read_only=1, killed [1-9]\d* threads/);
    if (r().netns) expect(await vipsOf(db1)).to.deep.equal([readers[0]]);
    expect(await send('db1', 'SET_STATUS|1|db1|ONLINE||db2')).to.equal('OK: Status applied successfully!');
    if (r().netns) expect(await vipsOf(db1)).to.deep.equal([]);
  });

  it('re-asserts its roles after every connection (check_roles): read_only=0 again, the VIP back', async () => {
    const db2 = r().node('db2');
    const { writer } = r().vips;
    await send('db2', `SET_STATUS|1|db2|ONLINE|writer(${writer})|db2`);
    expect(await readOnly(db2)).to.equal(false);
    await setReadOnly(db2, true);
    if (r().netns) await execInNs(db2.netns!, 'ip', ['addr', 'del', `${writer}/32`, 'dev', 'eth0']);
    await send('db2', 'PING|1|db2');
    await waitFor('db2 writable again after a connection', async () => !(await readOnly(db2)), { timeoutMs: 5_000 });
    if (r().netns) await waitFor('writer VIP back on db2', async () => (await vipsOf(db2)).includes(writer), { timeoutMs: 5_000 });
    await send('db2', 'SET_STATUS|1|db2|ONLINE||db2');
    expect(await readOnly(db2)).to.equal(true);
  });

  it('a replica told of a new active master re-points replication by file/position; ADMIN_OFFLINE stops it', async () => {
    const [db1, db2, db3] = ['db1', 'db2', 'db3'].map((n) => r().node(n));
    expect((await slaveStatus(db3!))?.Master_Host).to.equal(db1!.ip);
    await send('db3', `SET_STATUS|1|db3|ONLINE|reader(${r().vips.readers[2]})|db2`);
    const s = await slaveStatus(db3!);
    expect(s?.Master_Host).to.equal(db2!.ip);
    expect(s?.Using_Gtid).to.equal('No'); // CHANGE MASTER with MASTER_LOG_FILE/POS, as MMM does
    expect(s?.Master_User).to.equal(r().db.credentials.replication.user);
    expect(await send('db3', 'GET_AGENT_STATUS|1|db3')).to.equal(`OK: Returning status!|ONLINE|reader(${r().vips.readers[2]})|db2`);
    expect(await send('db3', 'GET_SYSTEM_STATUS|1|db3')).to.match(new RegExp(`\\|${db2!.ip.replace(/\./g, '\\.')}$`));
    // a row written on db2 reaches db3 through the new link
    await query(db2!, `INSERT INTO \`${TEST_SCHEMA}\`.t (token, origin) VALUES ('legacy-repoint', 'db2')`);
    await waitFor('row from db2 on db3', async () => Number((await query(db3!, `SELECT COUNT(*) AS c FROM \`${TEST_SCHEMA}\`.t WHERE token = 'legacy-repoint'`))[0]?.c) === 1, { timeoutMs: 10_000 });
    // the same master again: no second switch
    await send('db3', `SET_STATUS|1|db3|ONLINE|reader(${r().vips.readers[2]})|db2`);
    expect(r().log('db3').split('\n').filter((l) => l.includes('set_active_master db2'))).to.have.length(1);
    await send('db3', 'SET_STATUS|1|db3|ADMIN_OFFLINE||db2');
    expect((await slaveStatus(db3!))).to.include({ Slave_IO_Running: 'No', Slave_SQL_Running: 'No' });
    await send('db3', 'SET_STATUS|1|db3|ONLINE||db2');
    await waitFor('db3 replicating again', async () => (await slaveStatus(db3!))?.Slave_IO_Running === 'Yes', { timeoutMs: 10_000 });
    await send('db3', 'SET_STATUS|1|db3|ONLINE||db1');
    expect((await slaveStatus(db3!))?.Master_Host).to.equal(db1!.ip);
  });

  it('CLEAR_BAD_ROLES removes configured role IPs on the interface it does not hold, and counts them', async function () {
    netnsOnly.call(this);
    const db3 = r().node('db3');
    const [r1, , r3] = r().vips.readers;
    const other = `${r().db.names.netns.subnet}.150`; // not a role IP: must stay
    await send('db3', `SET_STATUS|1|db3|ONLINE|reader(${r1})|db1`);
    for (const ip of [r3, other]) await execInNs(db3.netns!, 'ip', ['addr', 'add', `${ip}/32`, 'dev', 'eth0']);
    expect(await send('db3', 'GET_SYSTEM_STATUS|1|db3')).to.equal(`OK: Returning status!||reader(${r1}),reader(${r3})|${r().node('db1').ip}`);
    expect(await send('db3', 'CLEAR_BAD_ROLES|1|db3')).to.equal('OK: Removed 1 roles');
    expect((await vipsOf(db3)).sort()).to.deep.equal([r1, other].sort());
    expect(await send('db3', 'CLEAR_BAD_ROLES|1|db3')).to.equal('OK: Removed 0 roles');
    await execInNs(db3.netns!, 'ip', ['addr', 'del', `${other}/32`, 'dev', 'eth0']);
    await send('db3', 'SET_STATUS|1|db3|ONLINE||db1');
    expect(await vipsOf(db3)).to.deep.equal([]);
  });

  it('GET_SYSTEM_STATUS with mysqld down kills the worker; the angel restarts it and it has forgotten its roles (its VIPs stay)', async () => {
    const db2 = r().node('db2');
    const { writer, readers } = r().vips;
    const agent = r().agents.get('db2')!;
    const [worker] = agent.workers();
    expect(worker).to.be.a('number');
    await send('db2', `SET_STATUS|1|db2|ONLINE|reader(${readers[1]})|db2`);
    await r().db.stopNode('db2', { kill: true });
    try {
      // always OK, even though allow_write cannot reach mysqld
      expect(await send('db2', `SET_STATUS|1|db2|ONLINE|reader(${readers[1]}),writer(${writer})|db2`)).to.equal('OK: Status applied successfully!');
      await waitForLog(r().logFile('db2'), /FATAL mysql_allow_write failed/);
      expect(await send('db2', 'GET_AGENT_STATUS|1|db2')).to.equal(`OK: Returning status!|ONLINE|reader(${readers[1]}),writer(${writer})|`);
      const t0 = Date.now();
      const died = await r().exchange('db2', ['GET_SYSTEM_STATUS|1|db2']);
      expect(died[0]).to.deep.equal({ reply: '', error: 'closed without reply' });
      await waitForLog(r().logFile('db2'), new RegExp(`^${escape(PERL_DEATH)}$`));
      await waitForLog(r().logFile('db2'), /FATAL Child exited with exitcode 1, restarting after 1 second sleep$/);
      await r().waitListening('db2', 2);
      figures.push(`worker death → restarted listener ${Date.now() - t0} ms (restart delay 1 s)`);
      expect(processAlive(agent.pid), 'the angel (tracked PID) lives on').to.equal(true);
      expect(agent.workers()).to.have.length(1).and.not.include(worker);
      expect(await send('db2', 'GET_AGENT_STATUS|1|db2')).to.equal('OK: Returning status!|UNKNOWN||');
      if (r().netns) {
        // the restarted agent never removes what it held before: only CLEAR_BAD_ROLES does
        expect((await vipsOf(db2)).sort()).to.deep.equal([readers[1], writer].sort());
        expect(await send('db2', 'CLEAR_BAD_ROLES|1|db2')).to.equal('OK: Removed 2 roles');
        expect(await vipsOf(db2)).to.deep.equal([]);
      } else {
        expect(await send('db2', 'CLEAR_BAD_ROLES|1|db2')).to.equal('OK: Removed 0 roles');
      }
      // and it dies again on the next one, as long as mysqld is down
      await r().exchange('db2', ['GET_SYSTEM_STATUS|1|db2']);
      await r().waitListening('db2', 3);
    } finally {
      await r().db.startNode('db2');
    }
    expect(await send('db2', 'GET_SYSTEM_STATUS|1|db2')).to.equal(`OK: Returning status!|||${r().node('db1').ip}`);
  });

  it('a worker killed by a signal is restarted at once by the angel', async () => {
    const agent = r().agents.get('db3')!;
    const [worker] = agent.workers();
    const listening = r().log('db3').split('\n').filter((l) => l.includes('Listener: listening')).length;
    process.kill(worker!, 'SIGKILL');
    await waitForLog(r().logFile('db3'), /FATAL Child exited with signal SIGKILL, restarting$/);
    await r().waitListening('db3', listening + 1);
    expect(agent.workers()).to.have.length(1).and.not.include(worker);
    expect(await send('db3', 'GET_AGENT_STATUS|1|db3')).to.equal('OK: Returning status!|UNKNOWN||');
  });

  it('a stopped and restarted agent has forgotten its roles; SIGTERM to the angel stops its worker too', async () => {
    await send('db1', `SET_STATUS|1|db1|ONLINE|reader(${r().vips.readers[0]})|db1`);
    const old = r().agents.get('db1')!;
    const workers = old.workers();
    await r().stopAgent('db1');
    expect(processAlive(old.pid)).to.equal(false);
    for (const w of workers) expect(processAlive(w), `worker ${w}`).to.equal(false);
    await r().startAgent('db1');
    expect(await send('db1', 'GET_AGENT_STATUS|1|db1')).to.equal('OK: Returning status!|UNKNOWN||');
    if (r().netns) {
      expect(await vipsOf(r().node('db1'))).to.deep.equal([r().vips.readers[0]]);
      expect(await send('db1', 'CLEAR_BAD_ROLES|1|db1')).to.equal('OK: Removed 1 roles');
    }
  });

  it('plain sockets: an agent configured without <socket> answers plain TCP', async () => {
    await r().stopAgent('db3');
    r().writeAgentConfig('db3', 'plain');
    await r().startAgent('db3');
    expect(strip(await r().send('db3', 'PING|1|db3', { socket: 'plain' }))).to.equal('OK: Pinged!');
  });
});

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** An application connection (app account, TCP to the node); `closed()` is true once the server ended it. */
async function appConnection(rig: LegacyRig, name: string): Promise<{ conn: mysql.Connection; closed: () => Promise<boolean> }> {
  const n = rig.node(name);
  const a = rig.db.credentials.app;
  const conn = await mysql.createConnection({ host: n.ip, port: n.port, user: a.user, password: a.password, database: TEST_SCHEMA, connectTimeout: 5_000 });
  conn.on('error', () => undefined); // the kill arrives as an error event too
  const closed = (): Promise<boolean> => conn.query('SELECT 1').then(() => false, () => true);
  return { conn, closed };
}
