// The start-up both daemons share (mmmd_agent, mmmd_mon): options, --check-config, logger, config,
// signals. Only main.ts files call it; argv, signals and process.exit stay at this one edge.
import { fstatSync } from 'node:fs';
import { Command } from 'commander';
import { type CommonCliOptions, addCommonOptions, checkConfigReport, extractCluster, mmmVersion } from './cli';
import { type MmmConfig, loadConfig } from './config';
import { ConfigError, errorMessage } from './errors';
import { type Logger, createLogger } from './logger';
import { wantsPriorityPrefix } from './log-priority';

/** What a daemon offers its start-up: started once, stopped on SIGTERM/SIGINT, TLS reloaded on SIGHUP. */
export interface Daemon {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** SIGHUP: new TLS material. The daemon logs the outcome itself (a refusal keeps the old material). */
  reloadTls(): Promise<void>;
}

export interface DaemonSpec<O extends object> {
  name: 'mmmd_agent' | 'mmmd_mon';
  program: 'agent' | 'monitor';
  description: string;
  /** Options beyond the common ones (DESIGN §1). */
  options?(cmd: Command): void;
  create(config: MmmConfig, logger: Logger, opts: CommonCliOptions & O): Daemon;
}

async function main<O extends object>(spec: DaemonSpec<O>, args: string[]): Promise<number> {
  const { cluster, rest } = extractCluster(args);
  const cmd = addCommonOptions(
    new Command(spec.name).usage('[@cluster] [options]').description(spec.description).version(mmmVersion()),
    { daemon: true },
  );
  spec.options?.(cmd);
  cmd.parse(rest, { from: 'user' });
  const o = cmd.opts<CommonCliOptions & O>();
  const loadOpts = { program: spec.program, file: o.config, cluster };
  if (o.checkConfig) {
    const r = checkConfigReport(loadOpts);
    for (const l of r.out) process.stdout.write(`${l}\n`);
    for (const l of r.err) process.stderr.write(`${l}\n`);
    return r.exitCode;
  }
  const priorityPrefix = wantsPriorityPrefix({
    flag: o.logPriorityPrefix,
    logFile: o.logFile,
    journalStream: process.env.JOURNAL_STREAM,
    stderrStat: stderrStat(),
  });
  const logger = createLogger({ level: o.logLevel, format: o.logFormat, file: o.logFile, program: spec.name, priorityPrefix });
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
  const daemon = spec.create(loaded.config, logger, o);
  // Installed before start: a SIGHUP during start-up (logrotate's postrotate) would otherwise
  // kill the process (the default action). A TLS reload asked for then runs once started.
  let started = false;
  let reloadAfterStart = false;
  const reloadTls = (): void => void daemon.reloadTls().catch(() => undefined);
  process.on('SIGHUP', () => {
    // First, so that what the reload logs lands in the fresh file (logrotate postrotate).
    logger.reopen();
    if (started) reloadTls();
    else reloadAfterStart = true;
  });
  await daemon.start();
  started = true;
  if (reloadAfterStart) reloadTls();
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      logger.info(`${sig}: stopping`);
      void daemon.stop().finally(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await logger.close();
  return 0;
}

function stderrStat(): { dev: bigint; ino: bigint } | undefined {
  try {
    return fstatSync(2, { bigint: true });
  } catch {
    return undefined; // stderr closed: nothing to compare with JOURNAL_STREAM
  }
}

/** Runs a daemon from process.argv and exits with its status (1 with a message on an unexpected error). */
export function runDaemon<O extends object>(spec: DaemonSpec<O>): void {
  main(spec, process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`${spec.name}: ${errorMessage(e)}\n`);
      process.exit(1);
    },
  );
}
