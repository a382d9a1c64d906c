// tls.md §5 groups 6–8 against a REAL mmmd_agent (the built binary, no MySQL behind it: it
// serves anyway and answers ERROR for MySQL steps): authorization of a control certificate,
// SIGHUP reloads (broken key kept out, new certificate used by new connections), and a socket
// tap showing that no command text crosses the wire in clear.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { connect, type ClientConnection, type TlsMaterial } from '../../packages/common/src/net';
import type { SocketConfig } from '../../packages/common/src/config';
import { createCrl, readCa, issueCert, writeKeyPair } from '../../packages/common/src/tls';
import { MemoryLogger } from '../../packages/common/src/testing';
import { makeTestCluster, write, type TestCluster } from './helpers/cluster';
import { startAgent, type AgentProcess } from './helpers/agent-process';

const SOCKET: SocketConfig = {
  type: 'ssl',
  verifyMode: 1,
  tlsMinVersion: 'TLSv1.2',
  tlsListen: 'tls',
  tlsConnect: 'enforce',
  certExpiryWarnDays: 30,
  peerRoles: [],
};

describe('tls: a real mmmd_agent process', function () {
  this.timeout(120_000);
  let cluster: TestCluster;
  let agent: AgentProcess | undefined;
  const open: ClientConnection[] = [];
  const servers: net.Server[] = [];

  const mat = (name: string): TlsMaterial => ({
    cert: fs.readFileSync(path.join(cluster.dir, `${name}.crt`), 'utf8'),
    key: fs.readFileSync(path.join(cluster.dir, `${name}.key`), 'utf8'),
    ca: fs.readFileSync(path.join(cluster.dir, 'ca.crt'), 'utf8'),
  });

  async function dial(name: 'monitor' | 'control', port = cluster.hosts.db1.agentPort): Promise<ClientConnection> {
    const c = await connect({
      host: cluster.hosts.db1.ip,
      port,
      socket: SOCKET,
      material: mat(name),
      timeoutMs: 5000,
      logger: new MemoryLogger(),
      warned: new Set(),
    });
    open.push(c);
    return c;
  }

  before(async () => {
    cluster = await makeTestCluster();
    agent = await startAgent(cluster.hosts.db1.conf);
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.destroy();
    for (const s of servers.splice(0)) s.close();
  });
  after(async () => {
    await agent?.stop();
    if (cluster) fs.rmSync(cluster.dir, { recursive: true, force: true });
  });

  it('answers PING from the monitor certificate', async () => {
    const c = await dial('monitor');
    expect(await c.request('PING|1|db1')).to.match(/^OK: Pinged!\|UP:\d/);
    expect(c.peer.cn).to.equal('db1');
  });

  it('refuses SET_STATUS from a control certificate after a good handshake, and changes nothing', async () => {
    const mon = await dial('monitor');
    const before = await mon.request('GET_AGENT_STATUS|1|db1');
    const from = agent!.log().length;
    const c = await dial('control');
    const reply = await c.request('SET_STATUS|1|db1|ONLINE|writer(127.0.1.100)|db1');
    expect(reply).to.match(/^ERROR: Not authorized: SET_STATUS needs the monitor role\|UP:/);
    expect(await c.request('CLEAR_BAD_ROLES|1|db1')).to.match(/^ERROR: Not authorized/);
    // The refusal is logged with the peer identity.
    await agent!.waitForLog(/WARN: refused: certificate role may not run this command peer=127\.0\.0\.1:\d+ cn=control role=control command=SET_STATUS/, 5000, from);
    // Nothing changed: the same agent status (uptime aside), no VIP hook ran.
    const noUptime = (r: string): string => r.replace(/\|UP:[\d.]+$/, '');
    expect(noUptime(await mon.request('GET_AGENT_STATUS|1|db1'))).to.equal(noUptime(before));
    expect(fs.existsSync(cluster.vipLog), 'no ip_add/ip_del hook ran').to.equal(false);
  });

  it('a socket tap between client and agent records no command or reply text', async () => {
    const recorded: Buffer[] = [];
    const tap = net.createServer((client) => {
      const upstream = net.connect(cluster.hosts.db1.agentPort, cluster.hosts.db1.ip);
      client.on('data', (d: Buffer) => {
        recorded.push(d);
        upstream.write(d);
      });
      upstream.on('data', (d: Buffer) => {
        recorded.push(d);
        client.write(d);
      });
      const end = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.on('close', end).on('error', end);
      upstream.on('close', end).on('error', end);
    });
    servers.push(tap);
    await new Promise<void>((r) => tap.listen(0, '127.0.0.1', () => r()));
    const port = (tap.address() as net.AddressInfo).port;
    const mon = await dial('monitor', port);
    expect(await mon.request('PING|1|db1')).to.match(/^OK: Pinged!/);
    expect(await mon.request('GET_AGENT_STATUS|1|db1')).to.match(/^OK: /);
    const ctl = await dial('control', port);
    expect(await ctl.request('SET_STATUS|1|db1|ONLINE|writer(127.0.1.100)|db1')).to.match(/^ERROR: Not authorized/);
    const wire = Buffer.concat(recorded);
    expect(wire.length).to.be.greaterThan(1000);
    expect(wire[0], 'first byte is a TLS handshake record').to.equal(0x16);
    for (const text of ['PING', 'SET_STATUS', 'GET_AGENT_STATUS', 'Pinged', 'Not authorized', 'writer(127.0.1.100)', 'UP:']) {
      expect(wire.includes(Buffer.from(text)), `"${text}" on the wire`).to.equal(false);
    }
  });

  it('SIGHUP with a broken key keeps the old certificate and keeps serving', async () => {
    const keyFile = path.join(cluster.dir, 'db1.key');
    const goodKey = fs.readFileSync(keyFile, 'utf8');
    const oldFp = new X509Certificate(fs.readFileSync(path.join(cluster.dir, 'db1.crt'))).fingerprint256;
    const from = agent!.log().length;
    try {
      write(keyFile, '-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n');
      process.kill(agent!.pid, 'SIGHUP');
      await agent!.waitForLog(/TLS reload refused/, 10_000, from);
      expect(agent!.log().slice(from)).to.match(/key is not a usable PEM private key|not a usable|TLS material refused/);
      const c = await dial('monitor');
      expect(await c.request('PING|1|db1')).to.match(/^OK: Pinged!/);
      expect(c.peer.fingerprint256).to.equal(oldFp);
    } finally {
      write(keyFile, goodKey);
    }
  });

  it('SIGHUP with a new certificate: new connections get it, an open connection keeps working', async () => {
    const before = await dial('monitor');
    const oldFp = before.peer.fingerprint256;
    const ca = await readCa(cluster.dir);
    const fresh = await issueCert({ ca, commonName: 'db1', ips: [cluster.hosts.db1.ip], role: 'agent', usage: 'both', days: 90 });
    await writeKeyPair(cluster.dir, 'db1', fresh);
    const newFp = new X509Certificate(fresh.certPem).fingerprint256;
    expect(newFp).to.not.equal(oldFp);
    const from = agent!.log().length;
    process.kill(agent!.pid, 'SIGHUP');
    await agent!.waitForLog(/TLS material reloaded/, 10_000, from);
    const after = await dial('monitor');
    expect(after.peer.fingerprint256).to.equal(newFp);
    expect(await after.request('PING|1|db1')).to.match(/^OK: Pinged!/);
    expect(await before.request('PING|1|db1')).to.match(/^OK: Pinged!/);
    expect(before.peer.fingerprint256).to.equal(oldFp);
  });
});

