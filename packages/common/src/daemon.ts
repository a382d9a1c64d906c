// The start-up both daemons share (mmmd_agent, mmmd_mon): options, --check-config, logger, config,
// signals. Only main.ts files call it; argv, signals and process.exit stay at this one edge.
import { fstatSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { type CommonCliOptions, addCommonOptions, checkConfigReport, clusterWithConfigError, extractCluster, mmmVersion, runAsOption, secondsOption } from './cli';
import { type MmmConfig, checkConfig } from './config';
import { MmmError, errorMessage, formatIssue } from './errors';
import { EXIT, type ExitCode } from './exit-codes';
import { type Logger, createLogger } from './logger';
import { type PidFile, acquirePidFile } from './pid-file';
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
  /** `opts.bindRetry`: seconds (--bind-retry, default 60). */
  /** `opts.cluster`: the `@cluster` argument, when given. */
  create(config: MmmConfig, logger: Logger, opts: CommonCliOptions & { bindRetry: number; cluster?: string } & O): Daemon;
  /**
   * An action an option asks for instead of running (mmmd_agent --reset-term): called with the
   * checked config while this process holds the pid file (so never beside a running daemon of
   * the same pid_path). Returns what to print and the exit status, or undefined to start as usual.
   */
  oneShot?(config: MmmConfig, opts: CommonCliOptions & { cluster?: string } & O): Promise<OneShotResult | undefined>;
}

export interface OneShotResult {
  out: string[];
  err: string[];
  exitCode: ExitCode;
}

/** --bind-retry: a duration, or 0 to fail at once. */
const bindRetrySeconds = (s: string): number => (s.trim() === '0' ? 0 : secondsOption(s));

/** The pid file a config names for this daemon (`pid_path` of `this` host, or of <monitor>). */
function pidPathOf(config: MmmConfig, program: 'agent' | 'monitor'): string | undefined {
  if (program === 'monitor') return config.monitor?.pidPath;
  return config.this !== undefined ? config.hosts[config.this]?.pidPath : undefined;
}

async function main<O extends object>(spec: DaemonSpec<O>, args: string[]): Promise<number> {
  const { cluster, rest } = extractCluster(args);
  const cmd = addCommonOptions(
    new Command(spec.name).usage('[@cluster] [options]').description(spec.description).version(mmmVersion()),
    { daemon: true },
  );
  cmd.option('--bind-retry <seconds>', 'keep retrying a listening address in use for this long (0: exit at once)', bindRetrySeconds, 60);
  spec.options?.(cmd);
  // Usage errors exit 2 in every tool (exit-codes.ts); commander would exit 1.
  cmd.exitOverride();
  try {
    cmd.parse(rest, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    throw e;
  }
  const o = cmd.opts<CommonCliOptions & { bindRetry: number } & O>();
  const conflict = clusterWithConfigError(cluster, o.config);
  if (conflict) {
    process.stderr.write(`${spec.name}: ${conflict}\n`);
    return EXIT.USAGE;
  }
  const loadOpts = { program: spec.program, file: o.config, cluster };
  if (o.checkConfig) {
    const runAs = runAsOption(o.user);
    if (typeof runAs === 'string') {
      process.stderr.write(`${spec.name}: ${runAs}\n`);
      return EXIT.USAGE;
    }
    const r = checkConfigReport({ ...loadOpts, runAs });
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
  // The start refuses exactly what --check-config refuses (the same function), as the user we run as.
  const checked = checkConfig(loadOpts);
  if (checked.issues.length > 0 || !checked.loaded) {
    process.stderr.write(`${checked.issues.map(formatIssue).join('\n')}\n`);
    return EXIT.ERROR_REPLY;
  }
  const loaded = checked.loaded;
  for (const w of loaded.warnings) logger.warn(w);
  const pidPath = pidPathOf(loaded.config, spec.program);
  let pidFile: PidFile | undefined;
  if (pidPath !== undefined) {
    try {
      pidFile = acquirePidFile(pidPath, {
        program: spec.name,
        onStale: (old) => logger.warn(`pid file ${pidPath} named PID ${old}, which is not running: replaced`),
      });
    } catch (e) {
      process.stderr.write(`${spec.name}: ${errorMessage(e)}\n`);
      return e instanceof MmmError && e.code === 'ALREADY_RUNNING' ? EXIT.ALREADY_RUNNING : EXIT.ERROR_REPLY;
    }
  }
  // Removed on every way out of this process, also when start() throws.
  process.once('exit', () => pidFile?.release());
  const once = await spec.oneShot?.(loaded.config, { ...o, ...(cluster !== undefined ? { cluster } : {}) });
  if (once) {
    for (const l of once.out) process.stdout.write(`${l}\n`);
    for (const l of once.err) process.stderr.write(`${l}\n`);
    pidFile?.release();
    await logger.close();
    return once.exitCode;
  }
  const daemon = spec.create(loaded.config, logger, { ...o, ...(cluster !== undefined ? { cluster } : {}) });
  // Signal handlers go in before start(): a SIGTERM while starting must stop cleanly (and remove
  // the pid file), and a SIGHUP (logrotate's postrotate) must not kill the process (Node's default
  // action). A TLS reload asked for while starting runs once started.
  const signalled = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
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
  const sig = await signalled;
  logger.info(`${sig}: stopping`);
  await daemon.stop();
  await logger.close();
  return EXIT.OK;
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
      process.exit(EXIT.ERROR_REPLY);
    },
  );
}
