// One fresh `mmm_sandbox up --netns` per scenario, driven through the BUILT binaries as an operator
// would (mmm_sandbox, mmm_control), torn down in after() even when the scenario failed: `down`
// first, the harness's stopDbCluster as a fallback, then our client namespace and DIR.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { StatusDocument } from '@mmm/common';
import {
  ETCD_INSTALL_HINT, addressOf, etcdDataRoot, findEtcd, leaderInShow, listNamespaces, netnsSupport, nsPids, openDbCluster, processAlive, query, roleIps, run, sandboxNames,
  showOf, statusJson as controlStatusJson, stopDbCluster, stopPid, TEST_SCHEMA, type DbCluster, type SandboxState, type SandboxStatus,
} from '../../../packages/sandbox/src';

export const ROOT = resolve(__dirname, '../../..');
export const SANDBOX_BIN = join(ROOT, 'packages/sandbox/bin/mmm_sandbox.js');
export const CONTROL_BIN = join(ROOT, 'packages/control/bin/mmm_control.js');
/** The table the workload writes (created by root on db1 before the workload starts). */
export const WRITES_TABLE = 'e2e_writes';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const log = (line: string): void => console.log(`      ${line}`);

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a node script (a built bin) as a child process, bounded. */
export function runNode(script: string, args: string[], timeoutMs = 60_000): Promise<Ran> {
  return new Promise((res) => {
    execFile(process.execPath, [script, ...args], { cwd: tmpdir(), timeout: timeoutMs, maxBuffer: 16 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 99) : 0;
      res({ code, stdout, stderr });
    });
  });
}

/** Polls `fn` until it returns something truthy or `boundMs` passed (then throws with the last detail). */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false | null>, boundMs = 30_000, everyMs = 100): Promise<T> {
  const end = Date.now() + boundMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${boundMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message ?? String(last)})` : ''}`);
    await sleep(everyMs);
  }
}

/**
 * What the workload, the observer and the invariants use of a cluster: a sandbox (E2eCluster) or
 * another rig built on the same DB layer (test/upgrade's mixed cluster). `dir` holds the
 * monitor's status file (DIR/mmm_mond.status, its audit log next to it) and DIR/monitor/mmmd_mon.log.
 */
export interface ClusterView {
  dir: string;
  db: DbCluster;
  writerVip: string;
  /** Namespace the workload runs in, on the cluster's bridge. */
  clientNs: string;
  /** `mmm_control -c <its control config> ARGS…` (the built binary). */
  control(...args: string[]): Promise<Ran>;
  /** The monitor's status_json document. */
  statusDoc(timeoutMs?: number): Promise<StatusDocument>;
}

export interface E2eCluster extends ClusterView {
  /** `status --json` as read right after `up` (PIDs may change: see refresh()). */
  status: SandboxStatus;
  /**
   * `up --monitors N` (N ≥ 2): the monitors and etcd members from status --json. `control()` then
   * names every monitor (`--monitor A,B,C`: mmm_control finds the leader) and `statusDoc()` asks
   * the monitor whose `show` says it leads.
   */
  ha?: { monitors: NonNullable<SandboxStatus['monitors']>; etcd: NonNullable<SandboxStatus['etcd']>; leaseTtl: number };
  readerVips: string[];
  clientIp: string;
  /** Re-reads `status --json`. */
  refresh(): Promise<SandboxStatus>;
  node(name: string): SandboxStatus['nodes'][number];
  /** Tears everything down; safe to call twice. */
  teardown(): Promise<void>;
}

export function writerOf(doc: StatusDocument): string {
  return doc.roles.find((r) => r.activeMaster)?.ips[0]?.assignedTo ?? '';
}

export function stateOf(doc: StatusDocument, host: string): string {
  return doc.hosts.find((h) => h.name === host)?.state ?? '?';
}

export function rolesOf(doc: StatusDocument, host: string): string[] {
  return (doc.hosts.find((h) => h.name === host)?.roles ?? []).map((r) => `${r.name}(${r.ip})`).sort();
}

/** Host → roles, e.g. `db1=reader,writer db2=reader db3=reader`. */
export function describeRoles(doc: StatusDocument): string {
  return doc.hosts.map((h) => `${h.name}:${h.state}[${h.roles.map((r) => r.name).sort().join(',')}]`).join(' ');
}

/**
 * Records a daemon we (re)started in DIR/sandbox.json, so `down` stops it by PID like the original:
 * `monitor`, an agent by its node's name, or with monitor HA a monitor by its id (`mon2`).
 */
export function recordDaemonPid(dir: string, which: 'monitor' | string, pid: number): void {
  const file = join(dir, 'sandbox.json');
  const state = JSON.parse(readFileSync(file, 'utf8')) as SandboxState;
  const haMonitor = state.ha?.monitors.find((m) => m.id === which);
  if (haMonitor) haMonitor.pid = pid;
  else if (which === 'monitor') {
    if (!state.monitor) throw new Error('sandbox.json has no monitor record');
    state.monitor.pid = pid;
  } else {
    const a = state.agents[which];
    if (!a) throw new Error(`sandbox.json has no agent ${which}`);
    a.pid = pid;
  }
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, file);
}

