// Monitor HA in an e2e sandbox (`up --netns --monitors N`, docs/ha.md): what each monitor's `show`
// says through its 127.0.0.1 port (who leads, in which term, whether etcd answers), who leads now,
// the agents' log lines of admitted state changes (each names its term and monitor, agent.md
// "Monitor HA: terms") and the term invariants over them, and a monitor restarted in its namespace
// with the sandbox's command line (its PID recorded for `down`).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { binScript, processAlive, showOf, startDaemon } from '../../../packages/sandbox/src';
import { recordDaemonPid, sleep, until, type E2eCluster } from './cluster';

export type HaMonitor = NonNullable<E2eCluster['ha']>['monitors'][number];

/** How long a `show` may take: a SIGSTOPped monitor accepts (the forwarder does) and never answers. */
const SHOW_TIMEOUT_MS = 1_500;

/** One monitor's `show` header. */
export interface MonitorView {
  id: string;
  /** It answered `show`. */
  answered: boolean;
  /** It says it leads. */
  leads: boolean;
  /** Whom it names as the leader (itself when it leads); undefined: nobody leads. */
  leader?: string;
  term?: number;
  /** Its `# etcd: …` line (without the prefix), or why it did not answer. */
  etcd: string;
}

export function parseView(id: string, show: string): MonitorView {
  const self = /^# Monitor HA: this monitor \((\S+)\) leads, term (\d+)$/m.exec(show);
  const other = /^# Monitor HA: (\S+) at \S+ leads, term (\d+);/m.exec(show);
  const etcd = /^# etcd: (.*)$/m.exec(show)?.[1] ?? '';
  const m = self ?? other;
  return { id, answered: true, leads: !!self, ...(m ? { leader: m[1]!, term: Number(m[2]) } : {}), etcd };
}

/** The monitors (all, or those named) as status --json lists them now. */
export function monitorsOf(c: E2eCluster, ids?: string[]): HaMonitor[] {
  const all = c.status.monitors ?? [];
  return ids ? all.filter((m) => ids.includes(m.id)) : all;
}

export function monitor(c: E2eCluster, id: string): HaMonitor {
  const m = monitorsOf(c, [id])[0];
  if (!m) throw new Error(`no monitor ${id}`);
  return m;
}

/** Each monitor's view, asked in parallel. */
export function views(c: E2eCluster, ids?: string[]): Promise<MonitorView[]> {
  return Promise.all(monitorsOf(c, ids).map((m) => showOf(c.status.control_config, m, SHOW_TIMEOUT_MS).then(
    (show) => parseView(m.id, show),
    (e: Error) => ({ id: m.id, answered: false, leads: false, etcd: `(no answer: ${e.message})` }),
  )));
}

export interface Leader {
  id: string;
  term: number;
}

/** The leader when exactly one answering monitor leads and every other answering one names it in its term. */
export function leaderOf(vs: MonitorView[]): Leader | undefined {
  const answered = vs.filter((v) => v.answered);
  const leading = answered.filter((v) => v.leads);
  if (leading.length !== 1) return undefined;
  const l = leading[0]!;
  return answered.every((v) => v.leader === l.id && v.term === l.term) ? { id: l.id, term: l.term! } : undefined;
}

/** One line per monitor, for reports and failures: `mon1 leads 7 | mon2 names mon1 | mon3 (no answer)`. */
export function describeViews(vs: MonitorView[]): string {
  return vs.map((v) => `${v.id} ${!v.answered ? v.etcd : v.leads ? `leads term ${v.term}` : v.leader ? `names ${v.leader}` : `no leader (etcd: ${v.etcd})`}`).join(' | ');
}

/** Waits until one monitor leads (leaderOf) and `ok` accepts it; bounded. */
export async function waitLeader(c: E2eCluster, what: string, boundMs: number, ok: (l: Leader) => boolean = () => true): Promise<Leader> {
  let last = '';
  return until(what, async () => {
    const vs = await views(c);
    last = describeViews(vs);
    const l = leaderOf(vs);
    return l && ok(l) ? l : undefined;
  }, boundMs, 100).catch((e: Error) => {
    throw new Error(`${e.message}; monitors: ${last}`);
  });
}

/** An admitted state-changing command in an agent's log. */
export interface Admitted {
  node: string;
  at: number;
  kind: string;
  term: number;
  monitor: string;
}

