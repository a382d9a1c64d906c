import { expect } from 'chai';
import { connect, checkServerRole, type ClientConnection, type Listener } from '../../src/net';
import { TlsError } from '../../src/errors';
import { describeCert, issueCert, type CertKeyPair } from '../../src/tls';
import type { PeerRole } from '../../src/model/peer-role';
import type { PeerRoleRule } from '../../src/config/types';
import { MemoryLogger } from '../../src/testing';
import { HOST, echoListener, makePki, material, socketConfig, type Pki } from './fixtures';

describe('net: the client checks the server role (DESIGN §4)', function () {
  let pki: Pki;
  const listeners: Listener[] = [];
  const conns: ClientConnection[] = [];

  before(async () => {
    pki = await makePki();
  });
  afterEach(async () => {
    for (const c of conns.splice(0)) c.destroy();
    for (const l of listeners.splice(0)) await l.close();
  });

  const server = (role?: PeerRole, uris?: string[], cn = 'srv'): Promise<CertKeyPair> =>
    issueCert({ ca: pki.ca, commonName: cn, ips: [HOST], usage: 'both', ...(role ? { role } : {}), ...(uris ? { uris } : {}) });

  describe('checkServerRole (pure)', () => {
    const verdict = async (role: PeerRole | undefined, rules: PeerRoleRule[], uris?: string[]) =>
      checkServerRole(describeCert((await server(role, uris)).certPem), rules, 'monitor');

    it('a role URI decides: the expected one passes, another fails even where a peer_role rule names the certificate', async () => {
      expect(await verdict('monitor', [])).to.deep.equal({ ok: true });
      const v = await verdict('agent', [{ match: 'srv', role: 'monitor' }]);
      expect(v).to.deep.equal({ ok: false, reason: 'server certificate CN=srv has role agent (urn:mmm:role:agent), expected monitor' });
      expect((await verdict('viewer', [])).ok).to.equal(false);
      expect((await verdict(undefined, [], ['urn:mmm:role:root'])).ok).to.equal(false);
      expect((await verdict('monitor', [], ['urn:mmm:role:agent'])).ok).to.equal(false);
    });

    it('without a URI peer_role decides; no matching rule fails; no role information anywhere passes, flagged unchecked', async () => {
      expect(await verdict(undefined, [{ match: 'srv', role: 'monitor' }])).to.deep.equal({ ok: true });
      expect((await verdict(undefined, [{ match: '127.0.0.1', role: 'agent' }])).ok).to.equal(false);
      const none = await verdict(undefined, [{ match: 'someone-else', role: 'control' }]);
      expect(none.ok).to.equal(false);
      expect((none as { reason: string }).reason).to.include("add 'peer_role srv monitor'");
      const free = await verdict(undefined, []);
      expect(free.ok).to.equal(true);
      expect((free as { unchecked?: string }).unchecked).to.match(/carries no role/);
    });
  });

  describe('connect({ expectedRole })', () => {
    async function attempt(srv: CertKeyPair, expectedRole: PeerRole, log: MemoryLogger, warned = new Set<string>(), verifyMode: 0 | 1 = 1) {
      const r = await echoListener({ ...pki, server: srv }, new MemoryLogger());
      listeners.push(r.listener);
      try {
        const c = await connect({
          host: HOST,
          port: r.listener.port,
          socket: socketConfig({ verifyMode }),
          material: material(pki.client, pki.ca),
          timeoutMs: 5000,
          logger: log,
          warned,
          expectedRole,
        });
        conns.push(c);
        return { conn: c, seen: r.seen };
      } catch (e) {
        return { error: e, seen: r.seen };
      }
    }

    it('refuses a CA-signed agent certificate posing as the monitor before sending a byte (TlsError TLS_ROLE)', async () => {
      const log = new MemoryLogger();
      const r = await attempt(pki.server, 'monitor', log); // pki.server: urn:mmm:role:agent, IP 127.0.0.1
      expect(r.error).to.be.instanceOf(TlsError);
      expect((r.error as TlsError).code).to.equal('TLS_ROLE');
      expect((r.error as Error).message).to.match(/has role agent \(urn:mmm:role:agent\), expected monitor/);
      await new Promise((res) => setTimeout(res, 100));
      expect(r.seen.lines).to.deep.equal([]);
    });

    it('accepts the expected role; with no role information anywhere accepts and warns once per server', async () => {
      const ok = await attempt(pki.server, 'agent', new MemoryLogger());
      expect(await ok.conn!.request('PING')).to.match(/^OK: PING/);
      const log = new MemoryLogger();
      const warned = new Set<string>();
      const bare = await server(undefined);
      const a = await attempt(bare, 'monitor', log, warned);
      expect(a.conn).to.not.equal(undefined);
      const b = await attempt(bare, 'monitor', log, warned);
      expect(b.conn).to.not.equal(undefined);
      // two listeners (two ports): one warning each; the same port again would not warn
      expect(log.messages('warn').filter((m) => /carries no role/.test(m))).to.have.length(2);
    });

    it('verify_mode 0 checks nothing (already warned as unverified)', async () => {
      const r = await attempt(pki.server, 'monitor', new MemoryLogger(), new Set(), 0);
      expect(r.conn).to.not.equal(undefined);
    });
  });
});
