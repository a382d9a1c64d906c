import { expect } from 'chai';
import * as net from 'node:net';
import { connect, createListener, type ClientConnection, type Listener } from '../../src/net';
import { ConnectError, TlsError } from '../../src/errors';
import { createCa, issueCert } from '../../src/tls';
import { MemoryLogger } from '../../src/testing';
import { HOST, echoListener, makePki, material, socketConfig, waitFor, type Pki, type Seen } from './fixtures';

/** Opens a raw TCP socket; resolves with what the server sent once it closes (bounded). */
function rawExchange(port: number, send: string | null, sockets: net.Socket[], ms = 5000): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect({ host: HOST, port });
    sockets.push(s);
    let data = '';
    s.on('error', () => {});
    s.on('data', (d) => (data += d.toString('latin1')));
    if (send !== null) s.once('connect', () => s.write(send));
    const t = setTimeout(() => resolve({ data, closed: false }), ms);
    s.once('close', () => {
      clearTimeout(t);
      resolve({ data, closed: true });
    });
  });
}

describe('net: plain bytes, silent clients, tls_listen both, relaxed clients', function () {
  let pki: Pki;
  let log: MemoryLogger;
  const listeners: Listener[] = [];
  const sockets: net.Socket[] = [];
  const conns: ClientConnection[] = [];

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
  });

  async function start(over: Parameters<typeof echoListener>[2] = {}): Promise<{ listener: Listener; seen: Seen }> {
    const r = await echoListener(pki, log, over);
    listeners.push(r.listener);
    return r;
  }

  function dial(port: number, over: Partial<Parameters<typeof connect>[0]> = {}): Promise<ClientConnection> {
    return connect({
      host: HOST,
      port,
      socket: socketConfig(),
      material: material(pki.client, pki.ca),
      timeoutMs: 3000,
      logger: log,
      warned: new Set(),
      ...over,
    }).then((c) => {
      conns.push(c);
      return c;
    });
  }

  it('closes a plaintext command on a TLS port without a reply and dispatches nothing', async () => {
    const { listener, seen } = await start();
    const r = await rawExchange(listener.port, 'SET_STATUS|1|db1|ONLINE|writer(10.0.0.1)|db1\n', sockets);
    expect(r).to.deep.equal({ data: '', closed: true });
    expect(seen.conns).to.have.length(0);
    expect(log.messages('warn').some((m) => /plain bytes on a TLS port/.test(m))).to.equal(true);
  });

  it('closes a client that sends nothing at the handshake timeout, counted in the summary line', async () => {
    const { listener, seen } = await start({ handshakeTimeoutMs: 300, pressureWindowMs: 200 });
    const r = await rawExchange(listener.port, null, sockets);
    expect(r.closed).to.equal(true);
    expect(seen.conns).to.have.length(0);
    await waitFor(() => log.messages('warn').some((m) => /^listener limits: 1 connection closed in the last \d+ s: 1 handshake timeout \(300 ms\); top sources: 127\.0\.0\.1 \(1\)$/.test(m)), 5000, 'the summary line');
  });

  it('closes a client that stalls after a partial ClientHello', async () => {
    const { listener } = await start({ handshakeTimeoutMs: 300 });
    const r = await rawExchange(listener.port, '\x16\x03\x01\x02\x00\x01', sockets);
    expect(r.closed).to.equal(true);
  });

  it('tls_listen both accepts plain (no identity) and TLS on one port', async () => {
    const { listener, seen } = await start({ socket: socketConfig({ tlsListen: 'both' }) });
    const plain = await dial(listener.port, { socket: socketConfig({ type: 'plain' }) });
    expect(await plain.request('PING')).to.equal('OK: PING|role=any|plain=true');
    const secure = await dial(listener.port);
    expect(await secure.request('PING')).to.equal('OK: PING|role=monitor|plain=false');
    expect(seen.conns.map((c) => c.peer.plain)).to.deep.equal([true, false]);
    expect(log.messages('warn').some((m) => /tls_listen both/.test(m))).to.equal(true);
  });

  it('socket_type plain listens in plain and warns once at start', async () => {
    const { listener } = await start({ socket: socketConfig({ type: 'plain' }), material: undefined });
    const c = await dial(listener.port, { socket: socketConfig({ type: 'plain' }) });
    expect(await c.request('PING')).to.match(/^OK: PING\|role=any\|plain=true/);
    expect(log.messages('warn').filter((m) => /socket_type plain/.test(m))).to.have.length(1);
  });

  it('tls_connect enforce does not fall back to plain; a close without plain bytes suggests no downgrade', async () => {
    const { listener } = await start({ socket: socketConfig({ type: 'plain' }), material: undefined });
    const err = await dial(listener.port).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ConnectError);
    // our plain listener closes a ClientHello without a byte: the client cannot tell it from a full listener
    expect((err as Error).message).to.match(/closed the connection before the TLS handshake finished: its connection limits may be full/);
    expect((err as Error).message).to.not.match(/relaxed/);
    expect(log.messages('warn').some((m) => /TLS handshake on a plain listener: closed/.test(m))).to.equal(true);
  });

  it('tls_connect relaxed falls back to plain when the peer speaks only plain', async () => {
    const { listener, seen } = await start({ socket: socketConfig({ type: 'plain' }), material: undefined });
    const c = await dial(listener.port, { socket: socketConfig({ tlsConnect: 'relaxed' }) });
    expect(c.peer.plain).to.equal(true);
    expect(await c.request('PING')).to.match(/^OK: PING\|role=any\|plain=true/);
    expect(seen.lines).to.deep.equal(['PING']);
    expect(log.messages('warn').some((m) => /relaxed.*falling back/.test(m))).to.equal(true);
  });

  it('tls_connect relaxed never falls back after a failed verification', async () => {
    const other = await createCa({ commonName: 'other CA' });
    const srv = await issueCert({ ca: other, commonName: 'db1', ips: [HOST], usage: 'both' });
    const { listener, seen } = await start({ material: material(srv, pki.ca) });
    const err = await dial(listener.port, { socket: socketConfig({ tlsConnect: 'relaxed' }) }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TlsError);
    expect((err as TlsError).code).to.equal('TLS_AUTH_FAILED');
    expect(seen.conns).to.have.length(0);
  });

  it('answers an over-long line with a framing error and keeps the connection', async () => {
    const listener = await createListener({
      host: HOST,
      port: 0,
      socket: socketConfig(),
      material: material(pki.server, pki.ca),
      logger: log,
      maxLineBytes: 1024,
      async onConnection(conn) {
        for await (const it of conn.items()) {
          await conn.writeLine(it.kind === 'line' ? `OK: ${it.line.length}` : `ERROR: ${it.error.code}`);
        }
      },
    });
    listeners.push(listener);
    const c = await dial(listener.port);
    expect(await c.request('x'.repeat(5000))).to.equal('ERROR: PROTOCOL_LINE_TOO_LONG');
    expect(await c.request('short')).to.equal('OK: 5');
  });

  it('bounds a request that gets no reply (TimeoutError) ', async () => {
    const listener = await createListener({
      host: HOST,
      port: 0,
      socket: socketConfig(),
      material: material(pki.server, pki.ca),
      logger: log,
      onConnection() {}, // never answers
    });
    listeners.push(listener);
    const c = await dial(listener.port);
    const err = await c.request('PING', 200).catch((e: unknown) => e);
    expect((err as { code?: string }).code).to.equal('TIMEOUT');
    await waitFor(() => c.closed, 2000, 'connection destroyed after timeout');
  });

  it('an address in use is retried every second (logged once) and bound once it is free; 0 = fail at once', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, HOST, r));
    const port = (blocker.address() as net.AddressInfo).port;
    const opts = { host: HOST, port, socket: socketConfig(), material: material(pki.server, pki.ca), logger: log, onConnection() {} };
    const now = await createListener({ ...opts, bindRetryMs: 0 }).catch((e: unknown) => e);
    expect((now as NodeJS.ErrnoException).code).to.equal('EADDRINUSE');
    const pending = createListener({ ...opts, bindRetryMs: 20_000 });
    await waitFor(() => log.messages('warn').some((m) => m.includes(`${HOST}:${port} is in use`)), 5000, 'the in-use warning');
    await new Promise<void>((r) => blocker.close(() => r()));
    const listener = await pending;
    listeners.push(listener);
    expect(listener.port).to.equal(port);
    expect(log.messages('warn').filter((m) => m.includes('is in use'))).to.have.length(1);
    expect(log.messages('info').some((m) => /is free again: bound after \d+\.\d s/.test(m))).to.equal(true);
  });
});
