import { expect } from 'chai';
import {
  type AgentRequest,
  decodeAgentRequest,
  decodeAgentRequestFor,
  encodeAgentRequest,
  invalidHostnameText,
} from '../../src/protocol';
import { ProtocolError } from '../../src/errors';

const W = { name: 'writer', ip: '10.77.0.100' };
const R1 = { name: 'reader', ip: '10.77.0.101' };
const R3 = { name: 'reader', ip: '10.77.0.103' };

// Every request kind, with the line MMM 2.2.1 (or our extension spec) puts on the wire: mmm-wire.md §3.1.
const cases: Array<[AgentRequest, string]> = [
  [{ kind: 'PING', host: 'db1' }, 'PING|1|db1'],
  [{ kind: 'GET_AGENT_STATUS', host: 'db3' }, 'GET_AGENT_STATUS|1|db3'],
  [{ kind: 'GET_SYSTEM_STATUS', host: 'db1' }, 'GET_SYSTEM_STATUS|1|db1'],
  [{ kind: 'CLEAR_BAD_ROLES', host: 'db3' }, 'CLEAR_BAD_ROLES|1|db3'],
  [
    { kind: 'SET_STATUS', host: 'db1', state: 'ONLINE', roles: [R3, W], activeMaster: 'db1' },
    'SET_STATUS|1|db1|ONLINE|reader(10.77.0.103),writer(10.77.0.100)|db1',
  ],
  [{ kind: 'SET_STATUS', host: 'db3', state: 'AWAITING_RECOVERY', roles: [], activeMaster: '' }, 'SET_STATUS|1|db3|AWAITING_RECOVERY||'],
  [{ kind: 'SET_STATUS', host: 'db1', state: 'HARD_OFFLINE', roles: [], activeMaster: 'db2' }, 'SET_STATUS|1|db1|HARD_OFFLINE||db2'],
  [
    { kind: 'SET_STATUS', host: 'db1', state: 'ONLINE', roles: [R1, { name: 'reader', ip: '10.77.0.102' }, R3, W], activeMaster: 'db1' },
    'SET_STATUS|1|db1|ONLINE|reader(10.77.0.101),reader(10.77.0.102),reader(10.77.0.103),writer(10.77.0.100)|db1',
  ],
  [{ kind: 'GET_GTID', host: 'db1' }, 'GET_GTID|1|db1'],
  [{ kind: 'WAIT_GTID', host: 'db2', gtidSet: '0-1-5,1-2-3', timeoutMs: 5000 }, 'WAIT_GTID|1|db2|0-1-5,1-2-3|5000'],
  [{ kind: 'CATCH_UP', host: 'db2', source: 'db3', gtidSet: '0-1-45', timeoutMs: 10000 }, 'CATCH_UP|1|db2|db3|0-1-45|10000'],
  [{ kind: 'GET_HEALTH', host: 'db2' }, 'GET_HEALTH|1|db2'],
  // monitor HA (issue 19): the 7th field, the etcd cluster id, is optional
  [{ kind: 'SET_TERM', host: 'db1', cluster: 'default', term: 5, monitor: 'mon1' }, 'SET_TERM|1|db1|default|5|mon1'],
  [
    { kind: 'SET_TERM', host: 'db2', cluster: 'shop-eu1', term: 123456789012, monitor: 'mon-b', etcdClusterId: 'cdf818194e3a8c32' },
    'SET_TERM|1|db2|shop-eu1|123456789012|mon-b|cdf818194e3a8c32',
  ],
  [{ kind: 'WATCH_HEALTH', host: 'db1', generation: 0, timeoutMs: 2000 }, 'WATCH_HEALTH|1|db1|0|2000'],
  [{ kind: 'WATCH_HEALTH', host: 'db2', generation: 17, timeoutMs: 60000 }, 'WATCH_HEALTH|1|db2|17|60000'],
];

