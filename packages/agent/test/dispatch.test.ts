// The agent's dispatcher without sockets: decoded request → authorization → handler → reply line.
import { expect } from 'chai';
import { parseConfigTextOrThrow } from '@mmm/common';
import { MemoryLogger } from '@mmm/common/testing';
import { Agent } from '../src/agent';
import { FakeLocalMysql, FakeVipManager } from '../src/testing';

const CONF = [
  'this db1',
  'active_master_role writer',
  '<host default>',
  '    cluster_interface eth0',
  '    agent_user mmm_agent',
  '    agent_password pw',
  '    replication_user repl',
  '    replication_password rpw',
  '</host>',
  '<host db1>',
  '    ip 10.0.0.11',
  '    mode master',
  '    peer db2',
  '</host>',
  '<host db2>',
  '    ip 10.0.0.12',
  '    mode master',
  '    peer db1',
  '</host>',
  '<role writer>',
  '    hosts db1, db2',
  '    ips 10.0.0.100',
  '    mode exclusive',
  '</role>',
  '<role reader>',
  '    hosts db1, db2',
  '    ips 10.0.0.101, 10.0.0.102',
  '    mode balanced',
  '</role>',
  '<socket>',
  '    type plain',
  '</socket>',
].join('\n');

describe('agent dispatcher', () => {
  let mysql: FakeLocalMysql;
  let vips: FakeVipManager;
  let agent: Agent;
  const monitor = { peer: { cn: 'monitor', sans: [], role: 'monitor' as const, plain: false, address: '10.0.0.10:5000' } };
  const control = { peer: { ...monitor.peer, cn: 'control', role: 'control' as const } };

  beforeEach(() => {
    const { config } = parseConfigTextOrThrow('agent', { '/etc/mmm/mmm_agent.conf': CONF });
    mysql = new FakeLocalMysql();
    vips = new FakeVipManager('eth0');
    agent = new Agent({ config, logger: new MemoryLogger(), mysql, vips, graceMs: 0 });
  });

  it('applies a writer SET_STATUS: read_only=0 and the VIP', async () => {
    const reply = await agent.handleLine('SET_STATUS|1|db1|ONLINE|reader(10.0.0.101),writer(10.0.0.100)|db1', monitor, agent.accepted());
    expect(reply).to.match(/^OK: Status applied successfully!\|UP:[\d.]+$/);
    expect(mysql.readOnly).to.equal(false);
    expect([...vips.ips].sort()).to.deep.equal(['10.0.0.100', '10.0.0.101']);
  });

  it('refuses roles that are not in its configuration and changes nothing', async () => {
    const reply = await agent.handleLine('SET_STATUS|1|db1|ONLINE|writer(10.9.9.9)|db1', monitor, agent.accepted());
    expect(reply).to.match(/^ERROR: Unknown role writer\(10\.9\.9\.9\): not in this agent's configuration/);
    expect(mysql.readOnly).to.equal(true);
    expect(vips.calls).to.deep.equal([]);
    expect(await agent.handleLine('GET_AGENT_STATUS|1|db1', monitor, agent.accepted())).to.match(/^OK: Returning status!\|UNKNOWN\|\|\|UP:/);
  });

  it('refuses state changes from a control certificate', async () => {
    const reply = await agent.handleLine('SET_STATUS|1|db1|ONLINE|writer(10.0.0.100)|db1', control, agent.accepted());
    expect(reply).to.match(/^ERROR: Not authorized: SET_STATUS needs the monitor role\|UP:/);
    expect(mysql.readOnly).to.equal(true);
    expect(vips.ips.size).to.equal(0);
    expect(await agent.handleLine('PING|1|db1', control, agent.accepted())).to.match(/^OK: Pinged!\|UP:/);
  });

  it("answers MMM's texts for another host's name and unknown commands", async () => {
    expect(await agent.handleLine('PING|1|db2', monitor, agent.accepted())).to.match(/^ERROR: Invalid hostname in command \(db2\)! My name is 'db1'\|UP:/);
    expect(await agent.handleLine('FOO|1|db1', monitor, agent.accepted())).to.match(/^ERROR: Invalid command 'FOO'!\|UP:/);
    expect(await agent.handleLine('PING', monitor, agent.accepted())).to.match(/^ERROR: Invalid command 'PING'!\|UP:/);
  });

  it('reports the SET_STATUS steps that failed instead of OK', async () => {
    vips.failAdd.add('10.0.0.100');
    const reply = await agent.handleLine('SET_STATUS|1|db1|ONLINE|writer(10.0.0.100)|db1', monitor, agent.accepted());
    expect(reply).to.match(/^ERROR: Status not fully applied: failed: .*10\.0\.0\.100/);
  });
});
