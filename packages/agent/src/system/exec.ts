// Child processes for the agent: always execFile (no shell), always bounded by a timeout.
import { execFile } from 'node:child_process';
import { MmmError, TimeoutError } from '@mmm/common';

export interface ExecResult {
  stdout: string;
  stderr: string;
}

/** Runs `file args`; rejects with MmmError('SYSTEM') on a non-zero exit, TimeoutError at the bound. */
export type Runner = (file: string, args: readonly string[], timeoutMs: number) => Promise<ExecResult>;

export class ExecError extends MmmError {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super('SYSTEM', message);
  }
}

export const execRunner: Runner = (file, args, timeoutMs) =>
  new Promise((resolve, reject) => {
    execFile(file, [...args], { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (!err) return resolve({ stdout: String(stdout), stderr: String(stderr) });
      const cmd = [file, ...args].join(' ');
      const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
      if (e.killed) return reject(new TimeoutError(`${cmd}: no exit within ${timeoutMs} ms`));
      const code = typeof e.code === 'number' ? e.code : null;
      const why = String(stderr).trim() || e.message;
      reject(new ExecError(`${cmd}: ${code !== null ? `exit ${code}: ` : ''}${why}`, code, String(stderr)));
    });
  });

/** A runner that runs everything inside a network namespace (tests, the sandbox). */
export function netnsRunner(netns: string, inner: Runner = execRunner): Runner {
  return (file, args, timeoutMs) => inner('ip', ['netns', 'exec', netns, file, ...args], timeoutMs);
}