const ADMITTED = /^(\S+Z) mmmd_agent\s+\w+: (SET_STATUS|CLEAR_BAD_ROLES|WAIT_GTID|CATCH_UP) admitted .*\bterm=(\d+) monitor=(\S+)/;
const REFUSED = /^(\S+Z) mmmd_agent\s+\w+: (\S+) refused: (.*)$/;

/** Every admitted command of one agent, in log order. */
export function admitted(c: E2eCluster, node: string): Admitted[] {
  return readFileSync(c.node(node).agent_log, 'utf8').split('\n').flatMap((l) => {
    const m = ADMITTED.exec(l);
    return m ? [{ node, at: Date.parse(m[1]!), kind: m[2]!, term: Number(m[3]), monitor: m[4]! }] : [];
  });
}

/** Every agent's admitted commands, by time. */
export function allAdmitted(c: E2eCluster): Admitted[] {
  return c.status.nodes.flatMap((n) => admitted(c, n.name)).sort((a, b) => a.at - b.at);
}

/** The first admitted command (any agent) at or after `since` that `pred` accepts. */
export function firstAdmitted(c: E2eCluster, since: number, pred: (a: Admitted) => boolean): Admitted | undefined {
  return allAdmitted(c).find((a) => a.at >= since && pred(a));
}

/** The last admitted command (any agent) that `pred` accepts. */
export function lastAdmitted(c: E2eCluster, pred: (a: Admitted) => boolean): Admitted | undefined {
  return allAdmitted(c).filter(pred).at(-1);
}

/** Refusals every agent logged since `since` (`db1: SET_STATUS refused: Refused: stale term 5 < 6; …`). */
export function refusals(c: E2eCluster, since: number): string[] {
  return c.status.nodes.flatMap((n) => readFileSync(n.agent_log, 'utf8').split('\n').flatMap((l) => {
    const m = REFUSED.exec(l);
    return m && Date.parse(m[1]!) >= since ? [`${n.name}: ${m[2]} refused: ${m[3]!.slice(0, 200)}`] : [];
  }));
}

/** Waits (bounded) for the first command of `term` any agent admitted at or after `since`. */
export function waitAdmitted(c: E2eCluster, since: number, term: number, boundMs = 10_000): Promise<Admitted> {
  return until(`a command of term ${term} admitted`, async () => firstAdmitted(c, since, (a) => a.term === term), boundMs, 50);
}

/** Waits (bounded) until monitor `id` answers as a follower naming a leader (`leader`, when given); returns whom it names. */
export function waitFollows(c: E2eCluster, id: string, boundMs: number, leader?: string): Promise<string> {
  return until(`${id} follows ${leader ?? 'a leader'}`, async () => {
    const v = (await views(c, [id]))[0]!;
    return v.answered && !v.leads && v.leader && (!leader || v.leader === leader) ? v.leader : undefined;
  }, boundMs, 100);
}

/**
 * The agents' side of "one leader at a time": at no agent a command admitted with a term lower
 * than the highest it admitted before, and every term from one monitor only (at every agent).
 */
export function termViolations(c: E2eCluster): string[] {
  const out: string[] = [];
  const owner = new Map<number, string>();
  for (const n of c.status.nodes) {
    let highest = 0;
    for (const a of admitted(c, n.name)) {
      if (a.term < highest) out.push(`${n.name}: ${a.kind} of term ${a.term} (${a.monitor}) admitted at ${new Date(a.at).toISOString()} after term ${highest}`);
      highest = Math.max(highest, a.term);
      const o = owner.get(a.term);
      if (o && o !== a.monitor) out.push(`${n.name}: term ${a.term} admitted from ${a.monitor} and ${o}`);
      owner.set(a.term, o ?? a.monitor);
    }
  }
  return out;
}

/**
 * "No two monitors' state-changing commands overlap in time", over every agent: the span of each
 * term (its first to its last admitted command at any agent) ends before the next term's begins.
 * The agents' repeat filter folds identical lines, so a span may end later than its last line
 * shows: this can miss an overlap, never invent one.
 */
