// Clients check the server's role (DESIGN §4; issue 15 finding 4) against the REAL daemons:
// mmm_control pointed at a CA-signed agent or viewer certificate that names the address refuses
// it before sending the command (exit 3, the reason); the monitor treats an agent whose
// certificate is a viewer's as unreachable and logs why; with no role information anywhere it
// accepts and warns once.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { issueCert, writeKeyPair } from '../../packages/common/src/tls';
import { REPO, makeTestCluster, write, type TestCluster } from './helpers/cluster';
import { startAgent, startMonitor, type AgentProcess } from './helpers/agent-process';

const CONTROL_BIN = path.join(REPO, 'packages/control/bin/mmm_control.js');

describe("tls: clients check the server's role (real mmmd_agent, mmmd_mon, mmm_control)", function () {
  this.timeout(120_000);
  let cluster: TestCluster;
  const procs: AgentProcess[] = [];
  let db1: AgentProcess;
  let fakeDb2: AgentProcess;
  let monitor: AgentProcess;

  /** mmm_control with a copy of the control config: `port` and extra socket lines changed. */
  function control(args: string[], o: { port?: number; ip?: string; socketExtra?: string[] } = {}): { status: number | null; stdout: string; stderr: string } {
    let text = fs.readFileSync(cluster.controlConf, 'utf8');
    if (o.port) text = text.replace(/^ {4}port \d+$/m, `    port ${o.port}`);
    if (o.ip) text = text.replace(/^ {4}ip 127\.0\.0\.1$/m, `    ip ${o.ip}`);
    if (o.socketExtra) text = text.replace('</socket>', `${o.socketExtra.map((l) => `    ${l}`).join('\n')}\n</socket>`);
    const conf = path.join(cluster.dir, `mmm_control_${procs.length}_${Math.random().toString(16).slice(2, 8)}.conf`);
    write(conf, text);
    const r = spawnSync(process.execPath, [CONTROL_BIN, '-c', conf, ...args], { encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  before(async () => {
    cluster = await makeTestCluster();
    const ca = cluster.certs!.ca;
    // A careless (or stolen) viewer certificate with serverAuth that names db2's address.
    await writeKeyPair(cluster.dir, 'viewer-srv', await issueCert({ ca, commonName: 'viewer', ips: ['127.0.0.2'], role: 'viewer', usage: 'both' }));
    // A monitor certificate made without role URI (MMM CA.pl style).
    await writeKeyPair(cluster.dir, 'monitor-bare', await issueCert({ ca, commonName: 'monitor', ips: ['127.0.0.1'], usage: 'both' }));
    const db2Conf = path.join(cluster.dir, 'mmm_agent_db2_viewer.conf');
    write(db2Conf, fs.readFileSync(cluster.hosts.db2.conf, 'utf8').replace(/db2\.(crt|key)/g, 'viewer-srv.$1'));
    const monConf = path.join(cluster.dir, 'mmm_mon_bare.conf');
    write(monConf, fs.readFileSync(cluster.monitor.conf, 'utf8').replace(/monitor\.(crt|key)/g, 'monitor-bare.$1'));
    db1 = await startAgent(cluster.hosts.db1.conf);
    procs.push(db1);
    fakeDb2 = await startAgent(db2Conf);
    procs.push(fakeDb2);
    monitor = await startMonitor(monConf);
    procs.push(monitor);
  });
  after(async () => {
    for (const p of procs.splice(0).reverse()) await p.stop();
    if (cluster) fs.rmSync(cluster.dir, { recursive: true, force: true });
  });

  it('mmm_control pointed at an agent (its certificate names 127.0.0.1): exit 3, "not the monitor", the command never sent', async () => {
    const from = db1.log().length;
    const r = control(['set_offline', 'db1'], { port: cluster.hosts.db1.agentPort });
    expect(r.status, r.stdout + r.stderr).to.equal(3);
    expect(r.stdout).to.match(/^ERROR: Can't connect to monitor daemon!/);
    expect(r.stdout + r.stderr).to.match(/not the monitor: 127\.0\.0\.1:\d+: server certificate CN=db1 has role agent \(urn:mmm:role:agent\), expected monitor/);
    // the agent saw a handshake and a close: no request line (it would answer "Invalid command 'set_offline db1'")
    await new Promise((res) => setTimeout(res, 300));
    expect(db1.log().slice(from)).to.not.match(/set_offline|rejected request/);
  });

  it('mmm_control pointed at a viewer certificate naming the address: exit 3, the reason names the viewer role', () => {
    const r = control(['show'], { ip: '127.0.0.2', port: cluster.hosts.db2.agentPort });
    expect(r.status, r.stdout + r.stderr).to.equal(3);
    expect(r.stdout + r.stderr).to.match(/server certificate CN=viewer has role viewer \(urn:mmm:role:viewer\), expected monitor/);
  });

  it('the monitor treats an agent presenting a viewer certificate as unreachable and logs why; the real agent is served', async () => {
    await monitor.waitForLog(/agent db2 treated as unreachable: 127\.0\.0\.2:\d+: server certificate CN=viewer has role viewer \(urn:mmm:role:viewer\), expected agent/, 15_000);
    const r = control(['show']);
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/# Warning: agent on host db2 is not reachable/);
    expect(r.stdout).to.not.match(/# Warning: agent on host db1 is not reachable/);
    // once per reason, not once per pass
    const lines = monitor.log().split('\n').filter((l) => /agent db2 treated as unreachable/.test(l));
    expect(lines).to.have.length(1);
  });

  it('no role information anywhere (a monitor certificate without URI, no peer_role): accepted with one warning', () => {
    const r = control(['show']);
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/db1\(127\.0\.0\.1\) master\//);
    const warnings = r.stderr.split('\n').filter((l) => /carries no role/.test(l));
    expect(warnings, r.stderr).to.have.length(1);
    expect(warnings[0]).to.match(/server certificate CN=monitor carries no role \(no urn:mmm:role URI, no peer_role configured\): not checked that it is the monitor/);
  });

  it('a certificate without URI follows peer_role: a rule naming it monitor passes, rules that do not name it refuse (exit 3)', () => {
    const named = control(['show'], { socketExtra: ['peer_role monitor monitor'] });
    expect(named.status, named.stdout + named.stderr).to.equal(0);
    expect(named.stderr).to.not.match(/carries no role/);
    const other = control(['show'], { socketExtra: ['peer_role ops-laptop control'] });
    expect(other.status, other.stdout + other.stderr).to.equal(3);
    expect(other.stdout + other.stderr).to.match(/has no urn:mmm:role URI and matches no peer_role rule, expected role monitor \(add 'peer_role monitor monitor'/);
    const wrong = control(['show'], { socketExtra: ['peer_role monitor viewer'] });
    expect(wrong.status).to.equal(3);
    expect(wrong.stdout + wrong.stderr).to.match(/peer_role monitor gives it role viewer, expected monitor/);
  });
});
