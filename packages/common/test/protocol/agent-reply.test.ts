import { expect } from 'chai';
import {
  agentReplies,
  decodeAgentReply,
  encodeAgentReply,
  parseAgentStatus,
  parseGtidReply,
  parseRemovedRoles,
  parseSystemStatus,
} from '../../src/protocol';
import { ProtocolError } from '../../src/errors';

const W = { name: 'writer', ip: '10.77.0.100' };
const R1 = { name: 'reader', ip: '10.77.0.101' };
const R3 = { name: 'reader', ip: '10.77.0.103' };

describe('protocol/agent-reply', () => {
  describe('literal lines from mmm-wire.md §3.1', () => {
    it('PING', () => {
      expect(encodeAgentReply(agentReplies.pong(797.29))).to.equal('OK: Pinged!|UP:797.29');
      expect(decodeAgentReply('OK: Pinged!|UP:797.29')).to.deep.equal({ ok: true, message: 'Pinged!', fields: [], uptime: 797.29 });
    });

    it('GET_AGENT_STATUS of a fresh agent', () => {
      const line = 'OK: Returning status!|UNKNOWN|||UP:849.22';
      expect(encodeAgentReply(agentReplies.agentStatus({ state: 'UNKNOWN', roles: [], activeMaster: '' }, 849.22))).to.equal(line);
      expect(parseAgentStatus(decodeAgentReply(line))).to.deep.equal({ state: 'UNKNOWN', roles: [], activeMaster: '' });
    });

    it('GET_AGENT_STATUS of a master and a slave', () => {
      const m = 'OK: Returning status!|ONLINE|reader(10.77.0.103),writer(10.77.0.100)||UP:1957.81';
      const s = 'OK: Returning status!|ONLINE|reader(10.77.0.101)|db1|UP:1967.79';
      expect(encodeAgentReply(agentReplies.agentStatus({ state: 'ONLINE', roles: [W, R3], activeMaster: '' }, 1957.81))).to.equal(m);
      expect(encodeAgentReply(agentReplies.agentStatus({ state: 'ONLINE', roles: [R1], activeMaster: 'db1' }, 1967.79))).to.equal(s);
      expect(parseAgentStatus(decodeAgentReply(m))).to.deep.equal({ state: 'ONLINE', roles: [R3, W], activeMaster: '' });
      expect(parseAgentStatus(decodeAgentReply(s))).to.deep.equal({ state: 'ONLINE', roles: [R1], activeMaster: 'db1' });
      expect(decodeAgentReply(s).uptime).to.equal(1967.79);
    });

    it('GET_SYSTEM_STATUS writable and not', () => {
      const m = 'OK: Returning status!|1|reader(10.77.0.103),writer(10.77.0.100)|10.77.0.12|UP:1957.81';
      const s = 'OK: Returning status!||reader(10.77.0.101)|10.77.0.11|UP:1967.79';
      expect(encodeAgentReply(agentReplies.systemStatus({ writable: true, roles: [R3, W], masterIp: '10.77.0.12' }, 1957.81))).to.equal(m);
      expect(encodeAgentReply(agentReplies.systemStatus({ writable: false, roles: [R1], masterIp: '10.77.0.11' }, 1967.79))).to.equal(s);
      expect(parseSystemStatus(decodeAgentReply(m))).to.deep.equal({ writable: true, roles: [R3, W], masterIp: '10.77.0.12' });
      expect(parseSystemStatus(decodeAgentReply(s))).to.deep.equal({ writable: false, roles: [R1], masterIp: '10.77.0.11' });
    });

    it('SET_STATUS and CLEAR_BAD_ROLES', () => {
      expect(encodeAgentReply(agentReplies.statusApplied('1.00'))).to.equal('OK: Status applied successfully!|UP:1.00');
      expect(encodeAgentReply(agentReplies.removedRoles(0, 849.99))).to.equal('OK: Removed 0 roles|UP:849.99');
      expect(parseRemovedRoles(decodeAgentReply('OK: Removed 1 roles|UP:1981.07'))).to.equal(1);
      expect(decodeAgentReply('OK: Status applied successfully!|UP:3.5')).to.deep.equal({
        ok: true,
        message: 'Status applied successfully!',
        fields: [],
        uptime: 3.5,
      });
    });

    it('ERROR replies', () => {
      const host = "ERROR: Invalid hostname in command (db2)! My name is 'db1'|UP:803.51";
      expect(encodeAgentReply(agentReplies.error("Invalid hostname in command (db2)! My name is 'db1'", 803.51))).to.equal(host);
      expect(decodeAgentReply(host)).to.deep.equal({
        ok: false,
        message: "Invalid hostname in command (db2)! My name is 'db1'",
        fields: [],
        uptime: 803.51,
      });
      expect(encodeAgentReply(agentReplies.error("Invalid command 'FOO'!", 805.52))).to.equal("ERROR: Invalid command 'FOO'!|UP:805.52");
      expect(decodeAgentReply("ERROR: Invalid command 'PING'!|UP:807.52").message).to.equal("Invalid command 'PING'!");
    });
  });

  it('keeps a pipe inside an ERROR text (MMM echoes the raw line)', () => {
    const line = encodeAgentReply(agentReplies.error("Invalid command 'PING|1'!", 5));
    expect(line).to.equal("ERROR: Invalid command 'PING|1'!|UP:5.00");
    expect(decodeAgentReply(line)).to.deep.equal({ ok: false, message: "Invalid command 'PING|1'!", fields: [], uptime: 5 });
  });

  it('GET_GTID carries a comma-separated set', () => {
    const line = encodeAgentReply(agentReplies.gtid('0-1-5,1-2-3', 12.34));
    expect(line).to.equal('OK: 0-1-5,1-2-3|UP:12.34');
    expect(parseGtidReply(decodeAgentReply(line))).to.equal('0-1-5,1-2-3');
    expect(parseGtidReply(decodeAgentReply('OK: |UP:1'))).to.equal('');
  });

  it('flattens line breaks and pipes in free text so a reply is always one line', () => {
    expect(encodeAgentReply({ ok: false, text: 'a\nb\r\nc', uptime: 1 })).to.equal('ERROR: a b c|UP:1.00');
    expect(encodeAgentReply({ ok: true, text: 'a|b', uptime: 1 })).to.equal('OK: a/b|UP:1.00');
    expect(() => encodeAgentReply({ ok: true, text: 'x', fields: ['a|b'], uptime: 1 })).to.throw(ProtocolError);
    expect(() => encodeAgentReply({ ok: false, text: 'x', fields: ['a'], uptime: 1 })).to.throw(ProtocolError);
  });

  it('round-trips every reply builder', () => {
    const inputs = [
      agentReplies.pong(1),
      agentReplies.statusApplied(2),
      agentReplies.agentStatus({ state: 'REPLICATION_DELAY', roles: [R1, R3], activeMaster: 'db2' }, 3),
      agentReplies.systemStatus({ writable: true, roles: [], masterIp: '' }, 4),
      agentReplies.removedRoles(7, 5),
      agentReplies.gtid('0-1-9', 6),
      agentReplies.error('Boom: step mysql_allow_write failed', 7),
    ];
    for (const input of inputs) {
      const d = decodeAgentReply(encodeAgentReply(input));
      expect(d.ok).to.equal(input.ok);
      expect(d.message).to.equal(input.text);
      expect(d.fields).to.deep.equal(input.fields ?? []);
      expect(d.uptime).to.equal(input.uptime);
    }
  });

  it('rejects lines that are not replies', () => {
    expect(() => decodeAgentReply('HELLO|UP:1')).to.throw(ProtocolError);
    expect(() => decodeAgentReply('OK: x|UP:abc')).to.throw(ProtocolError);
    expect(decodeAgentReply('OK: no uptime')).to.deep.equal({ ok: true, message: 'no uptime', fields: [] });
    expect(() => parseAgentStatus(decodeAgentReply('OK: Returning status!|BOGUS|||UP:1'))).to.throw(ProtocolError);
    expect(() => parseRemovedRoles(decodeAgentReply('ERROR: nope|UP:1'))).to.throw(ProtocolError);
  });
});
