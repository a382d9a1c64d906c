import { expect } from 'chai';
import { divergence, divergenceUnknown, missingOnWriter } from '../../src/analysis/divergence';
import type { HealthSummary, HostObservation } from '../../src/analysis/snapshot';

const NOW = 1_000_000;
const health = (state: string, serverId: string): HealthSummary => ({ mysqldRunning: true, answering: true, gtidBinlogState: state, serverId });
const obs = (h: HealthSummary | undefined, at = NOW - 500, reachable = true): HostObservation =>
  ({ checks: {} as HostObservation['checks'], agent: { reachable, health: h, healthAt: at } });

describe('divergence from the writer', () => {
  it('names the old writer\'s transactions the new writer lacks', () => {
    const hosts = { db1: obs(health('0-2-5,0-1-8', '1')), db2: obs(health('0-1-7,0-2-8', '2')) };
    const why = divergence('db1', 'db2', hosts, 15_000, NOW);
    expect(why).to.match(/^db1 has transactions the writer db2 lacks \(0-1-8\)/);
    expect(why).to.include('rebuild db1 from db2');
  });

  it('a replica that already holds a transaction the writer committed after its list was read is not diverged', () => {
    expect(missingOnWriter(health('0-1-7,0-2-9', '3'), health('0-1-7,0-2-8', '2'))).to.deep.equal([]);
  });

  it('no verdict without fresh health of both, for the writer itself, or without a writer', () => {
    const d1 = health('0-2-5,0-1-8', '1');
    const d2 = health('0-1-7,0-2-8', '2');
    expect(divergence('db1', 'db2', { db1: obs(d1), db2: obs(d2, NOW - 20_000) }, 15_000, NOW)).to.equal(undefined);
    expect(divergence('db1', 'db2', { db1: obs(d1, NOW, false), db2: obs(d2) }, 15_000, NOW)).to.equal(undefined);
    expect(divergence('db1', 'db2', { db1: obs({ mysqldRunning: true, answering: true }), db2: obs(d2) }, 15_000, NOW)).to.equal(undefined);
    expect(divergence('db2', 'db2', { db2: obs(d2) }, 15_000, NOW)).to.equal(undefined);
    expect(divergence('db1', '', { db1: obs(d1) }, 15_000, NOW)).to.equal(undefined);
  });

  it('unknown (no ONLINE yet) only while both agents report GTID positions but one not freshly', () => {
    const d1 = health('0-2-5,0-1-8', '1');
    const d2 = health('0-1-7,0-2-8', '2');
    const rows: [string, Record<string, HostObservation>, string, string, boolean][] = [
      ['both fresh', { db1: obs(d1), db2: obs(d2) }, 'db1', 'db2', false],
      ['the host back, its health from before the cut', { db1: obs(d1, NOW - 20_000), db2: obs(d2) }, 'db1', 'db2', true],
      ['the host back, its agent not reachable yet', { db1: obs(d1, NOW, false), db2: obs(d2) }, 'db1', 'db2', true],
      ['the writer\'s health stale', { db1: obs(d1), db2: obs(d2, NOW - 20_000) }, 'db1', 'db2', true],
      ['an agent without GTID positions (MMM 2.x)', { db1: obs(undefined), db2: obs(d2) }, 'db1', 'db2', false],
      ['no writer', { db1: obs(d1, NOW - 20_000) }, 'db1', '', false],
      ['the writer itself', { db2: obs(d2, NOW - 20_000) }, 'db2', 'db2', false],
    ];
    for (const [what, hosts, host, writer, want] of rows) expect(divergenceUnknown(host, writer, hosts, 15_000, NOW), what).to.equal(want);
    // back from a cut: the host's fresh-looking reading is from before it came back (NOW - 400)
    expect(divergenceUnknown('db1', 'db2', { db1: obs(d1, NOW - 3000), db2: obs(d2) }, 15_000, NOW, NOW - 400), 'a reading from before its return').to.equal(true);
    expect(divergenceUnknown('db1', 'db2', { db1: obs(d1, NOW - 100), db2: obs(d2) }, 15_000, NOW, NOW - 400), 'a reading since its return').to.equal(false);
  });

  it('lists at most five GTIDs and the count', () => {
    const many = Array.from({ length: 7 }, (_, i) => `${i}-1-9`).join(',');
    const writer = Array.from({ length: 7 }, (_, i) => `${i}-1-3`).join(',');
    const why = divergence('db1', 'db2', { db1: obs(health(many, '1')), db2: obs(health(writer, '2')) }, 15_000, NOW);
    expect(why).to.include('0-1-9, 1-1-9, 2-1-9, 3-1-9, 4-1-9, … (7)');
  });
});
