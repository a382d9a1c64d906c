// Which operator commands ask pre_failover_command first (pure).
import { expect } from 'chai';
import { operatorTransition, type OperatorCommand, type OperatorView } from '../../src/analysis/operator';
import { commandAttempt } from '../../src/hooks/command-attempt';
import { FakeHost } from '../daemon/fake-host';

function attemptOf(cmd: OperatorCommand, setup: (h: FakeHost) => void = () => undefined) {
  const h = new FakeHost();
  setup(h);
  const pinged = { db1: true, db2: true, db3: true, db4: true };
  const v: OperatorView = { config: h.config, state: h.state, now: h.now(), hosts: h.obs, pinged };
  return commandAttempt(operatorTransition(cmd, v), h.state, 'writer');
}

describe('commands that move the writer', () => {
  it('move_role writer to another host: a switchover from the writer to it', () => {
    // (ACTIVE mode refuses to move it off its preferred host)
    expect(attemptOf({ kind: 'move_role', role: 'writer', host: 'db2', force: false }, (h) => (h.state = { ...h.state, mode: 'MANUAL' }))).to.deep.equal({ event: 'switchover', from: 'db1', to: 'db2' });
  });
  it('move_role writer, orphaned: a failover from the last writer to the chosen host', () => {
    const a = attemptOf({ kind: 'move_role', role: 'writer', host: 'db2', force: false }, (h) => {
      h.setHostState('db1', 'HARD_OFFLINE');
      h.state = { ...h.state, roles: h.state.roles.map((r) => (r.role === 'writer' ? { ...r, host: '' } : r)) };
    });
    expect(a).to.deep.equal({ event: 'failover', from: 'db1', to: 'db2' });
  });
  it('set_offline of the writer: a switchover to whoever the next pass chooses', () => {
    expect(attemptOf({ kind: 'set_offline', host: 'db1' })).to.deep.equal({ event: 'switchover', from: 'db1', to: '' });
  });
  it('not: set_offline of a replica, a balanced role, a refused command, mode changes', () => {
    expect(attemptOf({ kind: 'set_offline', host: 'db3' })).to.equal(undefined);
    expect(attemptOf({ kind: 'move_role', role: 'reader', host: 'db2', force: false })).to.equal(undefined);
    expect(attemptOf({ kind: 'move_role', role: 'writer', host: 'db1', force: false })).to.equal(undefined);
    expect(attemptOf({ kind: 'set_manual' })).to.equal(undefined);
  });
});
