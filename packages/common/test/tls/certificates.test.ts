import { expect } from 'chai';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';
import {
  createCa,
  createCrl,
  createSelfSigned,
  describeCert,
  expiryWarnings,
  issueCert,
  writeKeyPair,
  type CertKeyPair,
} from '../../src/tls';
import { TlsError } from '../../src/errors';

describe('tls: certificate issuance', function () {
  let ca: CertKeyPair;
  let tmp: string | undefined;

  before(async () => {
    ca = await createCa({ commonName: 'mmm CA' });
  });
  afterEach(async () => {
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
    tmp = undefined;
  });

  it('makes a CA that signs daemon certificates with both EKUs, SANs and the role URI', async () => {
    const c = await issueCert({ ca, commonName: 'db1', ips: ['10.0.0.1'], dns: ['db1.example'], role: 'agent', usage: 'both' });
    const d = describeCert(c.certPem);
    expect(d).to.include({ cn: 'db1', issuerCn: 'mmm CA', role: 'agent', isCa: false, selfSigned: false, serial: c.serial });
    expect(d.san).to.deep.equal({ dns: ['db1.example'], ips: ['10.0.0.1'], uris: ['urn:mmm:role:agent'] });
    expect(d.eku).to.have.members(['serverAuth', 'clientAuth']);
    expect(d.daysLeft).to.be.within(363, 365);
    expect(d.key).to.equal('ec prime256v1');
    expect(new X509Certificate(c.certPem).checkIssued(new X509Certificate(ca.certPem))).to.equal(true);
    expect(describeCert(ca.certPem)).to.include({ isCa: true, selfSigned: true });
  });

  it('gives control and viewer certificates clientAuth only', async () => {
    const c = await issueCert({ ca, commonName: 'ops', role: 'viewer', usage: 'client' });
    expect(describeCert(c.certPem).eku).to.deep.equal(['clientAuth']);
  });

  it('makes the odd certificates tests need', async () => {
    const now = Date.now();
    const expired = await issueCert({ ca, commonName: 'old', usage: 'client', notBefore: new Date(now - 10 * 86_400_000), days: 1 });
    expect(describeCert(expired.certPem).daysLeft).to.be.below(0);
    const future = await issueCert({ ca, commonName: 'new', usage: 'client', notBefore: new Date(now + 86_400_000) });
    expect(describeCert(future.certPem).notBefore.getTime()).to.be.above(now);
    const weak = await issueCert({ ca, commonName: 'weak', usage: 'client', keyType: 'rsa1024' });
    expect(describeCert(weak.certPem).key).to.equal('rsa 1024');
    const noSan = await issueCert({ ca, commonName: '10.0.0.1', ips: ['10.0.0.1'], usage: 'both', noSan: true });
    expect(describeCert(noSan.certPem).sans).to.deep.equal([]);
    const ss = await createSelfSigned({ commonName: 'evil', usage: 'both' });
    expect(describeCert(ss.certPem)).to.include({ selfSigned: true, isCa: false });
    const rsaCa = await createCa({ commonName: 'rsa CA', keyType: 'rsa2048' });
    const sha1 = await issueCert({ ca: rsaCa, commonName: 'sha1', usage: 'client', hash: 'SHA-1', keyType: 'rsa2048' });
    expect(new X509Certificate(sha1.certPem).verify(new X509Certificate(rsaCa.certPem).publicKey)).to.equal(true);
  });

  it('issues intermediates and returns the chain for leaves signed by them', async () => {
    const inter = await issueCert({ ca, commonName: 'inter', usage: 'both', isCa: true });
    expect(describeCert(inter.certPem).isCa).to.equal(true);
    const leaf = await issueCert({ ca: inter, commonName: 'db2', ips: ['10.0.0.2'], usage: 'both' });
    expect(leaf.chainPem).to.contain(leaf.certPem.trim()).and.to.contain(inter.certPem.trim());
    expect(describeCert(leaf.certPem).issuerCn).to.equal('inter');
  });

  it('encodes CRLs with the X509 CRL label that Node accepts', async () => {
    const c = await issueCert({ ca, commonName: 'gone', usage: 'client' });
    const crl = await createCrl({ ca, revokedSerials: [c.serial!.toUpperCase()] });
    expect(crl).to.match(/^-----BEGIN X509 CRL-----/);
    expect(() => tls.createSecureContext({ ca: ca.certPem, crl })).not.to.throw();
  });

  it('refuses to sign with a CA key that is not a key', async () => {
    const err = await issueCert({ ca: { certPem: ca.certPem, keyPem: 'garbage' }, commonName: 'x', usage: 'client' }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TlsError);
    expect((err as TlsError).code).to.equal('TLS_MATERIAL');
  });

  it('writes NAME.crt 0644 and NAME.key 0600', async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'mmm-tls-'));
    const c = await issueCert({ ca, commonName: 'db1', usage: 'both' });
    const w = await writeKeyPair(path.join(tmp, 'tls'), 'db1', c);
    expect(w.certFile).to.equal(path.join(tmp, 'tls', 'db1.crt'));
    expect((await fs.stat(w.certFile)).mode & 0o777).to.equal(0o644);
    expect((await fs.stat(w.keyFile)).mode & 0o777).to.equal(0o600);
    expect(await fs.readFile(w.keyFile, 'utf8')).to.equal(c.keyPem);
    expect(describeCert(await fs.readFile(w.certFile)).cn).to.equal('db1');
  });
});

describe('tls: expiry warnings', function () {
  let ca: CertKeyPair;
  before(async () => {
    ca = await createCa({ commonName: 'mmm CA', days: 20 });
  });

  it('warns for own, CA and peer certificates inside the window, and not outside', async () => {
    const own = await issueCert({ ca, commonName: 'db1', usage: 'both', days: 10 });
    const peer = await issueCert({ ca, commonName: 'db2', usage: 'both', notBefore: new Date(Date.now() - 5 * 86_400_000), days: 2 });
    const far = await issueCert({ ca, commonName: 'db3', usage: 'both', days: 300 });
    const w = expiryWarnings({ own: own.certPem, ca: ca.certPem, peer: peer.certPem }, 30);
    expect(w.map((x) => [x.kind, x.cn, x.state])).to.deep.equal([
      ['own', 'db1', 'expiring'],
      ['ca', 'mmm CA', 'expiring'],
      ['peer', 'db2', 'expired'],
    ]);
    expect(w[0]!.message).to.match(/own certificate CN=db1 expires in 9 days/);
    expect(expiryWarnings({ own: far.certPem }, 30)).to.deep.equal([]);
    expect(expiryWarnings({ own: own.certPem }, 5)).to.deep.equal([]);
  });
});
