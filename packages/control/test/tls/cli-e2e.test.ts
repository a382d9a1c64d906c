// mmm_tls end to end, the built binary as a child process: init-ca → issue → configs →
// `verify --secure` against REAL running mmmd_agent processes (and a fake monitor for the
// control config) exits 0; a world-readable key exits 2; a certificate expiring in 10 days exits 1.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig, type Listener } from '@mmm/common';
import { type FakeMysql, fakeMonitor, makeTestCluster, rmDir, runTls, startAgent, startFakeMysql, type AgentProcess, type TestCluster } from './helpers';

describe('mmm_tls end to end (built binary, real agents)', function () {
  this.timeout(120_000);
  let admin: string;
  let cluster: TestCluster;
  const agents: Partial<Record<'db1' | 'db2', AgentProcess>> = {};
  let monitor: Listener | undefined;
  let servers: FakeMysql | undefined;

  const ok = (r: { status: number | null; stdout: string; stderr: string }, code: number): void => {
    expect(r.status, `exit status\n${r.stdout}\n${r.stderr}`).to.equal(code);
  };

  before(async () => {
    admin = fs.mkdtempSync(path.join(os.tmpdir(), 'mmm-tls-admin-'));
    cluster = await makeTestCluster({ makeCerts: false });
    ok(await runTls(['init-ca', path.join(admin, 'ca'), '--cn', 'E2E CA']), 0);
    const ca = ['--ca', path.join(admin, 'ca'), '--out', path.join(admin, 'out')];
    ok(await runTls(['issue', ...ca, '--name', 'db1', '--ip', cluster.hosts.db1.ip, '--role', 'agent']), 0);
    ok(await runTls(['issue', ...ca, '--name', 'db2', '--ip', cluster.hosts.db2.ip, '--dns', 'db2.local', '--role', 'agent']), 0);
    ok(await runTls(['issue', ...ca, '--name', 'monitor', '--ip', '127.0.0.1', '--role', 'monitor']), 0);
    ok(await runTls(['issue', ...ca, '--name', 'control', '--role', 'control', '--days', '90']), 0);
    // the MariaDB servers' certificates (stand-ins serve them: fake-mysql.ts)
    for (const h of ['db1', 'db2'] as const) ok(await runTls(['issue', ...ca, '--name', `${h}-mysql`, '--ip', cluster.hosts[h].ip, '--role', 'mysql']), 0);
    const pem = (f: string): string => fs.readFileSync(path.join(admin, 'out', f), 'utf8');
    servers = await startFakeMysql(
      (['db1', 'db2'] as const).map((h) => ({ ip: cluster.hosts[h].ip, port: cluster.mysql.port, cert: pem(`${h}-mysql.crt`), key: pem(`${h}-mysql.key`) })),
      cluster.mysql.socket,
    );
    // "Copy": ca.crt and each host's pair (never ca.key) into the folder the configs name.
    fs.copyFileSync(path.join(admin, 'ca', 'ca.crt'), path.join(cluster.dir, 'ca.crt'));
    for (const n of ['db1', 'db2', 'monitor', 'control']) {
      for (const ext of ['crt', 'key']) fs.copyFileSync(path.join(admin, 'out', `${n}.${ext}`), path.join(cluster.dir, `${n}.${ext}`));
      fs.chmodSync(path.join(cluster.dir, `${n}.key`), 0o600);
    }
    agents.db1 = await startAgent(cluster.hosts.db1.conf);
    agents.db2 = await startAgent(cluster.hosts.db2.conf);
    monitor = await fakeMonitor(loadConfig({ program: 'monitor', file: cluster.monitor.conf }).config);
  });
  after(async () => {
    await monitor?.close();
    await Promise.all(Object.values(agents).map((a) => a?.stop()));
    await servers?.close();
    rmDir(admin);
    rmDir(cluster?.dir);
  });

  it('--help shows the usage and every subcommand', async () => {
    const r = await runTls(['--help']);
    ok(r, 0);
    expect(r.stdout).to.match(/^Usage: mmm_tls /m);
    for (const c of ['init-ca', 'issue', 'show', 'verify']) expect(r.stdout).to.include(c);
  });

  it('init-ca refuses to overwrite the CA, and the CA key is 0600', async () => {
    expect(fs.statSync(path.join(admin, 'ca', 'ca.key')).mode & 0o777).to.equal(0o600);
    const r = await runTls(['init-ca', path.join(admin, 'ca')]);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/ca\.crt exists: refusing to overwrite/);
  });

  it('show on a key or a missing file: exit 1 with one line, no stack trace; an unknown option: exit 2', async () => {
    const key = await runTls(['show', path.join(admin, 'ca', 'ca.key')]);
    expect(key).to.deep.include({ status: 1, stdout: '' });
    expect(key.stderr).to.equal(`mmm_tls: ${path.join(admin, 'ca', 'ca.key')} holds a private key, not a certificate (show the .crt that belongs to it)\n`);
    const missing = await runTls(['show', path.join(admin, 'nope.crt')]);
    expect(missing).to.deep.include({ status: 1, stdout: '', stderr: `mmm_tls: cannot read ${path.join(admin, 'nope.crt')}: ENOENT\n` });
    const bogus = await runTls(['show', '--bogus', 'x.crt']);
    expect(bogus.status).to.equal(2);
    expect(bogus.stderr).to.match(/unknown option '--bogus'/);
  });

  it('show prints what issue wrote', async () => {
    const r = await runTls(['show', path.join(admin, 'out', 'db2.crt')]);
    ok(r, 0);
    expect(r.stdout).to.match(/^SANs: +127\.0\.0\.2, db2\.local, urn:mmm:role:agent$/m);
    expect(r.stdout).to.match(/^EKU: +serverAuth, clientAuth$/m);
    expect(r.stdout).to.match(/^issuer: +CN=E2E CA$/m);
  });

  it('verify --secure exits 0 for the monitor config: a handshake and a PING to every real agent', async () => {
    const r = await runTls(['verify', '--secure', '-c', cluster.monitor.conf]);
    ok(r, 0);
    expect(r.stdout).to.match(/^OK handshake db1: db1 \(127\.0\.0\.1:\d+\): TLSv1\.3, server CN=db1/m);
    expect(r.stdout).to.match(/^OK ping db1: OK: Pinged!\|UP:/m);
    expect(r.stdout).to.match(/^OK ping db2: OK: Pinged!\|UP:/m);
    expect(r.stdout).to.match(/^OK mysql db2: db2 \(127\.0\.0\.2:\d+\): TLSv1\.3, server certificate CN=db2-mysql verified against .*ca\.crt for 127\.0\.0\.2, \d+ days left$/m);
    for (const l of r.stdout.trim().split('\n')) expect(l).to.match(/^OK /);
  });

  it('verify --secure exits 0 for an agent config (its own listener and its peer master) and the control config', async () => {
    const a = await runTls(['verify', '--secure', '-c', cluster.hosts.db2.conf]);
    ok(a, 0);
    expect(a.stdout).to.match(/^OK ping db2: OK: Pinged!/m);
    expect(a.stdout).to.match(/^OK ping db1: OK: Pinged!/m);
    expect(a.stdout).to.match(/^OK mysql local: db2: the agent reaches its server over the unix socket .*mysqld\.sock \(never on the network\)$/m);
    expect(a.stdout).to.match(/^OK replication in: db2: no replication configured$/m);
    expect(a.stdout).to.match(/^OK replication from db1: db1 \(127\.0\.0\.1:\d+\): TLSv1\.3, server certificate CN=db1-mysql/m);
    const c = await runTls(['verify', '--secure', '-c', cluster.controlConf]);
    ok(c, 0);
    expect(c.stdout).to.match(/^OK eku client_cert_file: clientAuth \(needs clientAuth\)$/m);
    expect(c.stdout).to.match(/^OK ping monitor: OK: Pinged successfully!$/m);
  });

  it('a world-readable key: FAIL and exit 1', async () => {
    const key = path.join(cluster.dir, 'monitor.key');
    fs.chmodSync(key, 0o644);
    try {
      const r = await runTls(['verify', '-c', cluster.monitor.conf]);
      ok(r, 1);
      expect(r.stdout).to.match(/^FAIL key mode key_file: .*monitor\.key is readable by other users \(mode 0644\).*chmod 600/m);
    } finally {
      fs.chmodSync(key, 0o600);
    }
  });

  it('a certificate expiring in 10 days: WARN and exit 5 (warnings only), in its own config and (after SIGHUP) seen by the monitor', async () => {
    ok(await runTls(['issue', '--ca', path.join(admin, 'ca'), '--out', path.join(admin, 'short'), '--name', 'db2', '--ip', cluster.hosts.db2.ip, '--role', 'agent', '--days', '10']), 0);
    for (const ext of ['crt', 'key']) fs.copyFileSync(path.join(admin, 'short', `db2.${ext}`), path.join(cluster.dir, `db2.${ext}`));
    fs.chmodSync(path.join(cluster.dir, 'db2.key'), 0o600);
    const own = await runTls(['verify', '-c', cluster.hosts.db2.conf]);
    ok(own, 5);
    expect(own.stdout).to.match(/^WARN expiry cert_file: own certificate CN=db2 expires in (9|10) days .*\(warning at 30\)$/m);
    expect(own.stdout.split('\n').filter((l) => /^(WARN|FAIL)/.test(l))).to.have.length(1);

    const from = agents.db2!.log().length;
    process.kill(agents.db2!.pid, 'SIGHUP');
    await agents.db2!.waitForLog(/TLS material reloaded/, 10_000, from);
    const mon = await runTls(['verify', '--secure', '-c', cluster.monitor.conf]);
    ok(mon, 5);
    expect(mon.stdout).to.match(/^WARN peer expiry db2: server certificate CN=db2 expires in (9|10) days$/m);
    expect(mon.stdout).to.match(/^OK ping db2: OK: Pinged!/m);
  });

  it('verify --secure FAILs (exit 1) when an agent is down', async () => {
    await agents.db1!.stop();
    const r = await runTls(['verify', '--secure', '-c', cluster.monitor.conf, '--timeout', '3000ms']);
    ok(r, 1);
    expect(r.stdout).to.match(/^FAIL handshake db1: db1 \(127\.0\.0\.1:\d+\): .*ECONNREFUSED/m);
  });
});