export function termOverlaps(c: E2eCluster): string[] {
  const span = new Map<number, { first: number; last: number; monitor: string }>();
  for (const a of allAdmitted(c)) {
    const s = span.get(a.term);
    if (!s) span.set(a.term, { first: a.at, last: a.at, monitor: a.monitor });
    else s.last = Math.max(s.last, a.at);
  }
  const terms = [...span.entries()].sort((a, b) => a[0] - b[0]);
  const out: string[] = [];
  for (let i = 1; i < terms.length; i++) {
    const [t0, a] = terms[i - 1]!;
    const [t1, b] = terms[i]!;
    if (a.last >= b.first) out.push(`term ${t0} (${a.monitor}) admitted until ${new Date(a.last).toISOString()}, after term ${t1} (${b.monitor}) began at ${new Date(b.first).toISOString()}`);
  }
  return out;
}

/** Terms and their monitors as the agents admitted them, e.g. `3 (mon1), 9 (mon2)`. */
export function termsAdmitted(c: E2eCluster): string {
  const owner = new Map<number, string>();
  for (const a of allAdmitted(c)) owner.set(a.term, a.monitor);
  return [...owner].sort((a, b) => a[0] - b[0]).map(([t, m]) => `${t} (${m})`).join(', ');
}

/**
 * When monitor `id` lost the lead of `term` (at or after `since`), from its election's own line
 * `no longer leader part=ha term=T why=…`: the monitor's "this monitor (monK) no longer leads" line
 * names no term, so the log's repeat filter drops it when the same monitor is deposed again within 60 s.
 */
export function deposedAt(c: E2eCluster, id: string, since: number, term: number): { at: number; why: string } | undefined {
  for (const l of readFileSync(monitor(c, id).log, 'utf8').split('\n')) {
    const m = /^(\S+Z) mmmd_mon\s+\w+: no longer leader part=ha term=(\d+) why=(.*)$/.exec(l);
    if (m && Number(m[2]) === term && Date.parse(m[1]!) >= since) return { at: Date.parse(m[1]!), why: m[3]! };
  }
  return undefined;
}

/** The agent's term file (`term_file` in the sandbox's agent config: DIR/dbN/mmmd_agent.term.json). */
export function termRecord(c: E2eCluster, node: string): { term: number; monitor: string; etcdClusterId: string } {
  return JSON.parse(readFileSync(join(dirname(c.node(node).config), 'mmmd_agent.term.json'), 'utf8')) as { term: number; monitor: string; etcdClusterId: string };
}

/** The sandbox's `writer_lease` (s), from DIR/mmm_common.conf. */
export function writerLeaseS(c: E2eCluster): number {
  const m = /^\s*writer_lease\s+(\d+)\s*$/m.exec(readFileSync(join(c.dir, 'mmm_common.conf'), 'utf8'));
  if (!m) throw new Error(`no writer_lease in ${join(c.dir, 'mmm_common.conf')}`);
  return Number(m[1]);
}

/** kill -9 of monitor `id` by its PID from status --json; waits until it is gone. */
export async function killHaMonitor(c: E2eCluster, id: string): Promise<number> {
  const pid = monitor(c, id).pid;
  if (!pid) throw new Error(`${id}: no PID`);
  process.kill(pid, 'SIGKILL');
  await until(`monitor ${id} (${pid}) gone`, async () => !processAlive(pid), 10_000, 20);
  return pid;
}

/** Starts monitor `id` again in its namespace as the sandbox did (same config and log); records its PID; waits until it answers `show`. */
export async function restartHaMonitor(c: E2eCluster, id: string): Promise<number> {
  const m = monitor(c, id);
  const d = startDaemon({ what: `monitor ${id}`, script: binScript('@mmm/monitor', 'mmmd_mon.js'), config: m.config, log: m.log, netns: m.netns });
  recordDaemonPid(c.dir, id, d.pid);
  await c.refresh();
  await until(`the restarted ${id} answering show`, async () => {
    if (d.hasExited()) throw new Error(`monitor ${id} ${await d.exited}`);
    return (await views(c, [id]))[0]!.answered;
  }, 20_000, 100);
  return d.pid;
}

/**
 * SIGSTOP of `pids` now; the returned `resume` sends SIGCONT once (call it in `finally` and in the
 * scenario's cleanup: a stopped process would hold up `down`).
 */
export function pause(pids: number[]): () => void {
  for (const p of pids) process.kill(p, 'SIGSTOP');
  let done = false;
  return () => {
    if (done) return;
    done = true;
    for (const p of pids) if (processAlive(p)) process.kill(p, 'SIGCONT');
  };
}

/** Sleeps until `t` (epoch ms), if it is ahead. */
export const sleepUntil = (t: number): Promise<void> => sleep(Math.max(0, t - Date.now()));
