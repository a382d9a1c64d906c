// The command catalog drives parsing, authorization and help: each derived view agrees with it.
import { expect } from 'chai';
import {
  AGENT_COMMAND_MATRIX,
  AGENT_COMMAND_NAMES,
  AGENT_COMMANDS,
  CONTROL_COMMAND_NAMES,
  CONTROL_COMMANDS,
  HELP_TEXT,
  MONITOR_COMMAND_MATRIX,
  decodeAgentRequest,
  isAllowed,
  parseControlCommand,
} from '../../src';

describe('command catalog', () => {
  it('names 15 control and 10 agent commands', () => {
    expect(CONTROL_COMMAND_NAMES).to.have.length(15);
    expect(AGENT_COMMAND_NAMES).to.deep.equal(['PING', 'SET_STATUS', 'GET_AGENT_STATUS', 'GET_SYSTEM_STATUS', 'CLEAR_BAD_ROLES', 'GET_GTID', 'WAIT_GTID', 'GET_HEALTH', 'CATCH_UP', 'SET_TERM', 'WATCH_HEALTH']);
  });

  for (const name of CONTROL_COMMAND_NAMES) {
    const c = CONTROL_COMMANDS[name];
    it(`${name}: parses with ${c.minArgs}..${c.maxArgs} arguments, not with ${c.maxArgs + 1}; in help; authorization follows changesCluster`, () => {
      // history takes a count; the others any word
      const word = (i: number) => (name === 'history' ? String(i + 5) : `a${i}`);
      const argv = (n: number) => Array.from({ length: n }, (_, i) => (name === 'move_role' && n === 3 && i === 0 ? '--force' : word(i)));
      for (let n = c.minArgs; n <= c.maxArgs; n++) {
        const r = parseControlCommand([name, ...argv(n)].join(' '));
        expect(r.ok, `${name} with ${n}`).to.equal(true);
      }
      expect(parseControlCommand([name, ...argv(c.maxArgs + 1)].join(' ')).ok).to.equal(false);
      if (c.minArgs > 0) expect(parseControlCommand(name).ok).to.equal(false);
      expect(HELP_TEXT).to.match(new RegExp(`^    ${name}\\b.* - ${c.summary.replace(/[.()<>|[\]]/g, '\\$&')}$`, 'm'));
      expect(isAllowed('viewer', name, MONITOR_COMMAND_MATRIX)).to.equal(!c.changesCluster);
      expect(isAllowed('monitor', name, MONITOR_COMMAND_MATRIX)).to.equal(true);
      expect(isAllowed('control', name, MONITOR_COMMAND_MATRIX)).to.equal(true);
    });
  }

  for (const name of AGENT_COMMAND_NAMES) {
    const c = AGENT_COMMANDS[name];
    it(`${name}: decodes; only ${c.changesCluster ? 'the monitor' : 'every role'} may run it`, () => {
      const lines: Partial<Record<typeof name, string>> = {
        SET_STATUS: 'SET_STATUS|1|db1|ONLINE||',
        WAIT_GTID: 'WAIT_GTID|1|db1|0-1-5|100',
        CATCH_UP: 'CATCH_UP|1|db1|db3|0-1-5|100',
        SET_TERM: 'SET_TERM|1|db1|default|7|mon1',
        WATCH_HEALTH: 'WATCH_HEALTH|1|db1|0|100',
      };
      const line = lines[name] ?? `${name}|1|db1`;
      expect(decodeAgentRequest(line).ok).to.equal(true);
      expect(isAllowed('monitor', name, AGENT_COMMAND_MATRIX)).to.equal(true);
      for (const r of ['control', 'agent', 'viewer'] as const) expect(isAllowed(r, name, AGENT_COMMAND_MATRIX), r).to.equal(!c.changesCluster);
    });
  }
});
