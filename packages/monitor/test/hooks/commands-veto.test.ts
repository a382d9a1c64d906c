// Operator commands that move the writer ask pre_failover_command first: a veto answers ERROR with
// the hook's reason, records a blocked decision, and changes nothing.
import { expect } from 'chai';
import { type ControlCommand, parseControlCommand, texts } from '@mmm/common';
import type { Attempt } from '../../src/analysis/pre-failover-gate';
import { executeCommand } from '../../src/commands';
import type { PreFailoverAnswer } from '../../src/hooks/hooks';
import { FakeHost } from '../daemon/fake-host';

class HookedHost extends FakeHost {
  asked: Attempt[] = [];
  answer: PreFailoverAnswer = { ok: true };
  async preFailover(a: Attempt): Promise<PreFailoverAnswer> {
    this.asked.push({ ...a });
    return this.answer;
  }
}

async function run(m: FakeHost, line: string): Promise<string> {
  const p = parseControlCommand(line);
  if (!p.ok) return p.reply;
  return executeCommand(m, p.command as Exclude<ControlCommand, { kind: 'quit' }>);
}

describe('commands and pre_failover_command', () => {
  it('move_role writer: vetoed → ERROR naming the reason, no switch, state unchanged, a blocked switchover decision', async () => {
    const m = new HookedHost();
    m.state = { ...m.state, mode: 'MANUAL' };
    const before = m.state;
    m.answer = { ok: false, reason: 'backup running (exit status 1)' };
    expect(await run(m, 'move_role writer db2')).to.equal('ERROR: pre_failover_command vetoed the switchover db1 -> db2: backup running (exit status 1). Nothing was changed.');
    expect(m.asked).to.deep.equal([{ event: 'switchover', from: 'db1', to: 'db2', why: 'move_role by operator' }]);
    expect(m.switches).to.deep.equal([]);
    expect(m.state).to.equal(before);
    expect(m.passes).to.equal(0);
    expect(m.recorded).to.deep.equal([{ kind: 'switchover', host: 'db2', role: 'writer', reason: 'move_role refused: pre_failover_command vetoed the switchover db1 -> db2: backup running (exit status 1)', blocked: true }]);
    // approved: the planned switch as without the hook
    m.answer = { ok: true };
    expect(await run(m, 'move_role writer db2')).to.equal(texts.moveRoleOk('writer', 'db1', 'db2'));
    expect(m.switches).to.deep.equal([['db1', 'db2']]);
  });

  it('set_offline of the writer: vetoed → ERROR, the host stays ONLINE; of a replica: not asked', async () => {
    const m = new HookedHost();
    m.answer = { ok: false, reason: 'did not finish within 10 s (hook_timeout): killed' };
    expect(await run(m, 'set_offline db1')).to.equal('ERROR: pre_failover_command vetoed the switchover db1 -> (the next candidate): did not finish within 10 s (hook_timeout): killed. Nothing was changed.');
    expect(m.state.hosts.db1.state).to.equal('ONLINE');
    expect(await run(m, 'set_offline db3')).to.equal(texts.setOfflineOk('db3'));
    expect(m.asked).to.have.length(1);
  });

  it('a refused command does not run the hook', async () => {
    const m = new HookedHost();
    expect(await run(m, 'move_role writer db1')).to.equal(texts.roleAlreadyThere('db1'));
    expect(m.asked).to.deep.equal([]);
  });
});
