// init-ca, issue and show as functions; program detection; whom --secure talks to.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeCert, describeCrl, parseConfigTextOrThrow, resolveRole } from '@mmm/common';
import { TlsToolError, detectProgram, expectedReply, initCa, issue, issueCrl, liveTargets, parseProgram, showLines } from '../../src/tls';
import { rmDir } from './helpers';

describe('mmm_tls: init-ca, issue, show', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mmm-tls-sub-'));
  });
  after(() => rmDir(dir));

  it('init-ca writes ca.crt and ca.key 0600, says the key stays off the nodes, and never overwrites', async () => {
    const r = await initCa({ dir: path.join(dir, 'ca'), cn: 'Test CA', days: 100 });
    expect(fs.statSync(r.keyFile).mode & 0o777).to.equal(0o600);
    const d = describeCert(fs.readFileSync(r.certFile));
    expect(d).to.include({ cn: 'Test CA', isCa: true, selfSigned: true });
    expect(d.daysLeft).to.be.within(99, 100);
    expect(r.lines.join('\n')).to.match(/never copy it to the nodes/);
    const again = await initCa({ dir: path.join(dir, 'ca') }).catch((e: unknown) => e);
    expect(again).to.be.instanceOf(TlsToolError);
    expect((again as Error).message).to.match(/exists: refusing to overwrite/);
  });

  it('issue: daemons get serverAuth+clientAuth, control and viewer clientAuth only, role as SAN URI, key 0600', async () => {
    const caDir = path.join(dir, 'ca');
    const out = path.join(dir, 'out');
    const cases = [
      { name: 'db1', role: 'agent', ips: ['10.0.0.11'], eku: ['serverAuth', 'clientAuth'] },
      { name: 'monitor', role: 'monitor', ips: ['10.0.0.5'], dns: ['mon.example'], eku: ['serverAuth', 'clientAuth'] },
      { name: 'alice', role: 'control', eku: ['clientAuth'] },
      { name: 'grafana', role: 'viewer', eku: ['clientAuth'] },
    ];
    for (const c of cases) {
      const r = await issue({ caDir, name: c.name, role: c.role, ips: c.ips ?? [], dns: c.dns ?? [], days: 30, out });
      expect(fs.statSync(r.keyFile).mode & 0o777).to.equal(0o600);
      const d = describeCert(fs.readFileSync(r.certFile));
      expect(d.cn).to.equal(c.name);
      expect(d.eku).to.deep.equal(c.eku);
      expect(d.role).to.equal(c.role);
      expect(d.san.uris).to.deep.equal([`urn:mmm:role:${c.role}`]);
      expect(d.san.ips).to.deep.equal(c.ips ?? []);
      expect(d.san.dns).to.deep.equal(c.dns ?? []);
      expect(d.issuerCn).to.equal('Test CA');
    }
  });

  it('issue --role mysql: a MariaDB server certificate (serverAuth only, no mmm role, the host ip as SAN) and how mariadbd takes it', async () => {
    const caDir = path.join(dir, 'ca');
    const out = path.join(dir, 'out-mysql');
    const r = await issue({ caDir, name: 'db1-mysql', role: 'mysql', ips: ['10.0.0.11'], dns: ['db1.example'], days: 30, out });
    expect(fs.statSync(r.keyFile).mode & 0o777).to.equal(0o600);
    const d = describeCert(fs.readFileSync(r.certFile));
    expect(d).to.include({ cn: 'db1-mysql', issuerCn: 'Test CA' });
    expect(d.eku).to.deep.equal(['serverAuth']);
    expect(d.role).to.equal(undefined);
    expect(d.san).to.deep.include({ ips: ['10.0.0.11'], dns: ['db1.example'], uris: [] });
    expect(r.lines[0]).to.match(/^wrote .*db1-mysql\.crt \(CN=db1-mysql, MariaDB\/MySQL server, no mmm role, EKU serverAuth, SAN /);
    expect(r.lines[2]).to.equal(
      'mariadbd: copy db1-mysql.crt, db1-mysql.key and ca.crt to the node (the key owned by mysql, mode 0600), then in [mariadbd]: ' +
        'ssl_cert = …/db1-mysql.crt, ssl_key = …/db1-mysql.key, ssl_ca = …/ca.crt, and restart it (docs/mysql-tls.md)',
    );
    expect(r.lines).to.have.length(3);
    const e = await issue({ caDir, name: 'db2-mysql', role: 'mysql', out }).catch((err: unknown) => err);
    expect((e as Error).message).to.equal("--role mysql: a server certificate needs --ip (or --dns): the monitor and the replicas check it against the host's ip");
  });

  it('issue --role etcd: both EKUs, the given SANs, a role URI that gives no rights at mmm listeners (not even via peer_role), and the etcd flags', async () => {
    const caDir = path.join(dir, 'ca');
    const out = path.join(dir, 'out-etcd');
    const r = await issue({ caDir, name: 'etcd1', role: 'etcd', ips: ['10.0.0.21', '127.0.0.1'], dns: ['etcd1.example'], days: 30, out });
    expect(fs.statSync(r.keyFile).mode & 0o777).to.equal(0o600);
    const d = describeCert(fs.readFileSync(r.certFile));
    expect(d).to.include({ cn: 'etcd1', issuerCn: 'Test CA', isCa: false });
    expect(d.eku).to.deep.equal(['serverAuth', 'clientAuth']);
    expect(d.san).to.deep.equal({ ips: ['10.0.0.21', '127.0.0.1'], dns: ['etcd1.example'], uris: ['urn:mmm:role:etcd'] });
    expect(d.role).to.equal(undefined);
    expect(d.roleProblem).to.match(/^an etcd certificate/);
    // A peer_role rule on its address would give a certificate without a role URI rights: not this one.
    expect(resolveRole({ ...d, sans: d.sans }, [{ match: '10.0.0.21', role: 'agent' }])).to.equal(null);
    expect(r.lines[0]).to.match(/^wrote .*etcd1\.crt \(CN=etcd1, etcd member or client, no rights at mmm listeners, EKU serverAuth\+clientAuth, SAN /);
    expect(r.lines[2]).to.match(/^etcd: copy etcd1\.crt, etcd1\.key and ca\.crt to the member .* --cert-file=…\/etcd1\.crt --key-file=…\/etcd1\.key --trusted-ca-file=…\/ca\.crt --client-cert-auth --peer-cert-file=…\/etcd1\.crt .*--peer-client-cert-auth --pre-vote \(docs\/ha\.md\)$/);
    const e = await issue({ caDir, name: 'etcd2', role: 'etcd', out }).catch((err: unknown) => err);
    expect((e as Error).message).to.equal('--role etcd: an etcd certificate needs --ip (or --dns): the monitors and the other members check it against the addresses of its client and peer URLs');
    expect(fs.readdirSync(out).sort()).to.deep.equal(['etcd1.crt', 'etcd1.key']);
  });

  it('issue refuses a bad role, a bad ip, a daemon without an address, and a missing CA', async () => {
    const caDir = path.join(dir, 'ca');
    const out = path.join(dir, 'out2');
    const bad = [
      { caDir, name: 'x', role: 'admin', out },
      { caDir, name: 'x', role: 'agent', ips: ['10.0.0.300'], out },
      { caDir, name: 'x', role: 'agent', out },
      { caDir, name: '../x', role: 'control', out },
      { caDir: path.join(dir, 'nope'), name: 'x', role: 'control', out },
    ];
    for (const o of bad) {
      const e = await issue(o).catch((err: unknown) => err);
      expect(e, JSON.stringify(o)).to.be.instanceOf(Error);
    }
    expect(fs.existsSync(out) ? fs.readdirSync(out) : []).to.deep.equal([]);
  });

  it('crl revokes by certificate file or serial, keeps what the CRL already revoked, and refreshes nextUpdate', async () => {
    const caDir = path.join(dir, 'ca');
    const out = path.join(dir, 'ca.crl');
    const db1 = describeCert(fs.readFileSync(path.join(dir, 'out', 'db1.crt'))).serial;
    await issueCrl({ caDir, revoke: [path.join(dir, 'out', 'db1.crt')], out, days: 5 });
    const r = await issueCrl({ caDir, revoke: ['0A:BC:01'], out, days: 20 });
    expect(r.lines[0]).to.match(/2 revoked \(0abc01 added\)/);
    const crl = await describeCrl(fs.readFileSync(out, 'utf8'), fs.readFileSync(path.join(caDir, 'ca.crt'), 'utf8'));
    expect(crl.revoked.sort()).to.deep.equal([db1, '0abc01'].sort());
    expect(crl.signedByCa).to.equal(true);
    expect(Math.round((crl.nextUpdate!.getTime() - Date.now()) / 86_400_000)).to.equal(20);
    expect(await issueCrl({ caDir, revoke: ['not-a-serial'], out }).catch((e: unknown) => e)).to.be.instanceOf(TlsToolError);
  });

  it('show prints subject, SANs, EKU, role, validity, days left and fingerprint', () => {
    const pem = fs.readFileSync(path.join(dir, 'out', 'monitor.crt'), 'utf8');
    const text = showLines(pem).join('\n');
    expect(text).to.match(/^subject: +CN=monitor$/m);
    expect(text).to.match(/^SANs: +10\.0\.0\.5, mon\.example, urn:mmm:role:monitor$/m);
    expect(text).to.match(/^EKU: +serverAuth, clientAuth$/m);
    expect(text).to.match(/^role: +monitor$/m);
    expect(text).to.match(/^not after: +\d{4}-\d\d-\d\dT/m);
    expect(text).to.match(/^days left: +(29|30)$/m);
    expect(text).to.match(/^fingerprint: SHA256 ([0-9A-F]{2}:){31}[0-9A-F]{2}$/m);
    expect(showLines(pem, 'x.crt', Date.now() + 40 * 86_400_000).join('\n')).to.match(/^days left: +expired \d+ days ago$/m);
  });

  it('show on a private key, a CRL or random text is a clear error, not an empty success', () => {
    const key = fs.readFileSync(path.join(dir, 'out', 'monitor.key'), 'utf8');
    expect(() => showLines(key, 'monitor.key')).to.throw('monitor.key holds a private key, not a certificate (show the .crt that belongs to it)');
    expect(() => showLines('hello\n', 'notes.txt')).to.throw('notes.txt holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
  });

  it('detects the program from the config file name; --program wins; unknown names need --program', () => {
    expect(detectProgram('/etc/mmm/mmm_agent.conf')).to.equal('agent');
    expect(detectProgram('mmm_agent_c1.conf')).to.equal('agent');
    expect(detectProgram('/etc/mysql-mmm/mmm_mon.conf')).to.equal('monitor');
    expect(detectProgram('mmm_control.conf')).to.equal('control');
    expect(parseProgram('control', 'mmm_mon.conf')).to.equal('control');
    expect(() => parseProgram(undefined, 'cluster.conf')).to.throw(TlsToolError, /--program/);
    expect(() => parseProgram('db', 'mmm_mon.conf')).to.throw(TlsToolError);
  });

  it('--secure targets: monitor → every agent; agent → itself and its peer master; control → the monitor', () => {
    const text = [
      'active_master_role writer',
      'this db3',
      '<host default>',
      '  cluster_interface eth0',
      '</host>',
      '<host db1>', '  ip 10.0.0.11', '  mode master', '  peer db2', '</host>',
      '<host db2>', '  ip 10.0.0.12', '  mode master', '  peer db1', '  agent_port 9000', '</host>',
      '<host db3>', '  ip 10.0.0.13', '  mode slave', '</host>',
      '<role writer>', '  hosts db1, db2', '  ips 10.0.0.100', '  mode exclusive', '</role>',
      '<monitor>', '  ip 10.0.0.5', '  port 9988', '</monitor>',
    ].join('\n');
    const cfg = (program: 'agent' | 'monitor' | 'control', thisHost?: string) =>
      parseConfigTextOrThrow(program, { '/t/x.conf': thisHost ? text.replace('this db3', `this ${thisHost}`) : text }, '/t/x.conf').config;
    const brief = (ts: ReturnType<typeof liveTargets>) => ts.map((t) => `${t.kind}:${t.name}@${t.host}:${t.port}`);
    expect(brief(liveTargets('monitor', cfg('monitor')))).to.deep.equal([
      'agent:db1@10.0.0.11:9989', 'agent:db2@10.0.0.12:9000', 'agent:db3@10.0.0.13:9989',
    ]);
    expect(brief(liveTargets('agent', cfg('agent', 'db1')))).to.deep.equal(['agent:db1@10.0.0.11:9989', 'agent:db2@10.0.0.12:9000']);
    expect(brief(liveTargets('agent', cfg('agent')))).to.deep.equal(['agent:db3@10.0.0.13:9989']);
    expect(brief(liveTargets('control', cfg('control')))).to.deep.equal(['monitor:monitor@10.0.0.5:9988']);
    const agentT = liveTargets('agent', cfg('agent'))[0]!;
    expect(expectedReply(agentT, 'OK: Pinged!|UP:12.5')).to.equal(true);
    expect(expectedReply(agentT, 'ERROR: Not authorized: PING|UP:1')).to.equal(false);
    expect(expectedReply(liveTargets('control', cfg('control'))[0]!, 'OK: Pinged successfully!')).to.equal(true);
  });
});
