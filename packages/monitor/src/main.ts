// mmmd_mon entry point: the only place that touches argv, env, signals and process.exit.
import { Command, InvalidArgumentError } from 'commander';
import {
  type CommonCliOptions,
  ConfigError,
  addCommonOptions,
  checkConfigReport,
  createLogger,
  errorMessage,
  extractCluster,
  loadConfig,
  mmmVersion,
} from '@mmm/common';
import { MonitorDaemon } from './daemon';

function parseInterval(s: string): number {
  const n = Number(s);
  if (!Number.isFinite(n) || n < 10 || n > 60_000) throw new InvalidArgumentError('a number of milliseconds between 10 and 60000');
  return n;
}

async function main(args: string[]): Promise<number> {
  const { cluster, rest } = extractCluster(args);
  const cmd = addCommonOptions(
    new Command('mmmd_mon')
      .usage('[@cluster] [options]')
      .description(
        'The mmm monitor: checks every node, decides host states and roles, tells the agents (mutual TLS) ' +
          'and answers mmm_control on <monitor> ip:port.',
      )
      .version(mmmVersion()),
    { daemon: true },
  );
  cmd.option('--pass-interval-ms <ms>', 'period of the monitor loop in milliseconds (default: the fastest check_period, 100 to 1000)', parseInterval);
  cmd.parse(rest, { from: 'user' });
  const o = cmd.opts<CommonCliOptions & { passIntervalMs?: number }>();
  const loadOpts = { program: 'monitor' as const, file: o.config, cluster };
  if (o.checkConfig) {
    const r = checkConfigReport(loadOpts);
    for (const l of r.out) process.stdout.write(`${l}\n`);
    for (const l of r.err) process.stderr.write(`${l}\n`);
    return r.exitCode;
  }
  const logger = createLogger({ level: o.logLevel, format: o.logFormat, file: o.logFile, program: 'mmmd_mon' });
  let loaded;
  try {
    loaded = loadConfig(loadOpts);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
  for (const w of loaded.warnings) logger.warn(w);
  const daemon = new MonitorDaemon({ config: loaded.config, logger, passIntervalMs: o.passIntervalMs });
  await daemon.start();
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      logger.info(`${sig}: stopping`);
      void daemon.stop().finally(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => void daemon.reloadTls().catch(() => undefined));
  });
  return 0;
}

export function run(): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`mmmd_mon: ${errorMessage(e)}\n`);
      process.exit(1);
    },
  );
}
