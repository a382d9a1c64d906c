// Issue 17 item 6: `mmm_sandbox up --netns --no-writer-vip` — no writer VIP anywhere — and a real
// HAProxy in a client namespace on the sandbox's bridge, checking every agent's /writer over HTTPS
// with a client certificate (`check-ssl crt … ca-file …`), routes a write workload to the writer.
// After a planned `move_role writer` (there and back) and after kill -9 of the writer's mariadbd,
// writes reach the new writer through HAProxy; the old writer commits nothing of its own after its
// demotion (its gtid_binlog_state keeps its own GTID, its gtid_binlog_pos is the new writer's).
// How long HAProxy took to follow is reported, never asserted. HAProxy is stopped by PID.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NETNS_HEALTH_PORT, query, roleIps, sandboxNames } from '../../packages/sandbox/src';
import { ROOT, log, runNode, until, writerOf } from './lib/cluster';
import { killMariadb } from './lib/faults';
import { haproxyConfig, startHaproxy, type Haproxy } from './lib/haproxy';
import { lostWrites, report, twoWritable, waitForMonitor } from './lib/invariants';
import { startObserver } from './lib/observer';
import { scenario } from './lib/scenario';
import { longestGap, startWorkload, waitForAcks, type Workload } from './lib/workload';

const TLS_BIN = join(ROOT, 'packages/control/bin/mmm_tls.js');
const NODES = ['db1', 'db2', 'db3'];

/** gtid_binlog_pos, and the entry of gtid_binlog_state written by the node itself (its server_id). */
async function gtidOf(s: ReturnType<typeof scenario>, name: string): Promise<{ pos: string; own: string }> {
  const [g] = await query(s.c.db.node(name), 'SELECT @@GLOBAL.gtid_binlog_pos AS bp, @@GLOBAL.gtid_binlog_state AS st');
  const sid = name.slice(2);
  const own = String(g?.st ?? '').split(',').map((x) => x.trim()).filter((x) => x.split('-')[1] === sid).join(',');
  return { pos: String(g?.bp ?? ''), own };
}

const sidOfPos = (pos: string): string => pos.split(',').map((x) => x.split('-')[1]).join(',');

