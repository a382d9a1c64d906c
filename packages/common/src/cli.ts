// Pure helpers shared by every tool's main.ts (argv itself is only read there).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOG_LEVELS, type LogLevel } from './logger';
import { type Command, InvalidArgumentError } from 'commander';
import { MmmError, formatIssue } from './errors';
import { checkConfig, lookupUser, type LoadOptions, type RunAs } from './config';

/** MMM's `@C` first argument selects cluster C (mmm_mon_C.conf / mmm_agent_C.conf). */
export function extractCluster(args: readonly string[]): { cluster?: string; rest: string[] } {
  if (args.length > 0 && /^@[\w-]+$/.test(args[0])) {
    return { cluster: args[0].slice(1), rest: args.slice(1) };
  }
  return { rest: [...args] };
}

export function parseLogLevel(s: string): LogLevel {
  if ((LOG_LEVELS as readonly string[]).includes(s)) return s as LogLevel;
  throw new MmmError('USAGE', `invalid log level '${s}' (one of ${LOG_LEVELS.join(', ')})`);
}

export function parseLogFormat(s: string): 'text' | 'json' {
  if (s === 'text' || s === 'json') return s;
  throw new MmmError('USAGE', `invalid log format '${s}' (text or json)`);
}

/**
 * Set by `npm run package` (esbuild `define`): a bundled binary in /usr/bin has no package.json
 * beside it. Undeclared at run time everywhere else, so `typeof` is 'undefined'.
 */
declare const MMM_BUNDLED_VERSION: string | undefined;

let cachedVersion: string | undefined;
/** The mmm version (all packages share one version: lerna fixed mode). */
export function mmmVersion(): string {
  if (!cachedVersion) {
    if (typeof MMM_BUNDLED_VERSION === 'string') {
      cachedVersion = MMM_BUNDLED_VERSION;
    } else {
      const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
      cachedVersion = pkg.version;
    }
  }
  return cachedVersion;
}

/**
 * A duration option: seconds everywhere ("10", "1.5", "2s"), or milliseconds with an `ms`
 * suffix ("500ms"). Returns seconds; throws MmmError USAGE otherwise.
 */
export function parseSeconds(v: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$/.exec(v);
  const n = m ? Number(m[1]) / (m[2] === 'ms' ? 1000 : 1) : NaN;
  if (!Number.isFinite(n) || n <= 0) throw new MmmError('USAGE', `'${v}' is not a positive duration: give seconds (10, 1.5) or milliseconds with ms (500ms)`);
  return n;
}

/** parseSeconds as a commander option parser (a bad value is commander's usage error, exit 2). */
export function secondsOption(v: string): number {
  try {
    return parseSeconds(v);
  } catch (e) {
    throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
  }
}

/** `@C` selects a file by name; with -c FILE it would be ignored, so refuse the pair. */
export function clusterWithConfigError(cluster: string | undefined, file: string | undefined): string | undefined {
  if (cluster === undefined || file === undefined) return undefined;
  return `@${cluster} selects the cluster's config file by name, and -c ${file} names one: give one of them`;
}

/** `--check-config --user NAME`: who to check readability for; a string is the error. */
export function runAsOption(user: string | undefined): RunAs | undefined | string {
  if (user === undefined) return undefined;
  return lookupUser(user) ?? `--user ${user}: no such user in /etc/passwd`;
}

/** The options every daemon and mmm_control share (DESIGN §1). */
export interface CommonCliOptions {
  config?: string;
  checkConfig?: boolean;
  /** --check-config --user NAME (daemons). */
  user?: string;
  logLevel: LogLevel;
  logFormat: 'text' | 'json';
  logFile?: string;
  /** `<N>` syslog priority on every line; undefined: only when stderr is the journal (JOURNAL_STREAM). */
  logPriorityPrefix?: boolean;
}

/** Adds -c/--config, --check-config and the log options to a commander program. */
export function addCommonOptions(cmd: Command, opts: { daemon: boolean }): Command {
  cmd.option('-c, --config <file>', 'configuration file (default: MMM search order /etc, /etc/mmm, /etc/mysql-mmm)');
  cmd.option('--check-config', 'validate the configuration and the files it names, print every problem, exit 1 (or print OK, exit 0)');
  if (opts.daemon) {
    cmd.option('--user <name>', 'with --check-config: check that user NAME can read every file (default: the current user)');
    cmd.option('--log-level <level>', `log level: ${LOG_LEVELS.join(', ')}`, parseLogLevel, 'info' as LogLevel);
    cmd.option('--log-format <format>', 'log format: text or json', parseLogFormat, 'text' as const);
    cmd.option('--log-file <file>', 'log to this file instead of stderr (SIGHUP reopens it, for logrotate)');
    cmd.option('--log-priority-prefix', 'start every line with its syslog priority <3> <4> <6> <7> (default: on when stderr is the systemd journal)');
    cmd.option('--no-log-priority-prefix', 'never prefix lines with a priority, even on the journal');
  }
  return cmd;
}

/** `--check-config`: the lines to print and the exit status (0 OK, 1 problems). */
export function checkConfigReport(opts: LoadOptions & { runAs?: RunAs }): { out: string[]; err: string[]; exitCode: 0 | 1 } {
  const { loaded, issues } = checkConfig(opts);
  if (issues.length > 0) return { out: issues.map(formatIssue), err: [], exitCode: 1 };
  return { out: ['OK'], err: (loaded?.warnings ?? []).map((w) => `warning: ${w}`), exitCode: 0 };
}
