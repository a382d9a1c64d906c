// Cipher suites (issue 15 finding 8) with openssl against the REAL listener of mmmd_agent: TLS 1.2
// only with ECDHE + AEAD (AES-GCM, ChaCha20-Poly1305), CBC suites refused with a handshake alert;
// TLS 1.3 as before. And our client offers nothing else: it cannot connect to a server that
// speaks only a CBC suite.
import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connect } from '../../packages/common/src/net';
import type { SocketConfig } from '../../packages/common/src/config';
import { TlsError, ConnectError } from '../../packages/common/src/errors';
import { MemoryLogger } from '../../packages/common/src/testing';
import { freePort, makeTestCluster, type TestCluster } from './helpers/cluster';
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

const CBC_SUITES = ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES128-SHA256', 'ECDHE-ECDSA-AES256-SHA', 'ECDHE-ECDSA-AES256-SHA384', 'ECDHE-RSA-AES128-SHA256'];
const AEAD_SUITES = ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305'];

describe('tls ciphers: TLS 1.2 ECDHE+AEAD only, TLS 1.3 unchanged (openssl against a real mmmd_agent)', function () {
  this.timeout(120_000);
  let cluster: TestCluster;
  let agent: AgentProcess | undefined;
  let server: ChildProcess | undefined;
  const f = (name: string): string => path.join(cluster.dir, name);

  /** openssl s_client with the monitor's certificate; what it negotiated, or the alert. */
  function sClient(args: string[]): { cipher?: string; protocol?: string; out: string } {
    const r = spawnSync(
      'openssl',
      ['s_client', '-connect', `${cluster.hosts.db1.ip}:${cluster.hosts.db1.agentPort}`, '-CAfile', f('ca.crt'), '-cert', f('monitor.crt'), '-key', f('monitor.key'), ...args],
      { input: '', encoding: 'utf8', timeout: 15_000 },
    );
    const out = `${r.stdout}${r.stderr}`;
    const m = /New, (TLSv1\.[23]), Cipher is (\S+)/.exec(out);
    return { out, ...(m && m[2] !== '(NONE)' ? { protocol: m[1], cipher: m[2] } : {}) };
  }

  before(async () => {
    cluster = await makeTestCluster();
    agent = await startAgent(cluster.hosts.db1.conf);
  });
  after(async () => {
    if (server?.pid && server.exitCode === null) {
      const gone = new Promise((r) => server!.once('exit', r));
      process.kill(server.pid, 'SIGTERM');
      await gone;
    }
    await agent?.stop();
    if (cluster) fs.rmSync(cluster.dir, { recursive: true, force: true });
  });

  for (const suite of CBC_SUITES) {
    it(`refuses TLS 1.2 ${suite} with a handshake_failure alert`, () => {
      const r = sClient(['-tls1_2', '-cipher', suite]);
      expect(r.cipher, r.out).to.equal(undefined);
      expect(r.out).to.match(/alert handshake failure|SSL alert number 40/);
    });
  }

  for (const suite of AEAD_SUITES) {
    it(`serves TLS 1.2 ${suite}`, () => {
      const r = sClient(['-tls1_2', '-cipher', suite]);
      expect({ protocol: r.protocol, cipher: r.cipher }, r.out).to.deep.equal({ protocol: 'TLSv1.2', cipher: suite });
    });
  }

  it('TLS 1.3 is unchanged: every default suite is served', () => {
    for (const suite of ['TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256']) {
      const r = sClient(['-tls1_3', '-ciphersuites', suite]);
      expect({ protocol: r.protocol, cipher: r.cipher }, r.out).to.deep.equal({ protocol: 'TLSv1.3', cipher: suite });
    }
  });

  it('our client offers no CBC suite: a TLS 1.2 server that speaks only ECDHE-ECDSA-AES128-SHA is refused', async () => {
    const port = await freePort();
    server = spawn('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-SHA', '-cert', f('db1.crt'), '-key', f('db1.key'), '-CAfile', f('ca.crt'), '-quiet'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let log = '';
    server.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    server.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    // bounded wait until it accepts connections
    const end = Date.now() + 10_000;
    for (;;) {
      const ok = await new Promise<boolean>((res) => {
        const s = require('node:net').connect(port, '127.0.0.1');
        s.once('connect', () => (s.destroy(), res(true)));
        s.once('error', () => res(false));
      });
      if (ok) break;
      if (Date.now() > end || server.exitCode !== null) throw new Error(`openssl s_server did not start: ${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const err = await connect({
      host: '127.0.0.1',
      port,
      socket: SOCKET,
      material: { cert: fs.readFileSync(f('monitor.crt'), 'utf8'), key: fs.readFileSync(f('monitor.key'), 'utf8'), ca: fs.readFileSync(f('ca.crt'), 'utf8') },
      timeoutMs: 5000,
      logger: new MemoryLogger(),
      warned: new Set(),
    }).then(
      (c) => {
        c.destroy();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(err, 'no handshake with a CBC-only server').to.be.instanceOf(Error);
    expect(err instanceof TlsError || err instanceof ConnectError).to.equal(true);
    expect(String((err as Error).message)).to.match(/HANDSHAKE_FAILURE|handshake|ALERT|NO_SHARED_CIPHER|closed during the TLS handshake/i);
  });
});
