// Scenario 12 (issue 16 item 5): the durability runs. A loop of runs, each on a fresh netns
// sandbox (`up --semisync --semisync-timeout 120`, or plain async to compare), 4 concurrent
// connections of short autocommit INSERTs through the writer VIP, every acknowledged write recorded
// (id, time, server_id). The fault is on db1, the writer:
//   crash      kill -9 of its mariadbd;
//   node-loss  its cable out (the switch side of its veth down), then kill -9 of its mariadbd and
//              its agent (within a few ms): no FIN or RST reaches anyone, no agent fences it.
// After the failover (db2 the writer, acks resuming through the VIP on db2) the load stops and
// the run checks: never two writable nodes, never the writer VIP twice (a node-loss db1 keeps the
// VIP on its dead eth0, the cable out: that one is reported, not counted), and for semisync:
// 0 acknowledged writes missing on db2, the monitor audited no WriterSemisyncFallback during the
// run (the timeout, 120 s, is above the workload's 100 s: no commit of a run can outwait it), db2
// committed nothing without a replica's acknowledgement (Rpl_semi_sync_master_no_tx 0). Async runs
// report their loss. Counts: lib/durability.ts COUNT_ENV (CI: 4 crash + 2 node-loss semisync,
// 1 crash + 1 node-loss async); scripts/durability-runs.sh runs the large counts (docs/testing.md).
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { expect } from 'chai';
import { TEST_SCHEMA, processAlive, query, slaveStatus } from '../../packages/sandbox/src';
import { WRITES_TABLE, auditSince, failoverTimeline, log, sleep, stateOf, until, writerOf, type E2eCluster } from './lib/cluster';
import {
  JSON_ENV, KEEP_ALL_ENV, KEEP_LOGS_ENV, plan, plannedCounts, runLine, summary, table, type MissingWrite, type RunRecord,
} from './lib/durability';
import { killMariadb, link } from './lib/faults';
import { CONVERGENCE_BOUND_MS, converge, lostWrites, twoWritable, waitForMonitor } from './lib/invariants';
import { firstTick, holdersIn, writableIn, type Observer } from './lib/observer';
import { scenario } from './lib/scenario';
import { waitForAcks } from './lib/workload';

const CONNECTIONS = 4;
/** The workload stops by itself after this (a bound: each run stops it much earlier). */
const LOAD_MS = 100_000;
/** Above LOAD_MS: a semi-sync writer of a run never falls back because the timeout ran out. */
const SEMISYNC_TIMEOUT_S = 120;
const RUN_BOUND_MS = 300_000;

/** Ticks in which the writer VIP was on two nodes, leaving out `gone` from `from` on (a node-loss db1: cable out, nothing runs). */
function vipTwice(o: Observer, vip: string, gone?: { node: string; from: number }): string[] {
  return o.ticks
    .map((t) => ({ t, h: holdersIn(t, vip).filter((n) => !(gone && n === gone.node && t.t >= gone.from)) }))
    .filter((x) => x.h.length > 1)
    .map((x) => `tick ${x.t.n} at ${new Date(x.t.t).toISOString()}: ${vip} on ${x.h.join(' and ')}`);
}

/** After a node loss: the monitor has db1 HARD_OFFLINE, db2 the writer, db3 ONLINE, and db3 replicates from db2 (≤ 30 s). */
async function settledAfterNodeLoss(c: E2eCluster): Promise<{ roles: string }> {
  const roles = await waitForMonitor(c, 'db1 HARD_OFFLINE, db2 writer, db3 ONLINE', (d) =>
    writerOf(d) === 'db2' && stateOf(d, 'db1') === 'HARD_OFFLINE' && stateOf(d, 'db2') === 'ONLINE' && stateOf(d, 'db3') === 'ONLINE', CONVERGENCE_BOUND_MS);
  const db2ip = c.db.node('db2').ip;
  await until('db3 replicating from db2', async () => {
    const st = await slaveStatus(c.db.node('db3'));
    return st?.Master_Host === db2ip && st.Slave_IO_Running === 'Yes' && st.Slave_SQL_Running === 'Yes';
  }, CONVERGENCE_BOUND_MS, 200);
  return { roles };
}

async function semisyncCounters(c: Parameters<typeof query>[0]): Promise<Record<string, string>> {
  const rows = await query(c, "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_%'");
  return Object.fromEntries(rows.map((r) => [String(r.Variable_name), String(r.Value)]));
}

