// mmmd_mon entry point: the shared daemon start-up (common runDaemon) around a MonitorDaemon.
import { InvalidArgumentError } from 'commander';
import { runDaemon } from '@mmm/common';
import { MonitorDaemon } from './daemon';

function parseInterval(s: string): number {
  const n = Number(s);
  if (!Number.isFinite(n) || n < 10 || n > 60_000) throw new InvalidArgumentError('a number of milliseconds between 10 and 60000');
  return n;
}

export function run(): void {
  runDaemon<{ passIntervalMs?: number }>({
    name: 'mmmd_mon',
    program: 'monitor',
    description:
      'The mmm monitor: checks every node, decides host states and roles, tells the agents (mutual TLS) ' +
      'and answers mmm_control on <monitor> ip:port.',
    options(cmd) {
      cmd.option('--pass-interval-ms <ms>', 'period of the monitor loop in milliseconds (default: the fastest check_period, 100 to 1000)', parseInterval);
    },
    // MonitorDaemon logs its TLS reloads itself (and shows a refusal as a `# Warning:` line).
    create: (config, logger, o) => new MonitorDaemon({ config, logger, passIntervalMs: o.passIntervalMs, bindRetryMs: o.bindRetry * 1000, cluster: o.cluster ?? '' }),
  });
}
