// The sandbox's daemons (agents, monitors, forwarders, etcd members): started detached with their output in a log file,
// watched for an early exit, stopped by PID only (and only if the PID still runs our config).
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { processAlive, SandboxError, stopPid } from './exec';

export interface DaemonSpec {
  /** For messages: `agent db1`, `monitor`. */
  what: string;
  /** Absolute path of the bin script (`…/mmmd_agent.js`). */
  script: string;
  config: string;
  log: string;
  /** Run inside this network namespace (`ip netns exec NS node …`: exec, so the PID is node's). */
  netns?: string;
  /** Arguments after the script (default `-c CONFIG`); must name `config` for stopDaemon. */
  args?: string[];
  /** Another program than node: its whole argv (`script` and `args` unused); must name `config`. */
  command?: string[];
  /** Its environment (default ours). */
  env?: NodeJS.ProcessEnv;
}

export interface Daemon {
  pid: number;
  /** Resolves with a description once the process has exited (code or signal). */
  exited: Promise<string>;
  /** True once it exited. */
  hasExited(): boolean;
}

/** Path of a workspace package's bin script, e.g. binScript('@mmm/agent', 'mmmd_agent.js'). */
export function binScript(pkg: string, file: string): string {
  return join(dirname(require.resolve(`${pkg}/package.json`)), 'bin', file);
}

/** Starts a daemon detached (own session, survives us), stdout+stderr appended to its log. */
export function startDaemon(spec: DaemonSpec): Daemon {
  const argv = spec.command ?? [process.execPath, spec.script, ...(spec.args ?? ['-c', spec.config])];
  const [cmd, ...args] = spec.netns ? ['ip', 'netns', 'exec', spec.netns, ...argv] : argv;
  const fd = openSync(spec.log, 'a', 0o600);
  let child;
  try {
    child = spawn(cmd!, args, { detached: true, stdio: ['ignore', fd, fd], ...(spec.env ? { env: spec.env } : {}) });
  } finally {
    closeSync(fd);
  }
  let done: string | undefined;
  const exited = new Promise<string>((resolve) => {
    child.on('exit', (code, sig) => resolve((done = sig ? `killed by ${sig}` : `exited with status ${code}`)));
    child.on('error', (err) => resolve((done = `failed to start: ${err.message}`)));
  });
  child.unref();
  if (!child.pid) throw new SandboxError('COMMAND', `${spec.what}: could not start ${cmd}`);
  return { pid: child.pid, exited, hasExited: () => done !== undefined };
}

/** Stops a daemon by PID: SIGTERM, up to `graceMs`, then SIGKILL; only if its command line names `config`. */
export async function stopDaemon(pid: number, config: string, what: string, graceMs = 5_000): Promise<void> {
  if (!processAlive(pid)) return;
  const gone = await stopPid(pid, { graceMs, mustContain: config });
  if (!gone) throw new SandboxError('SANDBOX', `${what} (PID ${pid}) did not stop even after SIGKILL`);
}

/** This package's own CLI (`mmm_sandbox vip-proxy`/`forward` run the forwarders); from src/ and dist/ alike. */
export const sandboxBin = (): string => join(__dirname, '..', 'bin', 'mmm_sandbox.js');

/** A file's text, '' when it cannot be read (not written yet). */
export function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Last lines of a log file, for failure messages. */
export function logTail(file: string, lines = 15): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd();
    if (!text) return `(${file} is empty)`;
    return text.split('\n').slice(-lines).map((l) => `    ${l}`).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}
