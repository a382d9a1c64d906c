// CATCH_UP: replicate from another host until a GTID set is applied (bounded), then from the old
// source again, whatever happened; refused on the writer and on a writable server.
import { expect } from 'chai';
import { type AgentRequest, type RoleIp, encodeAgentReply, parseConfigTextOrThrow } from '@mmm/common';
import { MemoryLogger } from '@mmm/common/testing';
import { buildAgentParts } from '../../src/agent-parts';
import { catchUp } from '../../src/handlers/catch-up';
import { FakeLocalMysql, FakeVipManager, fakeSlaveStatus } from '../../src/testing';

const CONF = (repl = true) => [
  'this db2', 'active_master_role writer',
  '<host default>', '    cluster_interface eth0', '    agent_user mmm_agent', '    agent_password pw',
  ...(repl ? ['    replication_user repl', '    replication_password rpw'] : []), '</host>',
  '<host db1>', '    ip 10.0.0.11', '    mode master', '    peer db2', '</host>',
  '<host db2>', '    ip 10.0.0.12', '    mode master', '    peer db1', '</host>',
  '<host db3>', '    ip 10.0.0.13', '    mode slave', '    mysql_port 3307', '</host>',
  '<role writer>', '    hosts db1, db2', '    ips 10.0.0.100', '    mode exclusive', '</role>',
  '<socket>', '    type plain', '</socket>',
].join('\n');

type CatchUp = Extract<AgentRequest, { kind: 'CATCH_UP' }>;

function setup(o: { repl?: boolean; roles?: RoleIp[] } = {}) {
  const { config } = parseConfigTextOrThrow('agent', { '/etc/mmm/mmm_agent.conf': CONF(o.repl ?? true) });
  const mysql = new FakeLocalMysql();
  mysql.replication = fakeSlaveStatus({ masterHost: '10.0.0.11', masterPort: 3306, ioRunning: 'Connecting' });
  const { ctx } = buildAgentParts({ config, logger: new MemoryLogger(), mysql, vips: new FakeVipManager('eth0'), graceMs: 0 }, () => 1);
  ctx.wanted = { state: 'ONLINE', roles: o.roles ?? [], activeMaster: '' };
  const run = async (over: Partial<CatchUp> = {}): Promise<string> => {
    const reply = await catchUp(ctx, { kind: 'CATCH_UP', host: 'db2', source: 'db3', gtidSet: '0-1-11', timeoutMs: 5000, ...over }, { connSeq: 1 });
    return encodeAgentReply({ ...reply, uptime: 0 }).replace(/\|UP:[\d.]+$/, '');
  };
  return { mysql, run };
}

describe('handlers/catch-up', () => {
  it('replicates from the source until the GTID is applied, then from the old source again', async () => {
    const { mysql, run } = setup();
    expect(await run()).to.match(/^OK: Caught up to 0-1-11 from db3 in \d+ ms; replicates from 10\.0\.0\.11:3306 again$/);
    // the bound is what is left of the request's timeout at each step
    expect(mysql.calls.map((c) => c.replace(/,\d+\)$/, ',bound)'))).to.deep.equal([
      'slaveStatus', 'getReadOnly', 'repoint(10.0.0.13:3307,bound)', 'waitGtid(0-1-11,bound)', 'stopSlave', 'changeMaster(10.0.0.11:3306)', 'startSlave',
    ]);
    expect(mysql.replication!.masterHost).to.equal('10.0.0.11');
  });

  it('a timeout is ERROR, and replication still goes back to the old source', async () => {
    const { mysql, run } = setup();
    mysql.fail.add('waitGtid');
    const reply = await run();
    expect(reply).to.match(/^ERROR: Not caught up to 0-1-11 from db3 after \d+ ms: waitGtid failed \(injected\); replicates from 10\.0\.0\.11:3306 again$/);
    expect(mysql.calls.slice(-3)).to.deep.equal(['stopSlave', 'changeMaster(10.0.0.11:3306)', 'startSlave']);
  });

  it('refuses: the writer, a writable server, an unknown or own source, no replication account', async () => {
    expect(await setup({ roles: [{ name: 'writer', ip: '10.0.0.100' }] }).run()).to.equal('ERROR: This host holds the writer role: no catch-up');
    const w = setup();
    w.mysql.readOnly = false;
    expect(await w.run()).to.match(/^ERROR: Not caught up to 0-1-11 from db3 after \d+ ms: this server is writable; replicates from 10\.0\.0\.11:3306 again$/);
    expect(w.mysql.calls.some((c) => c.startsWith('repoint('))).to.equal(false);
    expect(await setup().run({ source: 'db9' })).to.equal("ERROR: Cannot catch up from 'db9': not another host of the cluster");
    expect(await setup().run({ source: 'db2' })).to.equal("ERROR: Cannot catch up from 'db2': not another host of the cluster");
    expect(await setup({ repl: false }).run()).to.equal('ERROR: No replication_user/replication_password configured: cannot replicate from another host');
  });
});
