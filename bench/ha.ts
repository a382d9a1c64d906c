// Monitor HA (issue 19) on `mmm_sandbox up --netns --monitors 3` (root, etcd): leader failover —
// kill -9 of the leading mmmd_mon → the first state-changing command of the new leader that an
// agent admits (each agent logs `SET_STATUS admitted term=T monitor=M …`), and when the new
// leader said it leads. Two kills per sandbox (3 monitors → 2 → 1). The writer's crash failover
// with HA on and off is faultSection(…, { monitors: 3 }) beside the same runs without it.
import { join } from 'node:path';
import { logLines, max, min, pct, sandboxDown, sandboxUp, say, sleep, waitFor, type Sandbox } from './lib';

export interface LeaderRun {
  killed: string;
  next: string;
  /** kill → first command of the new leader admitted by an agent. */
  first_command_ms: number;
  /** kill → the new leader's log says it leads. */
  elected_ms: number | null;
  up_ms: number;
}

export interface LeaderFailoverStats {
  runs: number;
  failed_runs: number;
  min_ms: number;
  p50_ms: number;
  max_ms: number;
  elected_p50_ms: number;
  elected_max_ms: number;
  lease_ttl_s: number | null;
  per_run: LeaderRun[];
}

interface HaMonitor { id: string; pid: number }
interface HaStatus { monitors?: HaMonitor[] | null; monitor_ha?: { lease_ttl?: number } | null }

const ADMITTED = /mmmd_agent\s+INFO: (?:SET_STATUS|CLEAR_BAD_ROLES|WAIT_GTID|CATCH_UP) admitted .*\bterm=(\d+) monitor=(\S+)/;

/** Every admitted state-changing command at every agent of the sandbox, oldest first. */
function admitted(sb: Sandbox): { t: number; term: number; monitor: string }[] {
  return sb.status.nodes
    .flatMap((n) => logLines(join(sb.dir, n.name, 'mmmd_agent.log')).flatMap((l) => {
      const m = ADMITTED.exec(l.text);
      return m ? [{ t: l.t, term: Number(m[1]), monitor: m[2]! }] : [];
    }))
    .sort((a, b) => a.t - b.t);
}

/** The monitor whose term is the highest the agents admitted. */
function leaderOf(sb: Sandbox): string | undefined {
  const a = admitted(sb);
  return a.length ? a.reduce((x, y) => (y.term > x.term ? y : x)).monitor : undefined;
}

async function killLeader(sb: Sandbox, mons: HaMonitor[], alive: Set<string>, boundMs: number, upMs: number): Promise<LeaderRun> {
  const killed = await waitFor('a leader whose commands the agents admit', 15_000, async () => {
    const l = leaderOf(sb);
    return l && alive.has(l) ? l : undefined;
  }, 100);
  await sleep(1000); // a few passes of the leader
  const pid = mons.find((m) => m.id === killed)!.pid;
  const t0 = Date.now();
  process.kill(pid, 'SIGKILL');
  alive.delete(killed);
  const first = await waitFor(`an admitted command of another monitor after the kill of ${killed}`, boundMs, async () =>
    admitted(sb).find((a) => a.t >= t0 && a.monitor !== killed), 50);
  const log = logLines(join(sb.dir, first.monitor, 'mmmd_mon.log'));
  const elected = log.find((l) => l.t >= t0 && new RegExp(`monitor HA: this monitor \\(${first.monitor}\\) leads, term`).test(l.text));
  return { killed, next: first.monitor, first_command_ms: first.t - t0, elected_ms: elected ? elected.t - t0 : null, up_ms: upMs };
}

export async function leaderFailoverSection(runs: number, boundMs = 20_000): Promise<LeaderFailoverStats> {
  const per: LeaderRun[] = [];
  let failed = 0;
  let ttl: number | null = null;
  while (per.length + failed < runs) {
    let sb: Sandbox | undefined;
    try {
      sb = await sandboxUp('ha', undefined, ['--monitors', '3']);
      const st = sb.status as unknown as HaStatus;
      ttl = st.monitor_ha?.lease_ttl ?? ttl;
      const mons = st.monitors ?? [];
      if (mons.length !== 3) throw new Error(`status --json lists ${mons.length} monitors, not 3`);
      const alive = new Set(mons.map((m) => m.id));
      for (let k = 0; k < 2 && per.length + failed < runs; k++) {
        const x = await killLeader(sb, mons, alive, boundMs, sb.upMs);
        per.push(x);
        say(`  [leader failover] run ${per.length + failed}/${runs}: kill -9 of ${x.killed} → ${x.next} leads +${x.elected_ms}, its first admitted command +${x.first_command_ms} ms`);
      }
    } catch (e) {
      failed++;
      say(`  [leader failover] run ${per.length + failed}/${runs} FAILED: ${(e as Error).message}`);
    } finally {
      if (sb) await sandboxDown(sb.dir);
    }
  }
  const f = per.map((p) => p.first_command_ms);
  const el = per.map((p) => p.elected_ms).filter((v): v is number => v !== null);
  return { runs: per.length, failed_runs: failed, min_ms: min(f), p50_ms: pct(f, 50), max_ms: max(f), elected_p50_ms: pct(el, 50), elected_max_ms: max(el), lease_ttl_s: ttl, per_run: per };
}
