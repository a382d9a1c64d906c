// The I/O side of loading: finding the file, reading it and its includes, the permission rule.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from '../errors';
import type { ConfigIssue } from '../errors';
import type { LoadedConfig, Program } from './types';
import { parseConfig } from './parse';
import { unreadableReason } from './access';
import { currentUserName, ownershipHint } from './ownership';
import type { ParseResult } from './parse';

/** MMM's search order when no -c is given. */
export const DEFAULT_SEARCH_DIRS: readonly string[] = ['/etc', '/etc/mmm', '/etc/mysql-mmm'];

export interface LoadOptions {
  program: Program;
  /** -c FILE; relative to the current directory. */
  file?: string;
  /** `@C`: selects mmm_agent_C.conf / mmm_mon_C.conf (with or without the `@`). */
  cluster?: string;
  searchDirs?: readonly string[];
}

/** mmm_agent.conf for the agent, mmm_mon.conf for the monitor and mmm_control (as in MMM). */
export function configFileName(program: Program, cluster?: string): string {
  return configFileNames(program, cluster)[program === 'control' ? 1 : 0];
}

/**
 * The file names searched, in order. mmm_control looks for its own mmm_control.conf first in
 * every folder, then for mmm_mon.conf: a dedicated client config wins, and on a monitor host
 * with only mmm_mon.conf it still works (MMM's habit; the monitor certificate may change state).
 */
export function configFileNames(program: Program, cluster?: string): string[] {
  const c = cluster?.replace(/^@/, '');
  const named = (base: string) => (c ? `${base}_${c}.conf` : `${base}.conf`);
  if (program === 'agent') return [named('mmm_agent')];
  if (program === 'monitor') return [named('mmm_mon')];
  return [named('mmm_control'), named('mmm_mon')];
}

/** First existing file of the search order; throws ConfigError CONFIG_NOT_FOUND naming the places searched. */
export function findConfigFile(opts: Omit<LoadOptions, 'file'>): string {
  const names = configFileNames(opts.program, opts.cluster);
  const dirs = opts.searchDirs ?? DEFAULT_SEARCH_DIRS;
  const places = names.flatMap((name) => dirs.map((d) => path.join(d, name)));
  const found = places.find((p) => fs.existsSync(p));
  if (found) return found;
  throw new ConfigError(
    [{ file: names[0], line: 0, message: `config file not found; searched ${places.join(', ')}`, hint: 'create one there or pass -c FILE' }],
    'CONFIG_NOT_FOUND',
  );
}

/** The permission rule: readable or writable by "other" is refused (group access is allowed). */
export function unsafeModeIssue(file: string, what = 'config file'): ConfigIssue | undefined {
  let mode: number;
  try {
    mode = fs.statSync(file).mode;
  } catch {
    return undefined;
  }
  if ((mode & 0o006) === 0) return undefined;
  return {
    file, line: 0,
    message: `${what} is ${mode & 0o004 ? 'readable' : 'writable'} by other users (mode ${(mode & 0o777).toString(8).padStart(4, '0')})`,
    hint: `chmod 600 ${file}`,
  };
}

/** Reads the config and its includes from disk; pure parsing otherwise. Never throws for bad input. */
export function readConfig(program: Program, file: string): ParseResult & { unsafe: boolean } {
  const modeIssues: ConfigIssue[] = [];
  const cache = new Map<string, string | undefined>();
  const source = (f: string): string | undefined => {
    if (cache.has(f)) return cache.get(f);
    let text: string | undefined;
    try {
      text = fs.readFileSync(f, 'utf8');
      const issue = unsafeModeIssue(f);
      if (issue) modeIssues.push(issue);
    } catch {
      text = undefined;
    }
    cache.set(f, text);
    return text;
  };
  const r = parseConfig({ program, file: path.resolve(file), source });
  // Still parsed, so that --check-config reports everything at once; but never loaded.
  const issues = [...modeIssues, ...r.issues];
  return { issues, loaded: issues.length ? undefined : r.loaded, unsafe: modeIssues.length > 0 };
}

/** Finds, reads and validates a config; throws ConfigError carrying every issue. */
export function loadConfig(opts: LoadOptions): LoadedConfig {
  const file = opts.file !== undefined ? path.resolve(opts.file) : findConfigFile(opts);
  if (!fs.existsSync(file)) {
    throw new ConfigError([{ file, line: 0, message: 'config file not found', hint: 'check the path given with -c' }], 'CONFIG_NOT_FOUND');
  }
  const denied = unreadableReason(file);
  if (denied !== undefined) {
    throw new ConfigError([{ file, line: 0, message: `config file cannot be read by ${currentUserName()}: ${denied}`, hint: ownershipHint(opts.program, file) }], 'CONFIG_INVALID');
  }
  const r = readConfig(opts.program, file);
  if (!r.loaded) throw new ConfigError(r.issues, r.unsafe ? 'CONFIG_UNSAFE_MODE' : 'CONFIG_INVALID');
  return r.loaded;
}
