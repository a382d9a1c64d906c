// Scenario 6: a replica's SQL thread broken (a row inserted on db3 with sql_log_bin=0, then the same
// key on the writer: Last_SQL_Errno 1062). rep_threads fails, db3 goes REPLICATION_FAIL and its
// reader role moves to another host; repaired (row removed, START SLAVE SQL_THREAD) db3 goes back
// ONLINE by itself (MMM: "replication checks are OK again"). MMM ignores replication failures
// while the peer became ONLINE < 60 s ago, so the fault comes 61 s after db1 went ONLINE and balancing gives it a reader role.
import { expect } from 'chai';
import { rolesOf, stateOf, transitionsOf, until } from './lib/cluster';
import { breakReplication, repairReplication } from './lib/faults';
import { converge, lostWrites, report, twoWritable, vipInTwoPlaces, waitForMonitor } from './lib/invariants';
import { firstTick } from './lib/observer';
import { scenario } from './lib/scenario';
import { longestGap } from './lib/workload';

describe('e2e 06: replica SQL thread error → its reader role moves away; repaired → it returns', function () {
  const s = scenario(this, '06');

  it('moves db3 reader role away while replication is broken and back once repaired', async () => {
    // MMM 2.x: no ONLINE -> REPLICATION_FAIL while the host's peer (for a slave: the active
    // master) became ONLINE less than 60 s ago. Wait that grace out first.
    const since = Date.parse((await s.c.statusDoc()).hosts.find((h) => h.name === 'db1')!.stateChangedAt ?? '');
    const wait = Number.isFinite(since) ? since + 61_000 - Date.now() : 61_000;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await s.startLoad();
    const o = s.o!;
    const w = s.w!;
    const before = rolesOf(await s.c.statusDoc(), 'db3');
    const tFault = Date.now();
    await breakReplication(s.c, 'db3', 'db1');
    await waitForMonitor(s.c, 'db3 REPLICATION_FAIL without roles', (d) => stateOf(d, 'db3') === 'REPLICATION_FAIL' && rolesOf(d, 'db3').length === 0, 20_000);
    const tFail = Date.now();
    // db3's reader IP goes to another host once db3 confirmed a status without it (a pass later)
    const readerIps = async () => (await s.c.statusDoc()).roles.find((r) => r.name === 'reader')!.ips;
    const readerVipsNow = await until('every reader IP on another host', async () => {
      const ips = await readerIps();
      return ips.every((i) => i.assignedTo !== '' && i.assignedTo !== 'db3') ? ips : undefined;
    }, 10_000).catch(readerIps);
    const vipsGone = firstTick(o, tFault, (t) => (t.nodes.find((x) => x.node === 'db3')?.vips ?? ['?']).length === 0);
    const sqlErr = firstTick(o, tFault, (t) => t.nodes.find((x) => x.node === 'db3')?.lastSqlErrno === 1062);
    const tRepair = Date.now();
    await repairReplication(s.c, 'db3');
    await waitForMonitor(s.c, 'db3 ONLINE with a reader role', (d) => stateOf(d, 'db3') === 'ONLINE' && rolesOf(d, 'db3').some((r) => r.startsWith('reader(')), 30_000);
    const tBack = Date.now();
    const conv = await converge(s.c, { writer: 'db1' });
    await new Promise((r) => setTimeout(r, 1_000));
    await s.stopLoad();
    const lost = await lostWrites(s.c, 'db1', w.acks);
    report('06 replica SQL error', {
      'db3 roles before': before.join(','),
      'break → observer sees Last_SQL_Errno 1062': sqlErr ? `${sqlErr.t - tFault} ms` : 'never',
      'break → monitor: db3 REPLICATION_FAIL, no roles': `${tFail - tFault} ms`,
      'break → db3 eth0 without VIPs (observer)': vipsGone ? `${vipsGone.t - tFault} ms` : 'never',
      'reader IPs while broken': readerVipsNow.map((i) => `${i.ip}→${i.assignedTo || '-'}`).join(' '),
      'db3 transitions': transitionsOf(s.c.dir, 'db3', tFault).join(' | '),
      'repair → db3 ONLINE with a reader role': `${tBack - tRepair} ms`,
      'write-blocked window': `${longestGap(w.acks).ms} ms`,
      'acknowledged / lost': `${w.acks.length} / ${lost.lost.length}`,
      roles: conv.roles,
    });
    expect(readerVipsNow.every((i) => i.assignedTo !== '' && i.assignedTo !== 'db3'), 'every reader IP held by another host while db3 is broken').to.equal(true);
    // Printed, not asserted: db3's eth0 seen without VIPs (1.2-1.3 s after the break in the 2026-12-02 runs; never seen in one 2026-11-23 run).
    expect(lost.lost).to.deep.equal([]);
    expect(twoWritable(o)).to.deep.equal([]);
    expect(vipInTwoPlaces(o, s.c.writerVip)).to.deep.equal([]);
    for (const ip of s.c.readerVips) expect(vipInTwoPlaces(o, ip), `reader VIP ${ip} never on two hosts`).to.deep.equal([]);
  });
});
