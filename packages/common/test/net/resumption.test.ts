// connect({ resume }): a later connection to the same server resumes the TLS session of an
// earlier one (mmm_control's second and later exchanges), with the peer that earlier connection
// verified; one made for another name, or refused by the server (new ticket keys after a
// reload), is a full handshake with every check.
import { expect } from 'chai';
import type { TLSSocket } from 'node:tls';
import { connect, type ClientConnection, type ConnectOptions, type Listener, type PeerConnection } from '../../src/net';
import { MemoryLogger } from '../../src/testing';
import { HOST, echoListener, makePki, material, socketConfig, waitFor, type Pki, type Seen } from './fixtures';

const reusedOnServer = (c: PeerConnection): boolean => (c as unknown as { socket: TLSSocket }).socket.isSessionReused();

describe('net: TLS session resumption (connect resume)', function () {
  let pki: Pki;
  let listener: Listener;
  let seen: Seen;
  const conns: ClientConnection[] = [];

  before(async () => {
    pki = await makePki();
    ({ listener, seen } = await echoListener(pki, new MemoryLogger()));
  });
  afterEach(() => {
    for (const c of conns.splice(0)) c.destroy();
  });
  after(async () => {
    await listener?.close();
  });

  const opts = (over: Partial<ConnectOptions> = {}): ConnectOptions => ({
    host: HOST,
    port: listener.port,
    socket: socketConfig(),
    material: material(pki.client, pki.ca),
    expectedRole: 'agent',
    logger: new MemoryLogger(),
    timeoutMs: 5000,
    ...over,
  });
  async function exchange(o: ConnectOptions, line: string): Promise<ClientConnection> {
    const c = await connect(o);
    conns.push(c);
    expect(await c.request(line)).to.equal(`OK: ${line}|role=monitor|plain=false`);
    return c;
  }
  /** The first connection's resumption, once its ticket has come (TLS 1.3 sends it after the handshake). */
  async function firstResumption(): Promise<NonNullable<ReturnType<ClientConnection['resumption']>>> {
    const c = await exchange(opts(), 'first');
    await waitFor(() => c.resumption() !== undefined, 5000, 'a session ticket');
    return c.resumption()!;
  }

  it('resumes with the verified peer of the connection that got the ticket; the server still knows the client', async () => {
    const r = await firstResumption();
    const n = seen.conns.length;
    const c2 = await exchange(opts({ resume: r }), 'second');
    expect(reusedOnServer(seen.conns[n])).to.equal(true);
    expect(c2.peer.cn).to.equal('db1');
    expect(c2.peer.role).to.equal('agent');
    expect(c2.peer.fingerprint256).to.equal(r.peer.fingerprint256);
    // and what it passes on resumes too
    const c3 = await exchange(opts({ resume: c2.resumption() }), 'third');
    expect(reusedOnServer(seen.conns[n + 1])).to.equal(true);
    expect(c3.peer.cn).to.equal('db1');
  });

  it('a resumption made for another name or role is not used: a full handshake', async () => {
    const r = await firstResumption();
    const n = seen.conns.length;
    await exchange(opts({ resume: { ...r, expectedName: 'localhost' } }), 'other name');
    await exchange(opts({ resume: { ...r, expectedRole: 'monitor' }, expectedRole: 'agent' }), 'other role');
    expect(reusedOnServer(seen.conns[n])).to.equal(false);
    expect(reusedOnServer(seen.conns[n + 1])).to.equal(false);
  });

  it('after the server reloads its TLS material (new ticket keys) the old ticket is refused: a full handshake', async () => {
    const r = await firstResumption();
    await listener.reload(material(pki.server, pki.ca));
    const n = seen.conns.length;
    const c = await exchange(opts({ resume: r }), 'after reload');
    expect(reusedOnServer(seen.conns[n])).to.equal(false);
    expect(c.peer.cert?.subject).to.include('db1'); // verified again, from the certificate
  });
});
