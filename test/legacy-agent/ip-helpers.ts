// MMM's interface helpers (mmm.md §3.5, §6): check_ip, configure_ip (`ip addr add IP/32 dev IF`
// when absent, then a gratuitous ARP), clear_ip (`ip addr del IP/32 dev IF`). They act on the
// namespace the process runs in. `none` (the --no-ip flag) makes every IP absent and every
// change a logged no-op, for runs without root.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Log } from './log';

export interface IpHelpers {
  /** True when `ip` is on the interface (any prefix length). */
  hasIp(ip: string): Promise<boolean>;
  configureIp(ip: string): Promise<void>;
  clearIp(ip: string): Promise<void>;
}

function run(cmd: string, args: string[], timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

const ARPING = ['/usr/bin/arping', '/usr/sbin/arping', '/bin/arping', '/sbin/arping'].find((p) => existsSync(p));

export function ipHelpers(device: string, log: Log): IpHelpers {
  const hasIp = async (ip: string): Promise<boolean> => {
    const out = await run('ip', ['-o', '-4', 'addr', 'show', 'dev', device]);
    return out.split('\n').some((l) => l.includes(` inet ${ip}/`));
  };
  return {
    hasIp,
    async configureIp(ip) {
      if (await hasIp(ip)) return;
      await run('ip', ['addr', 'add', `${ip}/32`, 'dev', device]);
      log('INFO', `Added IP ${ip}/32 on ${device}`);
      // MMM sends gratuitous ARP with Net::ARP; arping (iputils) is the stand-in, optional and
      // not awaited: a missing or slow arping must not delay the reply.
      if (ARPING) run(ARPING, ['-q', '-U', '-c', '1', '-I', device, ip], 3_000).catch((e: Error) => log('DEBUG', `arping: ${e.message}`));
    },
    async clearIp(ip) {
      if (!(await hasIp(ip))) return;
      await run('ip', ['addr', 'del', `${ip}/32`, 'dev', device]);
      log('INFO', `Removed IP ${ip}/32 from ${device}`);
    },
  };
}

export function noIpHelpers(log: Log): IpHelpers {
  return {
    hasIp: () => Promise.resolve(false),
    configureIp: (ip) => Promise.resolve(log('DEBUG', `--no-ip: not adding ${ip}`)),
    clearIp: (ip) => Promise.resolve(log('DEBUG', `--no-ip: not removing ${ip}`)),
  };
}
