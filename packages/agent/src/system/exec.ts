// Child processes for the agent: always execFile (no shell), always bounded by a timeout.
import { execFile } from 'node:child_process';
import { MmmError, TimeoutError } from '@mmm/common';

export interface ExecResult {
  stdout: string;
  stderr: string;
}

/** Runs `file args`; rejects with MmmError('SYSTEM') on a non-zero exit, TimeoutError at the bound. */
export type Runner = (file: string, args: readonly string[], timeoutMs: number) => Promise<ExecResult>;

/** A Runner that also writes `input` to the child's stdin (e.g. `nft -f -`). */
export type InputRunner = (file: string, args: readonly string[], input: string, timeoutMs: number) => Promise<ExecResult>;

export class ExecError extends MmmError {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stderr: string,
    /** Why it could not start, e.g. ENOENT: the program is not installed. */
    readonly errno?: string,
  ) {
    super('SYSTEM', message);
  }
}

function run(file: string, args: readonly string[], input: string | undefined, timeoutMs: number): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, [...args], { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (!err) return resolve({ stdout: String(stdout), stderr: String(stderr) });
      const cmd = [file, ...args].join(' ');
      const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
      if (e.killed) return reject(new TimeoutError(`${cmd}: no exit within ${timeoutMs} ms`));
      const code = typeof e.code === 'number' ? e.code : null;
      const why = String(stderr).trim() || e.message;
      reject(new ExecError(`${cmd}: ${code !== null ? `exit ${code}: ` : ''}${why}`, code, String(stderr), typeof e.code === 'string' ? e.code : undefined));
    });
    if (input !== undefined) {
      child.stdin?.on('error', () => undefined); // a child that exits early (or never started) closes the pipe
      child.stdin?.end(input);
    }
  });
}

export const execRunner: Runner = (file, args, timeoutMs) => run(file, args, undefined, timeoutMs);

export const execInputRunner: InputRunner = (file, args, input, timeoutMs) => run(file, args, input, timeoutMs);

/** A runner that runs everything inside a network namespace (tests, the sandbox). */
export function netnsRunner(netns: string, inner: Runner = execRunner): Runner {
  return (file, args, timeoutMs) => inner('ip', ['netns', 'exec', netns, file, ...args], timeoutMs);
}

/** netnsRunner for an InputRunner. */
export function netnsInputRunner(netns: string, inner: InputRunner = execInputRunner): InputRunner {
  return (file, args, input, timeoutMs) => inner('ip', ['netns', 'exec', netns, file, ...args], input, timeoutMs);
}
