// Runs one operator hook (pre_failover_command, post_failover_command, notify_command):
// `/bin/sh -c COMMAND`, no stdin, the MMM_* variables added to the monitor's environment,
// stdout and stderr captured (bounded), in its own process group, killed at the timeout.
import { spawn } from 'node:child_process';
import { errorMessage } from '@mmm/common';

export interface HookRun {
  /** 0 only when the command exited 0 by itself. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Killed (with its process group) at the timeout. */
  timedOut: boolean;
  /** The shell could not be started at all (spawn error): why. */
  spawnError?: string;
  stdout: string;
  stderr: string;
  startedAt: number;
  durationMs: number;
}

export interface RunHookOptions {
  timeoutMs: number;
  /** Injected for tests; default Date.now. */
  now?: () => number;
  /** Default /bin/sh. */
  shell?: string;
  /** Aborting kills the run's process group (the monitor stops). */
  signal?: AbortSignal;
}

/** Each stream is kept up to this many bytes (the rest is counted as cut). */
export const HOOK_OUTPUT_MAX = 4096;

/** Never rejects. */
export function runHook(command: string, env: Readonly<Record<string, string>>, o: RunHookOptions): Promise<HookRun> {
  const now = o.now ?? Date.now;
  const startedAt = now();
  return new Promise((resolve) => {
    const out = { stdout: '', stderr: '' };
    let timedOut = false;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let abort = (): void => undefined;
    const done = (r: Pick<HookRun, 'exitCode' | 'signal'> & { spawnError?: string }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', abort);
      resolve({ ...r, timedOut, stdout: out.stdout, stderr: out.stderr, startedAt, durationMs: Math.max(0, now() - startedAt) });
    };
    let child;
    try {
      // detached: its own process group, so a timeout also ends whatever the script started
      child = spawn(o.shell ?? '/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, ...env } });
    } catch (e) {
      done({ exitCode: null, signal: null, spawnError: errorMessage(e) });
      return;
    }
    const collect = (k: 'stdout' | 'stderr') => (d: Buffer): void => {
      if (out[k].length < HOOK_OUTPUT_MAX) out[k] = (out[k] + d.toString('utf8')).slice(0, HOOK_OUTPUT_MAX);
    };
    child.stdout.on('data', collect('stdout'));
    child.stderr.on('data', collect('stderr'));
    const pid = child.pid;
    timer = setTimeout(() => {
      timedOut = true;
      killGroup(pid);
      child.stdout.destroy();
      child.stderr.destroy();
      // not 'close': a grandchild holding the pipes could keep it from coming
      done({ exitCode: null, signal: 'SIGKILL' });
    }, o.timeoutMs);
    abort = (): void => {
      killGroup(pid);
      done({ exitCode: null, signal: 'SIGKILL', spawnError: 'the monitor stopped' });
    };
    if (o.signal?.aborted) abort();
    o.signal?.addEventListener('abort', abort, { once: true });
    child.on('error', (e) => done({ exitCode: null, signal: null, spawnError: errorMessage(e) }));
    let exited: Pick<HookRun, 'exitCode' | 'signal'> | undefined;
    child.on('exit', (code, signal) => {
      exited = { exitCode: code, signal };
      clearTimeout(timer);
      // A hook owns no background processes: what it left in its group goes with it (they would
      // keep the pipes open, and nothing would bound them).
      killGroup(pid);
      // 'close' follows once the pipes drained; do not wait for it forever
      timer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        done(exited!);
      }, 200);
    });
    child.on('close', (code, signal) => done(exited ?? { exitCode: code, signal }));
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** The first non-empty line of a stream, at most `max` characters: a hook's answer in one line. */
export function firstLine(s: string, max = 300): string {
  const line = s.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '') ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** How the run ended, in a few words (audit, reasons). */
export function describeRun(r: HookRun, timeoutMs: number): string {
  if (r.spawnError) return `could not be started: ${r.spawnError}`;
  if (r.timedOut) return `did not finish within ${timeoutMs / 1000} s (hook_timeout): killed`;
  if (r.exitCode !== null) return `exit status ${r.exitCode}`;
  return `killed by ${r.signal ?? 'a signal'}`;
}
