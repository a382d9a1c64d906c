// reference/tls.md §5 "Our list", the cases packages/common/test/net does not already cover,
// against the real listener (sniffing front + TLS server): the client-visible outcome and the
// server's logged reason. (Covered there: no cert, self-signed, other CA, expired, not yet valid,
// revoked by CRL, RSA-1024, SHA-1, serverAuth-only EKU, SAN mismatch / CN-only / verify_mode 0,
// plaintext on a TLS port, silent and partial-ClientHello clients, 50 stalled handshakes, reload.)
import { expect } from 'chai';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { createCa, createSelfSigned, issueCert, type CertKeyPair } from '../../packages/common/src/tls';
import { connect, type Listener } from '../../packages/common/src/net';
import { MemoryLogger } from '../../packages/common/src/testing';
import { HOST, echoListener, makePki, material, socketConfig, waitFor, type Pki, type Seen } from '../../packages/common/test/net/fixtures';

interface Outcome {
  secure: boolean;
  data: string;
  errorCode?: string;
}

describe('tls matrix: real listener, cases beyond packages/common/test/net', function () {
  this.timeout(60_000);
  let pki: Pki;
  let listener: Listener;
  let seen: Seen;
  let log: MemoryLogger;
  const sockets: net.Socket[] = [];

  before(async () => {
    pki = await makePki();
  });
  beforeEach(async () => {
    log = new MemoryLogger();
    ({ listener, seen } = await echoListener(pki, log));
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await listener.close();
  });

  /** A raw Node TLS client that sends a command once "in" and reports what it saw (bounded). */
  function attempt(o: tls.ConnectionOptions): Promise<Outcome> {
    return new Promise((resolve) => {
      const s = tls.connect({ host: HOST, port: listener.port, ca: pki.ca.certPem, rejectUnauthorized: false, ...o });
      sockets.push(s);
      const out: Outcome = { secure: false, data: '' };
      s.on('secureConnect', () => {
        out.secure = true;
        s.write('SET_STATUS|1|db1|ONLINE|writer(127.0.1.100)|db1\n');
      });
      s.on('data', (d: Buffer) => (out.data += d.toString()));
      s.on('error', (e: NodeJS.ErrnoException) => (out.errorCode ??= e.code));
      const timer = setTimeout(() => s.destroy(), 5000);
      s.on('close', () => {
        clearTimeout(timer);
        resolve(out);
      });
    });
  }

  async function expectLogged(reason: RegExp): Promise<void> {
    await waitFor(() => log.messages('warn').some((m) => reason.test(m)), 5000, `server log ${String(reason)}`);
    const entry = log.entries.find((e) => reason.test(e.msg))!;
    expect(String(entry.meta.peer)).to.match(/^127\.0\.0\.1:\d+$/);
    expect(seen.conns, 'nothing dispatched').to.have.length(0);
    expect(seen.lines, 'nothing executed').to.deep.equal([]);
  }

  it('refuses the CA certificate presented as a client leaf', async () => {
    const out = await attempt({ cert: pki.ca.certPem, key: pki.ca.keyPem });
    // TLS 1.3: the handshake finishes on the client side, then the server closes without a reply.
    expect(out.data).to.equal('');
    await expectLogged(/TLS peer refused: a CA certificate presented as a client certificate/);
  });

  it('refuses a leaf signed by an intermediate when the intermediate is not sent', async () => {
    const inter = await issueCert({ ca: pki.ca, commonName: 'mmm intermediate', usage: 'both', isCa: true });
    const leaf = await issueCert({ ca: inter, commonName: 'monitor', usage: 'both', role: 'monitor' });
    const out = await attempt({ cert: leaf.certPem, key: leaf.keyPem }); // certPem only: no chain
    expect(out.data).to.equal('');
    await expectLogged(/TLS handshake refused: UNABLE_TO_(VERIFY_LEAF_SIGNATURE|GET_ISSUER_CERT)/);
  });

  it('refuses TLS 1.0/1.1 offered by the client (minVersion TLSv1, maxVersion TLSv1.1, SECLEVEL=0)', async () => {
    const out = await attempt({
      cert: pki.client.certPem,
      key: pki.client.keyPem,
      minVersion: 'TLSv1',
      maxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT@SECLEVEL=0',
    });
    expect(out.secure).to.equal(false);
    expect(out.errorCode).to.equal('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
    await expectLogged(/TLS handshake refused: ERR_SSL_UNSUPPORTED_PROTOCOL/);
  });

  it('our client reports the refusal of a missing intermediate as TLS_AUTH_FAILED', async () => {
    const inter = await issueCert({ ca: pki.ca, commonName: 'mmm intermediate', usage: 'both', isCa: true });
    const leaf = await issueCert({ ca: inter, commonName: 'monitor', usage: 'both', role: 'monitor' });
    const c = await connect({
      host: HOST,
      port: listener.port,
      socket: socketConfig(),
      material: material({ certPem: leaf.certPem, keyPem: leaf.keyPem }, pki.ca),
      timeoutMs: 5000,
      logger: new MemoryLogger(),
      warned: new Set(),
    });
    try {
      const err = await c.request('PING|1|db1').then(
        () => undefined,
        (e: unknown) => e as { code?: string },
      );
      expect(err?.code).to.equal('TLS_AUTH_FAILED');
    } finally {
      c.destroy();
    }
    await expectLogged(/TLS handshake refused: UNABLE_TO_/);
  });

  it('serves a good client after 200 parallel bad handshakes', async () => {
    const other = await createCa({ commonName: 'other CA' });
    const bad: CertKeyPair[] = [
      await issueCert({ ca: other, commonName: 'monitor', usage: 'both', role: 'monitor' }),
      await createSelfSigned({ commonName: 'monitor', usage: 'both' }),
      await issueCert({ ca: pki.ca, commonName: 'monitor', usage: 'both', notBefore: new Date(Date.now() - 10 * 86_400_000), days: 1 }),
    ];
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const b = bad[i % bad.length]!;
        return attempt({ cert: b.certPem, key: b.keyPem });
      }),
    );
    expect(outcomes.every((o) => o.data === ''), 'no bad client got a reply').to.equal(true);
    // Logged within the budget: 20 lines per reason and minute (log-limit.ts), the rest counted.
    await waitFor(() => log.messages('warn').filter((m) => /TLS handshake refused/.test(m)).length >= 60, 20_000, '3 × 20 refusals logged');
    const reasons = new Set(log.messages('warn').filter((m) => /TLS handshake refused/.test(m)).map((m) => m.replace('certificate CN=monitor', 'certificate').replace(/ on \S+Z/, '')));
    expect([...reasons].sort()).to.deep.equal([
      'TLS handshake refused: CERT_HAS_EXPIRED: certificate expired (or a CA above it did; check clocks too)',
      'TLS handshake refused: DEPTH_ZERO_SELF_SIGNED_CERT: certificate is self-signed, not issued by ca_file',
      'TLS handshake refused: UNABLE_TO_VERIFY_LEAF_SIGNATURE: certificate issued by CN=other CA: wrong CA (not ca_file\'s), or an intermediate the client did not send',
    ]);
    expect(seen.lines).to.deep.equal([]);
    await waitFor(() => listener.connectionCount === 0, 10_000, 'bad sockets closed');
    const good = await connect({
      host: HOST,
      port: listener.port,
      socket: socketConfig(),
      material: material(pki.client, pki.ca),
      timeoutMs: 5000,
      logger: new MemoryLogger(),
      warned: new Set(),
    });
    try {
      expect(await good.request('PING|1|db1')).to.match(/^OK: PING\|1\|db1\|role=monitor/);
    } finally {
      good.destroy();
    }
  });

  it('serves a good client while 20 raw sockets stall mid-handshake and 20 send plaintext', async () => {
    const stalled = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        new Promise<net.Socket>((resolve) => {
          const s = net.connect(listener.port, HOST, () => {
            // A TLS record header announcing more bytes than ever come, or a plaintext command.
            s.write(i % 2 ? Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]) : 'SET_STATUS|1|db1|ONLINE||db1\n');
            resolve(s);
          });
          s.on('error', () => {});
          sockets.push(s);
        }),
      ),
    );
    expect(stalled).to.have.length(40);
    const good = await connect({
      host: HOST,
      port: listener.port,
      socket: socketConfig(),
      material: material(pki.client, pki.ca),
      timeoutMs: 5000,
      logger: new MemoryLogger(),
      warned: new Set(),
    });
    try {
      expect(await good.request('PING|1|db1')).to.match(/^OK: PING\|1\|db1/);
    } finally {
      good.destroy();
    }
    await waitFor(() => log.messages('warn').filter((m) => /plain bytes on a TLS port/.test(m)).length === 20, 5000, 'plain refusals');
    expect(seen.lines).to.deep.equal(['PING|1|db1']);
  });
});
