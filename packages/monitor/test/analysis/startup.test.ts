import { expect } from 'chai';
import type { SystemStatus } from '../../src/analysis/snapshot';
import { initialHostState, reconcileStartup, type StartupHostInput } from '../../src/analysis/startup';
import { checks, makeConfig } from '../fixtures';

const W = { name: 'writer', ip: '10.0.0.100' };
const sys = (s: Partial<SystemStatus>): SystemStatus => ({ writable: false, configuredRoles: [], masterIp: '', ...s });
const host = (s: Partial<StartupHostInput> = {}): StartupHostInput => ({ checks: checks(), agentReachable: true, ...s });

describe('startup: initial host state', () => {
  const ROWS: [string | undefined, string | undefined, string[], string][] = [
    [undefined, undefined, [], 'AWAITING_RECOVERY'],
    ['ONLINE', 'UNKNOWN', [], 'ONLINE'],
    ['ONLINE', 'ADMIN_OFFLINE', [], 'ADMIN_OFFLINE'],
    ['REPLICATION_DELAY', 'ONLINE', [], 'REPLICATION_DELAY'],
    ['HARD_OFFLINE', 'ONLINE', [], 'HARD_OFFLINE'],
    ['ONLINE', 'ONLINE', ['mysql'], 'HARD_OFFLINE'],
    ['ADMIN_OFFLINE', undefined, ['ping'], 'ADMIN_OFFLINE'],
  ];
  for (const [stored, agent, failed, want] of ROWS) {
    it(`stored ${stored}, agent ${agent}, failed [${failed}] ⇒ ${want}`, () => {
      expect(initialHostState(stored as never, agent, checks(failed))).to.equal(want);
    });
  }
});

describe('startup: writer vote', () => {
  const config = makeConfig();
  it('writable +4, IP +2, stored +1, agent +1, +1 per slave', () => {
    const r = reconcileStartup({
      config, now: 0,
      stored: { db2: { state: 'ONLINE', roles: [W] } },
      hosts: {
        db1: host({ system: sys({ writable: true, masterIp: '10.0.0.12' }) }),
        db2: host({ system: sys({ configuredRoles: [W], masterIp: '10.0.0.11' }), agent: { state: 'ONLINE', roles: [W], activeMaster: 'db2' } }),
        db3: host({ system: sys({ masterIp: '10.0.0.11' }) }),
        db4: host({ system: sys({ masterIp: '10.0.0.12' }) }),
      },
    });
    expect(r.writerVotes).to.deep.equal({ db1: 6, db2: 6 });
    expect(r.writer).to.equal('db1'); // tie: preferred host
    // first_start manual (default, MMM): db1 had no stored or reported state, it waits for set_online
    expect(r.state.hosts.db1.state).to.equal('AWAITING_RECOVERY');
    expect(r.decisions.find((d) => d.kind === 'role_assign')).to.include({ host: 'db1', blocked: true });
  });

  const FIRST_START: [string, 'manual' | 'vote', string | undefined, string][] = [
    ['nothing stored, first_start manual', 'manual', undefined, 'AWAITING_RECOVERY'],
    ['nothing stored, first_start vote', 'vote', undefined, 'ONLINE'],
    ['stored ONLINE, first_start manual', 'manual', 'ONLINE', 'ONLINE'],
    ['stored REPLICATION_DELAY, first_start manual (MMM sets the winner ONLINE)', 'manual', 'REPLICATION_DELAY', 'ONLINE'],
    ['stored AWAITING_RECOVERY, first_start vote', 'vote', 'AWAITING_RECOVERY', 'ONLINE'],
  ];
  for (const [what, firstStart, stored, want] of FIRST_START) {
    it(`the vote's winner: ${what} ⇒ ${want}`, () => {
      const c = makeConfig();
      c.monitor = { ...c.monitor!, firstStart };
      const r = reconcileStartup({
        config: c, now: 0,
        ...(stored ? { stored: { db1: { state: stored as never, roles: [] } } } : {}),
        hosts: { db1: host({ system: sys({ writable: true }) }), db2: host({ system: sys({ masterIp: '10.0.0.11' }) }) },
      });
      expect(r.writer).to.equal('db1');
      expect(r.state.hosts.db1.state).to.equal(want);
      expect(r.state.hosts.db2.state).to.equal('AWAITING_RECOVERY');
    });
  }

  it('HARD_OFFLINE and ADMIN_OFFLINE hosts get no votes', () => {
    const r = reconcileStartup({
      config, now: 0,
      stored: { db1: { state: 'ADMIN_OFFLINE', roles: [] } },
      hosts: { db1: host({ system: sys({ writable: true }) }), db2: host({ checks: checks(['ping']), system: sys({ writable: true }) }) },
    });
    expect(r.writerVotes).to.deep.equal({ db1: 0, db2: 0 });
    expect(r.writer).to.equal('');
  });

  it('two writable hosts: conflict ⇒ PASSIVE with careful_startup', () => {
    const r = reconcileStartup({ config, now: 0, hosts: { db1: host({ system: sys({ writable: true }) }), db2: host({ system: sys({ writable: true }) }) } });
    expect(r.state.mode).to.equal('PASSIVE');
    expect(r.state.passiveCause).to.match(/writable on db1, db2/);
  });

  it('conflict without careful_startup: stays active, decision recorded as blocked', () => {
    const r = reconcileStartup({ config: makeConfig({}, { carefulStartup: false }), now: 0, hosts: { db1: host({ system: sys({ configuredRoles: [W] }) }), db2: host({ system: sys({ configuredRoles: [W] }) }) } });
    expect(r.state.mode).to.equal('ACTIVE');
    expect(r.decisions.some((d) => d.kind === 'mode_change' && d.blocked)).to.equal(true);
  });

  it('manual mode: an AWAITING_RECOVERY winner is not set ONLINE', () => {
    const r = reconcileStartup({ config: makeConfig({}, { mode: 'manual' }), now: 0, hosts: { db1: host({ system: sys({ writable: true }) }), db2: host() } });
    expect(r.writer).to.equal('db1');
    expect(r.state.hosts.db1.state).to.equal('AWAITING_RECOVERY');
  });
});
