// The SET_STATUS reply, from the real handler: OK only when every step worked, otherwise ERROR
// naming what failed and what was skipped. The steps themselves are tested in roles/apply.test.ts
// with the same scenarios.
import { expect } from 'chai';
import { type AgentRequest, type RoleIp, encodeAgentReply, parseConfigTextOrThrow } from '@mmm/common';
import { MemoryLogger } from '@mmm/common/testing';
import { buildAgentParts } from '../../src/agent-parts';
import { setStatus } from '../../src/handlers/set-status';
import type { WantedStatus } from '../../src/roles/plan';
import { FakeLocalMysql, FakeVipManager, fakeSlaveStatus } from '../../src/testing';

const CONF = [
  'this db1', 'active_master_role writer',
  '<host default>', '    cluster_interface eth0', '    agent_user mmm_agent', '    agent_password pw', '    replication_user repl', '    replication_password rpw', '</host>',
  '<host db1>', '    ip 10.0.0.11', '    mode master', '    peer db2', '</host>',
  '<host db2>', '    ip 10.0.0.12', '    mode master', '    peer db1', '</host>',
  '<role writer>', '    hosts db1, db2', '    ips 10.0.0.100', '    mode exclusive', '</role>',
  '<role reader>', '    hosts db1, db2', '    ips 10.0.0.101', '    mode balanced', '</role>',
  '<socket>', '    type plain', '</socket>',
].join('\n');

const W: RoleIp = { name: 'writer', ip: '10.0.0.100' };
const R1: RoleIp = { name: 'reader', ip: '10.0.0.101' };
type SetStatus = Extract<AgentRequest, { kind: 'SET_STATUS' }>;
const st = (roles: RoleIp[], activeMaster = 'db1') => ({ state: 'ONLINE' as const, roles, activeMaster });

function setup() {
  const { config } = parseConfigTextOrThrow('agent', { '/etc/mmm/mmm_agent.conf': CONF });
  const mysql = new FakeLocalMysql();
  const vips = new FakeVipManager('eth0');
  const { ctx } = buildAgentParts({ config, logger: new MemoryLogger(), mysql, vips, graceMs: 0 }, () => 1);
  /** SET_STATUS from `prev` to `next`; the reply line as the dispatcher encodes it, without `|UP:`. */
  const run = async (prev: WantedStatus, next: ReturnType<typeof st>): Promise<string> => {
    ctx.wanted = prev;
    const req: SetStatus = { kind: 'SET_STATUS', host: 'db1', ...next };
    const reply = await setStatus(ctx, req, { connSeq: 1 });
    return encodeAgentReply({ ...reply, uptime: 0 }).replace(/\|UP:[\d.]+$/, '');
  };
  return { mysql, vips, run };
}

describe('handlers/set-status: the reply', () => {
  it('promotes: OK', async () => {
    const { run } = setup();
    expect(await run(st([]), st([W]))).to.equal('OK: Status applied successfully!');
  });

  it('failed catch-up: ERROR names it and the skipped steps, with no field separator in the text', async () => {
    const { mysql, run } = setup();
    mysql.replication = fakeSlaveStatus();
    mysql.caughtUp = false;
    const reply = await run(st([R1]), st([R1, W]));
    expect(reply).to.match(/^ERROR: /);
    expect(reply).to.include('catch up').and.include('skipped: read_only=0, add writer(10.0.0.100)');
    expect(reply).to.not.include('|');
  });

  it('demotion with a failing read_only: ERROR names read_only=1', async () => {
    const { mysql, vips, run } = setup();
    mysql.readOnly = false;
    vips.ips.add(W.ip);
    mysql.fail.add('setReadOnly');
    expect(await run(st([W]), st([]))).to.match(/^ERROR: .*read_only=1/);
  });
});

describe('handlers/set-status: an MMM 1.x agent file without role sections', () => {
  const V1 = ['this db1', 'cluster_interface eth0', 'replication_user repl', 'replication_password rpw',
    'host db1', '  ip 10.0.0.11', '  mode master', '  peer db2', '  user mmm_agent', '  password pw',
    'host db2', '  ip 10.0.0.12', '  mode master', '  peer db1', '  user mmm_agent', '  password pw',
  ].join('\n');

  it('takes the roles the monitor sends, and knows the writer IP from then on (fencing, CLEAR_BAD_ROLES)', async () => {
    const loaded = parseConfigTextOrThrow('agent', { '/etc/mmm/mmm_agent.conf': V1 }, '/etc/mmm/mmm_agent.conf');
    expect(loaded.warnings.join('\n')).to.match(/no role sections/);
    const mysql = new FakeLocalMysql();
    const vips = new FakeVipManager('eth0');
    const { ctx } = buildAgentParts({ config: loaded.config, logger: new MemoryLogger(), mysql, vips, graceMs: 0 }, () => 1);
    expect(ctx.learnRoles).to.equal(true);
    const reply = await setStatus(ctx, { kind: 'SET_STATUS', host: 'db1', ...st([W, R1]) }, { connSeq: 1 });
    expect(reply).to.deep.equal({ ok: true, text: 'Status applied successfully!' });
    expect(ctx.writerIps).to.deep.equal([W.ip]);
    expect(ctx.roleIps).to.deep.equal([W, R1]);
    expect(mysql.readOnly).to.equal(false);
  });

  it('a configured agent still refuses roles it does not know', async () => {
    const { run } = setup();
    expect(await run(st([]), st([{ name: 'reader', ip: '10.9.9.9' }]))).to.match(/^ERROR: Unknown role reader\(10\.9\.9\.9\)/);
  });
});
