// The frame every scenario shares: a fresh sandbox in before() (skipped with a reason when not
// root), the workload and the observer, and an after() that stops them, undoes the scenario's
// own changes (cleanup hooks, e.g. a route), tears the sandbox down and says what, if anything,
// was left behind.
import { existsSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import { stopPid, type SandboxStatus } from '../../../packages/sandbox/src';
import { leftovers, log, startCluster, type E2eCluster } from './cluster';
import { startObserver, type Observer } from './observer';
import { startWorkload, waitForAcks, type Workload, type WorkloadOptions } from './workload';

export interface Scenario {
  /** The cluster (set in before()). */
  c: E2eCluster;
  w?: Workload;
  o?: Observer;
  /** Starts the observer and the workload and waits for the first acknowledged writes. */
  startLoad(opts?: WorkloadOptions): Promise<void>;
  /** Stops the workload then the observer (idempotent). */
  stopLoad(): Promise<void>;
  /** Runs in after(), before the teardown, even when the scenario failed. */
  onCleanup(fn: () => Promise<void>): void;
}

/** `upArgs`: extra `mmm_sandbox up` arguments (startCluster). */
export function scenario(suite: Mocha.Suite, label: string, boundMs = 240_000, upArgs: readonly string[] = []): Scenario {
  suite.timeout(boundMs);
  const cleanups: Array<() => Promise<void>> = [];
  const s: Scenario = {
    c: undefined as unknown as E2eCluster,
    async startLoad(opts) {
      s.o = startObserver(s.c);
      s.w = startWorkload(s.c, opts);
      await waitForAcks(s.w, 200);
    },
    async stopLoad() {
      await s.w?.stop();
      await s.o?.stop();
    },
    onCleanup: (fn) => void cleanups.push(fn),
  };
  before(async function () {
    const c = await startCluster(this, label, upArgs);
    if (c) s.c = c;
  });
  after(async function () {
    this.timeout(180_000);
    if (!s.c) return;
    await s.stopLoad().catch((e: Error) => log(`stopping load: ${e.message}`));
    for (const fn of cleanups.reverse()) await fn().catch((e: Error) => log(`cleanup: ${e.message}`));
    // The logs go with the sandbox: when a test failed, show what the daemons said first.
    if (this.test?.parent?.tests.some((t) => t.state === 'failed')) printLogs(s.c);
    const pids = [...pidsOf(s.c.status), s.w?.pid].filter((p): p is number => !!p);
    await s.c.refresh().catch(() => undefined);
    pids.push(...pidsOf(s.c.status));
    await s.c.teardown();
    // what `down` missed, by PID, only while its command line still names DIR (etcd's names its certificates there)
    await Promise.all([...new Set(pids)].map((p) => stopPid(p, { graceMs: 2_000, mustContain: s.c.dir, kill: true })));
    const left = await leftovers(s.c.dir, [...new Set(pids)]);
    if (left.length) log(`LEFT BEHIND: ${left.join('; ')}`);
    expect(left, 'nothing left behind').to.deep.equal([]);
  });
  return s;
}

/** Every PID status --json lists: monitor(s), agents, mariadbd, and with monitor HA the etcd members and the forwarder. */
function pidsOf(st: SandboxStatus): number[] {
  return [
    st.monitor.pid, ...st.nodes.flatMap((n) => [n.mariadbd_pid, n.agent_pid]),
    ...(st.monitors ?? []).map((m) => m.pid), ...(st.etcd ?? []).map((e) => e.pid), st.monitor_ha?.forwarder?.pid ?? null,
  ].filter((p): p is number => !!p);
}

/** Warnings, errors and role/state lines of every agent and the monitor(s), at most 80 lines each. */
function printLogs(c: E2eCluster): void {
  const monitors = c.status.monitors?.map((m) => [`monitor ${m.id}`, m.log] as const) ?? [['monitor', c.status.monitor.log] as const];
  const files = [...c.status.nodes.map((n) => [`agent ${n.name}`, n.agent_log] as const), ...monitors];
  const interesting = /warn|error|fence|lease|read_only|writer|SET_STATUS|SET_TERM|term|state|vip/i;
  for (const [what, file] of files) {
    if (!existsSync(file)) continue;
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => interesting.test(l));
    log(`--- ${what}: ${file} (${lines.length} matching lines, last 80)`);
    for (const l of lines.slice(-80)) log(`  ${l.slice(0, 400)}`);
  }
}
