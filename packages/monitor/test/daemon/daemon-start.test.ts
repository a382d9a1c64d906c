// mmmd_mon binds its control port before it tells any agent anything: a monitor that cannot
// serve mmm_control must not leave a writer behind that nobody can ask it about.
import { expect } from 'chai';
import * as net from 'node:net';
import { parseConfigTextOrThrow, nullLogger } from '@mmm/common';
import { MonitorDaemon } from '../../src/daemon';

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

describe('MonitorDaemon start', function () {
  this.timeout(20_000);
  const servers: net.Server[] = [];
  after(() => servers.forEach((s) => s.close()));

  it('fails on a taken control port without contacting any agent', async () => {
    const agentLines: string[] = [];
    const agent = net.createServer((s) => s.on('data', (d) => agentLines.push(d.toString())));
    const taken = net.createServer();
    servers.push(agent, taken);
    const agentPort = await listen(agent);
    const controlPort = await listen(taken);
    const { config } = parseConfigTextOrThrow('monitor', {
      '/cfg/mmm_mon.conf': [
        'active_master_role writer',
        '<monitor>',
        '    ip 127.0.0.1',
        `    port ${controlPort}`,
        '</monitor>',
        '<socket>',
        '    type plain',
        '</socket>',
        '<host default>',
        '    monitor_user mon',
        '    monitor_password pw',
        '</host>',
        '<host db1>',
        '    ip 127.0.0.1',
        '    mode master',
        '    peer db2',
        `    agent_port ${agentPort}`,
        '</host>',
        '<host db2>',
        '    ip 127.0.0.1',
        '    mode master',
        '    peer db1',
        `    agent_port ${agentPort}`,
        '</host>',
        '<role writer>',
        '    hosts db1, db2',
        '    ips 127.0.1.1',
        '    mode exclusive',
        '</role>',
      ].join('\n'),
    });
    const daemon = new MonitorDaemon({ config, logger: nullLogger, auditFile: null });
    let error: unknown;
    await daemon.start().catch((e) => (error = e));
    expect((error as NodeJS.ErrnoException | undefined)?.code).to.equal('EADDRINUSE');
    await new Promise((r) => setTimeout(r, 300));
    expect(agentLines).to.deep.equal([]);
    await daemon.stop();
  });
});
