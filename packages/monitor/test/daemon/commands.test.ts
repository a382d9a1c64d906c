// Control command handlers: MMM's exact texts, arity (parser), authorization, state effects.
import { expect } from 'chai';
import { type ControlCommand, HELP_TEXT, parseControlCommand, texts, validateStatusDocument } from '@mmm/common';
import { authorized, executeCommand } from '../../src/commands';
import { checks } from '../fixtures';
import { FakeHost } from './fake-host';

async function run(m: FakeHost, line: string): Promise<string> {
  const p = parseControlCommand(line);
  if (!p.ok) return p.reply;
  return executeCommand(m, p.command as Exclude<ControlCommand, { kind: 'quit' }>);
}

describe('control commands', () => {
  it('ping, mode, help, and an unknown or wrongly-called command', async () => {
    const m = new FakeHost();
    expect(await run(m, 'ping')).to.equal('OK: Pinged successfully!');
    expect(await run(m, 'mode')).to.equal('ACTIVE');
    expect(await run(m, 'help')).to.equal(HELP_TEXT);
    expect(await run(m, 'foo')).to.equal(`Invalid command 'foo'\n\n${HELP_TEXT}`);
    expect(await run(m, 'set_online')).to.equal(`Invalid command 'set_online'\n\n${HELP_TEXT}`);
  });

  it('show and checks render MMM text; show carries monitor warnings', async () => {
    const m = new FakeHost();
    const show = await run(m, 'show');
    expect(show).to.contain('  db1(10.0.0.11) master/ONLINE. Roles: reader(10.0.0.101), writer(10.0.0.100)\n');
    expect(show).to.contain("# Role writer is assigned to it's preferred host db1.\n");
    m.warnings = ['TLS reload refused, keeping the previous certificates: bad key'];
    expect((await run(m, 'show')).split('\n')[0]).to.equal('# Warning: TLS reload refused, keeping the previous certificates: bad key');
    expect(await run(m, 'checks db1 mysql')).to.match(/^db1 {2}mysql {2}\[last change: [\d/ :]+\] {2}OK$/);
    expect(await run(m, 'checks dbX')).to.equal("ERROR: Unknown host name 'dbX'!");
    expect(await run(m, 'checks db1 nosuch')).to.equal("ERROR: Unknown check 'nosuch'!");
  });

  it('status_json is a valid StatusDocument', async () => {
    const m = new FakeHost();
    const doc = JSON.parse(await run(m, 'status_json'));
    expect(validateStatusDocument(doc)).to.deep.equal([]);
    expect(doc.hosts.map((h: { name: string }) => h.name)).to.deep.equal(['db1', 'db2', 'db3', 'db4']);
  });

  it('set_online: texts for every refusal, then ONLINE with flapping reset', async () => {
    const m = new FakeHost();
    expect(await run(m, 'set_online dbX')).to.equal(texts.unknownHost('dbX'));
    expect(await run(m, 'set_online db1')).to.equal(texts.alreadyOnline());
    m.setHostState('db3', 'HARD_OFFLINE');
    expect(await run(m, 'set_online db3')).to.equal(texts.cantSetOnline('db3', 'HARD_OFFLINE'));
    m.agentUp.db4 = false;
    expect(await run(m, 'set_online db4')).to.equal(texts.agentUnreachableState('db4'));
    m.agentUp.db4 = true;
    m.obs.db4 = { ...m.obs.db4, checks: checks(['mysql']) };
    expect(await run(m, 'set_online db4')).to.equal(texts.checksNotOk('db4'));
    m.obs.db4 = { ...m.obs.db4, checks: checks() };
    m.state.hosts.db4.flap = { flapping: true, count: 5 };
    expect(await run(m, 'set_online db4')).to.equal(texts.setOnlineOk('db4'));
    expect(m.state.hosts.db4.state).to.equal('ONLINE');
    expect(m.state.hosts.db4.flap.flapping).to.equal(false);
    expect(m.passes).to.equal(1);
    expect(m.recorded.at(-1)).to.include({ kind: 'command', host: 'db4' });
  });

  it('set_online refuses while the peer replication checks fail', async () => {
    const m = new FakeHost();
    m.setHostState('db2', 'AWAITING_RECOVERY');
    m.obs.db1 = { ...m.obs.db1, checks: checks(['rep_threads']) };
    expect(await run(m, 'set_online db2')).to.equal(texts.peerReplicationFailed('db1', 'db2'));
  });

  it('set_offline', async () => {
    const m = new FakeHost();
    expect(await run(m, 'set_offline db4')).to.equal(texts.cantSetOffline('db4', 'AWAITING_RECOVERY'));
    expect(await run(m, 'set_offline db3')).to.equal(texts.setOfflineOk('db3'));
    expect(await run(m, 'set_offline db3')).to.equal(texts.alreadyOffline());
    expect(m.state.hosts.db3.state).to.equal('ADMIN_OFFLINE');
  });

  it('mode commands', async () => {
    const m = new FakeHost();
    expect(await run(m, 'set_active')).to.equal(texts.alreadyActive());
    expect(await run(m, 'set_manual')).to.equal(texts.switchedManual());
    expect(await run(m, 'set_manual')).to.equal(texts.alreadyManual());
    expect(await run(m, 'set_passive')).to.equal(texts.switchedPassive());
    expect(await run(m, 'show')).to.match(/^# --- Monitor is in PASSIVE MODE ---\n# Cause: Admin switched to passive mode\.\n/);
    expect(await run(m, 'move_role writer db2')).to.equal(texts.notInPassive());
    expect(await run(m, 'set_active')).to.equal(texts.switchedActive());
    expect(m.cleanups).to.equal(1);
    m.state = { ...m.state, mode: 'WAIT' };
    expect(await run(m, 'set_manual')).to.equal(texts.alreadyManual());
  });

  it('set_ip only in passive mode', async () => {
    const m = new FakeHost();
    expect(await run(m, 'set_ip 10.0.0.100 db2')).to.equal(texts.onlyInPassive());
    m.state = { ...m.state, mode: 'PASSIVE' };
    expect(await run(m, 'set_ip 10.9.9.9 db2')).to.equal(texts.unknownIp('10.9.9.9'));
    expect(await run(m, 'set_ip 10.0.0.100 db3')).to.equal(texts.setIpCantHandle('db3', 'writer', ['db1', 'db2']));
    expect(await run(m, 'set_ip 10.0.0.100 db2')).to.equal(texts.setIpOk('writer', '10.0.0.100', 'db2'));
    expect(m.state.roles.find((r) => r.role === 'writer')!.host).to.equal('db2');
  });

  it('move_role: refusals with MMM texts', async () => {
    const m = new FakeHost();
    expect(await run(m, 'move_role nosuch db2')).to.equal(texts.unknownRole('nosuch'));
    expect(await run(m, 'move_role writer dbX')).to.equal(texts.unknownHost('dbX'));
    expect(await run(m, 'move_role writer db4')).to.equal(texts.cantMoveToState('AWAITING_RECOVERY'));
    expect(await run(m, 'move_role writer db3')).to.equal(texts.cantHandle('db3', 'writer', ['db1', 'db2']));
    expect(await run(m, 'move_role writer db1')).to.equal(texts.roleAlreadyThere('db1'));
    expect(await run(m, 'move_role writer db2')).to.equal(texts.assignedToPreferred('writer', 'db1'));
    m.agentUp.db2 = false;
    expect(await run(m, 'move_role writer db2')).to.equal(texts.agentUnreachableMove('db2'));
    expect(await run(m, 'move_role --force reader db2')).to.equal(texts.forceOnlyActiveMaster());
    expect(await run(m, 'move_role --force writer db2')).to.equal(texts.cantForceToState('ONLINE'));
    expect(m.switches).to.deep.equal([]);
  });

  it('move_role writer runs the planned switch; an abort answers ERROR with the reason', async () => {
    const m = new FakeHost();
    m.state = { ...m.state, mode: 'MANUAL' };
    expect(await run(m, 'move_role writer db2')).to.equal(texts.moveRoleOk('writer', 'db1', 'db2'));
    expect(m.switches).to.deep.equal([['db1', 'db2']]);
    m.switchResult = { ok: false, reason: 'db1 did not reach GTID 0-2-9 within switch_timeout; db2 restored as writer', restored: true };
    const r = await run(m, 'move_role writer db1');
    expect(r).to.equal("ERROR: Role 'writer' was not moved from 'db2' to 'db1': db1 did not reach GTID 0-2-9 within switch_timeout; db2 restored as writer");
  });

  it('move_role --force writer to a REPLICATION_FAIL host: a refused switch puts the host back in REPLICATION_FAIL', async () => {
    const m = new FakeHost();
    m.setHostState('db2', 'REPLICATION_FAIL');
    m.switchResult = { ok: false, reason: 'refused before anything changed: db2 has transactions the writer db1 lacks (0-2-8)', restored: true };
    const r = await run(m, 'move_role --force writer db2');
    expect(r).to.match(/^ERROR: Role 'writer' was not moved from 'db1' to 'db2': refused before anything changed/);
    expect(m.state.hosts.db2.state).to.equal('REPLICATION_FAIL');
    m.switchResult = { ok: true, durationMs: 1 };
    expect(await run(m, 'move_role --force writer db2')).to.equal(texts.forcedMoveRoleOk('writer', 'db1', 'db2'));
    expect(m.state.hosts.db2.state).to.equal('ONLINE');
  });

  it('move_role of a balanced role takes its IPs off the host', async () => {
    const m = new FakeHost();
    expect(await run(m, 'move_role reader db3')).to.equal(texts.balancedRoleRemoved('reader', 'db3'));
    expect(m.state.roles.filter((r) => r.host === 'db3')).to.deep.equal([]);
  });

  it('ack_failover: acknowledges the failover the cooldown runs from, persists, a pass follows; status_json shows it', async () => {
    const m = new FakeHost();
    expect(await run(m, 'ack_failover')).to.equal(texts.nothingToAck());
    m.state = { ...m.state, lastFailover: { at: 2000, from: 'db2', to: 'db1', automatic: true, lostAtLeast: ['0-2-9'], lostAtLeastCount: 1 } };
    const before = JSON.parse(await run(m, 'status_json'));
    expect(validateStatusDocument(before)).to.deep.equal([]);
    expect(before.lastFailover).to.deep.include({ from: 'db2', to: 'db1', cooldownUntil: new Date(2000 + 3_600_000).toISOString(), lostAtLeast: ['0-2-9'] });
    expect(await run(m, 'ack_failover')).to.equal(texts.ackFailoverOk('db2', 'db1', new Date(2000).toISOString()));
    expect(m.state.lastFailover!.acknowledgedAt).to.equal(5000);
    expect(m.executed).to.deep.equal([{ kind: 'persist' }]);
    expect(m.passes).to.equal(1);
    expect(m.recorded.at(-1)).to.include({ kind: 'command' });
    expect(JSON.parse(await run(m, 'status_json')).lastFailover).to.deep.include({ cooldownUntil: null, acknowledgedAt: new Date(5000).toISOString() });
    expect(await run(m, 'ack_failover')).to.equal(texts.nothingToAck());
  });

  it('authorization: state changes need the control or monitor role; reads are open; no roles = anything', () => {
    const cmd = (line: string) => (parseControlCommand(line) as { ok: true; command: ControlCommand }).command;
    expect(authorized('control', cmd('set_online db1'))).to.equal(true);
    expect(authorized('monitor', cmd('set_offline db1'))).to.equal(true);
    expect(authorized('viewer', cmd('set_online db1'))).to.equal(false);
    expect(authorized('agent', cmd('move_role writer db2'))).to.equal(false);
    expect(authorized('viewer', cmd('show'))).to.equal(true);
    expect(authorized('viewer', cmd('status_json'))).to.equal(true);
    expect(authorized('any', cmd('set_passive'))).to.equal(true);
    expect(authorized(null, cmd('set_passive'))).to.equal(false);
  });
});
