// Faults, each by PID or on the sandbox's own links and routes only. A daemon we restart is
// started with the sandbox's own command line (daemons.ts: `[ip netns exec NS] node BIN -c CONF`,
// output appended to the same log) and its new PID written to DIR/sandbox.json, so `down` stops
// it by PID like the original.
import { readFileSync, statSync } from 'node:fs';
import {
  binScript, processAlive, queries, query, run, setLink, startDaemon, stopPid, TEST_SCHEMA, type Daemon,
} from '../../../packages/sandbox/src';
import { recordDaemonPid, until, type E2eCluster } from './cluster';

export type Signal = 'SIGKILL' | 'SIGSTOP' | 'SIGCONT';

/** Sends `sig` to node `name`'s mariadbd (PID from status --json). */
export function signalMariadb(c: E2eCluster, name: string, sig: Signal): number {
  const pid = c.node(name).mariadbd_pid;
  if (!pid) throw new Error(`${name}: no mariadbd PID`);
  process.kill(pid, sig);
  return pid;
}

/** kill -9 of node `name`'s mariadbd; waits until the PID is gone. */
export async function killMariadb(c: E2eCluster, name: string): Promise<number> {
  const pid = signalMariadb(c, name, 'SIGKILL');
  await until(`${name} mariadbd ${pid} gone`, async () => !processAlive(pid), 10_000, 20);
  return pid;
}

/** Starts node `name`'s mariadbd again (same datadir, my.cnf, namespace) and refreshes status. */
export async function restartMariadb(c: E2eCluster, name: string): Promise<number> {
  await c.db.startNode(name);
  await c.refresh();
  return c.node(name).mariadbd_pid!;
}

/** Takes node `name`'s cable out (the switch side of its veth) or puts it back. */
export async function link(c: E2eCluster, name: string, state: 'up' | 'down'): Promise<void> {
  await setLink(c.db.node(name), state);
}

/** kill -9 of node `name`'s agent. */
export async function killAgent(c: E2eCluster, name: string): Promise<number> {
  const pid = c.node(name).agent_pid;
  if (!pid) throw new Error(`${name}: no agent PID`);
  process.kill(pid, 'SIGKILL');
  await until(`agent ${name} ${pid} gone`, async () => !processAlive(pid), 10_000, 20);
  return pid;
}

async function waitListening(d: Daemon, logFile: string, since: number, what: string): Promise<void> {
  await until(`${what} listening`, async () => {
    if (d.hasExited()) throw new Error(`${what} ${await d.exited}`);
    return readFileSync(logFile).subarray(since).toString('utf8').includes('listening on');
  }, 20_000, 50);
}

/** Starts node `name`'s agent as the sandbox did; records its PID for `down`. Returns the PID. */
export async function restartAgent(c: E2eCluster, name: string): Promise<number> {
  const n = c.node(name);
  const size = statSync(n.agent_log).size;
  const d = startDaemon({
    what: `agent ${name}`,
    script: binScript('@mmm/agent', 'mmmd_agent.js'),
    config: n.config,
    log: n.agent_log,
    ...(n.netns ? { netns: n.netns } : {}),
  });
  recordDaemonPid(c.dir, name, d.pid);
  await waitListening(d, n.agent_log, size, `agent ${name}`);
  await c.refresh();
  return d.pid;
}

/** kill -9 of the monitor. */
export async function killMonitor(c: E2eCluster): Promise<number> {
  const pid = c.status.monitor.pid;
  if (!pid) throw new Error('no monitor PID');
  process.kill(pid, 'SIGKILL');
  await until(`monitor ${pid} gone`, async () => !processAlive(pid), 10_000, 20);
  return pid;
}

/** Starts the monitor as the sandbox did (same config, same log); records its PID; waits for `ping`. */
export async function restartMonitor(c: E2eCluster): Promise<number> {
  const d = startDaemon({ what: 'monitor', script: binScript('@mmm/monitor', 'mmmd_mon.js'), config: c.status.monitor.config, log: c.status.monitor.log });
  recordDaemonPid(c.dir, 'monitor', d.pid);
  await until('the restarted monitor answering ping', async () => {
    if (d.hasExited()) throw new Error(`monitor ${await d.exited}`);
    return (await c.control('ping')).code === 0;
  }, 20_000, 100);
  await c.refresh();
  return d.pid;
}

/** Stops a daemon we started ourselves by PID (teardown fallback; `down` normally does it). */
export async function stopOurPid(pid: number | undefined, mustContain: string): Promise<void> {
  if (pid && processAlive(pid)) await stopPid(pid, { graceMs: 5_000, mustContain });
}

/** The table the replication-break fault collides on (not the workload's: its ids must stay clean). */
export const BREAK_TABLE = 'e2e_break';

/**
 * Breaks `replica`'s SQL thread: a row inserted on it with sql_log_bin=0, then the same key
 * inserted on the writer (root, over its socket) → the replica stops with Last_SQL_Errno 1062.
 */
export async function breakReplication(c: E2eCluster, replica: string, writer: string): Promise<void> {
  const t = `${TEST_SCHEMA}.${BREAK_TABLE}`;
  await query(c.db.node(writer), `CREATE TABLE IF NOT EXISTS ${t} (id INT PRIMARY KEY, src VARCHAR(20))`);
  await until(`${BREAK_TABLE} on ${replica}`, async () => (await query(c.db.node(replica), `SHOW TABLES FROM ${TEST_SCHEMA} LIKE '${BREAK_TABLE}'`)).length === 1, 10_000);
  await queries(c.db.node(replica), ['SET SESSION sql_log_bin = 0', `INSERT INTO ${t} VALUES (1, 'replica only')`, 'SET SESSION sql_log_bin = 1']);
  await query(c.db.node(writer), `INSERT INTO ${t} VALUES (1, 'writer')`);
}

/** Repairs it: the conflicting row removed on the replica (sql_log_bin=0), START SLAVE SQL_THREAD. */
export async function repairReplication(c: E2eCluster, replica: string): Promise<void> {
  await queries(c.db.node(replica), [
    'SET SESSION sql_log_bin = 0',
    `DELETE FROM ${TEST_SCHEMA}.${BREAK_TABLE} WHERE id = 1`,
    'SET SESSION sql_log_bin = 1',
    'START SLAVE SQL_THREAD',
  ]);
}

/**
 * Cuts the monitor (root namespace) off from node `name` only: a blackhole route for its ip in
 * the root namespace. Nothing else in the root namespace talks to node addresses (the observer
 * uses sockets); the nodes still reach each other on the bridge.
 */
export async function cutMonitorFrom(c: E2eCluster, name: string): Promise<void> {
  await run('ip', ['route', 'add', 'blackhole', `${c.db.node(name).ip}/32`], { timeoutMs: 5_000 });
}

export async function restoreMonitorTo(c: E2eCluster, name: string): Promise<void> {
  await run('ip', ['route', 'del', 'blackhole', `${c.db.node(name).ip}/32`], { timeoutMs: 5_000, allowFail: true });
}
