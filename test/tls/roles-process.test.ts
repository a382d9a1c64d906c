// DESIGN §4 authorization against the REAL daemons (built mmmd_agent, mmmd_mon, mmm_control; no
// MySQL behind them): a certificate's urn:mmm:role URI decides and a peer_role entry naming its
// CN cannot lend it another role (issue 15 finding 3: a viewer certificate with CN=monitor got
// monitor rights on the agents, one with CN=control got control rights on the monitor).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connect, type ClientConnection, type TlsMaterial } from '../../packages/common/src/net';
import type { SocketConfig } from '../../packages/common/src/config';
import { issueCert, writeKeyPair, type CertKeyPair } from '../../packages/common/src/tls';
import { MemoryLogger } from '../../packages/common/src/testing';
import { REPO, makeTestCluster, write, type TestCluster } from './helpers/cluster';
import { startAgent, startMonitor, type AgentProcess } from './helpers/agent-process';

const CONTROL_BIN = path.join(REPO, 'packages/control/bin/mmm_control.js');

const SOCKET: SocketConfig = {
  type: 'ssl',
  verifyMode: 1,
  tlsMinVersion: 'TLSv1.2',
  tlsListen: 'tls',
  tlsConnect: 'enforce',
  certExpiryWarnDays: 30,
  peerRoles: [],
};

