import { expect } from 'chai';
import * as net from 'node:net';
import {
  AGENT_COMMAND_MATRIX,
  MONITOR_COMMAND_MATRIX,
  connect,
  isAllowed,
  resolveRole,
  type ClientConnection,
  type Listener,
} from '../../src/net';
import { TlsError } from '../../src/errors';
import { createCrl, issueCert, type CertKeyPair } from '../../src/tls';
import { MemoryLogger } from '../../src/testing';
import { HOST, echoListener, makePki, material, roleCert, socketConfig, waitFor, type Pki } from './fixtures';

describe('net: roles, authorization, CRL, reload, stalled handshakes', function () {
  let pki: Pki;
  let log: MemoryLogger;
  const listeners: Listener[] = [];
  const conns: ClientConnection[] = [];
  const sockets: net.Socket[] = [];

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

  async function start(over: Parameters<typeof echoListener>[2] = {}) {
    const r = await echoListener(pki, log, over);
    listeners.push(r.listener);
    return r;
  }

  async function ask(port: number, client: CertKeyPair, line = 'PING'): Promise<string> {
    const c = await connect({
      host: HOST,
      port,
      socket: socketConfig(),
      material: material(client, pki.ca),
      timeoutMs: 5000,
      logger: new MemoryLogger(),
    });
    conns.push(c);
    return c.request(line);
  }

  describe('role resolution', () => {
    it('takes the role from a peer_role rule on the CN', async () => {
      const { listener } = await start({ socket: socketConfig({ peerRoles: [{ match: 'ops-laptop', role: 'control' }] }) });
      expect(await ask(listener.port, await roleCert(pki, 'ops-laptop'))).to.match(/\|role=control\|/);
    });

    it('a role URI decides: a peer_role rule naming its CN or SAN never overrides it (no borrowed roles)', async () => {
      const rules = [
        { match: '127.0.0.1', role: 'viewer' as const },
        { match: 'monitor', role: 'monitor' as const },
        { match: 'control', role: 'control' as const },
      ];
      const { listener } = await start({ socket: socketConfig({ peerRoles: rules }) });
      // pki.client has IP SAN 127.0.0.1 and urn:mmm:role:monitor: the URI wins over the viewer rule
      expect(await ask(listener.port, pki.client)).to.match(/\|role=monitor\|/);
      // a viewer certificate named like the monitor, or like control, stays a viewer
      expect(await ask(listener.port, await roleCert(pki, 'monitor', 'viewer'))).to.match(/\|role=viewer\|/);
      expect(await ask(listener.port, await roleCert(pki, 'control', 'viewer'))).to.match(/\|role=viewer\|/);
      // a certificate without a URI still gets its role from the rule
      expect(await ask(listener.port, await roleCert(pki, 'monitor'))).to.match(/\|role=monitor\|/);
    });

    it('an unknown or conflicting role URI gives no rights, even where a rule names the certificate or no rule exists', async () => {
      const unknown = await issueCert({ ca: pki.ca, commonName: 'monitor', usage: 'client', uris: ['urn:mmm:role:admin'] });
      const conflicting = await issueCert({ ca: pki.ca, commonName: 'monitor', usage: 'client', role: 'viewer', uris: ['urn:mmm:role:monitor'] });
      const upper = await issueCert({ ca: pki.ca, commonName: 'monitor', usage: 'client', uris: ['URN:MMM:ROLE:viewer'] });
      for (const rules of [[], [{ match: 'monitor', role: 'monitor' as const }]]) {
        const { listener } = await start({ socket: socketConfig({ peerRoles: rules }) });
        expect(await ask(listener.port, unknown), `unknown, ${rules.length} rules`).to.match(/\|role=null\|/);
        expect(await ask(listener.port, conflicting), `conflicting, ${rules.length} rules`).to.match(/\|role=null\|/);
        // URN prefixes are case-insensitive: this is a viewer claim, not "no URI"
        expect(await ask(listener.port, upper), `upper-case prefix, ${rules.length} rules`).to.match(/\|role=viewer\|/);
      }
      expect(resolveRole({ cn: 'monitor', sans: [], roleProblem: 'x' }, [{ match: 'monitor', role: 'monitor' }])).to.equal(null);
    });

    it('takes the role from the SAN URI urn:mmm:role:<role>', async () => {
      const { listener } = await start();
      expect(await ask(listener.port, await roleCert(pki, 'whoever', 'control'))).to.match(/\|role=control\|/);
    });

    it("gives 'any' without rules and null when rules exist but none matches", async () => {
      const { listener } = await start({ socket: socketConfig({ peerRoles: [{ match: 'x', role: 'monitor' }] }) });
      expect(await ask(listener.port, await roleCert(pki, 'stranger'))).to.match(/\|role=null\|/);
      expect(resolveRole({ cn: 'stranger', sans: [] }, [])).to.equal('any');
      expect(log.messages('warn').some((m) => /no peer_role/.test(m))).to.equal(false);
    });
  });

  describe('isAllowed', () => {
    it('lets only the monitor change an agent', () => {
      for (const cmd of ['SET_STATUS', 'CLEAR_BAD_ROLES', 'WAIT_GTID', 'CATCH_UP', 'SET_TERM']) {
        expect(isAllowed('monitor', cmd, AGENT_COMMAND_MATRIX), cmd).to.equal(true);
        for (const r of ['control', 'agent', 'viewer'] as const) expect(isAllowed(r, cmd, AGENT_COMMAND_MATRIX), `${r} ${cmd}`).to.equal(false);
      }
      for (const r of ['monitor', 'control', 'agent', 'viewer'] as const) {
        expect(isAllowed(r, 'PING', AGENT_COMMAND_MATRIX)).to.equal(true);
        expect(isAllowed(r, 'GET_AGENT_STATUS', AGENT_COMMAND_MATRIX)).to.equal(true);
      }
    });

    it("lets control and the monitor's own certificate change the monitor (DESIGN §4); agent and viewer only read", () => {
      for (const cmd of ['set_online', 'set_offline', 'move_role', 'set_ip', 'set_active', 'set_manual', 'set_passive']) {
        expect(isAllowed('control', cmd, MONITOR_COMMAND_MATRIX), cmd).to.equal(true);
        expect(isAllowed('monitor', cmd, MONITOR_COMMAND_MATRIX), cmd).to.equal(true);
        expect(isAllowed('viewer', cmd, MONITOR_COMMAND_MATRIX), cmd).to.equal(false);
        expect(isAllowed('agent', cmd, MONITOR_COMMAND_MATRIX), cmd).to.equal(false);
      }
      for (const cmd of ['show', 'ping', 'checks', 'mode', 'help', 'status_json']) {
        expect(isAllowed('viewer', cmd, MONITOR_COMMAND_MATRIX), cmd).to.equal(true);
      }
    });

    it("'any' may do everything, null nothing", () => {
      expect(isAllowed('any', 'SET_STATUS', AGENT_COMMAND_MATRIX)).to.equal(true);
      expect(isAllowed('any', 'move_role', MONITOR_COMMAND_MATRIX)).to.equal(true);
      expect(isAllowed(null, 'PING', AGENT_COMMAND_MATRIX)).to.equal(false);
    });
  });

  describe('CRL and reload', () => {
    it('refuses a client whose certificate the CRL revokes', async () => {
      const revoked = await roleCert(pki, 'old-monitor', 'monitor');
      const crl = await createCrl({ ca: pki.ca, revokedSerials: [revoked.serial!] });
      const { listener, seen } = await start({ material: material(pki.server, pki.ca, { crl }) });
      const err = await ask(listener.port, revoked).catch((e: unknown) => e);
      expect((err as TlsError).code).to.equal('TLS_AUTH_FAILED');
      await waitFor(() => log.messages('warn').some((m) => /TLS handshake refused: CERT_REVOKED/.test(m)), 5000, 'CERT_REVOKED log');
      expect(seen.lines).to.deep.equal([]);
      expect(await ask(listener.port, pki.client)).to.match(/^OK/);
    });

    it('applies a reloaded CRL to new connections', async () => {
      const victim = await roleCert(pki, 'victim', 'monitor');
      const { listener } = await start({ material: material(pki.server, pki.ca, { crl: await createCrl({ ca: pki.ca, revokedSerials: [] }) }) });
      expect(await ask(listener.port, victim)).to.match(/^OK/);
      await listener.reload(material(pki.server, pki.ca, { crl: await createCrl({ ca: pki.ca, revokedSerials: [victim.serial!] }) }));
      const err = await ask(listener.port, victim).catch((e: unknown) => e);
      expect((err as TlsError).code).to.equal('TLS_AUTH_FAILED');
    });

    it('refuses a reload with a broken or mismatched key and keeps serving', async () => {
      const { listener } = await start();
      const other = await issueCert({ ca: pki.ca, commonName: 'db1', ips: [HOST], usage: 'both' });
      for (const bad of [
        material(pki.server, pki.ca, { key: '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n' }),
        material(pki.server, pki.ca, { key: other.keyPem }),
        material(pki.server, pki.ca, { ca: 'not a certificate' }),
      ]) {
        const err = await listener.reload(bad).catch((e: unknown) => e);
        expect(err).to.be.instanceOf(TlsError);
        expect((err as TlsError).code).to.equal('TLS_MATERIAL');
      }
      expect(log.messages('error').filter((m) => /TLS reload refused/.test(m))).to.have.length(3);
      expect(await ask(listener.port, pki.client)).to.match(/^OK/);
    });

    it('swaps in a new server certificate on reload', async () => {
      const { listener } = await start();
      const next = await issueCert({ ca: pki.ca, commonName: 'db1-renewed', ips: [HOST], usage: 'both' });
      await listener.reload(material(next, pki.ca));
      await ask(listener.port, pki.client);
      expect(conns[0]!.peer.cn).to.equal('db1-renewed');
    });
  });

  it('warns at start when its own certificate expires within cert_expiry_warn_days', async () => {
    const soon = await issueCert({ ca: pki.ca, commonName: 'db1', ips: [HOST], usage: 'both', days: 5 });
    await start({ material: material(soon, pki.ca) });
    expect(log.messages('warn').some((m) => /own certificate CN=db1 expires in 4 days/.test(m))).to.equal(true);
  });

  it('serves a good client while 50 handshakes stall', async () => {
    const { listener } = await start({ handshakeTimeoutMs: 10_000 });
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => {
        const s = net.connect({ host: HOST, port: listener.port });
        s.on('error', () => {});
        sockets.push(s);
        // half send nothing, half a partial TLS record
        return new Promise<void>((resolve) => s.once('connect', () => (i % 2 ? s.write('\x16\x03\x01\x02\x00', () => resolve()) : resolve())));
      }),
    );
    await waitFor(() => listener.connectionCount >= 50, 5000, '50 stalled sockets');
    expect(await ask(listener.port, pki.client)).to.match(/^OK: PING/);
  });
});
