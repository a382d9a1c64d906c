import { expect } from 'chai';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { connect, type ClientConnection, type Listener } from '../../src/net';
import { TlsError } from '../../src/errors';
import { createCa, createSelfSigned, issueCert, issueMysqlCert } from '../../src/tls';
import { MemoryLogger } from '../../src/testing';
import { HOST, echoListener, makePki, material, socketConfig, waitFor, type Pki, type Seen } from './fixtures';

describe('net: mutual TLS listener and client', function () {
  let pki: Pki;
  let listener: Listener;
  let seen: Seen;
  let log: MemoryLogger;
  const clients: Array<ClientConnection | net.Socket> = [];

  before(async () => {
    pki = await makePki();
  });
  beforeEach(async () => {
    log = new MemoryLogger();
    ({ listener, seen } = await echoListener(pki, log));
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await listener.close();
  });

  async function dial(over: Parameters<typeof connect>[0] extends infer O ? Partial<O> : never = {}) {
    const c = await connect({
      host: HOST,
      port: listener.port,
      socket: socketConfig(),
      material: material(pki.client, pki.ca),
      timeoutMs: 5000,
      logger: log,
      warned: new Set(),
      ...over,
    });
    clients.push(c);
    return c;
  }

  async function expectRefused(clientPair: { cert: string; key: string } | null, reason: RegExp): Promise<void> {
    const opts: tls.ConnectionOptions = { host: HOST, port: listener.port, ca: pki.ca.certPem, rejectUnauthorized: false };
    if (clientPair) Object.assign(opts, clientPair);
    const s = tls.connect(opts);
    s.on('error', () => {});
    clients.push(s);
    await new Promise<void>((resolve) => {
      s.once('secureConnect', () => s.write('PING|1|db1\n'));
      s.once('close', () => resolve());
    });
    await waitFor(() => log.messages('warn').some((m) => reason.test(m)), 5000, `log ${String(reason)}`);
    expect(seen.conns).to.have.length(0);
    expect(seen.lines).to.deep.equal([]);
    const entry = log.entries.find((e) => reason.test(e.msg))!;
    expect(String(entry.meta.peer)).to.match(/^127\.0\.0\.1:\d+$/);
  }

  it('serves a good client and reports identity and role', async () => {
    const c = await dial();
    expect(await c.request('PING|1|db1')).to.equal('OK: PING|1|db1|role=monitor|plain=false');
    expect(await c.request('again')).to.match(/^OK: again/);
    expect(seen.conns[0]!.peer).to.include({ cn: 'monitor', role: 'monitor', plain: false });
    expect(seen.conns[0]!.peer.fingerprint256).to.match(/^[0-9A-F:]+$/);
    expect(c.peer.cn).to.equal('db1');
  });

  it('warns once at start that no peer_role is configured', () => {
    expect(log.messages('warn').filter((m) => /no peer_role configured/.test(m))).to.have.length(1);
  });

  it('refuses a client without a certificate', async () => {
    await expectRefused(null, /TLS handshake refused: .*(CERTIFICATE|CERT)/);
  });

  it('refuses a self-signed client certificate', async () => {
    const ss = await createSelfSigned({ commonName: 'monitor', usage: 'client', role: 'monitor' });
    await expectRefused({ cert: ss.certPem, key: ss.keyPem }, /TLS handshake refused: DEPTH_ZERO_SELF_SIGNED_CERT/);
  });

  it('refuses a client certificate from another CA', async () => {
    const other = await createCa({ commonName: 'other CA' });
    const c = await issueCert({ ca: other, commonName: 'monitor', usage: 'client', role: 'monitor' });
    await expectRefused({ cert: c.certPem, key: c.keyPem }, /TLS handshake refused: UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
  });

  it('refuses an expired client certificate, and our client reports TLS_AUTH_FAILED', async () => {
    const old = await issueCert({
      ca: pki.ca,
      commonName: 'monitor',
      usage: 'client',
      notBefore: new Date(Date.now() - 10 * 86_400_000),
      days: 2,
    });
    await expectRefused({ cert: old.certPem, key: old.keyPem }, /TLS handshake refused: CERT_HAS_EXPIRED/);
    // Our own client: TLS 1.3 finishes the handshake, then the server closes.
    const c = await dial({ material: material(old, pki.ca) });
    const err = await c.request('PING|1|db1').then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(TlsError);
    expect((err as TlsError).code).to.equal('TLS_AUTH_FAILED');
    expect(seen.lines).to.deep.equal([]);
  });

  it('refuses a not-yet-valid client certificate', async () => {
    const future = await issueCert({ ca: pki.ca, commonName: 'monitor', usage: 'client', notBefore: new Date(Date.now() + 86_400_000) });
    await expectRefused({ cert: future.certPem, key: future.keyPem }, /TLS handshake refused: CERT_NOT_YET_VALID/);
  });

  it('refuses a server-only (EKU serverAuth) certificate used as a client', async () => {
    const srv = await issueCert({ ca: pki.ca, commonName: 'monitor', usage: 'server' });
    await expectRefused({ cert: srv.certPem, key: srv.keyPem }, /TLS handshake refused: INVALID_PURPOSE|UNSUPPORTED/);
  });

  it('refuses a MariaDB server certificate (mmm_tls issue --role mysql) used as a client (serverAuth only)', async () => {
    const db = await issueMysqlCert({ ca: pki.ca, name: 'monitor', ips: ['127.0.0.1'] });
    await expectRefused({ cert: db.certPem, key: db.keyPem }, /TLS handshake refused: INVALID_PURPOSE|UNSUPPORTED/);
  });

  it('refuses a weak RSA-1024 client key (SECLEVEL=2)', async () => {
    const weak = await issueCert({ ca: pki.ca, commonName: 'monitor', usage: 'client', keyType: 'rsa1024' });
    // Node calls this verify error UNSPECIFIED; the log says what was wrong.
    await expectRefused({ cert: weak.certPem, key: weak.keyPem }, /TLS handshake refused: EE_KEY_TOO_SMALL: certificate CN=monitor: RSA key 1024 bits < 2048 \(security level 2\)/);
  });

  it('refuses a client without a certificate under TLS 1.2 as well', async () => {
    const s = tls.connect({ host: HOST, port: listener.port, ca: pki.ca.certPem, maxVersion: 'TLSv1.2' });
    clients.push(s);
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => s.once('error', resolve));
    expect(err.code).to.match(/ALERT/);
    await waitFor(() => log.messages('warn').some((m) => /TLS handshake refused: ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE: no client certificate/.test(m)), 5000, 'refusal log');
    expect(seen.conns).to.have.length(0);
  });

  it('refuses a SHA-1 signed client certificate (SECLEVEL=2)', async () => {
    const rsaCa = await createCa({ commonName: 'rsa CA', keyType: 'rsa2048' });
    const { listener: l2, seen: seen2 } = await echoListener({ ...pki, ca: rsaCa, server: await issueCert({ ca: rsaCa, commonName: 'db1', ips: [HOST], usage: 'both', keyType: 'rsa2048' }) }, log);
    try {
      const sha1 = await issueCert({ ca: rsaCa, commonName: 'monitor', usage: 'client', keyType: 'rsa2048', hash: 'SHA-1' });
      const s = tls.connect({ host: HOST, port: l2.port, ca: rsaCa.certPem, cert: sha1.certPem, key: sha1.keyPem, rejectUnauthorized: false, ciphers: 'DEFAULT@SECLEVEL=0' });
      s.on('error', () => {});
      clients.push(s);
      await new Promise<void>((resolve) => s.once('close', () => resolve()));
      await waitFor(() => log.messages('warn').some((m) => /TLS handshake refused: CA_MD_TOO_WEAK: certificate CN=monitor: SHA-1 signature \(security level 2 refuses SHA-1\)/.test(m)), 5000, 'refusal log');
      expect(seen2.conns).to.have.length(0);
    } finally {
      await l2.close();
    }
  });

  it('accepts a leaf signed by an intermediate when the chain is sent', async () => {
    const inter = await issueCert({ ca: pki.ca, commonName: 'mmm intermediate', usage: 'both', isCa: true });
    const leaf = await issueCert({ ca: inter, commonName: 'control', usage: 'client', role: 'control' });
    const c = await dial({ material: material(leaf, pki.ca) });
    expect(await c.request('show')).to.match(/^OK: show\|role=control/);
  });

  it('keeps several requests on one connection and serves many connections at once', async () => {
    const conns = await Promise.all([1, 2, 3, 4, 5].map(() => dial()));
    const replies = await Promise.all(conns.map((c, i) => c.request(`n${i}`)));
    expect(replies.map((r) => r.split('|')[0])).to.deep.equal(['OK: n0', 'OK: n1', 'OK: n2', 'OK: n3', 'OK: n4']);
  });
});
