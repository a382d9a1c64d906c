// `ping` check: ICMP reachability through the system ping (iputils), independent of the agent.
// MMM used Net::Ping with a fixed 0.5 s and ignored `timeout`; we honour `timeout`.
import { spawn } from 'node:child_process';
import { isIP } from 'node:net';
import type { CheckConfig, HostConfig } from '@mmm/common';
import { type CheckFn, type CheckResult, error, ok, timeoutMs, unknown } from './types';

export interface PingOptions {
  /** The ping executable (tests inject stand-ins). Default `ping` from PATH. */
  pingBin?: string;
}

export function pingArgs(ip: string, timeoutSeconds: number): string[] {
  // -W is the wait for the reply in seconds (iputils accepts fractions); -n: no reverse DNS.
  const w = Math.max(0.1, timeoutSeconds);
  return ['-c', '1', '-W', String(w), '-n', ip];
}

export function makePingCheck(opts: PingOptions = {}): CheckFn {
  const bin = opts.pingBin ?? 'ping';
  return (host: HostConfig, check: CheckConfig) => pingHost(bin, host.ip, check);
}

function pingHost(bin: string, ip: string, check: CheckConfig): Promise<CheckResult> {
  // Only literal addresses: a name would make ping do a DNS lookup, i.e. traffic we did not ask for.
  if (isIP(ip) === 0) return Promise.resolve(error(`Invalid IP address '${ip}'`));
  const limit = timeoutMs(check);
  return new Promise<CheckResult>((resolve) => {
    let done = false;
    let stderr = '';
    const finish = (r: CheckResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    const child = spawn(bin, pingArgs(ip, check.timeout), { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      if (stderr.length < 4096) stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(error(`Could not ping ${ip} (no reply within ${check.timeout}s)`));
    }, limit);
    child.on('error', (e: NodeJS.ErrnoException) => {
      // A missing ping binary says nothing about the host: UNKNOWN keeps the last status
      // instead of marking every host HARD_OFFLINE at once.
      if (e.code === 'ENOENT') finish(unknown(`${bin} not found (install iputils-ping)`));
      else finish(unknown(`could not run ${bin}: ${e.message}`));
    });
    child.on('close', (code) => {
      if (code === 0) finish(ok());
      else if (code === 1) finish(error(`Could not ping ${ip}`));
      else finish(error(`Could not ping ${ip}: ${stderr.trim() || `${bin} exited with ${String(code)}`}`));
    });
  });
}
