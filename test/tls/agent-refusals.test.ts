// Refused requests change nothing, against a REAL mmmd_agent (the built binary, no MySQL behind
// it: it serves anyway and answers ERROR for MySQL steps), issue 15:
// - finding 6: a SET_STATUS refused for an unknown role used to count as the newest monitor
//   connection, so the monitor's next status on its kept connection was refused as stale and
//   that connection closed;
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { connect, type ClientConnection, type TlsMaterial } from '../../packages/common/src/net';
import type { SocketConfig } from '../../packages/common/src/config';
import { MemoryLogger } from '../../packages/common/src/testing';
import { makeTestCluster, type TestCluster } from './helpers/cluster';
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

describe('tls: a real mmmd_agent refuses without side effects', function () {
  this.timeout(120_000);
  let cluster: TestCluster;
  let agent: AgentProcess | undefined;
  const open: ClientConnection[] = [];

  const mat = (name: string): TlsMaterial => ({
    cert: fs.readFileSync(path.join(cluster.dir, `${name}.crt`), 'utf8'),
    key: fs.readFileSync(path.join(cluster.dir, `${name}.key`), 'utf8'),
    ca: fs.readFileSync(path.join(cluster.dir, 'ca.crt'), 'utf8'),
  });

  async function dial(name: string): Promise<ClientConnection> {
    const c = await connect({
      host: cluster.hosts.db1.ip,
      port: cluster.hosts.db1.agentPort,
      socket: SOCKET,
      material: mat(name),
      timeoutMs: 5000,
      logger: new MemoryLogger(),
      warned: new Set(),
      expectedRole: 'agent',
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
  });
  after(async () => {
    await agent?.stop();
    if (cluster) fs.rmSync(cluster.dir, { recursive: true, force: true });
  });

  it("a SET_STATUS refused for an unknown role moves nothing: the monitor's next status on its kept connection is applied, not refused as stale", async () => {
    // The monitor's kept connection, opened first (connection #n), as mmmd_mon keeps one per agent.
    const monitor = await dial('monitor');
    const first = await monitor.request('SET_STATUS|1|db1|ONLINE||db1');
    expect(first, 'no MySQL here: the read_only step fails, but the status is taken').to.match(/^ERROR: Status not fully applied/);
    expect(await monitor.request('GET_AGENT_STATUS|1|db1')).to.match(/^OK: Returning status!\|ONLINE\|/);

    // A later connection with a certificate allowed to send SET_STATUS, asking for a role db1 does not have.
    const other = await dial('monitor');
    const refused = await other.request('SET_STATUS|1|db1|ONLINE|writer(10.99.99.99)|db1');
    expect(refused).to.match(/^ERROR: Unknown role writer\(10\.99\.99\.99\): not in this agent's configuration, nothing changed\|UP:/);
    expect(await other.request('GET_AGENT_STATUS|1|db1'), 'nothing changed').to.match(/\|ONLINE\|/);

    // The monitor's next status on its kept connection: applied (wanted state moves), connection kept.
    const from = agent!.log().length;
    const next = await monitor.request('SET_STATUS|1|db1|ADMIN_OFFLINE||db1');
    expect(next).to.not.match(/Refused|stale/);
    expect(await monitor.request('GET_AGENT_STATUS|1|db1')).to.match(/^OK: Returning status!\|ADMIN_OFFLINE\|/);
    expect(monitor.closed).to.equal(false);
    expect(agent!.log().slice(from)).to.not.match(/stale SET_STATUS/);
    expect(fs.existsSync(cluster.vipLog), 'no VIP hook ran for the refused role').to.equal(false);
  });
});
