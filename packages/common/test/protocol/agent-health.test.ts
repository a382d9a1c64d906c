import { expect } from 'chai';
import {
  type AgentHealth,
  decodeAgentReply,
  decodeHealth,
  decodeKeyValues,
  encodeAgentReply,
  encodeHealth,
  encodeKeyValues,
  gtidToHealthValue,
  HEALTH_KEYS,
  healthReply,
  parseHealthReply,
  parseWatchHealthReply,
  watchHealthReply,
} from '../../src/protocol';
import { ProtocolError } from '../../src/errors';

const full: AgentHealth = {
  mysqld: 'running',
  answering: true,
  writable: false,
  lease: 'held',
  leaseLeftMs: 2500,
  replication: 'configured',
  ioRunning: true,
  sqlRunning: true,
  ioConnected: true,
  lastHeartbeatAgeMs: 120,
  gtidIoPos: '0-1-5,1-2-3',
  gtidSlavePos: '0-1-4,1-2-3',
  gtidBinlogPos: '',
  secondsBehind: 0,
};
// Written by hand from the key table in agent-health.ts, not produced by the encoder.
const fullLine =
  'mysqld=running,answering=1,writable=0,lease=held,lease_left_ms=2500,replication=configured,io_running=1,' +
  'sql_running=1,io_connected=1,last_heartbeat_age_ms=120,gtid_io_pos=0-1-5;1-2-3,gtid_slave_pos=0-1-4;1-2-3,' +
  'gtid_binlog_pos=,seconds_behind=0';

describe('protocol/agent-health', () => {
  it('encodes and decodes the literal health field', () => {
    expect(encodeHealth(full)).to.equal(fullLine);
    expect(decodeHealth(fullLine)).to.deep.equal(full);
  });

  it('carries it as one reply field', () => {
    const line = `OK: Returning health!|${fullLine}|UP:10.00`;
    expect(encodeAgentReply(healthReply(full, 10))).to.equal(line);
    expect(parseHealthReply(decodeAgentReply(line))).to.deep.equal(full);
  });

  it('WATCH_HEALTH: the same field, then the generation; GET_HEALTH\'s parser reads it too', () => {
    const line = `OK: Returning health!|${fullLine}|42|UP:10.00`;
    expect(encodeAgentReply(watchHealthReply(full, 42, 10))).to.equal(line);
    expect(parseWatchHealthReply(decodeAgentReply(line))).to.deep.equal({ health: full, generation: 42 });
    expect(parseHealthReply(decodeAgentReply(line))).to.deep.equal(full);
  });

  const badWatchReplies: Array<[string, string]> = [
    ['OK: Returning health!|mysqld=stopped,answering=0,lease=none|UP:1.00', 'lacks the health field or the generation'],
    ['OK: Returning health!|mysqld=stopped,answering=0,lease=none|-3|UP:1.00', "bad generation '-3'"],
    ['OK: Returning health!|mysqld=stopped,answering=0,lease=none|x|UP:1.00', "bad generation 'x'"],
    ["ERROR: Invalid command 'WATCH_HEALTH'!|UP:1.00", "agent answered ERROR: Invalid command 'WATCH_HEALTH'!"],
    ['OK: Returning health!|answering=0,lease=none|3|UP:1.00', "Health field lacks 'mysqld'"],
  ];
  for (const [line, why] of badWatchReplies) {
    it(`refuses the WATCH_HEALTH reply ${line}`, () => {
      expect(() => parseWatchHealthReply(decodeAgentReply(line))).to.throw(ProtocolError, why);
    });
  }
  it('refuses to write a generation that is not a non-negative integer', () => {
    expect(() => watchHealthReply(full, -1, 1)).to.throw(ProtocolError);
    expect(() => watchHealthReply(full, 0.5, 1)).to.throw(ProtocolError);
  });

  it('leaves unknown values out and round-trips a minimal record', () => {
    const dead: AgentHealth = { mysqld: 'stopped', answering: false, lease: 'none' };
    expect(encodeHealth(dead)).to.equal('mysqld=stopped,answering=0,lease=none');
    expect(decodeHealth(encodeHealth(dead))).to.deep.equal(dead);
  });

  it('lists its keys in wire order', () => {
    expect(HEALTH_KEYS[0]).to.equal('mysqld');
    expect(HEALTH_KEYS).to.include.members(['lease_left_ms', 'gtid_io_pos', 'seconds_behind', 'last_heartbeat_age_ms']);
  });

  it("writes MySQL's multi-line GTID sets compactly and losslessly", () => {
    const mysql = '3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5,\n4E11FA47-71CA-11E1-9E33-C80AA9429562:1-7';
    const v = gtidToHealthValue(mysql);
    expect(v).to.equal('3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5;4E11FA47-71CA-11E1-9E33-C80AA9429562:1-7');
    expect(decodeHealth(`mysqld=running,answering=1,lease=none,gtid_binlog_pos=${v}`).gtidBinlogPos).to.equal(
      mysql.replace(/\s/g, ''),
    );
  });

  it('ignores unknown keys (newer agents may add some)', () => {
    expect(decodeHealth('mysqld=running,answering=1,lease=expired,future_key=x')).to.deep.equal({
      mysqld: 'running',
      answering: true,
      lease: 'expired',
    });
  });

  it('refuses malformed fields', () => {
    expect(() => decodeHealth('answering=1,lease=none')).to.throw(ProtocolError); // mysqld missing
    expect(() => decodeHealth('mysqld=maybe,answering=1,lease=none')).to.throw(ProtocolError);
    expect(() => decodeHealth('mysqld=running,answering=yes,lease=none')).to.throw(ProtocolError);
    expect(() => decodeHealth('mysqld=running,answering=1,lease=none,seconds_behind=-1')).to.throw(ProtocolError);
    expect(() => decodeHealth('mysqld=running,answering,lease=none')).to.throw(ProtocolError);
    expect(() => decodeHealth('mysqld=running,mysqld=stopped,answering=1,lease=none')).to.throw(ProtocolError);
  });

  it('refuses values that would break the framing', () => {
    expect(() => encodeKeyValues([['k', 'a,b']])).to.throw(ProtocolError);
    expect(() => encodeKeyValues([['k', 'a=b']])).to.throw(ProtocolError);
    expect(() => encodeKeyValues([['k', 'a|b']])).to.throw(ProtocolError);
    expect(() => encodeKeyValues([['k', 'a\nb']])).to.throw(ProtocolError);
    expect(() => gtidToHealthValue('0-1-5;x')).to.throw(ProtocolError);
    expect(() => encodeHealth({ mysqld: 'running', answering: true, lease: 'held', leaseLeftMs: Number.NaN })).to.throw(ProtocolError);
    expect([...decodeKeyValues('a=1,b=')]).to.deep.equal([
      ['a', '1'],
      ['b', ''],
    ]);
  });
});
