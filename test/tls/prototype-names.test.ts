// Names that are Object.prototype members (issue 15 finding 7) against the REAL daemons: over
// the control port of mmmd_mon and the agent port of mmmd_agent they get MMM's "unknown" texts
// (reference/mmm-wire.md), never a TypeError or another host's state; in a config file they are
// refused by --check-config and at start.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connect, type ClientConnection, type TlsMaterial } from '../../packages/common/src/net';
import type { SocketConfig } from '../../packages/common/src/config';
import { MemoryLogger } from '../../packages/common/src/testing';
import { makeTestCluster, write, type TestCluster } from './helpers/cluster';
import { AGENT_BIN, MONITOR_BIN, startAgent, startMonitor, type AgentProcess } from './helpers/agent-process';

const SOCKET: SocketConfig = {
  type: 'ssl',
  verifyMode: 1,
  tlsMinVersion: 'TLSv1.2',
  tlsListen: 'tls',
  tlsConnect: 'enforce',
  certExpiryWarnDays: 30,
  peerRoles: [],
};

const PROTO_NAMES = ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf', '__defineGetter__'];

describe('prototype names: control port, agent port and config files (real daemons)', function () {
  this.timeout(120_000);
  let cluster: TestCluster;
  let agent: AgentProcess | undefined;
  let monitor: AgentProcess | undefined;
  const open: ClientConnection[] = [];

  const mat = (name: string): TlsMaterial => ({
    cert: fs.readFileSync(path.join(cluster.dir, `${name}.crt`), 'utf8'),
    key: fs.readFileSync(path.join(cluster.dir, `${name}.key`), 'utf8'),
    ca: fs.readFileSync(path.join(cluster.dir, 'ca.crt'), 'utf8'),
  });

  async function dial(host: string, port: number, cert: string, expectedRole: 'agent' | 'monitor'): Promise<ClientConnection> {
    const c = await connect({ host, port, socket: SOCKET, material: mat(cert), timeoutMs: 5000, logger: new MemoryLogger(), warned: new Set(), expectedRole });
    open.push(c);
    return c;
  }

  /** One control session (MMM 2.x: the line, then quit; the monitor answers bare text and closes). */
  async function control(line: string): Promise<string> {
    const c = await dial(cluster.monitor.ip, cluster.monitor.port, 'control', 'monitor');
    const chunks: Buffer[] = [];
    c.tapData((d) => chunks.push(d));
    void (async () => {
      for await (const _ of c.items()) {
        /* the raw bytes are the reply */
      }
    })().catch(() => undefined);
    await c.writeLine(`${line}\nquit`);
    await Promise.race([c.whenClosed(), new Promise((r) => setTimeout(r, 10_000))]);
    return Buffer.concat(chunks).toString('utf8');
  }

  before(async () => {
    cluster = await makeTestCluster();
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

  it("control port: move_role/set_online/set_offline/checks with a prototype name get MMM's Unknown role/host/check texts", async () => {
    for (const n of PROTO_NAMES) {
      expect(await control(`move_role ${n} db2`), `move_role ${n} db2`).to.equal(`ERROR: Unknown role name '${n}'!`);
      expect(await control(`move_role --force ${n} db2`), `move_role --force ${n}`).to.equal(`ERROR: Unknown role name '${n}'!`);
      expect(await control(`move_role writer ${n}`), `move_role writer ${n}`).to.equal(`ERROR: Unknown host name '${n}'!`);
      expect(await control(`set_offline ${n}`), `set_offline ${n}`).to.equal(`ERROR: Unknown host name '${n}'!`);
      expect(await control(`set_online ${n}`), `set_online ${n}`).to.equal(`ERROR: Unknown host name '${n}'!`);
      expect(await control(`checks ${n}`), `checks ${n}`).to.equal(`ERROR: Unknown host name '${n}'!`);
      expect(await control(`checks db1 ${n}`), `checks db1 ${n}`).to.equal(`ERROR: Unknown check '${n}'!`);
      expect(await control(n), `command ${n}`).to.match(new RegExp(`^Invalid command '${n}'\\n\\n`));
    }
    // the monitor still serves, and logged no failed command
    expect(await control('ping')).to.equal('OK: Pinged successfully!');
    expect(monitor!.log()).to.not.match(/control command .* failed|Cannot read properties/);
  });

  it('agent port: prototype names as command, target host or role name get the agent\'s refusals; nothing changes', async () => {
    const c = await dial(cluster.hosts.db1.ip, cluster.hosts.db1.agentPort, 'monitor', 'agent');
    for (const n of PROTO_NAMES) {
      expect(await c.request(`${n}|1|db1`), `command ${n}`).to.match(new RegExp(`^ERROR: Invalid command '${n}'!\\|UP:`));
      expect(await c.request(`PING|1|${n}`), `host ${n}`).to.match(new RegExp(`^ERROR: Invalid hostname in command \\(${n}\\)! My name is 'db1'\\|UP:`));
      expect(await c.request(`SET_STATUS|1|db1|ONLINE|${n}(127.0.1.100)|db1`), `role ${n}`).to.match(
        new RegExp(`^ERROR: Unknown role ${n}\\(127\\.0\\.1\\.100\\): not in this agent's configuration, nothing changed\\|UP:`),
      );
      expect(await c.request(`SET_STATUS|1|db1|${n}||db1`), `state ${n}`).to.match(/^ERROR: Invalid arguments for command 'SET_STATUS': unknown state/);
    }
    // whatever state the monitor gave db1, no role was taken from these requests
    expect(await c.request('GET_AGENT_STATUS|1|db1')).to.match(/^OK: Returning status!\|[A-Z_]+\|\|/);
    expect(agent!.log()).to.not.match(/\b[A-Z_]+ failed error=|Cannot read properties|TypeError/);
  });

  it('config: a host or role named __proto__ or constructor is refused by --check-config and at start (exit 1); a reference to one is "not a host"', () => {
    const base = fs.readFileSync(cluster.hosts.db1.conf, 'utf8');
    const cases: Array<[string, string, RegExp]> = [
      ['<host __proto__>\n    ip 127.0.0.9\n    mode slave\n</host>\n', AGENT_BIN, /host name '__proto__' is reserved \(a JavaScript object property name\) \(rename the host\)/],
      ['<role constructor>\n    hosts db1\n    ips 127.0.1.101\n    mode balanced\n</role>\n', AGENT_BIN, /role name 'constructor' is reserved/],
      ['<role reader>\n    hosts db1, toString\n    ips 127.0.1.101\n    mode balanced\n</role>\n', AGENT_BIN, /hosts of role reader: 'toString' is not a host/],
      ['hasOwnProperty 1\n', AGENT_BIN, /unknown key 'hasOwnProperty'/],
    ];
    const monBase = fs.readFileSync(cluster.monitor.conf, 'utf8');
    cases.push(['<host constructor>\n    ip 127.0.0.9\n    mode slave\n</host>\n', MONITOR_BIN, /host name 'constructor' is reserved/]);
    cases.forEach(([extra, bin, re], i) => {
      const conf = path.join(cluster.dir, `proto-${i}.conf`);
      write(conf, `${bin === AGENT_BIN ? base : monBase}${extra}`);
      const check = spawnSync(process.execPath, [bin, '-c', conf, '--check-config'], { encoding: 'utf8', timeout: 20_000 });
      expect(check.status, `${extra}: ${check.stdout}${check.stderr}`).to.equal(1);
      expect(check.stdout, extra).to.match(re);
      const start = spawnSync(process.execPath, [bin, '-c', conf], { encoding: 'utf8', timeout: 20_000 });
      expect(start.status, `${extra}: ${start.stderr}`).to.equal(1);
      expect(start.stderr, extra).to.match(re);
      expect(`${check.stdout}${start.stderr}`).to.not.match(/TypeError|Cannot read properties/);
    });
  });
});
