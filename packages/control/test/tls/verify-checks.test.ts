// `mmm_tls verify` static checks (in-process): one finding per check, from real files.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createCa, createCrl, describeCert, issueCert, readCa, writeKeyPair, type CertKeyPair } from '@mmm/common';
import { formatFinding, verify, type Finding } from '../../src/tls';
import { makeTestCluster, rmDir, write, type TestCluster } from './helpers';

const DAY = 86_400_000;

describe('mmm_tls verify: static checks', function () {
  this.timeout(60_000);
  const dirs: string[] = [];
  after(() => dirs.forEach(rmDir));

  async function cluster(o: Parameters<typeof makeTestCluster>[0] = {}): Promise<TestCluster & { ca: CertKeyPair }> {
    const c = await makeTestCluster(o);
    dirs.push(c.dir);
    return { ...c, ca: await readCa(c.dir) };
  }
  const lines = (fs_: Finding[]) => fs_.map(formatFinding);
  const find = (fs_: Finding[], check: string) => fs_.filter((f) => f.check === check);
  const bad = (fs_: Finding[]) => lines(fs_.filter((f) => f.verdict !== 'OK'));

  it('all OK for the agent, monitor and control configs mmm_tls-style certificates go with', async () => {
    const c = await cluster();
    for (const [conf, program] of [[c.hosts.db1.conf, 'agent'], [c.monitor.conf, 'monitor'], [c.controlConf, 'control']] as const) {
      const r = await verify({ config: conf });
      expect(r.program).to.equal(program);
      expect(bad(r.findings), conf).to.deep.equal([]);
      expect(r.exitCode).to.equal(0);
      for (const l of lines(r.findings)) expect(l).to.match(/^OK [a-z_ ]+[a-z0-9_]*: \S/);
    }
    const agent = lines((await verify({ config: c.hosts.db1.conf })).findings);
    for (const check of ['file cert_file', 'file key_file', 'key mode key_file', 'file ca_file', 'key match key_file', 'chain cert_file', 'eku cert_file', 'role cert_file', 'identity cert_file', 'expiry cert_file', 'expiry ca_file', 'tls context']) {
      expect(agent.some((l) => l.startsWith(`OK ${check}:`)), check).to.equal(true);
    }
    expect(agent.some((l) => /crl/.test(l)), 'no CRL configured is not a finding').to.equal(false);
  });

  it('FAIL for a private key readable by other users, with the chmod that fixes it', async () => {
    const c = await cluster();
    fs.chmodSync(path.join(c.dir, 'db1.key'), 0o644);
    const r = await verify({ config: c.hosts.db1.conf });
    expect(lines(find(r.findings, 'key mode key_file'))[0]).to.match(/^FAIL key mode key_file: .*db1\.key is readable by other users \(mode 0644\).*chmod 600 .*db1\.key$/);
    expect(r.exitCode).to.equal(1);
  });

  it('FAIL for a missing file, and --secure does not try to connect', async () => {
    const c = await cluster();
    fs.rmSync(path.join(c.dir, 'db1.crt'));
    const r = await verify({ config: c.hosts.db1.conf, secure: true });
    expect(lines(r.findings)).to.include.members([`FAIL file cert_file: ${path.join(c.dir, 'db1.crt')} does not exist (ENOENT)`, 'FAIL live: skipped: the material above cannot make a TLS connection']);
    expect(r.exitCode).to.equal(1);
  });

  it('FAIL when the key is not the certificate\'s', async () => {
    const c = await cluster();
    fs.copyFileSync(path.join(c.dir, 'db2.key'), path.join(c.dir, 'db1.key'));
    const r = await verify({ config: c.hosts.db1.conf });
    expect(lines(find(r.findings, 'key match key_file'))[0]).to.match(/^FAIL key match key_file: .*db1\.key is not the key of .*db1\.crt$/);
    expect(lines(find(r.findings, 'tls context'))[0]).to.match(/^FAIL tls context: /);
  });

  it('FAIL chain: other CA, missing intermediate (OK once sent along), CA certificate as leaf', async () => {
    const c = await cluster();
    const other = await createCa({ commonName: 'other CA' });
    await writeKeyPair(c.dir, 'db1', await issueCert({ ca: other, commonName: 'db1', ips: ['127.0.0.1'], role: 'agent', usage: 'both' }));
    let r = await verify({ config: c.hosts.db1.conf });
    expect(lines(find(r.findings, 'chain cert_file'))[0]).to.equal('FAIL chain cert_file: issuer CN=other CA is neither in ca_file nor sent along in the file (other CA, or a missing intermediate)');

    const inter = await issueCert({ ca: c.ca, commonName: 'mmm intermediate', usage: 'both', isCa: true });
    const leaf = await issueCert({ ca: inter, commonName: 'db1', ips: ['127.0.0.1'], role: 'agent', usage: 'both' });
    await writeKeyPair(c.dir, 'db1', { ...leaf, chainPem: leaf.certPem }); // leaf only
    r = await verify({ config: c.hosts.db1.conf });
    expect(lines(find(r.findings, 'chain cert_file'))[0]).to.match(/^FAIL chain cert_file: issuer CN=mmm intermediate is neither in ca_file nor sent along/);
    await writeKeyPair(c.dir, 'db1', leaf); // leaf + intermediate
    r = await verify({ config: c.hosts.db1.conf });
    expect(lines(find(r.findings, 'chain cert_file'))[0]).to.equal('OK chain cert_file: chains to CN=mmm CA in ca_file via CN=mmm intermediate');

    await writeKeyPair(c.dir, 'db1', c.ca);
    r = await verify({ config: c.hosts.db1.conf });
    expect(lines(find(r.findings, 'chain cert_file'))[0]).to.match(/^FAIL chain cert_file: the certificate is a CA certificate/);
  });

  it('FAIL identity when the SAN does not name the configured host ip; a CN-only certificate for the ip passes', async () => {
    const c = await cluster();
    await writeKeyPair(c.dir, 'db1', await issueCert({ ca: c.ca, commonName: 'db1', ips: ['127.0.0.9'], role: 'agent', usage: 'both' }));
    let r = await verify({ config: c.hosts.db1.conf });
    expect(lines(find(r.findings, 'identity cert_file'))[0]).to.match(/^FAIL identity cert_file: SAN \(IP Address:127\.0\.0\.9, URI:urn:mmm:role:agent\) does not name 127\.0\.0\.1: clients with verify_mode 1 refuse it \(issue it with --ip 127\.0\.0\.1\)$/);
    await writeKeyPair(c.dir, 'db1', await issueCert({ ca: c.ca, commonName: '127.0.0.1', usage: 'both', noSan: true }));
    r = await verify({ config: c.hosts.db1.conf });
    expect(lines(find(r.findings, 'identity cert_file'))[0]).to.equal('OK identity cert_file: no SAN; CN 127.0.0.1 names db1 (127.0.0.1)');
  });

  it('FAIL eku and WARN role for a control certificate in an agent config', async () => {
    const c = await cluster();
    fs.copyFileSync(path.join(c.dir, 'control.crt'), path.join(c.dir, 'db1.crt'));
    fs.copyFileSync(path.join(c.dir, 'control.key'), path.join(c.dir, 'db1.key'));
    const r = await verify({ config: c.hosts.db1.conf });
    expect(lines(find(r.findings, 'eku cert_file'))[0]).to.equal(
      'FAIL eku cert_file: clientAuth; the agent needs serverAuth+clientAuth (re-issue with mmm_tls issue --role agent)',
    );
    expect(lines(find(r.findings, 'role cert_file'))[0]).to.match(/^WARN role cert_file: urn:mmm:role:control in the agent's certificate: peers treat it as control \(a peer_role entry cannot change that\)/);
  });

  it('WARN for a certificate expiring within cert_expiry_warn_days, FAIL once expired; the CA too', async () => {
    const c = await cluster();
    await writeKeyPair(c.dir, 'db1', await issueCert({ ca: c.ca, commonName: 'db1', ips: ['127.0.0.1'], role: 'agent', usage: 'both', notAfter: new Date(Date.now() + 10 * DAY + 3_600_000) }));
    let r = await verify({ config: c.hosts.db1.conf });
    expect(bad(r.findings)).to.deep.equal([
      lines(find(r.findings, 'expiry cert_file'))[0],
    ]);
    expect(lines(find(r.findings, 'expiry cert_file'))[0]).to.match(/^WARN expiry cert_file: own certificate CN=db1 expires in 10 days \(.*\) \(warning at 30\)$/);
    expect(r.exitCode).to.equal(5);
    r = await verify({ config: c.hosts.db1.conf, now: Date.now() + 11 * DAY });
    expect(lines(find(r.findings, 'expiry cert_file'))[0]).to.match(/^FAIL expiry cert_file: own certificate CN=db1 expired on /);
    expect(r.exitCode).to.equal(1);
    r = await verify({ config: c.hosts.db1.conf, now: Date.now() + 3640 * DAY });
    expect(lines(find(r.findings, 'expiry ca_file'))[0]).to.match(/^WARN expiry ca_file: ca certificate CN=mmm CA expires in \d+ days/);
  });

  it('CRL: fresh passes, own certificate revoked FAILs, expired FAILs, close to nextUpdate WARNs, another CA\'s FAILs', async () => {
    const c = await cluster({ socketExtra: ['crl_file ca.crl'] });
    const crlFile = path.join(c.dir, 'ca.crl');
    write(crlFile, await createCrl({ ca: c.ca, revokedSerials: [] }), 0o644);
    let r = await verify({ config: c.hosts.db1.conf });
    expect(lines(find(r.findings, 'crl freshness'))[0]).to.match(/^OK crl freshness: next update in (29|30) days; 0 revoked$/);
    expect(r.exitCode).to.equal(0);

    const db1Serial = describeCert(fs.readFileSync(path.join(c.dir, 'db1.crt'))).serial;
    write(crlFile, await createCrl({ ca: c.ca, revokedSerials: [db1Serial] }), 0o644);
    r = await verify({ config: c.hosts.db1.conf });
    expect(lines(find(r.findings, 'revocation cert_file'))[0]).to.match(/^FAIL revocation cert_file: serial [0-9a-f]+ is revoked by .*ca\.crl$/);
    expect((await verify({ config: c.hosts.db2.conf })).exitCode, 'db2 is not revoked').to.equal(0);

    write(crlFile, await createCrl({ ca: c.ca, revokedSerials: [], thisUpdate: new Date(Date.now() - 40 * DAY), nextUpdate: new Date(Date.now() - DAY) }), 0o644);
    r = await verify({ config: c.hosts.db2.conf });
    expect(lines(find(r.findings, 'crl freshness'))[0]).to.match(/^FAIL crl freshness: .*ca\.crl expired on .*: the daemons refuse every peer/);

    write(crlFile, await createCrl({ ca: c.ca, revokedSerials: [], nextUpdate: new Date(Date.now() + 3 * DAY) }), 0o644);
    r = await verify({ config: c.hosts.db2.conf });
    expect(lines(find(r.findings, 'crl freshness'))[0]).to.match(/^WARN crl freshness: .*must be re-issued within 2 days/);
    expect(r.exitCode).to.equal(5);

    write(crlFile, await createCrl({ ca: await createCa({ commonName: 'other CA' }), revokedSerials: [] }), 0o644);
    r = await verify({ config: c.hosts.db2.conf });
    expect(lines(find(r.findings, 'crl'))[0]).to.match(/^FAIL crl: .*ca\.crl is not signed by a CA of ca_file/);
  });

  it('FAIL tls context for an RSA-1024 key (security level 2)', async () => {
    const c = await cluster();
    await writeKeyPair(c.dir, 'db1', await issueCert({ ca: c.ca, commonName: 'db1', ips: ['127.0.0.1'], role: 'agent', usage: 'both', keyType: 'rsa1024' }));
    const r = await verify({ config: c.hosts.db1.conf });
    expect(lines(find(r.findings, 'tls context'))[0]).to.match(/^FAIL tls context: .*(too small|key)/i);
  });

  it('FAIL config for a config file readable by other users (the loader refuses it)', async () => {
    const c = await cluster();
    fs.chmodSync(c.hosts.db1.conf, 0o644);
    const r = await verify({ config: c.hosts.db1.conf });
    expect(lines(r.findings)).to.have.length(1);
    expect(lines(r.findings)[0]).to.match(/^FAIL config: .*mmm_agent_db1\.conf:0: config file is readable by other users \(mode 0644\) \(chmod 600 /);
  });

  it('WARN for migration settings and verify_mode 0', async () => {
    const c = await cluster({ socketExtra: ['tls_listen both', 'tls_connect relaxed'] });
    const r = await verify({ config: c.hosts.db1.conf });
    expect(bad(r.findings)).to.deep.equal([
      'WARN tls_listen: both: plain connections are accepted too (migration mode)',
      'WARN tls_connect: relaxed: falls back to plain with plain-only peers (migration mode)',
    ]);
  });
});
