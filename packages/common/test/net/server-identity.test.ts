import { expect } from 'chai';
import { connect, type ClientConnection, type Listener } from '../../src/net';
import { ConnectError, TlsError } from '../../src/errors';
import { createCa, issueCert, type CertKeyPair } from '../../src/tls';
import { MemoryLogger } from '../../src/testing';
import { HOST, echoListener, makePki, material, socketConfig, type Pki } from './fixtures';

describe('net: server identity checked by the client (verify_mode)', function () {
  let pki: Pki;
  let log: MemoryLogger;
  const listeners: Listener[] = [];
  const conns: ClientConnection[] = [];

  before(async () => {
    pki = await makePki();
  });
  beforeEach(() => {
    log = new MemoryLogger();
  });
  afterEach(async () => {
    for (const c of conns.splice(0)) c.destroy();
    for (const l of listeners.splice(0)) await l.close();
  });

  async function serveWith(server: CertKeyPair): Promise<number> {
    const { listener } = await echoListener({ ...pki, server }, new MemoryLogger());
    listeners.push(listener);
    return listener.port;
  }

  async function tryConnect(port: number, verifyMode: 0 | 1, expectedName = HOST, warned = new Set<string>()): Promise<unknown> {
    try {
      const c = await connect({
        host: HOST,
        port,
        expectedName,
        socket: socketConfig({ verifyMode }),
        material: material(pki.client, pki.ca),
        timeoutMs: 5000,
        logger: log,
        warned,
      });
      conns.push(c);
      return await c.request('PING');
    } catch (e) {
      return e;
    }
  }

  it('verify_mode 1 accepts a server whose IP SAN is the configured ip', async () => {
    expect(await tryConnect(await serveWith(pki.server), 1)).to.match(/^OK: PING/);
  });

  it('verify_mode 1 accepts a DNS SAN equal to the configured name', async () => {
    expect(await tryConnect(await serveWith(pki.server), 1, 'localhost')).to.match(/^OK: PING/);
  });

  it('verify_mode 1 refuses a server certificate from another CA', async () => {
    const other = await createCa({ commonName: 'other CA' });
    const srv = await issueCert({ ca: other, commonName: 'db1', ips: [HOST], usage: 'both' });
    const port = await serveWith(srv);
    const err = await tryConnect(port, 1);
    expect(err).to.be.instanceOf(TlsError);
    expect((err as TlsError).code).to.equal('TLS_AUTH_FAILED');
    expect((err as TlsError).message).to.match(/UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
  });

  it('verify_mode 1 refuses a server whose SAN names another host', async () => {
    const srv = await issueCert({ ca: pki.ca, commonName: HOST, ips: ['10.0.0.9'], dns: ['db9'], usage: 'both' });
    const err = await tryConnect(await serveWith(srv), 1);
    expect(err).to.be.instanceOf(TlsError);
    expect((err as TlsError).code).to.equal('TLS_IDENTITY');
    // The CN equals the host, but a certificate with SANs is judged by its SANs only.
    expect((err as TlsError).message).to.match(/does not name 127\.0\.0\.1/);
  });

  it('verify_mode 1 accepts a CN-only certificate (no SAN, MMM CA.pl style) for the right name', async () => {
    const srv = await issueCert({ ca: pki.ca, commonName: HOST, usage: 'both', noSan: true });
    expect(await tryConnect(await serveWith(srv), 1)).to.match(/^OK: PING/);
  });

  it('verify_mode 1 refuses a CN-only certificate for another name', async () => {
    const srv = await issueCert({ ca: pki.ca, commonName: 'db9', usage: 'both', noSan: true });
    const err = await tryConnect(await serveWith(srv), 1);
    expect((err as TlsError).code).to.equal('TLS_IDENTITY');
  });

  it('verify_mode 0 connects to an unverifiable server and warns once per peer', async () => {
    const other = await createCa({ commonName: 'other CA' });
    const srv = await issueCert({ ca: other, commonName: 'db9', ips: ['10.0.0.9'], usage: 'both' });
    // The server still needs to trust our client certificate: it uses our CA.
    const port = await serveWith(srv);
    const warned = new Set<string>();
    expect(await tryConnect(port, 0, HOST, warned)).to.match(/^OK: PING/);
    expect(await tryConnect(port, 0, HOST, warned)).to.match(/^OK: PING/);
    expect(log.messages('warn').filter((m) => /verify_mode 0/.test(m))).to.have.length(1);
  });

  it('reports a refused TCP connection as ConnectError', async () => {
    const port = await serveWith(pki.server);
    await listeners.pop()!.close();
    const err = await tryConnect(port, 1);
    expect(err).to.be.instanceOf(ConnectError);
    expect((err as ConnectError).code).to.equal('CONNECT_FAILED');
  });
});
