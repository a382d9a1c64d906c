// The observer: every 100 ms, from the ROOT namespace, samples every node — @@read_only and SHOW
// SLAVE STATUS over its unix socket as root (works while the node's network is cut), and the
// addresses on its eth0 (`ip -n NS -o addr show dev eth0`: its VIPs). A probe still running
// (a SIGSTOPped mariadbd never answers) is not stacked: that node's tick records `null` (unknown).
// The interfaces of all nodes are read by ONE shell per tick, in node order and then in reverse
// order (`vips`, then `vipsLate`): separate reads per node drift apart on a loaded machine, and a
// VIP that moved between two of them looked like a VIP on two hosts. With both orders the
// invariant can tell a real double (one host seen holding it before AND after the other) from a
// move between two reads (vipInTwoPlaces in invariants.ts).
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
  /** The same, read again after every node's `vips` (the reverse pass); null when `ip` failed. */
  vipsLate: string[] | null;
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

/**
 * The IPv4 addresses on eth0 of each namespace, read in order and then in reverse order by one
 * shell: `[forward, reverse]`, each a map namespace → addresses (absent: that read failed).
 */
function ipAddrsBothWays(nss: string[]): Promise<[Map<string, string[]>, Map<string, string[]>]> {
  const order = [...nss, ...[...nss].reverse()];
  // Namespace names are ours (mmm-<hex>-dbN): no quoting needed beyond refusing anything else.
  if (order.some((ns) => !/^[\w.-]+$/.test(ns))) return Promise.reject(new Error(`unexpected namespace name in ${order.join(' ')}`));
  const script = order.map((ns, i) => `echo "@@ ${i}"; ip -n ${ns} -o -4 addr show dev eth0 && echo "@@ok ${i}"`).join('; ');
  return new Promise((res, rej) => {
    execFile('sh', ['-c', script], { timeout: PROBE_TIMEOUT_MS }, (err, stdout) => {
      if (err && !stdout) return rej(err);
      const fwd = new Map<string, string[]>();
      const rev = new Map<string, string[]>();
      const parts = stdout.split(/^@@ (\d+)\n/m).slice(1);
      for (let k = 0; k + 1 < parts.length; k += 2) {
        const i = Number(parts[k]);
        const body = parts[k + 1]!;
        if (!new RegExp(`^@@ok ${i}$`, 'm').test(body)) continue;
        const addrs = [...body.matchAll(/\binet\s+([0-9.]+)\//g)].map((m) => m[1]!);
        (i < nss.length ? fwd : rev).set(order[i]!, addrs);
      }
      res([fwd, rev]);
    });
  });
}

interface Prober {
  name: string;
  conn: mysql.Connection | null;
  dbBusy: boolean;
}

export function startObserver(c: Pick<ClusterView, 'db'>): Observer {
  const ticks: Tick[] = [];
  const probers: Prober[] = c.db.nodes.map((n) => ({ name: n.name, conn: null, dbBusy: false }));
  let ipBusy = false;
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

  /** Every node's interface, both passes; a node without a namespace (or a failed read) stays null. */
  const sampleInterfaces = async (): Promise<Map<string, Pick<NodeSample, 'vips' | 'vipsLate'>>> => {
    const out = new Map<string, Pick<NodeSample, 'vips' | 'vipsLate'>>();
    const withNs = probers.map((p) => c.db.node(p.name)).filter((n) => !!n.netns);
    if (ipBusy || !withNs.length) return out;
    ipBusy = true;
    const read = ipAddrsBothWays(withNs.map((n) => n.netns!))
      .then(([fwd, rev]) => {
        for (const n of withNs) {
          const own = (a: string[] | undefined): string[] | null => (a ? a.filter((x) => x !== n.ip) : null);
          out.set(n.name, { vips: own(fwd.get(n.netns!)), vipsLate: own(rev.get(n.netns!)) });
        }
      })
      .catch(() => undefined)
      .finally(() => (ipBusy = false));
    await Promise.race([read, new Promise<void>((r) => setTimeout(r, PROBE_TIMEOUT_MS + 200))]);
    return new Map(out); // a snapshot: a late answer does not rewrite this tick
  };

  const sampleNode = async (p: Prober, ifs: Map<string, Pick<NodeSample, 'vips' | 'vipsLate'>>): Promise<NodeSample> => {
    const s: NodeSample = { node: p.name, readOnly: null, vips: null, vipsLate: null, masterHost: null, ioRunning: null, sqlRunning: null, lastSqlErrno: null, ...ifs.get(p.name) };
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
    // The interfaces first, then MySQL: an agent makes a node writable before it adds the writer
    // VIP, so a VIP seen implies read_only=0 was already set when read_only is read. Sampled the
    // other way round (or at once), a promotion between the reads looks like "VIP without writable".
    const job = sampleInterfaces().then((ifs) => Promise.all(probers.map((p) => sampleNode(p, ifs)))).then((nodes) => {
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
