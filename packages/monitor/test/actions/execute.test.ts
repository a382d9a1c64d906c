// The executor runs analysis's list as given; a catch-up runs alongside the statuses (it makes
// nothing writable), so a dead old writer's demotion grace does not delay it.
import { expect } from 'chai';
import { executeActions, type ExecuteDeps } from '../../src/actions/execute';
import type { Action } from '../../src/analysis/result';

function deps(catchUpOk: boolean) {
  const log: string[] = [];
  let releaseDemote!: () => void;
  const demoteHeld = new Promise<void>((r) => (releaseDemote = r));
  let passes = 0;
  const d: ExecuteDeps = {
    killHost: async () => undefined,
    clearFence: () => undefined,
    preFailover: () => undefined,
    clearBadRoles: async () => undefined,
    switchWriter: async () => true,
    setStatus: async (l) => {
      log.push(`status ${l.host} start`);
      if (l.host === 'db1') await demoteHeld; // the dead old writer's agent spends its grace
      log.push(`status ${l.host} done`);
      return true;
    },
    catchUp: async (a) => {
      log.push(`catch_up ${a.host} start`);
      releaseDemote(); // proves it started while the demotion was still held
      return catchUpOk;
    },
    persist: async () => void log.push('persist'),
    triggerPass: () => void passes++,
    restWaitMs: 0,
  };
  return { d, log, passes: () => passes };
}

const actions: Action[] = [
  { kind: 'set_status', phase: 'demote', host: 'db1', state: 'HARD_OFFLINE', roles: [], activeMaster: '' },
  { kind: 'set_status', phase: 'rest', host: 'db2', state: 'ONLINE', roles: [], activeMaster: '' },
  { kind: 'catch_up', host: 'db2', source: 'db3', gtid: '0-1-45', timeoutMs: 10_000, reason: 'x' },
  { kind: 'persist' },
];

describe('actions/execute: catch_up', () => {
  it('starts before the statuses finish; a pass follows when it worked', async () => {
    const r = deps(true);
    await executeActions(actions, r.d);
    expect(r.log.indexOf('catch_up db2 start')).to.be.below(r.log.indexOf('status db1 done'));
    expect(r.log.at(-1)).to.equal('persist');
    expect(r.passes()).to.equal(1);
  });
  it('no extra pass when it failed (the next one comes at its time, with the backoff)', async () => {
    const r = deps(false);
    await executeActions(actions, r.d);
    expect(r.passes()).to.equal(0);
  });
});
