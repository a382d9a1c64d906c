// `kill_host_bin <host> <ping 1|0>`: user-supplied fencing (power off, firewall…), run when a
// demotion cannot be delivered. Exit 0 means the host is fenced; anything else, or no exit
// within the bound, means it is not.
import { spawn } from 'node:child_process';
import { errorMessage } from '@mmm/common';

export interface KillHostOptions {
  /** Milliseconds before the hook (and its process group) is killed and counted as failed. */
  timeoutMs: number;
}

export interface KillHostResult {
  fenced: boolean;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** stdout and stderr, interleaved, at most 8 KiB: for the audit log. */
  output: string;
  /** Why it did not fence, when it did not. */
  error?: string;
  durationMs: number;
}

const MAX_OUTPUT = 8192;

/** Never rejects. `pingOk` tells the hook whether the monitor can still ping the host. */
export function runKillHost(bin: string, host: string, pingOk: boolean, opts: KillHostOptions): Promise<KillHostResult> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    let output = '';
    let timedOut = false;
    let settled = false;
    const done = (r: Omit<KillHostResult, 'durationMs' | 'output' | 'timedOut'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, output, timedOut, durationMs: Date.now() - t0 });
    };
    // Own process group, so a timeout also ends whatever the script started (ssh, ipmitool…).
    const child = spawn(bin, [host, pingOk ? '1' : '0'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const collect = (d: Buffer): void => {
      if (output.length < MAX_OUTPUT) output = (output + d.toString('utf8')).slice(0, MAX_OUTPUT);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
      child.stdout.destroy();
      child.stderr.destroy();
      // Do not wait for 'close': a grandchild holding the pipes could keep it from coming.
      done({ fenced: false, exitCode: null, signal: 'SIGKILL', error: `kill_host_bin did not finish within ${opts.timeoutMs} ms` });
    }, opts.timeoutMs);
    child.on('error', (e) => done({ fenced: false, exitCode: null, signal: null, error: `cannot run ${bin}: ${errorMessage(e)}` }));
    child.on('close', (code, signal) => {
      if (code === 0) done({ fenced: true, exitCode: 0, signal: null });
      else done({ fenced: false, exitCode: code, signal, error: code !== null ? `exit status ${code}` : `killed by ${signal}` });
    });
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
