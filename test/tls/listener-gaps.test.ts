// reference/tls.md §5 "Our list": the cases neither packages/common/test/net nor
// listener-matrix.test.ts covers, against the real listener (sniffing front + TLS server) with
// certificates made here: the client-visible outcome and the server's logged reason.
// Good mTLS under forced TLS 1.2 and 1.3; resumed sessions (authorized, same role; a reload
// forces a full handshake); a CRL of another CA; an expired CRL; ALPN mismatch; our client
// against plaintext-only servers; peer_role rules matching nobody; the established-connection pool.
import { expect } from 'chai';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { createCa, createCrl, type CertKeyPair } from '../../packages/common/src/tls';
import { connect, type ClientConnection, type Listener } from '../../packages/common/src/net';
import { ConnectError, TlsError } from '../../packages/common/src/errors';
import { MemoryLogger } from '../../packages/common/src/testing';
import type { SocketConfig } from '../../packages/common/src/config/types';
import { startControlServer } from '../../packages/monitor/src/control/control-server';
import { Mutex } from '../../packages/monitor/src/mutex';
import { notAuthorizedText } from '../../packages/monitor/src/commands';
import { FakeHost } from '../../packages/monitor/test/daemon/fake-host';
import { HOST, echoListener, makePki, material, roleCert, socketConfig, waitFor, type Pki, type Seen } from '../../packages/common/test/net/fixtures';

interface Outcome {
  secure: boolean;
  protocol: string | null;
  reused: boolean;
  data: string;
  errorCode?: string;
  session?: Buffer;
}

