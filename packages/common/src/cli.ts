// Pure helpers shared by every tool's main.ts (argv itself is only read there).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOG_LEVELS, type LogLevel } from './logger';
import type { Command } from 'commander';
import { MmmError, formatIssue } from './errors';
import { checkConfig, type LoadOptions } from './config';

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

let cachedVersion: string | undefined;
/** The mmm version (all packages share one version: lerna fixed mode). */
export function mmmVersion(): string {
  if (!cachedVersion) {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    cachedVersion = pkg.version;
  }
  return cachedVersion;
}

/** The options every daemon and mmm_control share (DESIGN §1). */
export interface CommonCliOptions {
  config?: string;
  checkConfig?: boolean;
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
    cmd.option('--log-level <level>', `log level: ${LOG_LEVELS.join(', ')}`, parseLogLevel, 'info' as LogLevel);
    cmd.option('--log-format <format>', 'log format: text or json', parseLogFormat, 'text' as const);
    cmd.option('--log-file <file>', 'log to this file instead of stderr (SIGHUP reopens it, for logrotate)');
    cmd.option('--log-priority-prefix', 'start every line with its syslog priority <3> <4> <6> <7> (default: on when stderr is the systemd journal)');
    cmd.option('--no-log-priority-prefix', 'never prefix lines with a priority, even on the journal');
  }
  return cmd;
}

/** `--check-config`: the lines to print and the exit status (0 OK, 1 problems). */
export function checkConfigReport(opts: LoadOptions): { out: string[]; err: string[]; exitCode: 0 | 1 } {
  const { loaded, issues } = checkConfig(opts);
  if (issues.length > 0) return { out: issues.map(formatIssue), err: [], exitCode: 1 };
  return { out: ['OK'], err: (loaded?.warnings ?? []).map((w) => `warning: ${w}`), exitCode: 0 };
}