describe('protocol/agent-request', () => {
  for (const [req, line] of cases) {
    it(`encodes ${req.kind} as ${line}`, () => {
      expect(encodeAgentRequest(req)).to.equal(line);
    });
    it(`decodes ${line}`, () => {
      const res = decodeAgentRequest(line);
      expect(res).to.deep.equal({ ok: true, request: req, version: '1', versionWarning: false });
    });
  }

  it('sorts roles on encode, like MMM', () => {
    const line = encodeAgentRequest({ kind: 'SET_STATUS', host: 'db1', state: 'ONLINE', roles: [W, R3], activeMaster: 'db1' });
    expect(line).to.equal('SET_STATUS|1|db1|ONLINE|reader(10.77.0.103),writer(10.77.0.100)|db1');
  });

  it('refuses fields that would break the framing', () => {
    expect(() => encodeAgentRequest({ kind: 'PING', host: 'db|1' })).to.throw(ProtocolError);
    expect(() => encodeAgentRequest({ kind: 'WAIT_GTID', host: 'db2', gtidSet: '0-1-5\n', timeoutMs: 1 })).to.throw(ProtocolError);
    expect(() => encodeAgentRequest({ kind: 'WAIT_GTID', host: 'db2', gtidSet: '', timeoutMs: -1 })).to.throw(RangeError);
  });

  it("answers a line with fewer than 3 fields with Invalid command '<line>'!", () => {
    expect(decodeAgentRequest('PING')).to.deep.equal({ ok: false, code: 'INVALID_LINE', message: "Invalid command 'PING'!" });
    expect(decodeAgentRequest('PING|1')).to.deep.include({ message: "Invalid command 'PING|1'!" });
    expect(decodeAgentRequest('')).to.deep.include({ code: 'INVALID_LINE', message: "Invalid command ''!" });
  });

  it("answers an unknown command with Invalid command '<CMD>'!", () => {
    expect(decodeAgentRequest('FOO|1|db1')).to.deep.equal({
      ok: false,
      code: 'UNKNOWN_COMMAND',
      host: 'db1',
      message: "Invalid command 'FOO'!",
    });
  });

  it('accepts a newer version with a warning flag and ignores extra params', () => {
    expect(decodeAgentRequest('PING|2|db1')).to.deep.equal({
      ok: true,
      request: { kind: 'PING', host: 'db1' },
      version: '2',
      versionWarning: true,
    });
    expect(decodeAgentRequest('PING|1|db1|extra|more')).to.deep.include({ ok: true, versionWarning: false });
    const res = decodeAgentRequest('SET_STATUS|1|db1|ONLINE||db2|junk');
    expect(res.ok && res.request).to.deep.equal({ kind: 'SET_STATUS', host: 'db1', state: 'ONLINE', roles: [], activeMaster: 'db2' });
  });

  it('keeps empty fields (split with -1)', () => {
    const res = decodeAgentRequest('SET_STATUS|1|db1|ONLINE||');
    expect(res.ok && res.request).to.deep.equal({ kind: 'SET_STATUS', host: 'db1', state: 'ONLINE', roles: [], activeMaster: '' });
    expect(decodeAgentRequest('PING||')).to.deep.include({ ok: true, request: { kind: 'PING', host: '' } });
  });

  it('refuses bad SET_STATUS and WAIT_GTID arguments without crashing', () => {
    expect(decodeAgentRequest('SET_STATUS|1|db1|BOGUS||')).to.deep.include({ ok: false, code: 'BAD_ARGUMENTS', host: 'db1' });
    expect(decodeAgentRequest('SET_STATUS|1|db1|ONLINE|reader|')).to.deep.include({ ok: false, code: 'BAD_ARGUMENTS' });
    expect(decodeAgentRequest('SET_STATUS|1|db1')).to.deep.include({ ok: false, code: 'BAD_ARGUMENTS' });
    expect(decodeAgentRequest('WAIT_GTID|1|db2|0-1-5')).to.deep.include({ ok: false, code: 'BAD_ARGUMENTS' });
    expect(decodeAgentRequest('WAIT_GTID|1|db2|0-1-5|soon')).to.deep.include({ ok: false, code: 'BAD_ARGUMENTS' });
    expect(decodeAgentRequest('CATCH_UP|1|db2|db3|0-1-5')).to.deep.include({ ok: false, code: 'BAD_ARGUMENTS' });
    expect(decodeAgentRequest('CATCH_UP|1|db2||0-1-5|100')).to.deep.include({ ok: false, code: 'BAD_ARGUMENTS' });
    expect(decodeAgentRequest('CATCH_UP|1|db2|db3|0-1-5|soon')).to.deep.include({ ok: false, code: 'BAD_ARGUMENTS' });
  });

  it('SET_TERM: refuses a missing field, a term that is not a positive integer, an empty monitor or cluster, a non-hex etcd id', () => {
    const bad: Array<[string, RegExp]> = [
      ['SET_TERM|1|db1|default|5', /expected <cluster>\|<term>\|<monitor>/],
      ['SET_TERM|1|db1|default|0|mon1', /term '0' is not a positive integer/],
      ['SET_TERM|1|db1|default|-3|mon1', /term '-3'/],
      ['SET_TERM|1|db1|default|05|mon1', /term '05'/],
      ['SET_TERM|1|db1|default|1e3|mon1', /term '1e3'/],
      ['SET_TERM|1|db1|default|1234567890123456|mon1', /term '1234567890123456'/],
      ['SET_TERM|1|db1|default|5|', /monitor id is empty/],
      ['SET_TERM|1|db1||5|mon1', /cluster name is empty/],
      ['SET_TERM|1|db1|default|5|mon1|xyz', /etcd cluster id 'xyz' is not hexadecimal/],
    ];
    for (const [line, re] of bad) {
      const r = decodeAgentRequest(line);
      expect(r, line).to.deep.include({ ok: false, code: 'BAD_ARGUMENTS', host: 'db1' });
      expect(r.ok === false && r.message, line).to.match(/^Invalid arguments for command 'SET_TERM': /).and.to.match(re);
    }
  });

  it('SET_TERM: an empty 7th field is no etcd id; an upper-case id is read in lower case; extra fields are ignored', () => {
    expect(decodeAgentRequest('SET_TERM|1|db1|default|5|mon1|')).to.deep.include({ ok: true, request: { kind: 'SET_TERM', host: 'db1', cluster: 'default', term: 5, monitor: 'mon1' } });
    const r = decodeAgentRequest('SET_TERM|1|db1|default|5|mon1|ABCDEF12|junk');
    expect(r.ok && r.request).to.deep.equal({ kind: 'SET_TERM', host: 'db1', cluster: 'default', term: 5, monitor: 'mon1', etcdClusterId: 'abcdef12' });
  });

  it('SET_TERM: refuses to encode what the agent would refuse', () => {
    const base = { kind: 'SET_TERM', host: 'db1', cluster: 'default', term: 5, monitor: 'mon1' } as const;
    expect(() => encodeAgentRequest({ ...base, term: 0 })).to.throw(RangeError, /term '0'/);
    expect(() => encodeAgentRequest({ ...base, term: 1.5 })).to.throw(RangeError);
    expect(() => encodeAgentRequest({ ...base, monitor: '' })).to.throw(RangeError, /monitor id/);
    expect(() => encodeAgentRequest({ ...base, etcdClusterId: 'not-hex' })).to.throw(RangeError, /hexadecimal/);
    expect(() => encodeAgentRequest({ ...base, monitor: 'a|b' })).to.throw(ProtocolError);
  });

  // WATCH_HEALTH holds an agent's connection: a bad or unbounded request is refused, never held.
  const badWatch: Array<[string, string]> = [
    ['WATCH_HEALTH|1|db1', 'expected <generation>|<timeout ms>'],
    ['WATCH_HEALTH|1|db1|3', 'expected <generation>|<timeout ms>'],
    ['WATCH_HEALTH|1|db1|-1|1000', "generation '-1' is not a non-negative integer"],
    ['WATCH_HEALTH|1|db1|x|1000', "generation 'x' is not a non-negative integer"],
    ['WATCH_HEALTH|1|db1|3|', "timeout '' is not a number of milliseconds from 0 to 60000"],
    ['WATCH_HEALTH|1|db1|3|1.5', "timeout '1.5' is not a number of milliseconds from 0 to 60000"],
    ['WATCH_HEALTH|1|db1|3|60001', "timeout '60001' is not a number of milliseconds from 0 to 60000"],
  ];
  for (const [line, detail] of badWatch) {
    it(`refuses ${line}: ${detail}`, () => {
      expect(decodeAgentRequest(line)).to.deep.equal({ ok: false, code: 'BAD_ARGUMENTS', host: 'db1', message: `Invalid arguments for command 'WATCH_HEALTH': ${detail}` });
    });
  }

  it('refuses to encode a WATCH_HEALTH an agent would refuse', () => {
    expect(() => encodeAgentRequest({ kind: 'WATCH_HEALTH', host: 'db1', generation: -1, timeoutMs: 10 })).to.throw(RangeError);
    expect(() => encodeAgentRequest({ kind: 'WATCH_HEALTH', host: 'db1', generation: 1.5, timeoutMs: 10 })).to.throw(RangeError);
    expect(() => encodeAgentRequest({ kind: 'WATCH_HEALTH', host: 'db1', generation: 1, timeoutMs: 60_001 })).to.throw(RangeError);
  });

  it('gives MMM\'s hostname error text', () => {
    expect(invalidHostnameText('db2', 'db1')).to.equal("Invalid hostname in command (db2)! My name is 'db1'");
  });

  it('checks the host before the command name, as MMM does', () => {
    expect(decodeAgentRequestFor('PING|1|db2', 'db1')).to.deep.equal({
      ok: false,
      code: 'WRONG_HOST',
      host: 'db2',
      message: "Invalid hostname in command (db2)! My name is 'db1'",
    });
    expect(decodeAgentRequestFor('FOO|1|db2', 'db1')).to.deep.include({ code: 'WRONG_HOST' });
    expect(decodeAgentRequestFor('FOO|1|db1', 'db1')).to.deep.include({ code: 'UNKNOWN_COMMAND' });
    expect(decodeAgentRequestFor('PING', 'db1')).to.deep.include({ code: 'INVALID_LINE' });
    expect(decodeAgentRequestFor('PING|1|db1', 'db1')).to.deep.include({ ok: true });
  });
});
