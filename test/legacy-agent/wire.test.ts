// The legacy double's request parsing and reply texts against mmm-wire.md §3.1's transcripts.
import { expect } from 'chai';
import { diffRoles, parseLine, REPLY, rolesFromString, rolesToString, withUptime } from './wire';

describe('legacy-agent wire (MMM 2.2.1 texts)', () => {
  it('parses CMD|version|host|args keeping empty fields', () => {
    expect(parseLine('SET_STATUS|1|db3|AWAITING_RECOVERY||', 'db3')).to.deep.equal({
      ok: true, command: 'SET_STATUS', version: '1', args: ['AWAITING_RECOVERY', '', ''], versionWarning: false,
    });
  });

  it('answers what MMM answers to bad lines: short line, wrong host, unknown or extension command', () => {
    const reply = (l: string) => {
      const p = parseLine(l, 'db1');
      return p.ok ? undefined : p.reply;
    };
    expect(reply('PING')).to.equal("ERROR: Invalid command 'PING'!");
    expect(reply('')).to.equal("ERROR: Invalid command ''!");
    expect(reply('PING|1|db2')).to.equal("ERROR: Invalid hostname in command (db2)! My name is 'db1'");
    expect(reply('FOO|1|db2')).to.equal("ERROR: Invalid hostname in command (db2)! My name is 'db1'"); // host first
    expect(reply('FOO|1|db1')).to.equal("ERROR: Invalid command 'FOO'!");
    for (const c of ['GET_GTID', 'WAIT_GTID', 'GET_HEALTH']) expect(reply(`${c}|1|db1|x`)).to.equal(`ERROR: Invalid command '${c}'!`);
  });

  it('only warns about a higher version and ignores extra fields', () => {
    const p = parseLine('PING|2|db1|extra', 'db1');
    expect(p).to.include({ ok: true, command: 'PING', versionWarning: true });
  });

  it('formats status replies and the uptime suffix as in the transcripts', () => {
    const roles = rolesFromString('writer(10.77.0.100),reader(10.77.0.103)');
    expect(withUptime(REPLY.agentStatus('ONLINE', roles, ''), '1957.81')).to.equal(
      'OK: Returning status!|ONLINE|reader(10.77.0.103),writer(10.77.0.100)||UP:1957.81\n');
    expect(REPLY.agentStatus('UNKNOWN', [], '')).to.equal('OK: Returning status!|UNKNOWN||');
    expect(REPLY.systemStatus(false, [{ name: 'reader', ip: '10.77.0.101' }], '10.77.0.11')).to.equal(
      'OK: Returning status!||reader(10.77.0.101)|10.77.0.11');
    expect(REPLY.systemStatus(true, [], '')).to.equal('OK: Returning status!|1||');
    expect(REPLY.removed(1)).to.equal('OK: Removed 1 roles');
  });

  it('diffs role lists by name(ip)', () => {
    const d = diffRoles(rolesFromString('reader(1.1.1.1),writer(1.1.1.9)'), rolesFromString('reader(1.1.1.1),reader(1.1.1.2)'));
    expect(rolesToString(d.removed)).to.equal('writer(1.1.1.9)');
    expect(rolesToString(d.added)).to.equal('reader(1.1.1.2)');
    expect(rolesFromString('reader(1.1.1.1),junk')).to.have.length(1);
  });
});
