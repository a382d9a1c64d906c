// The sandbox's MySQL links (DESIGN §4 "MySQL links", issue 15): `up` gives MariaDB certificates
// from the sandbox CA, the monitor's checks and replication run over TLS and the agents over their
// node's socket, and the built `mmm_tls verify --secure` / `mmm_tls grants` say so (exit 0, no
// warning); a planned switch re-points the replica over TLS. `up --no-mysql-tls` is the
// comparison: the same tools warn per host that the links are in clear. Loopback mode (any user).
import { expect } from 'chai';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { queries, query, slaveStatus, waitFor } from '../src';
import { CONTROL_BIN, ROOT, cleanup, freshDir, node, sandbox, statusJson } from './sandbox-cli-helpers';

const MMM_TLS = join(ROOT, 'packages/control/bin/mmm_tls.js');
const tlsTool = (args: string[]) => node(MMM_TLS, args, 60_000);

describe('mmm_sandbox: MySQL links over TLS, and up --no-mysql-tls to compare', function () {
  this.timeout(300_000);

  describe('up (TLS, the default)', () => {
    let dir = '';
    before(async () => {
      dir = freshDir('mytls');
      const r = await sandbox(['up', '--dir', dir], 150_000);
      if (r.code !== 0) throw new Error(`up exited ${r.code}: ${r.stderr}`);
      expect(r.stdout).to.match(/^MySQL links over TLS: MariaDB certificates /m);
    });
    after(() => cleanup(dir));

    it('status says so (mysql_tls true); each server offers TLS with its own certificate', async () => {
      const s = await statusJson(dir);
      expect(s.mysql_tls).to.equal(true);
      for (const n of s.nodes) {
        const [v] = await query(n, "SHOW GLOBAL VARIABLES LIKE 'have_ssl'");
        expect(v?.Value, n.name).to.equal('YES');
      }
    });

    it('verify --secure: every MySQL link is TLS, verified against the CA and the host ip; exit 0', async () => {
      const s = await statusJson(dir);
      const mon = await tlsTool(['verify', '--secure', '-c', s.monitor.config]);
      expect(mon.code, mon.stdout + mon.stderr).to.equal(0);
      for (const n of s.nodes) {
        expect(mon.stdout).to.match(new RegExp(`^OK mysql ${n.name}: ${n.name} \\(${n.ip.replace(/\./g, '\\.')}:${n.mysql_port}\\): TLSv1\\.[23], server certificate CN=${n.name}-mysql verified against .*ca\\.crt`, 'm'));
      }
      const db3 = s.nodes.find((n) => n.name === 'db3')!;
      const ag = await tlsTool(['verify', '--secure', '-c', db3.config]);
      expect(ag.code, ag.stdout + ag.stderr).to.equal(0);
      expect(ag.stdout).to.match(/^OK mysql local: db3: the agent reaches its server over the unix socket .*db3\/mysqld\.sock/m);
      expect(ag.stdout).to.match(/^OK replication in: db3 replicates from \S+ over TLS, source verified against .*ca\.crt$/m);
      expect(ag.stdout).to.match(/^OK replication from db1: /m);
      expect(ag.stdout).to.match(/^OK replication from db2: /m);
    });

    it('grants: the accounts are what docs/accounts.md says (agent at localhost, monitor and replication REQUIRE SSL, narrow hosts): no warning', async () => {
      const s = await statusJson(dir);
      for (const conf of [s.monitor.config, s.nodes.find((n) => n.name === 'db3')!.config]) {
        const r = await tlsTool(['grants', '-c', conf]);
        expect(r.code, r.stdout + r.stderr).to.equal(0);
        expect(r.stdout, conf).to.not.match(/^(WARN|FAIL)/m);
      }
    });

    it('a planned switch re-points the replica over TLS (the agent writes MASTER_SSL=1, the CA, VERIFY_SERVER_CERT=1)', async () => {
      const s = await statusJson(dir);
      const db2 = s.nodes.find((n) => n.name === 'db2')!;
      const db3 = s.nodes.find((n) => n.name === 'db3')!;
      // CHANGE MASTER keeps SSL settings it does not name: start db3 from another CA path (same CA),
      // so only the agent's own CHANGE MASTER can put certs.ca back
      const copy = join(dir, 'ca-copy.crt');
      copyFileSync(s.certs.ca, copy);
      await queries(db3, ['STOP SLAVE', `CHANGE MASTER TO MASTER_SSL_CA='${copy}'`, 'START SLAVE']);
      expect((await slaveStatus(db3))?.Master_SSL_CA_File).to.equal(copy);
      const ctl = (cmd: string[]) => node(CONTROL_BIN, ['-c', s.control_config, ...cmd], 60_000);
      expect((await ctl(['set_manual'])).code).to.equal(0);
      const mv = await ctl(['move_role', 'writer', 'db2']);
      expect(mv.code, mv.stdout + mv.stderr).to.equal(0);
      await waitFor('db3 replicating from db2', async () => (await slaveStatus(db3))?.Master_Host === db2.ip && (await slaveStatus(db3))?.Slave_IO_Running === 'Yes', { timeoutMs: 30_000 });
      const st = await slaveStatus(db3);
      expect(st).to.include({ Master_SSL_Allowed: 'Yes', Master_SSL_Verify_Server_Cert: 'Yes', Master_SSL_CA_File: s.certs.ca });
    });
  });

  describe('up --no-mysql-tls', () => {
    let dir = '';
    before(async () => {
      dir = freshDir('noMytls');
      const r = await sandbox(['up', '--no-mysql-tls', '--dir', dir], 150_000);
      if (r.code !== 0) throw new Error(`up exited ${r.code}: ${r.stderr}`);
      expect(r.stdout).to.match(/^MySQL links in clear \(up --no-mysql-tls\)/m);
    });
    after(() => cleanup(dir));

    it('status says so; the servers offer no TLS', async () => {
      const s = await statusJson(dir);
      expect(s.mysql_tls).to.equal(false);
      const [v] = await query(s.nodes[0]!, "SHOW GLOBAL VARIABLES LIKE 'have_ssl'");
      expect(v?.Value).to.equal('DISABLED');
    });

    it('verify --secure warns per host that the link is in clear (exit 5); grants warns about the plain logins and the missing REQUIRE SSL', async () => {
      const s = await statusJson(dir);
      const mon = await tlsTool(['verify', '--secure', '-c', s.monitor.config]);
      expect(mon.code, mon.stdout + mon.stderr).to.equal(5);
      for (const n of s.nodes) {
        expect(mon.stdout).to.match(new RegExp(`^WARN mysql ${n.name}: .*in clear \\(mysql_ssl off\\): the monitor's checks and its password cross the network readable; the server offers no TLS either \\(have_ssl=DISABLED\\)`, 'm'));
      }
      const db3 = s.nodes.find((n) => n.name === 'db3')!;
      const ag = await tlsTool(['verify', '--secure', '-c', db3.config]);
      expect(ag.code, ag.stdout).to.equal(5);
      expect(ag.stdout).to.match(/^WARN replication in: db3 replicates from \S+ in clear \(Master_SSL_Allowed No\)/m);
      const g = await tlsTool(['grants', '-c', s.monitor.config]);
      expect(g.code, g.stdout).to.equal(0);
      expect(g.stdout).to.match(/^WARN monitor@db1: .*logged in without TLS \(mysql_ssl off for db1\)/m);
      expect(g.stdout).to.match(/^WARN monitor@db1: .*does not REQUIRE SSL/m);
    });
  });
});
