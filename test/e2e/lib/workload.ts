// The write workload: writer-client.js run INSIDE the scenario's client namespace
// (`ip netns exec NS node writer-client.js …`), writing ids through the writer VIP as the
// application user (no SUPER / READ_ONLY ADMIN: read_only stops it) on one connection (default) or
// several, each with its own disjoint id sequence. Every line it prints is collected here;
// acknowledged ids (with the client's time and the acknowledging server) are what the invariants check.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { TEST_SCHEMA, processAlive, stopPid } from '../../../packages/sandbox/src';
import { WRITES_TABLE, type ClusterView } from './cluster';

export const CLIENT_SCRIPT = join(__dirname, 'writer-client.js');

export interface Ack {
  id: number;
  t: number;
  /** @@server_id of the node that acknowledged it (db<N> has server_id N). */
  sid: number;
  /** Which of the workload's connections (0-based). */
  conn: number;
}

export interface WorkloadError {
  t: number;
  id: number;
  code: string;
  message: string;
}

export interface Workload {
  pid: number;
  acks: Ack[];
  errors: WorkloadError[];
  /** Resolves when the client exited. */
  exited: Promise<void>;
  /** SIGTERM by PID, waits for `done` (bounded), SIGKILL as a last resort. */
  stop(): Promise<void>;
  lastAck(): Ack | undefined;
  /** Acks at or after `t`. */
  acksSince(t: number): Ack[];
  /** First ack at or after `t` acknowledged by node `name` (dbN). */
  firstAckOn(name: string, t: number): Ack | undefined;
}

export interface WorkloadOptions {
  durationMs?: number;
  firstId?: number;
  /** Concurrent connections (default 1); connection k of N writes ids firstId + k, + k + N, … */
  connections?: number;
}

/** Starts the workload against the writer VIP; returns once it is running (not necessarily writing). */
export function startWorkload(c: Pick<ClusterView, 'db' | 'clientNs' | 'writerVip'>, opts: WorkloadOptions = {}): Workload {
  const app = c.db.credentials.app;
  const args = [
    'netns', 'exec', c.clientNs, process.execPath, CLIENT_SCRIPT,
    c.writerVip, app.user, app.password, TEST_SCHEMA, WRITES_TABLE, String(opts.durationMs ?? 120_000), String(opts.firstId ?? 1),
    String(opts.connections ?? 1),
  ];
  // `ip netns exec` execs node: the PID is the client's.
  const child: ChildProcess = spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  if (!child.pid) throw new Error('could not start the workload client');
  const acks: Ack[] = [];
  const errors: WorkloadError[] = [];
  const rl = createInterface({ input: child.stdout! });
  rl.on('line', (line) => {
    const p = line.split(' ');
    if (p[0] === 'ack') acks.push({ id: Number(p[1]), t: Number(p[2]), sid: Number(p[3]), conn: Number(p[4] ?? 0) });
    else if (p[0] === 'err') errors.push({ t: Number(p[1]), id: Number(p[2]), code: p[3] ?? '', message: p.slice(4).join(' ') });
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const exited = new Promise<void>((res) => {
    child.on('exit', (code) => {
      if (code !== 0 && stderr.trim()) console.log(`      workload exited ${code}: ${stderr.trim()}`);
      rl.once('close', () => res());
      setTimeout(res, 1000); // stdout closes with the process; never wait forever
    });
  });
  const pid = child.pid;
  return {
    pid,
    acks,
    errors,
    exited,
    async stop() {
      if (processAlive(pid)) await stopPid(pid, { graceMs: 5_000 });
      await exited;
    },
    lastAck: () => acks[acks.length - 1],
    acksSince: (t) => acks.filter((a) => a.t >= t),
    firstAckOn: (name, t) => acks.find((a) => a.t >= t && `db${a.sid}` === name),
  };
}

/** Waits until the workload has acknowledged `n` more writes than now (bounded). */
export async function waitForAcks(w: Workload, n: number, boundMs = 20_000): Promise<void> {
  const target = w.acks.length + n;
  const end = Date.now() + boundMs;
  while (w.acks.length < target) {
    if (Date.now() > end) throw new Error(`workload: ${w.acks.length - target + n}/${n} acknowledged writes in ${boundMs} ms (last errors: ${JSON.stringify(w.errors.slice(-3))})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Longest gap between consecutive acknowledged writes (the write-blocked window), within [from, to]. */
export function longestGap(acks: Ack[], from = 0, to = Infinity): { ms: number; after: number; before: number } {
  let best = { ms: 0, after: 0, before: 0 };
  const xs = acks.filter((a) => a.t >= from && a.t <= to);
  for (let i = 1; i < xs.length; i++) {
    const d = xs[i]!.t - xs[i - 1]!.t;
    if (d > best.ms) best = { ms: d, after: xs[i - 1]!.id, before: xs[i]!.id };
  }
  return best;
}
