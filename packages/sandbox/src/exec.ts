// Child processes and PIDs: bounded command runs, liveness checks that see zombies as dead,
// and stop-by-PID. Nothing here ever looks processes up by name.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Error raised by the sandbox; `code` is stable, the message says what failed and how to fix it. */
export class SandboxError extends Error {
  readonly code: 'SANDBOX' | 'TIMEOUT' | 'COMMAND' | 'NOT_INSTALLED' | 'NOT_ROOT' | 'CONFLICT';
  constructor(code: SandboxError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'SandboxError';
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Kill the command after this long (default 30 s). */
  timeoutMs?: number;
  /** Return a non-zero exit instead of throwing. */
  allowFail?: boolean;
}

/** Runs `cmd args…` without a shell; throws a SandboxError with stderr on failure or timeout. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeout = opts.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return resolve({ code: 0, stdout, stderr });
      const e = err as NodeJS.ErrnoException & { code?: unknown; killed?: boolean; signal?: string };
      if (e.code === 'ENOENT') {
        return reject(new SandboxError('NOT_INSTALLED', `${cmd}: command not found`, { cause: err }));
      }
      if (e.killed || e.signal === 'SIGTERM') {
        return reject(new SandboxError('TIMEOUT', `${cmd} ${args.join(' ')}: no result within ${timeout} ms`));
      }
      const code = typeof e.code === 'number' ? e.code : 1;
      if (opts.allowFail) return resolve({ code, stdout, stderr });
      reject(new SandboxError('COMMAND', `${cmd} ${args.join(' ')} exited ${code}: ${stderr.trim() || stdout.trim()}`));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `probe` until it returns a value other than undefined/false, at most `timeoutMs`.
 * Throws a TIMEOUT SandboxError naming `what` and the last probe error. A probe gives up at once
 * by throwing a SandboxError (other errors just mean "not yet").
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  opts: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      if (err instanceof SandboxError) throw err;
      last = err;
    }
    if (Date.now() >= deadline) {
      const why = last instanceof Error ? `: ${last.message}` : '';
      throw new SandboxError('TIMEOUT', `${what}: not reached within ${opts.timeoutMs} ms${why}`);
    }
    await sleep(opts.intervalMs ?? 50);
  }
}

/**
 * Polls `probe` every 200 ms until true or `deadline` (ms since the epoch); a SandboxError thrown
 * by the probe gives up at once, other errors mean "not yet". `why` adds detail to the timeout.
 */
export async function until(deadline: number, what: string, probe: () => Promise<boolean>, why?: () => string | undefined): Promise<void> {
  let last = '';
  for (;;) {
    try {
      if (await probe()) return;
    } catch (e) {
      if (e instanceof SandboxError) throw e;
      last = (e as Error).message;
    }
    if (Date.now() >= deadline) {
      const detail = why?.() || last;
      throw new SandboxError('TIMEOUT', `${what}: not reached in time${detail ? ` (${detail})` : ''}`);
    }
    await sleep(200);
  }
}

/** True while `pid` exists and is not a zombie (a zombie has exited; only its parent hasn't reaped it). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false; // vanished between the two checks
  }
}

/** The NUL-separated command line of `pid`, joined by spaces; '' if unreadable. */
export function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/**
 * Stops `pid`: SIGTERM (SIGKILL at once with `kill`), waits up to `graceMs`, then SIGKILL and
 * waits up to 5 s more.
 * Resolves true when the process is gone. If `mustContain` is given, a process whose command line
 * lacks it is left alone (the PID was reused by someone else) and counts as gone.
 */
export async function stopPid(
  pid: number,
  opts: { graceMs?: number; mustContain?: string; kill?: boolean } = {},
): Promise<boolean> {
  if (!processAlive(pid)) return true;
  if (opts.mustContain && !cmdlineOf(pid).includes(opts.mustContain)) return true;
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  };
  signal(opts.kill ? 'SIGKILL' : 'SIGTERM');
  const gone = async (ms: number): Promise<boolean> => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (!processAlive(pid)) return true;
      await sleep(25);
    }
    return !processAlive(pid);
  };
  if (await gone(opts.graceMs ?? 15_000)) return true;
  signal('SIGKILL');
  return gone(5_000);
}

export const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;