describe('tls matrix: real listener, remaining cases of tls.md §5', function () {
  this.timeout(60_000);
  let pki: Pki;
  let log: MemoryLogger;
  const listeners: Listener[] = [];
  const sockets: net.Socket[] = [];
  const conns: ClientConnection[] = [];
  const servers: net.Server[] = [];

  before(async () => {
    pki = await makePki();
  });
  beforeEach(() => {
    log = new MemoryLogger();
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    for (const c of conns.splice(0)) c.destroy();
    for (const l of listeners.splice(0)) await l.close();
    for (const s of servers.splice(0)) s.close();
  });

  async function start(over: Parameters<typeof echoListener>[2] = {}): Promise<{ listener: Listener; seen: Seen }> {
    const r = await echoListener(pki, log, over);
    listeners.push(r.listener);
    return r;
  }

  /**
   * A raw Node TLS client (verifying the server) that sends one line once "in", waits for one
   * reply line (or the close), and reports what it saw; bounded at 5 s.
   */
  function attempt(port: number, o: tls.ConnectionOptions, line = 'PING|1|db1'): Promise<Outcome> {
    return new Promise((resolve) => {
      const s = tls.connect({ host: HOST, port, ca: pki.ca.certPem, cert: pki.client.certPem, key: pki.client.keyPem, ...o });
      sockets.push(s);
      const out: Outcome = { secure: false, protocol: null, reused: false, data: '' };
      const timer = setTimeout(() => s.destroy(), 5000);
      s.on('session', (sess: Buffer) => (out.session = sess));
      s.on('secureConnect', () => {
        out.secure = true;
        out.protocol = s.getProtocol();
        out.reused = s.isSessionReused();
        s.write(`${line}\n`);
      });
      s.on('data', (d: Buffer) => {
        out.data += d.toString();
        // TLS 1.3 tickets may come after the first reply: give them a moment, then end
        if (out.data.includes('\n')) setTimeout(() => s.end(), 50);
      });
      s.on('error', (e: NodeJS.ErrnoException) => (out.errorCode ??= e.code));
      s.on('close', () => {
        clearTimeout(timer);
        resolve(out);
      });
    });
  }

  async function logged(re: RegExp, level: 'warn' | 'error' | 'info' = 'warn'): Promise<{ msg: string; meta: Record<string, unknown> }> {
    await waitFor(() => log.entries.some((e) => e.level === level && re.test(e.msg)), 5000, `server log ${String(re)}`);
    return log.entries.find((e) => e.level === level && re.test(e.msg))!;
  }

  async function dial(port: number, over: { socket?: SocketConfig; pair?: CertKeyPair; timeoutMs?: number } = {}): Promise<ClientConnection> {
    const c = await connect({
      host: HOST,
      port,
      socket: over.socket ?? socketConfig(),
      material: material(over.pair ?? pki.client, pki.ca),
      timeoutMs: over.timeoutMs ?? 5000,
      logger: new MemoryLogger(),
      warned: new Set(),
    });
    conns.push(c);
    return c;
  }

  describe('good mutual TLS per version, resumption', () => {
    for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
      it(`serves a good client with TLS forced to ${version} and reports its role`, async () => {
        const { listener, seen } = await start();
        const out = await attempt(listener.port, { minVersion: version, maxVersion: version, ALPNProtocols: ['mmm/1'] });
        expect(out.protocol).to.equal(version);
        expect(out.data).to.equal('OK: PING|1|db1|role=monitor|plain=false\n');
        expect(seen.conns[0]!.peer).to.include({ cn: 'monitor', role: 'monitor', plain: false });
        expect(log.messages('warn').filter((m) => /refused/.test(m))).to.deep.equal([]);
      });

      it(`a resumed ${version} session is still authorized and keeps its role; a reload forces a full handshake that a revocation then refuses`, async () => {
        const victim = await roleCert(pki, 'resumer', 'monitor');
        const { listener, seen } = await start({ material: material(pki.server, pki.ca, { crl: await createCrl({ ca: pki.ca, revokedSerials: [] }) }) });
        const o = { cert: victim.certPem, key: victim.keyPem, minVersion: version, maxVersion: version };
        const first = await attempt(listener.port, o);
        expect(first.reused).to.equal(false);
        expect(first.session, 'a session to resume').to.be.instanceOf(Buffer);
        const again = await attempt(listener.port, { ...o, session: first.session });
        expect(again.reused, 'session resumed').to.equal(true);
        expect(again.data).to.equal('OK: PING|1|db1|role=monitor|plain=false\n');
        expect(seen.conns.map((c) => [c.peer.cn, c.peer.role])).to.deep.equal([
          ['resumer', 'monitor'],
          ['resumer', 'monitor'],
        ]);
        // revoke it and reload: new ticket keys, so the saved session no longer resumes
        await listener.reload(material(pki.server, pki.ca, { crl: await createCrl({ ca: pki.ca, revokedSerials: [victim.serial!] }) }));
        const after = await attempt(listener.port, { ...o, session: again.session ?? first.session });
        expect(after.reused).to.equal(false);
        expect(after.data).to.equal('');
        const e = await logged(/TLS handshake refused: CERT_REVOKED/);
        expect(String(e.meta.peer)).to.match(/^127\.0\.0\.1:\d+$/);
        expect(seen.conns).to.have.length(2);
      });
    }
  });

  describe('CRL', () => {
    it("a CRL of another CA only: every client is refused (no CRL for our CA: UNABLE_TO_GET_CRL)", async () => {
      const other = await createCa({ commonName: 'other CA' });
      const { listener, seen } = await start({ material: material(pki.server, pki.ca, { crl: await createCrl({ ca: other, revokedSerials: [] }) }) });
      const c = await dial(listener.port);
      const err = await c.request('PING|1|db1').catch((e: unknown) => e);
      expect((err as TlsError).code).to.equal('TLS_AUTH_FAILED');
      const e = await logged(/TLS handshake refused: UNABLE_TO_GET_CRL/);
      expect(String(e.meta.peer)).to.match(/^127\.0\.0\.1:\d+$/);
      expect(seen.lines).to.deep.equal([]);
    });

    it('one crl_file holding the CRLs of two CAs, ours second: served, and a revocation in the second CRL applies', async () => {
      // Node's crl option reads only the first CRL of a string: the listener passes them one by one
      const other = await createCa({ commonName: 'other CA' });
      const revoked = await roleCert(pki, 'old-monitor', 'monitor');
      // `cat other.crl ca.crl` of files `mmm_tls crl` wrote (no newline at their end)
      const crl = (await createCrl({ ca: other, revokedSerials: [] })) + (await createCrl({ ca: pki.ca, revokedSerials: [revoked.serial!] }));
      const { listener, seen } = await start({ material: material(pki.server, pki.ca, { crl }) });
      expect(await (await dial(listener.port)).request('PING|1|db1')).to.match(/^OK: PING\|1\|db1\|role=monitor/);
      const err = await (await dial(listener.port, { pair: revoked })).request('PING|1|db1').catch((e: unknown) => e);
      expect((err as TlsError).code).to.equal('TLS_AUTH_FAILED');
      await logged(/TLS handshake refused: CERT_REVOKED/);
      expect(log.messages('warn').filter((m) => /UNABLE_TO_GET_CRL/.test(m))).to.deep.equal([]);
      expect(seen.lines).to.deep.equal(['PING|1|db1']);
    });

    it('an expired CRL fails closed: every client is refused, CRL_HAS_EXPIRED logged', async () => {
      const thisUpdate = new Date(Date.now() - 10 * 86_400_000);
      const crl = await createCrl({ ca: pki.ca, revokedSerials: [], thisUpdate, nextUpdate: new Date(Date.now() - 86_400_000) });
      const { listener, seen } = await start({ material: material(pki.server, pki.ca, { crl }) });
      const c = await dial(listener.port);
      const err = await c.request('PING|1|db1').catch((e: unknown) => e);
      expect((err as TlsError).code).to.equal('TLS_AUTH_FAILED');
      const raw = await attempt(listener.port, { maxVersion: 'TLSv1.2' });
      expect(raw.secure).to.equal(false); // TLS 1.2: the handshake itself fails on the client side
      expect(raw.data).to.equal('');
      expect(raw.errorCode).to.be.a('string');
      await logged(/TLS handshake refused: CRL_HAS_EXPIRED/);
      expect(log.messages('warn').filter((m) => /CRL_HAS_EXPIRED/.test(m))).to.have.length(2);
      expect(seen.lines).to.deep.equal([]);
    });
  });

  it('ALPN mismatch: a client offering only another protocol is refused; one offering none is served', async () => {
    const { listener, seen } = await start();
    const out = await attempt(listener.port, { ALPNProtocols: ['http/1.1'] });
    expect(out.secure).to.equal(false);
    expect(out.errorCode).to.equal('ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL');
    const e = await logged(/TLS handshake refused: ERR_SSL_NO_APPLICATION_PROTOCOL/);
    expect(String(e.meta.peer)).to.match(/^127\.0\.0\.1:\d+$/);
    expect(seen.lines).to.deep.equal([]);
    const none = await attempt(listener.port, {});
    expect(none.data).to.match(/^OK: PING/);
  });

  describe('our TLS client against a plaintext-only server (tls_connect enforce)', () => {
    async function plainServer(onData: (s: net.Socket, d: Buffer) => void): Promise<{ port: number; received: Buffer[] }> {
      const received: Buffer[] = [];
      const srv = net.createServer((s) => {
        s.on('error', () => {});
        s.on('data', (d: Buffer) => {
          received.push(d);
          onData(s, d);
        });
      });
      servers.push(srv);
      await new Promise<void>((r) => srv.listen(0, HOST, () => r()));
      return { port: (srv.address() as net.AddressInfo).port, received };
    }

    it('a server that reads and never answers (an MMM agent waiting for "\\n"): bounded by the connect timeout, no plain retry', async () => {
      const { port, received } = await plainServer(() => undefined);
      const err = await dial(port, { timeoutMs: 1000 }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ConnectError);
      expect((err as ConnectError).code).to.equal('TIMEOUT');
      expect(received.length).to.be.greaterThan(0);
      expect(received.every((b) => !b.toString('latin1').includes('PING'))).to.equal(true);
      expect(received[0]![0]).to.equal(0x16); // only a ClientHello was ever sent
    });

    it('a server that answers in plain text and closes: a ConnectError, no plain retry', async () => {
      const { port, received } = await plainServer((s) => s.end('ERROR: Invalid request\n'));
      const err = await dial(port).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ConnectError);
      expect((err as Error).message).to.match(/ERR_SSL_WRONG_VERSION_NUMBER|ERR_SSL_PACKET_LENGTH_TOO_LONG/);
      // plain bytes came back: the only case where the client names tls_connect relaxed
      expect((err as Error).message).to.match(/answered in plain text: it may speak only plain; tls_connect relaxed would allow that/);
      await new Promise((r) => setTimeout(r, 100));
      expect(received.map((b) => b[0])).to.deep.equal([0x16]); // one connection, a ClientHello only
    });

    it('a server that closes at once without a byte (a full listener): the hint names the limits, not relaxed', async () => {
      const srv = net.createServer((s) => s.destroy());
      servers.push(srv);
      await new Promise<void>((r) => srv.listen(0, HOST, () => r()));
      const err = await dial((srv.address() as net.AddressInfo).port).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ConnectError);
      expect((err as Error).message).to.match(/ECONNRESET|EPIPE|closed during the TLS handshake/);
      expect((err as Error).message).to.match(/closed the connection before the TLS handshake finished: its connection limits may be full \(see 'listener limits:' in its log\)/);
      expect((err as Error).message).to.not.match(/relaxed/);
    });
  });

  describe('peer_role rules that match nobody (monitor control port)', () => {
    it('a CA-signed certificate whose CN/SAN matches no rule gets no rights: reads refused too, each refusal logged', async () => {
      const host = new FakeHost();
      const cfg = { ...host.config, socket: socketConfig({ peerRoles: [{ match: 'ops-laptop', role: 'control' }] }) };
      const l = await startControlServer({ config: cfg, host: HOST, port: 0, material: material(pki.server, pki.ca), logger: log, target: host, mutex: new Mutex() });
      listeners.push(l);
      const stranger = await roleCert(pki, 'stranger'); // no role URI, CN matches no rule
      const out = await new Promise<string>((resolve) => {
        const s = tls.connect({ host: HOST, port: l.port, ca: pki.ca.certPem, cert: stranger.certPem, key: stranger.keyPem });
        sockets.push(s);
        let buf = '';
        const t = setTimeout(() => s.destroy(), 5000);
        s.on('secureConnect', () => s.write('show\nset_offline db3\nquit\n'));
        s.on('data', (d: Buffer) => (buf += d.toString()));
        s.on('error', () => {});
        s.on('close', () => {
          clearTimeout(t);
          resolve(buf);
        });
      });
      // isAllowed(null, …) is false for every command: even `show` (a read) is refused
      const why = 'CN=stranger matches no peer_role rule and has no urn:mmm:role URI';
      expect(out).to.equal(notAuthorizedText('show', null, why) + notAuthorizedText('set_offline', null, why));
      expect(out).to.include('matches no peer_role rule');
      expect(host.state.hosts.db3!.state).to.equal('ONLINE');
      const refusals = log.entries.filter((e) => /control command refused/.test(e.msg));
      expect(refusals.map((e) => e.msg)).to.have.length(2);
      expect(refusals[0]!.meta).to.include({ cn: 'stranger', role: 'null' });
      expect(refusals[0]!.msg).to.include(`the certificate has no rights: ${why}`);
      // the named certificate is served
      const ops = await roleCert(pki, 'ops-laptop');
      const ok = await attemptControl(l.port, ops, 'mode\nquit\n');
      expect(ok).to.equal('ACTIVE');
    });

    function attemptControl(port: number, pair: CertKeyPair, bytes: string): Promise<string> {
      return new Promise((resolve) => {
        const s = tls.connect({ host: HOST, port, ca: pki.ca.certPem, cert: pair.certPem, key: pair.keyPem });
        sockets.push(s);
        let buf = '';
        const t = setTimeout(() => s.destroy(), 5000);
        s.on('secureConnect', () => s.write(bytes));
        s.on('data', (d: Buffer) => (buf += d.toString()));
        s.on('error', () => {});
        s.on('close', () => {
          clearTimeout(t);
          resolve(buf);
        });
      });
    }
  });

  it('silent sockets over the per-source limit are evicted once their grace ends, with no new arrival; one summary line', async () => {
    const { listener } = await start({ limits: { perSource: 2, unauthenticated: 8, graceMs: 200 }, pressureWindowMs: 300 });
    const closed: boolean[] = [];
    for (let i = 0; i < 10; i++) {
      const s = net.connect(listener.port, HOST);
      s.on('error', () => {});
      s.on('close', () => closed.push(true));
      sockets.push(s);
    }
    await waitFor(() => closed.length === 8, 5000, '8 silent sockets evicted');
    expect(listener.unauthenticatedCount).to.equal(2);
    const e = await logged(/^listener limits: /);
    expect(e.msg).to.match(/^listener limits: 8 connections closed in the last \d+ s: 8 unauthenticated evicted \(limits 2 per address, 8 in all\); top sources: 127\.0\.0\.1 \(8\)$/);
    expect(log.messages('warn').filter((m) => /listener limits/.test(m))).to.have.length(1);
    // a client from the same address evicts one of the two silent ones past their grace, and is served
    expect(await (await dial(listener.port)).request('PING|1|db1')).to.match(/^OK: PING/);
    await waitFor(() => closed.length === 9, 5000, 'a 9th silent socket evicted');
  });

  it('established connections have a pool of their own: silent sockets do not take it, a full one refuses in the summary line', async () => {
    const { listener, seen } = await start({ limits: { perSource: 2, unauthenticated: 4, established: 2 }, pressureWindowMs: 200 });
    const held = [await dial(listener.port), await dial(listener.port)];
    for (const c of held) expect(await c.request('PING|1|db1')).to.match(/^OK: PING/);
    // 20 silent sockets: the unauthenticated pool (4) evicts among them, the established pool stays at 2
    for (let i = 0; i < 20; i++) {
      const s = net.connect(listener.port, HOST);
      s.on('error', () => {});
      sockets.push(s);
    }
    await waitFor(() => listener.connectionCount >= 4, 5000, 'silent sockets accepted');
    // a third authenticated client: its handshake passes, the full established pool closes it
    const third = await dial(listener.port)
      .then((c) => c.request('PING|1|db1'))
      .catch((e: unknown) => e);
    expect(third).to.be.instanceOf(Error);
    await logged(/^listener limits: .*1 refused \(2 connections established\); top sources: 127\.0\.0\.1/);
    // one slot freed: the next client is served, silent sockets or not
    held[0]!.destroy();
    await waitFor(() => seen.conns.filter((c) => !c.closed).length < 2, 5000, 'a slot freed');
    expect(await (await dial(listener.port)).request('PING|1|db1')).to.match(/^OK: PING\|1\|db1\|role=monitor/);
    expect(await held[1]!.request('PING|1|db1')).to.match(/^OK: PING/);
  });
});