describe('e2e 12: durability runs — crash and node loss of the writer under 4 connections; semisync loses no acknowledged write', function () {
  const counts = plannedCounts(process.env);
  const runs = plan(counts);
  const records: RunRecord[] = [];
  const loadStart = loadavg();
  const t0 = Date.now();

  after(function () {
    if (!records.length) return;
    const sum = summary(records, {
      connections: CONNECTIONS,
      workload: `${CONNECTIONS} connections from the client namespace through the writer VIP, each one autocommit INSERT after the other on its own id sequence (app user)`,
      semisync: `mmm_sandbox up --netns --semisync --semisync-timeout ${SEMISYNC_TIMEOUT_S} (AFTER_SYNC; db2 and db3 acknowledge)`,
      async: 'mmm_sandbox up --netns',
      crash: 'kill -9 of db1\'s mariadbd',
      'node-loss': 'db1\'s cable out (switch side of its veth down), then kill -9 of its mariadbd and its agent',
      checks: 'mmm_sandbox defaults (tuned: 0.25 s checks, 0.75 s trap), writer_lease 3 s',
      elapsed_s: Math.round((Date.now() - t0) / 1000),
    }, Object.fromEntries(counts.map((c) => [c.env, c.count])), loadStart);
    log(`== 12 durability runs: ${records.length} runs in ${Math.round((Date.now() - t0) / 1000)} s`);
    for (const t of sum.totals) {
      log(`   ${t.kind} ${t.durability}: ${t.runs} runs (${t.failed} failed), ${t.acked} acknowledged writes, ${t.missing} missing on the new writer (${t.runsWithLoss} runs with a loss)` +
        `, kill→db2 writable p50 ${t.writableP50Ms ?? '–'} ms, kill→first ack on db2 p50 ${t.firstAckP50Ms ?? '–'} ms`);
    }
    log(table(sum.totals).split('\n').join('\n      '));
    const file = process.env[JSON_ENV];
    if (file) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(sum, null, 2) + '\n');
      writeFileSync(join(dirname(file), `${basename(file, '.json')}.md`), `${table(sum.totals)}\n`);
      log(`summary written to ${file}`);
    }
  });

  for (const p of runs) {
    describe(`run ${p.seq}/${runs.length}: ${p.kind}, ${p.durability}`, function () {
      let tBefore = 0;
      before(() => void (tBefore = Date.now())); // runs before the scenario's: times the sandbox's up
      const s = scenario(this, `12-${p.seq}`, RUN_BOUND_MS, p.durability === 'semisync' ? ['--semisync', '--semisync-timeout', String(SEMISYNC_TIMEOUT_S)] : []);
      let cut = false;
      let rec: RunRecord | undefined;
      s.onCleanup(async () => {
        const keep = process.env[KEEP_LOGS_ENV];
        if (keep && rec && (!rec.ok || rec.missing > 0 || process.env[KEEP_ALL_ENV] === '1') && existsSync(s.c.dir)) {
          const to = join(keep, `run-${p.seq}-${p.kind}-${p.durability}`);
          cpSync(s.c.dir, to, { recursive: true, filter: (src) => !/\/data(\/|$)|\.sock$|\/tls(\/|$)/.test(src) });
          log(`logs of run ${p.seq} kept in ${to}`);
        }
        if (cut) await link(s.c, 'db1', 'up');
      });

      it(`${p.kind} of db1: db2 the writer, writes resume on db2; ${p.durability === 'semisync' ? '0 acknowledged writes missing, no fall-back to async' : 'the loss reported'}; never two writable, never the VIP twice`, async () => {
        const r: RunRecord = {
          seq: p.seq, kind: p.kind, durability: p.durability, ok: false, acked: 0, ackedBeforeFault: 0, missing: 0, writableMs: null, firstAckMs: null,
          fallbacks: 0, twoWritable: 0, vipTwice: 0, clientErrors: 0, upMs: Date.now() - tBefore, runMs: 0,
        };
        rec = r;
        records.push(r);
        const tRun = Date.now();
        try {
          expect(s.c.status.durability, 'the sandbox\'s durability').to.equal(p.durability);
          if (p.durability === 'semisync') expect(s.c.status.semisync_timeout).to.equal(SEMISYNC_TIMEOUT_S);
          await s.startLoad({ connections: CONNECTIONS, durationMs: LOAD_MS });
          await sleep(1_500); // all connections committing on db1
          const db1 = s.c.node('db1');
          const tFault = Date.now();
          let spread = '';
          if (p.kind === 'crash') {
            await killMariadb(s.c, 'db1');
          } else {
            await link(s.c, 'db1', 'down');
            cut = true;
            const tCut = Date.now();
            process.kill(db1.mariadbd_pid!, 'SIGKILL');
            process.kill(db1.agent_pid!, 'SIGKILL');
            spread = `cable out in ${tCut - tFault} ms, both killed ${Date.now() - tFault} ms after the fault began`;
            await until('db1 mariadbd and agent gone', async () => !processAlive(db1.mariadbd_pid!) && !processAlive(db1.agent_pid!), 10_000, 20);
          }
          await waitForMonitor(s.c, 'writer role on db2', (d) => writerOf(d) === 'db2', 60_000);
          const w = s.w!;
          await until('a write acknowledged by db2 through the VIP', async () => w.firstAckOn('db2', tFault), 30_000);
          await waitForAcks(w, 200); // every connection back, on db2
          // node loss: db1's dead eth0 keeps the VIP (converge() would count it), so the monitor's
          // states and db3's replication from db2 are checked here; writability by the observer
          const conv = p.kind === 'crash'
            ? await converge(s.c, { writer: 'db2', states: { db1: 'HARD_OFFLINE' }, skip: ['db1'] })
            : await settledAfterNodeLoss(s.c);
          await s.stopLoad();
          r.runMs = Date.now() - tRun;

          const o = s.o!;
          const acks = w.acks;
          const lost = await lostWrites(s.c, 'db2', acks);
          const onDb3 = lost.lost.length ? new Set((await query(s.c.db.node('db3'), `SELECT id FROM ${TEST_SCHEMA}.${WRITES_TABLE}`)).map((x) => Number(x.id))) : new Set<number>();
          const byId = new Map(acks.map((a) => [a.id, a]));
          const missing: MissingWrite[] = lost.lost.map((id) => {
            const a = byId.get(id)!;
            return { id, conn: a.conn, sid: a.sid, ackedAfterFaultMs: a.t - tFault, onDb3: onDb3.has(id) };
          });
          const failover = auditSince(s.c.dir, tFault).find((e) => e.kind === 'failover' && !e.blocked && e.host === 'db2');
          const monLog = existsSync(s.c.status.monitor.log) ? readFileSync(s.c.status.monitor.log, 'utf8') : '';
          const unanswered = monLog.split('\n').some((l) => Date.parse(l.slice(0, 24)) >= tFault && /agent db1 does not answer: no line within \d+ ms .*request=SET_STATUS/.test(l));
          const fallbacks = auditSince(s.c.dir).filter((e) => e.kind === 'diagnosis' && /^WriterSemisyncFallback on /.test(e.reason));
          const db2Writable = firstTick(o, tFault, (t) => writableIn(t).includes('db2'));
          const deadVip = p.kind === 'node-loss' ? o.ticks.filter((t) => t.t >= tFault && holdersIn(t, s.c.writerVip).includes('db1')).length : 0;
          const gone = p.kind === 'node-loss' ? { node: 'db1', from: tFault } : undefined;
          const two = twoWritable(o);
          const vip = vipTwice(o, s.c.writerVip, gone);
          Object.assign(r, {
            acked: acks.length,
            ackedBeforeFault: acks.filter((a) => a.t < tFault).length,
            missing: missing.length,
            ...(missing.length ? { missingIds: missing.slice(0, 50) } : {}),
            writableMs: db2Writable ? db2Writable.t - tFault : null,
            firstAckMs: w.firstAckOn('db2', tFault)!.t - tFault,
            fallbacks: fallbacks.length,
            twoWritable: two.length,
            vipTwice: vip.length,
            clientErrors: w.errors.length,
            ...(failover ? { failoverReason: failover.reason } : {}),
            setStatusUnanswered: unanswered,
          });
          if (p.durability === 'semisync') {
            const c2 = await semisyncCounters(s.c.db.node('db2'));
            r.db2NoTx = Number(c2.Rpl_semi_sync_master_no_tx);
            r.db2YesTx = Number(c2.Rpl_semi_sync_master_yes_tx);
          }
          if (spread) log(`  node loss: ${spread}; db1's dead eth0 still showed the writer VIP in ${deadVip} observer ticks (cable out: reaches nobody)`);
          log(`  ${conv.roles}; ${acks.filter((a) => a.sid === 2).length} acknowledged by db2; client errors ${w.errors.length}; up ${r.upMs} ms, run ${r.runMs} ms`);
          if (missing.length) log(`  MISSING on db2: ${missing.slice(0, 20).map((m) => `id ${m.id} (conn ${m.conn}, acked by db${m.sid} ${m.ackedAfterFaultMs} ms after the fault${m.onDb3 ? ', on db3' : ''})`).join('; ')}`);
          if (missing.length || (r.firstAckMs ?? 0) > 5_000) log(`  monitor, from the fault:\n        ${failoverTimeline(s.c.dir, tFault).join('\n        ')}`);
          for (const f of fallbacks) log(`  audited at ${f.time}: ${f.reason}`);

          expect(two, 'never two writable nodes').to.deep.equal([]);
          expect(vip, 'never the writer VIP on two live nodes').to.deep.equal([]);
          if (p.durability === 'semisync') {
            expect(fallbacks.map((f) => `${f.time} ${f.reason}`), 'the monitor audited no fall-back to async').to.deep.equal([]);
            expect(missing, 'acknowledged writes missing on the new writer db2').to.deep.equal([]);
            expect(r.db2NoTx, 'db2 committed nothing without a replica\'s acknowledgement (Rpl_semi_sync_master_no_tx)').to.equal(0);
            expect(r.db2YesTx, 'db2\'s commits waited for a replica (Rpl_semi_sync_master_yes_tx)').to.be.greaterThan(0);
          }
          r.ok = true;
        } catch (e) {
          r.error = (e as Error).message.split('\n')[0]!.slice(0, 300);
          if (!r.runMs) r.runMs = Date.now() - tRun;
          throw e;
        } finally {
          log(runLine(r, runs.length));
        }
      });
    });
  }
});
