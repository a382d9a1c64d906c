// The built mmmd_agent / mmmd_mon as child processes: started with a config, the log (stderr +
// stdout) kept for assertions, stopped by PID (SIGTERM, then SIGKILL at a bound).
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { REPO } from './cluster';

export const AGENT_BIN = path.join(REPO, 'packages/agent/bin/mmmd_agent.js');
export const MONITOR_BIN = path.join(REPO, 'packages/monitor/bin/mmmd_mon.js');

export interface AgentProcess {
  child: ChildProcess;
  pid: number;
  /** stderr so far (the log). */
  log(): string;
  /** Resolves when the log matches `re`; rejects at `ms`. */
  waitForLog(re: RegExp, ms?: number, from?: number): Promise<void>;
  stop(): Promise<void>;
}

/** A daemon process; resolves once its log matches `ready` (stopped again if it does not). */
export async function startDaemon(bin: string, args: string[], ready: RegExp, startMs = 15_000): Promise<AgentProcess> {
  const name = path.basename(bin, '.js');
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waitForLog = async (re: RegExp, ms = 10_000, from = 0): Promise<void> => {
    const end = Date.now() + ms;
    while (!re.test(err.slice(from))) {
      if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}) before logging ${String(re)}:\n${err}`);
      if (Date.now() > end) throw new Error(`${name} did not log ${String(re)} within ${ms} ms:\n${err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const a: AgentProcess = {
    child,
    pid: child.pid!,
    log: () => err,
    waitForLog,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(a.pid, 'SIGTERM');
      const killer = setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) process.kill(a.pid, 'SIGKILL');
      }, 5000);
      await exited;
      clearTimeout(killer);
    },
  };
  try {
    await waitForLog(ready, startMs);
  } catch (e) {
    await a.stop();
    throw e;
  }
  return a;
}

export function startAgent(conf: string, startMs = 15_000): Promise<AgentProcess> {
  return startDaemon(AGENT_BIN, ['-c', conf, '--log-level', 'debug'], /listening on/, startMs);
}

/** mmmd_mon with a short pass interval; ready once its control port listens. */
export function startMonitor(conf: string, startMs = 20_000): Promise<AgentProcess> {
  return startDaemon(MONITOR_BIN, ['-c', conf, '--log-level', 'debug', '--pass-interval-ms', '200'], /mmmd_mon running: control on/, startMs);
}
