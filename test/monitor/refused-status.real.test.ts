// Issue 15 finding 6 with the REAL monitor: real MariaDB (sandbox harness), the built mmmd_agent
// and mmmd_mon over mutual TLS. A SET_STATUS that an agent refuses (a role it does not have) used
// to count as the newest monitor connection, so the monitor's next status on its kept connection
// was refused as stale and that connection closed. Now the refusal changes nothing: the
// monitor's next status (set_offline db3) is applied on its kept connection.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, issueCert, readCa, type ClientConnection, type StatusDocument } from '@mmm/common';
import { MemoryLogger } from '@mmm/common/testing';
import { loopbackAgentPort } from '../../packages/sandbox/src/paths';
import { type Rig, startRig, until } from './helpers/rig';

describe('mmmd_mon: a SET_STATUS an agent refused does not make the real monitor stale (real MariaDB)', function () {
  this.timeout(300_000);
  let rig: Rig;
  let intruder: ClientConnection | undefined;
  const status = async (): Promise<StatusDocument> => JSON.parse(await rig.control('status_json')) as StatusDocument;
  const agentLog = (n: string): string => readFileSync(join(rig.dir, `agent-${n}.log`), 'utf8');

  before(async () => {
    rig = await startRig({ replicas: 1 });
    rig.startMonitor();
    await until('the monitor to answer ping', async () => (await rig.control('ping', 2000)) === 'OK: Pinged successfully!');
    for (const h of ['db1', 'db2', 'db3']) await rig.control(`set_online ${h}`);
    await until('every host ONLINE', async () => (await status()).hosts.every((h) => h.state === 'ONLINE'));
  });
  afterEach(function () {
    intruder?.destroy();
    if (this.currentTest?.state === 'failed' && rig) process.stdout.write(`${rig.logTails(60)}\n`);
  });
  after(async () => {
    await rig?.stop();
  });

  it("refused SET_STATUS|1|db3|ONLINE|writer(10.99.99.99)|db1, then the monitor's set_offline db3 is applied on its kept connection", async () => {
    // A certificate that may send SET_STATUS to db3: no role URI, CN=monitor, named by db3's `peer_role monitor monitor`.
    const tlsDir = join(rig.dir, 'tls');
    const pair = await issueCert({ ca: await readCa(tlsDir), commonName: 'monitor', usage: 'client' });
    const db3 = rig.cluster.node('db3');
    intruder = await connect({
      host: db3.ip,
      port: loopbackAgentPort(rig.cluster.names, db3.index),
      socket: { type: 'ssl', verifyMode: 1, tlsMinVersion: 'TLSv1.2', tlsListen: 'tls', tlsConnect: 'enforce', certExpiryWarnDays: 30, peerRoles: [] },
      material: { cert: pair.certPem, key: pair.keyPem, ca: readFileSync(join(tlsDir, 'ca.crt'), 'utf8') },
      timeoutMs: 5000,
      logger: new MemoryLogger(),
      warned: new Set(),
    });
    const from = agentLog('db3').length;
    const reply = await intruder.request('SET_STATUS|1|db3|ONLINE|writer(10.99.99.99)|db1');
    expect(reply).to.match(/^ERROR: Unknown role writer\(10\.99\.99\.99\): not in this agent's configuration, nothing changed\|UP:/);

    expect(await rig.control('set_offline db3')).to.equal("OK: State of 'db3' changed to ADMIN_OFFLINE. Now you can wait some time and check all roles!");
    // The anchor: db3's agent applied the monitor's ADMIN_OFFLINE status (it stops replication).
    await until('db3 to apply ADMIN_OFFLINE', async () => /SET_STATUS applied state=ADMIN_OFFLINE/.test(agentLog('db3').slice(from)));
    const after = agentLog('db3').slice(from);
    expect(after, 'the monitor was never refused as stale').to.not.match(/stale SET_STATUS/);
    expect((await status()).hosts.find((h) => h.name === 'db3')!.state).to.equal('ADMIN_OFFLINE');
    const monitorLog = readFileSync(join(rig.dir, 'monitor.log'), 'utf8');
    expect(monitorLog).to.not.match(/agent db3 could not apply its status: Refused/);
  });
});
