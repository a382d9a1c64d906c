// Pure helpers shared by every tool's main.ts (argv itself is only read there).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOG_LEVELS, type LogLevel } from './logger';
import { MmmError } from './errors';

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
