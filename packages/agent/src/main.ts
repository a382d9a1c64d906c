// mmmd_agent entry point: the only place that touches argv, env, signals and process.exit.
import { Command } from 'commander';
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
import { Agent } from './agent';

async function main(args: string[]): Promise<number | undefined> {
  const { cluster, rest } = extractCluster(args);
  const cmd = addCommonOptions(
    new Command('mmmd_agent')
      .usage('[@cluster] [options]')
      .description(
        'The mmm agent: runs on every database node and applies the state the monitor asks for ' +
          '(read_only, virtual IPs, replication source). Listens on its host ip:agent_port (mutual TLS).',
      )
      .version(mmmVersion()),
    { daemon: true },
  );
  cmd.parse(rest, { from: 'user' });
  const o = cmd.opts<CommonCliOptions>();
  const loadOpts = { program: 'agent' as const, file: o.config, cluster };
  if (o.checkConfig) {
    const r = checkConfigReport(loadOpts);
    for (const l of r.out) process.stdout.write(`${l}\n`);
    for (const l of r.err) process.stderr.write(`${l}\n`);
    return r.exitCode;
  }
  const logger = createLogger({ level: o.logLevel, format: o.logFormat, file: o.logFile, program: 'mmmd_agent' });
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
  const agent = new Agent({ config: loaded.config, logger });
  await agent.start();
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      logger.info(`${sig}: stopping`);
      void agent.stop().finally(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    process.on('SIGHUP', () => {
      agent.reloadTls().then(
        () => logger.info('SIGHUP: TLS material reloaded'),
        (e) => logger.error(`SIGHUP: TLS reload refused, keeping the old material: ${errorMessage(e)}`),
      );
    });
  });
  return 0;
}

export function run(): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code ?? 0),
    (e) => {
      process.stderr.write(`mmmd_agent: ${errorMessage(e)}\n`);
      process.exit(1);
    },
  );
}