const ip = (args: string[]): Promise<unknown> => run('ip', args, { timeoutMs: 10_000 });

/** A client namespace `<prefix>-cli` with eth0 on the sandbox's bridge at .60 (like a node, without MySQL). */
export async function createClientNs(dir: string): Promise<{ ns: string; ip: string }> {
  const names = sandboxNames(dir);
  const ns = `${names.prefix}-cli`;
  const addr = `${names.netns.subnet}.60`;
  const sw = names.netns.switchNs;
  await ip(['netns', 'add', ns]);
  await ip(['-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'cli', 'netns', sw]);
  await ip(['-n', sw, 'link', 'set', 'cli', 'master', 'br0']);
  await ip(['-n', sw, 'link', 'set', 'cli', 'up']);
  await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  await ip(['-n', ns, 'addr', 'add', `${addr}/24`, 'dev', 'eth0']);
  await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
  return { ns, ip: addr };
}

/** Stops what still runs in our client namespace (only our workload can) and deletes it. */
export async function removeClientNs(ns: string): Promise<void> {
  if (!(await listNamespaces()).includes(ns)) return;
  for (const pid of await nsPids(ns)) await stopPid(pid, { graceMs: 3_000 });
  await run('ip', ['netns', 'del', ns], { allowFail: true, timeoutMs: 10_000 });
}

/** Why this machine cannot run `up` with these arguments ('' when it can): not root, no `ip netns`, or etcd missing for `--monitors N`. */
async function cannotRun(upArgs: readonly string[]): Promise<string> {
  const ok = await netnsSupport();
  if (ok !== true) return ok;
  const i = upArgs.indexOf('--monitors');
  if (i < 0 || Number(upArgs[i + 1]) < 2) return '';
  try {
    findEtcd();
    return '';
  } catch {
    return `monitor HA needs etcd (${ETCD_INSTALL_HINT})`;
  }
}

/** The monitor whose `show` says it leads, asked for status_json (monitor HA); throws when none leads. */
async function leaderStatusDoc(controlConfig: string, monitors: NonNullable<E2eCluster['ha']>['monitors'], timeoutMs: number): Promise<StatusDocument> {
  const said = await Promise.all(monitors.map((m) => showOf(controlConfig, m, Math.min(timeoutMs, 1_500)).then(leaderInShow, () => undefined)));
  const leader = monitors.find((_, i) => said[i]?.self);
  if (!leader) throw new Error(`no monitor leads (${monitors.map((m, i) => `${m.id}: ${said[i] ? `names ${said[i]!.id}` : 'no leader or no answer'}`).join(', ')})`);
  return controlStatusJson({ config: controlConfig, address: addressOf(leader.control) }, timeoutMs);
}

/**
 * Starts a fresh netns sandbox for one scenario, or skips the suite (printing why) when this
 * machine can't (not root, no `ip netns`; etcd for `--monitors N`). Creates the workload table.
 * Call `teardown()` in after(). `upArgs` go to `mmm_sandbox up` as they are (e.g.
 * `--monitor-option failover_cooldown=300`, `--monitors 3`).
 */
export async function startCluster(ctx: Mocha.Context, label: string, upArgs: readonly string[] = []): Promise<E2eCluster | undefined> {
  const why = await cannotRun(upArgs);
  if (why) {
    log(`skipping: ${why}`);
    ctx.skip();
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), `mmm-e2e-${label}-`));
  rmSync(dir, { recursive: true, force: true }); // up creates it (and refuses a DIR holding a sandbox)
  let clientNs = '';
  let tornDown = false;
  const teardown = async (): Promise<void> => {
    if (tornDown) return;
    tornDown = true;
    if (clientNs) await removeClientNs(clientNs).catch((e: Error) => log(`client namespace removal failed: ${e.message}`));
    if (existsSync(dir)) {
      const r = await runNode(SANDBOX_BIN, ['down', '--dir', dir], 90_000);
      if (r.code !== 0) log(`down exited ${r.code}: ${r.stderr.trim()}`);
      if (existsSync(join(dir, 'db-cluster.json'))) await stopDbCluster(dir).catch((e: Error) => log(`stopDbCluster: ${e.message}`));
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    const t0 = Date.now();
    const r = await runNode(SANDBOX_BIN, ['up', '--netns', '--dir', dir, ...upArgs], 150_000);
    if (r.code !== 0) throw new Error(`mmm_sandbox up exited ${r.code}:\n${r.stderr}`);
    log(`sandbox up in ${Date.now() - t0} ms (${dir})`);
    const refresh = async (): Promise<SandboxStatus> => {
      const s = await runNode(SANDBOX_BIN, ['status', '--json', '--dir', dir], 30_000);
      if (s.code !== 0) throw new Error(`mmm_sandbox status exited ${s.code}: ${s.stderr}`);
      return JSON.parse(s.stdout) as SandboxStatus;
    };
    const status = await refresh();
    const controlConfig = join(dir, 'mmm_control.conf');
    const ha = status.monitors && status.etcd && status.monitor_ha
      ? { monitors: status.monitors, etcd: status.etcd, leaseTtl: status.monitor_ha.lease_ttl }
      : undefined;
    const cluster: E2eCluster = {
      dir,
      status,
      ...(ha ? { ha } : {}),
      db: openDbCluster(dir),
      ...(() => {
        const ips = roleIps(sandboxNames(dir), 3, 'netns');
        return { writerVip: ips.writer, readerVips: ips.readers };
      })(),
      clientNs: '',
      clientIp: '',
      async refresh() {
        this.status = await refresh();
        return this.status;
      },
      node(name) {
        const n = this.status.nodes.find((x) => x.name === name);
        if (!n) throw new Error(`no node ${name}`);
        return n;
      },
      control: (...args) => runNode(CONTROL_BIN, ['-c', controlConfig, ...(ha ? ['--monitor', ha.monitors.map((m) => m.control).join(',')] : []), ...args], 30_000),
      statusDoc: (timeoutMs = 3_000) => (ha ? leaderStatusDoc(controlConfig, ha.monitors, timeoutMs) : controlStatusJson({ config: controlConfig }, timeoutMs)),
      teardown,
    };
    const c = await createClientNs(dir);
    clientNs = c.ns;
    cluster.clientNs = c.ns;
    cluster.clientIp = c.ip;
    await query(cluster.db.node('db1'), `CREATE TABLE ${TEST_SCHEMA}.${WRITES_TABLE} (id BIGINT PRIMARY KEY, ts TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))`);
    await until('the workload table on every node', async () => {
      for (const n of cluster.db.nodes) {
        const rows = await query(n, `SELECT COUNT(*) AS c FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`, [TEST_SCHEMA, WRITES_TABLE]);
        if (Number(rows[0]?.c) !== 1) return false;
      }
      return true;
    }, 15_000);
    return cluster;
  } catch (e) {
    await teardown();
    throw e;
  }
}

/** Our leftovers after teardown, if any (for the scenario's last check). */
export async function leftovers(dir: string, pids: number[]): Promise<string[]> {
  const names = sandboxNames(dir);
  const out: string[] = [];
  const ns = (await listNamespaces()).filter((n) => n.startsWith(`${names.prefix}-`));
  if (ns.length) out.push(`namespaces ${ns.join(', ')}`);
  const alive = pids.filter((p) => processAlive(p));
  if (alive.length) out.push(`processes ${alive.join(', ')}`);
  if (existsSync(dir)) out.push(`dir ${dir}`);
  const etcdData = etcdDataRoot(names); // monitor HA's etcd data
  if (existsSync(etcdData)) out.push(`etcd data ${etcdData}`);
  return out;
}

export interface AuditEntry {
  time: string;
  kind: string;
  host?: string;
  role?: string;
  reason: string;
  blocked: boolean;
}

/** The monitor's audit log (DIR/mmm_mond.status.audit.jsonl): every decision, since `since` (epoch ms). */
export function auditSince(dir: string, since = 0): AuditEntry[] {
  const file = join(dir, 'mmm_mond.status.audit.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as AuditEntry];
      } catch {
        return [];
      }
    })
    .filter((e) => Date.parse(e.time) >= since);
}

