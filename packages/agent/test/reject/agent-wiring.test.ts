// The reject path as the agent builds it from its config: on by default with the host's table and
// MySQL port, off with vip_reject no or the VIP hooks (warned), never with fake VIPs alone; a
// SET_STATUS through the dispatcher reaches nft.
import { expect } from 'chai';
import { parseConfigTextOrThrow } from '@mmm/common';
import { MemoryLogger } from '@mmm/common/testing';
import { Agent } from '../../src/agent';
import { buildAgentParts } from '../../src/agent-parts';
import { FakeLocalMysql, FakeNft, FakeVipManager } from '../../src/testing';

const conf = (db1: string[] = []) =>
  [
    'this db1',
    'active_master_role writer',
    '<host default>',
    '    cluster_interface eth0',
    '    mysql_port 13306',
    '</host>',
    '<host db1>',
    '    ip 10.0.0.11',
    '    mode master',
    '    peer db2',
    ...db1.map((l) => `    ${l}`),
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
    '<socket>',
    '    type plain',
    '</socket>',
  ].join('\n');
const load = (db1?: string[]) => parseConfigTextOrThrow('agent', { '/etc/mmm/mmm_agent.conf': conf(db1) }).config;
const parts = (db1?: string[], withNft = true) =>
  buildAgentParts({ config: load(db1), logger: new MemoryLogger(), mysql: new FakeLocalMysql(), vips: new FakeVipManager(), ...(withNft ? { nft: new FakeNft() } : {}) }, () => 0);

describe('reject path: built from the agent config', () => {
  it('default: on, no warning', () => {
    const p = parts();
    expect(p.rejector).to.not.equal(undefined);
    expect(p.rejectWarning).to.equal(undefined);
  });

  it('vip_reject no: off, silent; VIP hooks: off and a warning for the start', () => {
    expect(parts(['vip_reject no']).rejector).to.equal(undefined);
    expect(parts(['vip_reject no']).rejectWarning).to.equal(undefined);
    const hooked = parts(['ip_add_command /bin/true', 'ip_del_command /bin/true']);
    expect(hooked.rejector).to.equal(undefined);
    expect(hooked.rejectWarning).to.match(/vip_reject is off for this host/);
  });

  it('injected (fake) VIPs without an injected nft: off, so a unit test never touches the machine\'s firewall', () => {
    expect(parts(undefined, false).rejector).to.equal(undefined);
  });

  it('a demoting SET_STATUS through the dispatcher: the rules for the VIP on the host\'s MySQL port, then the VIP goes', async () => {
    const nft = new FakeNft();
    const vips = new FakeVipManager('eth0', ['10.0.0.100']);
    const mysql = new FakeLocalMysql();
    mysql.readOnly = false;
    const agent = new Agent({ config: load(['vip_reject_period 2']), logger: new MemoryLogger(), mysql, vips, nft, graceMs: 0 });
    const monitor = { peer: { cn: 'monitor', sans: [], role: 'monitor' as const, plain: false, address: '10.0.0.10:5000' } };
    const reply = await agent.handleLine('SET_STATUS|1|db1|ONLINE||db2', monitor, agent.accepted());
    expect(reply).to.match(/^OK: Status applied successfully!/);
    expect(vips.ips.has('10.0.0.100')).to.equal(false);
    expect(nft.scripts).to.have.length(1);
    expect(nft.scripts[0]).to.include('table inet mmm_reject_db1 {');
    expect(nft.scripts[0]).to.include('ip daddr { 10.0.0.100 } tcp dport 13306 fib daddr type != local counter reject with tcp reset');
    await agent.stop(); // a clean stop removes the table (and ends the window's timer)
    expect(nft.scripts.at(-1)).to.equal('table inet mmm_reject_db1\ndelete table inet mmm_reject_db1\n');
  });
});
