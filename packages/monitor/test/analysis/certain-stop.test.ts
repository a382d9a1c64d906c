// A mysql error the host's agent confirms (mysqld certainly not running) takes the host down
// without waiting trap_period; anything less certain still waits.
import { expect } from 'chai';
import { applyTransitions, certainlyStopped } from '../../src/analysis/apply-transitions';
import { okCheck } from '../../src/analysis/debounce';
import { DEFAULT_POLICY } from '../../src/analysis/policy';
import type { CheckState, HealthSummary, HostObservation } from '../../src/analysis/snapshot';
import { checks, makeConfig } from '../fixtures';

const NOW = 1_000_000;
const trapping: CheckState = { ...okCheck(0), phase: 'TRAPPING', errorSince: NOW - 250, lastMessage: 'ERROR: Connect error' };
const db1 = (health: HealthSummary | undefined, healthAt = NOW - 100, mysql = trapping, reachable = true): HostObservation => ({
  checks: { ...checks(), mysql },
  agent: { reachable, lastContact: NOW, uptime: 1000, health, healthAt },
});
const stopped: HealthSummary = { mysqldRunning: false, answering: false };

describe('certain stop: no trap_period wait when the agent confirms mysqld is not running', () => {
  const rows: Array<[string, HostObservation, boolean]> = [
    ['mysql check erring and the agent says stopped, just now', db1(stopped), true],
    ['agent says stopped but the mysql check passed its last run', db1(stopped, NOW - 100, okCheck(0)), false],
    ['hung: the agent says running but not answering', db1({ mysqldRunning: true, answering: false }), false],
    ['health 3 s old', db1(stopped, NOW - 3000), false],
    ['agent unreachable', db1(stopped, NOW - 100, trapping, false), false],
    ['no health', db1(undefined), false],
  ];
  for (const [what, o, want] of rows) it(what, () => expect(certainlyStopped(o, NOW)).to.equal(want));

  it('takes the writer HARD_OFFLINE at once, saying why', () => {
    const config = makeConfig();
    const now = NOW;
    const ok = (): HostObservation => ({ checks: checks(), agent: { reachable: true, lastContact: now, uptime: 1000 } });
    const previous = Object.fromEntries(['db1', 'db2', 'db3', 'db4'].map((h) => [h, { state: 'ONLINE' as const, since: 0, lastUptime: 1000, flap: { flapping: false, count: 0 } }]));
    const run = (o: HostObservation) =>
      applyTransitions({ snapshot: { networkOk: true, hosts: { db1: o, db2: ok(), db3: ok(), db4: ok() } }, previous, config, activeMaster: 'db1', policy: DEFAULT_POLICY, now });
    const fast = run(db1(stopped));
    expect(fast.hosts.db1!.state).to.equal('HARD_OFFLINE');
    expect(fast.transitions[0]!.reason).to.equal('checks failed: mysql (its agent reports mysqld is not running: trap_period not waited for)');
    const hung = run(db1({ mysqldRunning: true, answering: false }));
    expect(hung.hosts.db1!.state, 'a hung server still waits trap_period').to.equal('ONLINE');
  });
});