/** State transitions of `host` since `since`, as `reason` strings (state_change decisions not blocked). */
/**
 * The monitor's view of a failover since `since`, for reports: its log lines on `host`'s checks
 * and agent, then its held state changes and the failover decision ("+<ms> <text>").
 */
export function failoverTimeline(dir: string, since: number, host = 'db1'): string[] {
  const file = join(dir, 'monitor', 'mmmd_mon.log');
  const logLines = existsSync(file)
    ? readFileSync(file, 'utf8').split('\n').flatMap((l) => {
      const m = /^(\S+Z) mmmd_mon\s+\w+: (.*)$/.exec(l);
      if (!m || !(new RegExp(`(check \\w+ on ${host}:|agent ${host} )`).test(m[2]!))) return [];
      const t = Date.parse(m[1]!);
      return t >= since ? [{ t, text: m[2]!.slice(0, 160) }] : [];
    })
    : [];
  const decisions = auditSince(dir, since)
    .filter((e) => e.kind === 'failover' || (e.kind === 'state_change' && /HARD_OFFLINE/.test(e.reason)))
    .map((e) => ({ t: Date.parse(e.time), text: `${e.blocked ? '(blocked) ' : ''}${e.reason}` }));
  return [...logLines.slice(0, 12), ...decisions].sort((a, b) => a.t - b.t).map((e) => `+${e.t - since} ms ${e.text}`);
}

export function transitionsOf(dir: string, host: string, since = 0): string[] {
  return auditSince(dir, since).filter((e) => e.kind === 'state_change' && e.host === host && !e.blocked).map((e) => e.reason);
}
