// The mixed-cluster timeline for the closing note of issue 14: after each step, where each VIP is
// (read live from every namespace's eth0), each node's @@read_only (root over its socket; `down`
// when mysqld does not answer), the monitor's view of states and roles, and the elapsed time.
import { readOnly, vipsOf } from '../../../packages/sandbox/src';
import { describeRoles } from '../../e2e/lib/cluster';
import type { MixedCluster } from './mixed-cluster';
import { HOSTS } from './mixed-cluster';

export interface TimelineRow {
  step: string;
  ms: number;
  /** host → VIP labels (W = writer, r1…r3 = readers). */
  vips: Record<string, string[]>;
  readOnly: Record<string, boolean | null>;
  monitor: string;
}

export class Timeline {
  readonly rows: TimelineRow[] = [];
  readonly t0 = Date.now();

  constructor(private readonly c: MixedCluster, readonly title: string) {}

  private label(ip: string): string {
    if (ip === this.c.writerVip) return 'W';
    const k = this.c.readerVips.indexOf(ip);
    return k >= 0 ? `r${k + 1}` : ip;
  }

  /** Samples the cluster now and records it under `step`. */
  async mark(step: string): Promise<TimelineRow> {
    const ms = Date.now() - this.t0;
    const vips: Record<string, string[]> = {};
    const ro: Record<string, boolean | null> = {};
    await Promise.all(HOSTS.map(async (h) => {
      const n = this.c.db.node(h);
      vips[h] = (await vipsOf(n).catch(() => [] as string[])).map((ip) => this.label(ip)).sort();
      ro[h] = await readOnly(n).catch(() => null);
    }));
    const monitor = await this.c.statusDoc().then(describeRoles, (e: Error) => `(status_json: ${e.message})`);
    const row = { step, ms, vips, readOnly: ro, monitor };
    this.rows.push(row);
    return row;
  }

  format(): string {
    const cell = (r: TimelineRow, h: string): string => {
      const ro = r.readOnly[h];
      return `${ro === null ? 'down' : ro ? 'ro=1' : 'ro=0'} ${r.vips[h]!.join(',') || '-'}`;
    };
    const head = ['+ms', 'step', ...HOSTS];
    const body = this.rows.map((r) => [String(r.ms), r.step, ...HOSTS.map((h) => cell(r, h))]);
    const widths = head.map((_, i) => Math.max(head[i]!.length, ...body.map((b) => b[i]!.length)));
    const line = (cols: string[]): string => cols.map((x, i) => x.padEnd(widths[i]!)).join('  ').trimEnd();
    return [
      `== timeline: ${this.title} (VIPs on each eth0: W writer, r1-r3 readers; read_only per node)`,
      line(head),
      ...body.map(line),
      '   monitor view after each step:',
      ...this.rows.map((r) => `   ${r.step}: ${r.monitor}`),
    ].join('\n');
  }
}