describe('tls: a real mmmd_agent with a CRL', function () {
  this.timeout(120_000);
  let cluster: TestCluster;
  let agent: AgentProcess | undefined;

  before(async () => {
    cluster = await makeTestCluster({ agentSocketExtra: ['crl_file ca.crl'] });
    write(path.join(cluster.dir, 'ca.crl'), await createCrl({ ca: await readCa(cluster.dir), revokedSerials: [] }), 0o644);
    agent = await startAgent(cluster.hosts.db1.conf);
  });
  after(async () => {
    await agent?.stop();
    if (cluster) fs.rmSync(cluster.dir, { recursive: true, force: true });
  });

  async function ping(name: 'monitor' | 'control'): Promise<string> {
    const c = await connect({
      host: cluster.hosts.db1.ip,
      port: cluster.hosts.db1.agentPort,
      socket: SOCKET,
      material: {
        cert: fs.readFileSync(path.join(cluster.dir, `${name}.crt`), 'utf8'),
        key: fs.readFileSync(path.join(cluster.dir, `${name}.key`), 'utf8'),
        ca: fs.readFileSync(path.join(cluster.dir, 'ca.crt'), 'utf8'),
      },
      timeoutMs: 5000,
      logger: new MemoryLogger(),
      warned: new Set(),
    });
    try {
      return await c.request('PING|1|db1');
    } finally {
      c.destroy();
    }
  }

  it('revoking the monitor certificate and SIGHUP: the monitor is refused (CERT_REVOKED logged), others still served', async () => {
    expect(await ping('monitor')).to.match(/^OK: Pinged!/);
    const monitorSerial = new X509Certificate(fs.readFileSync(path.join(cluster.dir, 'monitor.crt'))).serialNumber;
    write(path.join(cluster.dir, 'ca.crl'), await createCrl({ ca: await readCa(cluster.dir), revokedSerials: [monitorSerial] }), 0o644);
    const from = agent!.log().length;
    process.kill(agent!.pid, 'SIGHUP');
    await agent!.waitForLog(/TLS material reloaded/, 10_000, from);
    const err = await ping('monitor').then(
      () => undefined,
      (e: unknown) => e as { code?: string },
    );
    expect(err?.code).to.equal('TLS_AUTH_FAILED');
    await agent!.waitForLog(/TLS handshake refused: CERT_REVOKED: certificate CN=monitor \(serial [0-9a-f]+\) is revoked by crl_file peer=127\.0\.0\.1:\d+/, 5000, from);
    expect(await ping('control')).to.match(/^OK: Pinged!/);
  });
});