describe('tls roles: a role URI decides, peer_role cannot lend a role (real daemons)', function () {
  this.timeout(120_000);
  let cluster: TestCluster;
  let agent: AgentProcess | undefined;
  let monitor: AgentProcess | undefined;
  const open: ClientConnection[] = [];
  const pairs: Record<string, CertKeyPair> = {};

  const mat = (p: CertKeyPair): TlsMaterial => ({ cert: p.certPem, key: p.keyPem, ca: cluster.certs!.ca.certPem });

  async function dialAgent(p: CertKeyPair): Promise<ClientConnection> {
    const c = await connect({
      host: cluster.hosts.db1.ip,
      port: cluster.hosts.db1.agentPort,
      socket: SOCKET,
      material: mat(p),
      timeoutMs: 5000,
      logger: new MemoryLogger(),
      warned: new Set(),
    });
    open.push(c);
    return c;
  }

  /** mmm_control with the control config, its client certificate swapped for `name`'s. */
  function control(name: string, args: string[]): { status: number | null; out: string } {
    const conf = path.join(cluster.dir, `mmm_control_${name}.conf`);
    write(conf, fs.readFileSync(cluster.controlConf, 'utf8').replace(/control\.(crt|key)/g, `${name}.$1`));
    const r = spawnSync(process.execPath, [CONTROL_BIN, '-c', conf, ...args], { encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  }

  before(async () => {
    cluster = await makeTestCluster({
      agentSocketExtra: ['peer_role monitor monitor'],
      monitorSocketExtra: ['peer_role control control', 'peer_role db1 agent', 'peer_role db2 agent'],
    });
    const ca = cluster.certs!.ca;
    // What an attacker holding a CA-signed viewer certificate would try: a name that a rule lends rights to.
    pairs['viewer-named-monitor'] = await issueCert({ ca, commonName: 'monitor', role: 'viewer', usage: 'client' });
    pairs['viewer-named-control'] = await issueCert({ ca, commonName: 'control', role: 'viewer', usage: 'client' });
    pairs['admin-named-monitor'] = await issueCert({ ca, commonName: 'monitor', usage: 'client', uris: ['urn:mmm:role:admin'] });
    pairs['two-roles-named-control'] = await issueCert({ ca, commonName: 'control', role: 'viewer', usage: 'client', uris: ['urn:mmm:role:control'] });
    // A certificate without a URI (MMM CA.pl style): the peer_role rule gives it its role.
    pairs['plain-named-monitor'] = await issueCert({ ca, commonName: 'monitor', usage: 'client' });
    pairs['plain-named-control'] = await issueCert({ ca, commonName: 'control', usage: 'client' });
    for (const [name, p] of Object.entries(pairs)) await writeKeyPair(cluster.dir, name, p);
    agent = await startAgent(cluster.hosts.db1.conf);
    monitor = await startMonitor(cluster.monitor.conf);
  });
  afterEach(() => {
    for (const c of open.splice(0)) c.destroy();
  });
  after(async () => {
    await agent?.stop();
    await monitor?.stop();
    if (cluster) fs.rmSync(cluster.dir, { recursive: true, force: true });
  });

  it('agent: a viewer certificate with CN=monitor is a viewer (CLEAR_BAD_ROLES, WAIT_GTID, SET_STATUS refused; reads served)', async () => {
    const c = await dialAgent(pairs['viewer-named-monitor']!);
    expect(await c.request('PING|1|db1')).to.match(/^OK: Pinged!/);
    expect(await c.request('CLEAR_BAD_ROLES|1|db1')).to.match(/^ERROR: Not authorized: CLEAR_BAD_ROLES needs the monitor role\|UP:/);
    expect(await c.request('WAIT_GTID|1|db1|0-1-1|100')).to.match(/^ERROR: Not authorized: WAIT_GTID needs the monitor role\|UP:/);
    expect(await c.request('SET_STATUS|1|db1|ONLINE|writer(127.0.1.100)|db1')).to.match(/^ERROR: Not authorized: SET_STATUS needs the monitor role\|UP:/);
    await agent!.waitForLog(/refused: certificate role may not run this command.*cn=monitor role=viewer command=SET_STATUS/);
    expect(fs.existsSync(cluster.vipLog), 'no VIP hook ran').to.equal(false);
  });

  it('agent: an unknown or conflicting role URI gives no rights at all, even with CN=monitor', async () => {
    const c = await dialAgent(pairs['admin-named-monitor']!);
    const reply = await c.request('PING|1|db1');
    expect(reply).to.match(/^ERROR: Not authorized: this certificate has no rights \(unknown role 'admin' in its urn:mmm:role URI/);
    expect(await c.request('CLEAR_BAD_ROLES|1|db1')).to.match(/^ERROR: Not authorized: this certificate has no rights/);
  });

  it('agent: a certificate without a role URI still gets its role from peer_role (monitor rights for CN=monitor)', async () => {
    const c = await dialAgent(pairs['plain-named-monitor']!);
    expect(await c.request('CLEAR_BAD_ROLES|1|db1')).to.not.match(/Not authorized/);
  });

  it('monitor: a viewer certificate with CN=control may read but not change the cluster', async () => {
    const show = control('viewer-named-control', ['show']);
    expect(show.status, show.out).to.equal(0);
    expect(show.out).to.match(/db1\(127\.0\.0\.1\) master\//);
    const off = control('viewer-named-control', ['set_offline', 'db1']);
    expect(off.status, off.out).to.equal(1);
    expect(off.out).to.match(/^ERROR: Not authorized: 'set_offline' changes the cluster and needs a certificate with the control or monitor role/);
    await monitor!.waitForLog(/control command refused: set_offline needs the control or monitor role.*cn=control role=viewer/);
  });

  it('monitor: two different role URIs give no rights, even with CN=control; the URI-less CN=control gets control', () => {
    const r = control('two-roles-named-control', ['set_offline', 'db1']);
    expect(r.status, r.out).to.equal(1);
    expect(r.out).to.match(/^ERROR: Not authorized: this certificate has no rights \(conflicting urn:mmm:role URIs \(viewer, control\)\)/);
    const ok = control('plain-named-control', ['set_offline', 'db1']);
    expect(ok.out, 'authorized: the monitor answers with its own refusal of the state').to.match(/^ERROR: Host 'db1' is '[A-Z_]+' at the moment/);
    expect(ok.out).to.not.match(/Not authorized/);
  });

  it('monitor: 300 refused state changes from a viewer on one connection are logged within the budget (20 lines, then a summary at stop)', async () => {
    const from = monitor!.log().length;
    const c = await connect({
      host: cluster.monitor.ip,
      port: cluster.monitor.port,
      socket: SOCKET,
      material: mat(pairs['viewer-named-control']!),
      timeoutMs: 5000,
      logger: new MemoryLogger(),
      warned: new Set(),
      expectedRole: 'monitor',
    });
    open.push(c);
    const chunks: Buffer[] = [];
    c.tapData((d) => chunks.push(d));
    void (async () => {
      for await (const _ of c.items()) {
        /* raw bytes above */
      }
    })().catch(() => undefined);
    await c.writeLine(`${Array.from({ length: 300 }, (_, i) => `set_offline db${i}`).join('\n')}\nquit`);
    await Promise.race([c.whenClosed(), new Promise((r) => setTimeout(r, 20_000))]);
    const replies = Buffer.concat(chunks).toString('utf8').split('ERROR: Not authorized').length - 1;
    expect(replies, 'every command answered').to.equal(300);
    await monitor!.stop(); // the pending summary is logged at stop
    const lines = monitor!.log().slice(from).split('\n').filter((l) => /control command refused/.test(l));
    // 20 within the budget (identical ones further folded by the repeat filter), then the summary
    expect(lines.length, lines.join('\n')).to.be.within(2, 22);
    expect(lines.join('\n')).to.match(/\d+ more 'control command refused' lines suppressed in the last \d+ s \(at most 20 per 60 s\)/);
    monitor = undefined;
  });
});
