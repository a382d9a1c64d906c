// `mmm_tls grants` (the BUILT binary) against a real MariaDB 10.11 cluster with TLS (the DB layer's
// CA as mysql_ssl_ca): a monitor account with REPLICATION CLIENT only (what MMM 2.x's example
// config says) is reported per host with SLAVE MONITOR and the GRANT that fixes it, exit 1; after
// that GRANT, exit 0; an account at '%' without REQUIRE SSL is warned with ALTER/RENAME USER; the
// DB layer's own accounts (agent at localhost over the socket, monitor and replication REQUIRE SSL
// over TLS) get no warning; a server that does not answer, exit 3.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type DbCluster, type DbNode, findBinary, queries, startDbCluster } from '../../packages/sandbox/src';
import { freePort } from '../helpers/free-port';

const MMM_TLS = resolve(__dirname, '../../packages/control/bin/mmm_tls.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function mmmTls(args: string[]): Promise<Run> {
  return new Promise((res) => {
    execFile(process.execPath, [MMM_TLS, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: unknown }).code as number | null) : 0;
      res({ code: typeof code === 'number' ? code : null, stdout, stderr });
    });
  });
}

async function onEvery(nodes: readonly DbNode[], statements: string[]): Promise<void> {
  await Promise.all(nodes.map((n) => queries(n, ['SET SESSION sql_log_bin = 0', ...statements])));
}

/** `ca`: mysql_ssl_ca (the DB layer's CA), so the tool logs in over TLS as the programs do. */
function hostSections(nodes: readonly DbNode[], ca: string, port?: (n: DbNode) => number): string {
  return nodes
    .map((n) => {
      const peer = n.name === 'db1' ? 'db2' : n.name === 'db2' ? 'db1' : undefined;
      return [
        `<host ${n.name}>`, `    ip ${n.ip}`, `    mysql_port ${port ? port(n) : n.port}`, `    mysql_socket ${n.socket}`, `    mysql_ssl_ca ${ca}`, `    mode ${n.mode}`,
        ...(peer ? [`    peer ${peer}`] : []), '</host>',
      ].join('\n');
    })
    .join('\n');
}