describe('e2e 15: HAProxy follows /writer with no writer VIP (planned switch, kill -9)', function () {
  const s = scenario(this, '15', 240_000, ['--no-writer-vip']);
  let hap: Haproxy | undefined;
  let w: Workload | undefined;
  s.onCleanup(async () => {
    await w?.stop();
    await hap?.stop();
  });

  it('no writer VIP on any node; the writer role\'s address only in the hook\'s record', async () => {
    const st = s.c.status;
    expect(st.writer_vip).to.equal(null);
    const writerIp = roleIps(sandboxNames(s.c.dir), 3, 'netns').writer;
    for (const n of st.nodes) {
      expect(n.vips, n.name).not.to.include(writerIp);
      expect(n.health, n.name).to.equal(`${n.ip}:${NETNS_HEALTH_PORT}`);
    }
    expect(st.nodes.flatMap((n) => n.vips), 'reader VIPs still on the nodes').to.have.length(3);
    expect(readFileSync(st.vip_events!, 'utf8')).to.match(new RegExp(` db1 add ${writerIp.replace(/\./g, '\\.')}\\n`));
  });

  it('HAProxy routes writes to db1, then to db2 after move_role writer db2, and back; db1 then db2 commit nothing of their own once demoted', async () => {
    // A client certificate for HAProxy, made as an operator would (mmm_tls issue, role viewer).
    const dir = join(s.c.dir, 'haproxy');
    mkdirSync(dir, { recursive: true });
    const issued = await runNode(TLS_BIN, ['issue', '--ca', join(s.c.dir, 'tls'), '--name', 'haproxy', '--role', 'viewer', '--out', dir]);
    expect(issued.code, issued.stderr).to.equal(0);
    const pem = join(dir, 'haproxy.pem');
    writeFileSync(pem, `${readFileSync(join(dir, 'haproxy.crt'), 'utf8').trimEnd()}\n${readFileSync(join(dir, 'haproxy.key'), 'utf8').trimEnd()}\n`, { mode: 0o600 });
    const servers = s.c.status.nodes.map((n) => ({ name: n.name, ip: n.ip, mysqlPort: n.mysql_port, healthPort: NETNS_HEALTH_PORT }));
    const cfg = haproxyConfig({ bind: '127.0.0.1:3306', servers, tls: { crt: pem, ca: s.c.status.certs.ca } });
    // The plain-HTTP variant of the docs (health_http_listen): HAProxy accepts it too.
    writeFileSync(join(dir, 'plain.cfg'), haproxyConfig({ bind: '127.0.0.1:3306', servers }));
    execFileSync('haproxy', ['-c', '-q', '-f', join(dir, 'plain.cfg')], { timeout: 10_000 });
    log(`haproxy.cfg:\n${cfg}`);

    const tStart = Date.now();
    hap = startHaproxy(s.c.clientNs, join(dir, 'haproxy.cfg'), cfg, NODES);
    await until('HAProxy: only db1 UP', async () => hap!.up().join() === 'db1', 15_000, 50);
    log(`HAProxy (pid ${hap.pid}) marked db2, db3 DOWN ${Math.max(...hap.events.map((e) => e.t)) - tStart} ms after its start`);

    s.o = startObserver(s.c);
    w = startWorkload({ db: s.c.db, clientNs: s.c.clientNs, writerVip: '127.0.0.1' });
    await waitForAcks(w, 100);
    expect(w.acks.every((a) => a.sid === 1), 'every write through HAProxy on db1').to.equal(true);
    expect((await s.c.control('set_manual')).code).to.equal(0);

    const moves: Record<string, string> = {};
    for (const [from, to] of [['db1', 'db2'], ['db2', 'db1']] as const) {
      const t0 = Date.now();
      const r = await s.c.control('move_role', 'writer', to);
      const took = Date.now() - t0;
      expect(r.code, `move_role writer ${to}: ${r.stdout}${r.stderr}`).to.equal(0);
      // move_role has returned: `from` is read_only=1 with its clients ended.
      const demoted = await gtidOf(s, from);
      const first = await until(`a write acknowledged by ${to} through HAProxy`, async () => w!.firstAckOn(to, t0), 30_000, 20);
      await waitForAcks(w, 200);
      const later = await gtidOf(s, from);
      const down = hap.first(from, 'DOWN', t0);
      const up = hap.first(to, 'UP', t0);
      moves[`move_role writer ${to}`] =
        `mmm_control ${took} ms; HAProxy: ${from} DOWN +${down ? down.t - t0 : '?'} ms, ${to} UP +${up ? up.t - t0 : '?'} ms; ` +
        `first write on ${to} +${first.t - t0} ms; write-blocked ${longestGap(w.acks, t0 - 200, first.t + 1).ms} ms`;
      moves[`${from} after its demotion`] = `gtid_binlog_pos ${demoted.pos} → ${later.pos} (own ${demoted.own} → ${later.own})`;
      expect(later.own, `${from} commits no transaction of its own after its demotion`).to.equal(demoted.own);
      expect(sidOfPos(later.pos), `${from}'s binlog grows only with what it replicates from ${to}`).to.equal(to.slice(2));
      expect(w.acksSince(first.t).every((a) => a.sid === Number(to.slice(2))), `every write after the first on ${to} is on ${to}`).to.equal(true);
    }
    expect((await s.c.control('set_active')).code).to.equal(0);
    report('12 HAProxy, planned switches', moves);
  });

  it('kill -9 of the writer\'s mariadbd: HAProxy takes db1 out and db2 in; writes resume on db2 with none lost', async () => {
    const t0 = Date.now();
    await killMariadb(s.c, 'db1');
    await waitForMonitor(s.c, 'writer role on db2', (d) => writerOf(d) === 'db2');
    const tRole = Date.now();
    const first = await until('a write acknowledged by db2 through HAProxy', async () => w!.firstAckOn('db2', t0), 30_000, 20);
    await waitForAcks(w!, 200);
    await w!.stop();
    await s.o?.stop();
    const down = hap!.first('db1', 'DOWN', t0);
    const up = hap!.first('db2', 'UP', t0);
    const lost = await lostWrites(s.c, 'db2', w!.acks);
    report('12 HAProxy, writer kill -9', {
      'fault → HAProxy marks db1 DOWN': down ? `${down.t - t0} ms` : 'never',
      'fault → monitor shows the writer role on db2 (polled)': `≤ ${tRole - t0} ms`,
      'fault → HAProxy marks db2 UP': up ? `${up.t - t0} ms` : 'never',
      'fault → first write acknowledged by db2 through HAProxy': `${first.t - t0} ms`,
      'write-blocked window': `${longestGap(w!.acks, t0 - 200, first.t + 1).ms} ms`,
      'acknowledged writes (whole test)': w!.acks.length,
      'acknowledged but missing on db2 (async replication, lost by the crash)': lost.lost.length,
      'client errors': w!.errors.length,
      'HAProxy state changes': hap!.events.filter((e) => e.t >= t0).map((e) => `+${e.t - t0} ms ${e.server} ${e.state}`).join(', '),
    });
    expect(down, 'HAProxy marked db1 DOWN').not.to.equal(undefined);
    expect(hap!.up(), 'HAProxy sends to db2 alone').to.deep.equal(['db2']);
    expect(twoWritable(s.o!), 'never two writable nodes').to.deep.equal([]);
  });
});
