// The observer: every 100 ms, from the ROOT namespace, samples every node — @@read_only and SHOW
// SLAVE STATUS over its unix socket as root (works while the node's network is cut), and the
// addresses on its eth0 (`ip -n NS -o addr show dev eth0`: its VIPs). A probe still running
// (a SIGSTOPped mariadbd never answers) is not stacked: that node's tick records `null` (unknown).
import { execFile } from 'node:child_process';
import mysql from 'mysql2/promise';
import type { ClusterView } from './cluster';

export const SAMPLE_EVERY_MS = 100;
const PROBE_TIMEOUT_MS = 1_000;

export interface NodeSample {
  node: string;
  /** true/false, or null when the probe failed or was still running. */
  readOnly: boolean | null;
  /** Addresses on eth0 other than the node's own ip; null when `ip` failed. */
  vips: string[] | null;
  masterHost: string | null;
  ioRunning: string | null;
  sqlRunning: string | null;
  lastSqlErrno: number | null;
  error?: string;
}

export interface Tick {
  /** Tick number (one every 100 ms). */
  n: number;
  /** When the tick's probes started (epoch ms). */
  t: number;
  nodes: NodeSample[];
}

export interface Observer {
  ticks: Tick[];
  stop(): Promise<void>;
  /** Ticks at or after `t`. */
  since(t: number): Tick[];
}

function ipAddrs(ns: string): Promise<string[]> {
  return new Promise((res, rej) => {
    execFile('ip', ['-n', ns, '-o', '-4', 'addr', 'show', 'dev', 'eth0'], { timeout: PROBE_TIMEOUT_MS }, (err, stdout) => {
      if (err) return rej(err);
      res([...stdout.matchAll(/\binet\s+([0-9.]+)\//g)].map((m) => m[1]!));
    });
  });
}

interface Prober {
  name: string;
  conn: mysql.Connection | null;
  dbBusy: boolean;
  ipBusy: boolean;
}

export function startObserver(c: Pick<ClusterView, 'db'>): Observer {
  const ticks: Tick[] = [];
  const probers: Prober[] = c.db.nodes.map((n) => ({ name: n.name, conn: null, dbBusy: false, ipBusy: false }));
  let n = 0;
  let stopped = false;
  const inflight = new Set<Promise<unknown>>();

  const dbProbe = async (p: Prober): Promise<Partial<NodeSample>> => {
    const node = c.db.node(p.name);
    try {
      if (!p.conn) {
        p.conn = await mysql.createConnection({ socketPath: node.socket, user: 'root', connectTimeout: PROBE_TIMEOUT_MS });
        p.conn.on('error', () => undefined);
      }
      const [ro] = (await p.conn.query({ sql: 'SELECT @@GLOBAL.read_only AS ro', timeout: PROBE_TIMEOUT_MS })) as unknown as [Array<{ ro: number }>];
      const [ss] = (await p.conn.query({ sql: 'SHOW SLAVE STATUS', timeout: PROBE_TIMEOUT_MS })) as unknown as [Array<Record<string, unknown>>];
      const s = ss[0];
      return {
        readOnly: Number(ro[0]?.ro) === 1,
        masterHost: s ? String(s.Master_Host) : null,
        ioRunning: s ? String(s.Slave_IO_Running) : null,
        sqlRunning: s ? String(s.Slave_SQL_Running) : null,
        lastSqlErrno: s ? Number(s.Last_SQL_Errno) : null,
      };
    } catch (e) {
      p.conn?.destroy();
      p.conn = null;
      return { error: (e as Error).message };
    }
  };

  const sampleNode = async (p: Prober): Promise<NodeSample> => {
    const s: NodeSample = { node: p.name, readOnly: null, vips: null, masterHost: null, ioRunning: null, sqlRunning: null, lastSqlErrno: null };
    const node = c.db.node(p.name);
    // The interface first, then MySQL: an agent makes a node writable before it adds the writer VIP,
    // so a VIP seen implies read_only=0 was already set when read_only is read. Sampled the other
    // way round (or at once), a promotion between the two reads looks like "VIP without writable".
    if (!p.ipBusy && node.netns) {
      p.ipBusy = true;
      const ip = ipAddrs(node.netns)
        .then((a) => void (s.vips = a.filter((x) => x !== node.ip)))
        .catch(() => undefined)
        .finally(() => (p.ipBusy = false));
      await Promise.race([ip, new Promise<void>((r) => setTimeout(r, PROBE_TIMEOUT_MS + 200))]);
    }
    if (!p.dbBusy) {
      p.dbBusy = true;
      const j = dbProbe(p).then((r) => void Object.assign(s, r)).finally(() => (p.dbBusy = false));
      // Never wait longer than a bound for a tick.
      await Promise.race([j, new Promise<void>((r) => setTimeout(r, PROBE_TIMEOUT_MS + 200))]);
    } else s.error = 'previous probe still running';
    return { ...s }; // a snapshot: an answer arriving after the bound does not rewrite this tick
  };

  const tick = (): void => {
    if (stopped) return;
    const t = Date.now();
    const k = n++;
    const job = Promise.all(probers.map(sampleNode)).then((nodes) => {
      ticks.push({ n: k, t, nodes });
    });
    inflight.add(job);
    void job.finally(() => inflight.delete(job));
  };
  tick();
  const timer = setInterval(tick, SAMPLE_EVERY_MS);

  return {
    ticks,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await Promise.race([Promise.all([...inflight]), new Promise((r) => setTimeout(r, 3_000))]);
      for (const p of probers) p.conn?.destroy();
      ticks.sort((a, b) => a.n - b.n);
    },
    since: (t) => ticks.filter((x) => x.t >= t),
  };
}

/** Nodes seen writable in a tick. */
export const writableIn = (t: Tick): string[] => t.nodes.filter((s) => s.readOnly === false).map((s) => s.node);
/** Nodes holding `vip` in a tick. */
export const holdersIn = (t: Tick, vip: string): string[] => t.nodes.filter((s) => s.vips?.includes(vip)).map((s) => s.node);

/** First tick at or after `from` where `pred` holds. */
export function firstTick(o: Observer, from: number, pred: (t: Tick) => boolean): Tick | undefined {
  return [...o.ticks].sort((a, b) => a.t - b.t).find((t) => t.t >= from && pred(t));
}