describe('mmm_tls grants against real MariaDB 10.11', function () {
  this.timeout(180_000);
  let dir = '';
  let cl: DbCluster | undefined;
  const ROLE = '<role writer>\n    hosts db1, db2\n    ips 192.0.2.100\n    mode exclusive\n</role>\n';

  const writeConf = (name: string, text: string): string => {
    const f = join(dir, name);
    writeFileSync(f, text);
    chmodSync(f, 0o600);
    return f;
  };
  const monConf = (user: string, password: string, port?: (n: DbNode) => number): string =>
    writeConf(
      `mmm_mon_${user}.conf`,
      `active_master_role writer\n<monitor>\n    ip 127.0.0.1\n    ping_ips 127.0.0.1\n</monitor>\n` +
        `<host default>\n    monitor_user ${user}\n    monitor_password ${password}\n</host>\n${hostSections(cl!.nodes, cl!.mysqlCa!, port)}\n${ROLE}`,
    );

  before(async function () {
    try {
      findBinary('mariadbd');
    } catch (e) {
      console.log(`    skipped: ${(e as Error).message}`);
      return this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'mmm-grants-'));
    cl = await startDbCluster({ dir: join(dir, 'db'), replicas: 1 });
    await onEvery(cl.nodes, [
      `CREATE USER 'gt_weak'@'%' IDENTIFIED BY 'weak-pw'`,
      `GRANT REPLICATION CLIENT ON *.* TO 'gt_weak'@'%'`,
      `CREATE USER 'gt_mon'@'%' IDENTIFIED BY 'mon-pw'`,
      `GRANT SLAVE MONITOR ON *.* TO 'gt_mon'@'%'`,
    ]);
  });

  after(async () => {
    await cl?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('monitor with REPLICATION CLIENT only: every host FAILs naming SLAVE MONITOR and the GRANT; exit 1', async () => {
    const r = await mmmTls(['grants', '-c', monConf('gt_weak', 'weak-pw')]);
    expect(r.code, r.stdout + r.stderr).to.equal(1);
    for (const n of cl!.nodes) {
      expect(r.stdout).to.match(new RegExp(`^FAIL monitor@${n.name}: 'gt_weak'@'%' on ${n.ip.replace(/\./g, '\\.')}:${n.port} \\(MariaDB 10\\.\\d+\\.\\d+\\) lacks SLAVE MONITOR, needed for SHOW SLAVE STATUS`, 'm'));
      expect(r.stdout).to.include(`    fix on ${n.name}: GRANT SLAVE MONITOR ON *.* TO 'gt_weak'@'%';\n`);
    }
    expect(r.stdout).to.include('the server refused SHOW SLAVE STATUS: Access denied; you need (at least one of) the SUPER, SLAVE MONITOR privilege(s) for this operation');
    expect(r.stdout).to.match(/^FAIL: 3 of 3 accounts lack something: run each fix on the server it names/m);
  });

  it('after the GRANT it names: OK per host (the unused REPLICATION CLIENT a WARN); exit 0', async () => {
    await onEvery(cl!.nodes, [`GRANT SLAVE MONITOR ON *.* TO 'gt_weak'@'%'`]);
    const r = await mmmTls(['grants', '-c', monConf('gt_weak', 'weak-pw')]);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.not.match(/^FAIL/m);
    for (const n of cl!.nodes) expect(r.stdout).to.match(new RegExp(`^OK monitor@${n.name}: 'gt_weak'@'%' .* has SLAVE MONITOR \\(SHOW SLAVE STATUS ran\\)$`, 'm'));
    expect(r.stdout).to.match(/^WARN monitor@db1: .* also holds BINLOG MONITOR \(what MariaDB 10\.5\+ calls REPLICATION CLIENT\)/m);
  });

  it("monitor with exactly SLAVE MONITOR at '%', no REQUIRE SSL: OK per host, each WARNed with the statements that narrow it; exit 0", async () => {
    const r = await mmmTls(['grants', '-c', monConf('gt_mon', 'mon-pw')]);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout.trim().split('\n').filter((l) => !/^(WARN|    fix)/.test(l))).to.have.length(4);
    expect(r.stdout).to.match(/^OK: every account has what mmm needs \(3 checked\)$/m);
    for (const n of cl!.nodes) {
      expect(r.stdout).to.include(`    fix on ${n.name}: ALTER USER 'gt_mon'@'%' REQUIRE SSL;\n`);
      expect(r.stdout).to.include(`    fix on ${n.name}: RENAME USER 'gt_mon'@'%' TO 'gt_mon'@'127.0.0.1';\n`);
    }
    expect(r.stdout).to.not.match(/logged in without TLS/); // mysql_ssl_ca: the tool used TLS, as the monitor does
  });

  it("the DB layer's own monitor account (127.0.0.1, REQUIRE SSL) over TLS: OK only", async () => {
    const m = cl!.credentials.monitor;
    const r = await mmmTls(['grants', '-c', monConf(m.user, m.password)]);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout.trim().split('\n'), r.stdout).to.have.length(4);
  });

  it('agent config (the sandbox\'s agent and replication accounts): OK, exit 0', async () => {
    const c = cl!.credentials;
    const f = writeConf(
      'mmm_agent.conf',
      `active_master_role writer\nthis db3\n<host default>\n    cluster_interface lo\n    agent_user ${c.agent.user}\n    agent_password ${c.agent.password}\n` +
        `    replication_user ${c.replication.user}\n    replication_password ${c.replication.password}\n</host>\n${hostSections(cl!.nodes, cl!.mysqlCa!)}\n${ROLE}`,
    );
    const r = await mmmTls(['grants', '-c', f]);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^OK agent@db3: 'mmm_agent'@'localhost' on \S+\/db3\/mysqld\.sock .* has READ_ONLY ADMIN, CONNECTION ADMIN, PROCESS, SLAVE MONITOR, REPLICATION SLAVE ADMIN \(SHOW ALL SLAVES STATUS ran\)$/m);
    expect(r.stdout, 'socket, TLS, REQUIRE SSL and narrow hosts: nothing to warn about').to.not.match(/^WARN/m);
    expect(r.stdout).to.match(/^OK replication@db1: .* has REPLICATION SLAVE$/m);
    expect(r.stdout).to.match(/^OK replication@db2: .* has REPLICATION SLAVE$/m);
    expect(r.stdout).to.not.match(/^OK replication@db3/m); // db3 is no master: nobody replicates from it
  });

  it('a server that does not answer cannot be checked: exit 3', async () => {
    const closed = await freePort(cl!.node('db2').ip);
    const r = await mmmTls(['grants', '--timeout', '2', '-c', monConf('gt_mon', 'mon-pw', (n) => (n.name === 'db2' ? closed : n.port))]);
    expect(r.code, r.stdout + r.stderr).to.equal(3);
    expect(r.stdout).to.match(/^FAIL monitor@db2: cannot check: no session on /m);
    expect(r.stdout).to.match(/^FAIL: 1 of 3 accounts could not be checked$/m);
  });
});
