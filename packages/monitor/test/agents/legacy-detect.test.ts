import { expect } from 'chai';
import { restarted, saysLegacy } from '../../src/agents/agent-set';

describe('agent set: telling an MMM 2.x agent apart, and its restarts', () => {
  const err = (message: string) => ({ ok: false, message, fields: [] });
  const ROWS: [string, string, { ok: boolean; message: string; fields: string[] }, boolean][] = [
    ['GET_HEALTH answered Invalid command', 'GET_HEALTH', err("Invalid command 'GET_HEALTH'!"), true],
    ['GET_GTID answered Invalid command', 'GET_GTID', err("Invalid command 'GET_GTID'!"), true],
    ['another ERROR to GET_HEALTH', 'GET_HEALTH', err('MySQL is not answering'), false],
    ['Invalid command naming another command', 'GET_HEALTH', err("Invalid command 'PING'!"), false],
    ['Invalid command to an MMM 2.x command', 'SET_STATUS', err("Invalid command 'SET_STATUS'!"), false],
    ['an OK', 'GET_HEALTH', { ok: true, message: 'mysqld=1', fields: [] }, false],
  ];
  for (const [what, kind, reply, want] of ROWS) {
    it(`${what} ⇒ ${want ? 'legacy' : 'not legacy'}`, () => expect(saysLegacy(kind, reply)).to.equal(want));
  }
  const UPTIMES: [number | undefined, number | undefined, boolean][] = [
    [100, 5, true], [100, 100.5, false], [100, 99.5, false], [undefined, 5, false], [100, undefined, false],
  ];
  for (const [before, now, want] of UPTIMES) {
    it(`UP:${before} then UP:${now} ⇒ ${want ? 'restarted' : 'same process'}`, () => expect(restarted(before, now)).to.equal(want));
  }
});
