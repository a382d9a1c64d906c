// AgentClient against a fake agent on the real mutual-TLS listener: kept connection, reconnect
// after an MMM-style close, bounded requests, server identity checked against the host ip.
import { expect } from 'chai';
import {
  type CertKeyPair,
  type HostConfig,
  type Listener,
  type PeerConnection,
  type SocketConfig,
  type TlsMaterial,
  createCa,
  createListener,
  issueCert,
  nullLogger,
} from '@mmm/common';
import { AgentClient } from '../../src/agents/agent-client';

const SOCKET: SocketConfig = { type: 'ssl', verifyMode: 1, tlsMinVersion: 'TLSv1.2', tlsListen: 'tls', tlsConnect: 'enforce', certExpiryWarnDays: 30, peerRoles: [] };

describe('AgentClient (fake agent over mutual TLS)', function () {
  this.timeout(20_000);
  let ca: CertKeyPair;
  let agentMat: TlsMaterial;
  let monMat: TlsMaterial;
  let listener: Listener | undefined;
  let connections = 0;
  let mode: 'keep' | 'close-after-reply' | 'silent' = 'keep';
  const seen: string[] = [];

  before(async () => {
    ca = await createCa({ commonName: 'test CA' });
    const agent = await issueCert({ ca, commonName: 'db1', ips: ['127.0.0.1'], role: 'agent', usage: 'both' });
    const mon = await issueCert({ ca, commonName: 'monitor', ips: ['127.0.0.1'], role: 'monitor', usage: 'both' });
    agentMat = { cert: agent.certPem, key: agent.keyPem, ca: ca.certPem };
    monMat = { cert: mon.certPem, key: mon.keyPem, ca: ca.certPem };
    listener = await createListener({
      host: '127.0.0.1', port: 0, socket: SOCKET, material: agentMat, logger: nullLogger,
      onConnection: async (c: PeerConnection) => {
        connections++;
        for await (const line of c) {
          seen.push(line);
          if (mode === 'silent') continue;
          await c.writeLine(line.startsWith('PING|') ? 'OK: Pinged!|UP:12.50' : 'ERROR: Invalid command!|UP:12.50');
          if (mode === 'close-after-reply') await c.close();
        }
      },
    });
  });
  after(async () => listener?.close());
  beforeEach(() => {
    connections = 0;
    seen.length = 0;
    mode = 'keep';
  });

  const client = (ip = '127.0.0.1'): AgentClient => {
    const host: HostConfig = { name: 'db1', ip, mode: 'master', agentPort: listener!.port, mysqlPort: 3306 };
    // expectedName is the host ip: connect to 127.0.0.1 but expect another ip to test identity
    return new AgentClient({ host, socket: SOCKET, material: () => monMat, logger: nullLogger, connectTimeoutMs: 2000 });
  };

  it('keeps one connection for several requests and decodes replies', async () => {
    const c = client();
    const r1 = await c.request({ kind: 'PING', host: 'db1' }, 2000);
    const r2 = await c.request({ kind: 'PING', host: 'db1' }, 2000);
    const r3 = await c.request({ kind: 'GET_HEALTH', host: 'db1' }, 2000);
    expect(r1).to.deep.equal({ ok: true, message: 'Pinged!', fields: [], uptime: 12.5 });
    expect(r2.ok).to.equal(true);
    expect(r3).to.include({ ok: false, message: 'Invalid command!' });
    expect(seen).to.deep.equal(['PING|1|db1', 'PING|1|db1', 'GET_HEALTH|1|db1']);
    expect(connections).to.equal(1);
    c.close();
  });

  it('works against an agent that closes after every reply (MMM style)', async () => {
    mode = 'close-after-reply';
    const c = client();
    for (let i = 0; i < 3; i++) expect((await c.request({ kind: 'PING', host: 'db1' }, 2000)).ok).to.equal(true);
    expect(connections).to.equal(3);
    c.close();
  });

  it('bounds a request the agent never answers, then reconnects', async () => {
    mode = 'silent';
    const c = client();
    let err: unknown;
    try {
      await c.request({ kind: 'PING', host: 'db1' }, 300);
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string }).code).to.equal('TIMEOUT');
    mode = 'keep';
    expect((await c.request({ kind: 'PING', host: 'db1' }, 2000)).ok).to.equal(true);
    expect(connections).to.equal(2);
    c.close();
  });

  it('refuses an agent whose certificate does not carry the configured host ip', async () => {
    const host: HostConfig = { name: 'db1', ip: '127.0.0.1', mode: 'master', agentPort: listener!.port, mysqlPort: 3306 };
    const other = await issueCert({ ca, commonName: 'db9', ips: ['127.0.0.9'], role: 'agent', usage: 'both' });
    const l2 = await createListener({ host: '127.0.0.1', port: 0, socket: SOCKET, material: { cert: other.certPem, key: other.keyPem, ca: ca.certPem }, logger: nullLogger, onConnection: () => undefined });
    const c = new AgentClient({ host: { ...host, agentPort: l2.port }, socket: SOCKET, material: () => monMat, logger: nullLogger });
    let err: unknown;
    try {
      await c.request({ kind: 'PING', host: 'db1' }, 2000);
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string }).code).to.equal('TLS_IDENTITY');
    c.close();
    await l2.close();
  });

  it('fails fast when nothing listens', async () => {
    const host: HostConfig = { name: 'db1', ip: '127.0.0.1', mode: 'master', agentPort: 1, mysqlPort: 3306 };
    const c = new AgentClient({ host, socket: SOCKET, material: () => monMat, logger: nullLogger });
    let err: unknown;
    try {
      await c.request({ kind: 'PING', host: 'db1' }, 2000);
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string }).code).to.equal('CONNECT_FAILED');
    c.close();
  });

  it('close() ends a request in flight at once, without reconnecting (a standing WATCH_HEALTH on shutdown)', async () => {
    const c = client();
    expect((await c.request({ kind: 'PING', host: 'db1' }, 2000)).ok).to.equal(true); // a kept connection
    mode = 'silent';
    const pending = c.request({ kind: 'WATCH_HEALTH', host: 'db1', generation: 3, timeoutMs: 10_000 }, 11_000).then(() => 'answered', (e: { code?: string }) => e.code);
    await new Promise((r) => setTimeout(r, 200)); // the request is on the wire (a kept connection: a close would be retried)
    const before = connections;
    c.close();
    expect(await pending).to.equal('CONNECT_FAILED');
    await new Promise((r) => setTimeout(r, 200));
    expect(connections, 'no new connection after close()').to.equal(before);
  });
});
