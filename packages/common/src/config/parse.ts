// The pure pipeline: files (from an injected source) → lex → normalize → merge → build.
import * as path from './posix-path';
import { ConfigError, formatIssue } from '../errors';
import type { ConfigIssue } from '../errors';
import type { LoadedConfig, Program } from './types';
import { detectSyntax, gatherFiles, lex } from './lexer';
import type { FileSource } from './lexer';
import { normalize } from './normalize';
import { merge } from './merge';
import { build } from './build';
import type { Origin } from './raw';

export interface ParseResult {
  loaded?: LoadedConfig;
  /** Every problem found, sorted by file and line. Empty when `loaded` is set. */
  issues: ConfigIssue[];
}

export interface ParseOptions {
  program: Program;
  /** The main file's path (absolute paths give absolute resolved paths; relative ones stay relative,
   *  since nothing here reads the current directory: loadConfig passes an absolute path). */
  file: string;
  source: FileSource;
}

/** Parses and validates a config; never throws for bad input, returns every issue instead. */
export function parseConfig(opts: ParseOptions): ParseResult {
  const main = path.resolve(opts.file);
  const g = gatherFiles(main, opts.source);
  // Nothing was read: any further "problem" (a missing key, a guessed syntax) would be bogus.
  if (g.files.length === 0) return { issues: g.issues };
  const { syntax, because } = detectSyntax(g);
  const lexed = lex(g, syntax);
  const norm = normalize(lexed.doc, syntax, opts.program, main, because);
  const merged = merge(norm.doc, syntax, main);
  const built = build(merged, opts.program, syntax);
  const issues = sortIssues([...g.issues, ...lexed.issues, ...norm.issues, ...merged.issues, ...built.issues], g.files);
  if (issues.length || !built.config) return { issues };
  return {
    issues: [],
    loaded: { config: built.config, syntax, files: g.files, warnings: [...norm.warnings, ...built.warnings], origins: built.origins },
  };
}

/** Convenience for tests: files given as a map of path → text; the first key is the main file. */
export function parseConfigText(program: Program, files: Record<string, string>, mainFile?: string): ParseResult {
  const abs = new Map(Object.entries(files).map(([f, t]) => [path.resolve(f), t]));
  const main = mainFile ?? Object.keys(files)[0];
  return parseConfig({ program, file: main, source: (f) => abs.get(path.resolve(f)) });
}

/** Like parseConfigText but throws ConfigError with every issue. */
export function parseConfigTextOrThrow(program: Program, files: Record<string, string>, mainFile?: string): LoadedConfig {
  const r = parseConfigText(program, files, mainFile);
  if (!r.loaded) throw new ConfigError(r.issues);
  return r.loaded;
}

/** Deduplicated (templates copy entries), ordered by file reading order then line. */
export function sortIssues(issues: ConfigIssue[], files: string[]): ConfigIssue[] {
  const seen = new Set<string>();
  const rank = (f: string): number => (files.includes(f) ? files.indexOf(f) : files.length);
  return issues
    .filter((i) => {
      const k = formatIssue(i);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .map((i, n) => ({ i, n }))
    .sort((a, b) => rank(a.i.file) - rank(b.i.file) || a.i.line - b.i.line || a.n - b.n)
    .map(({ i }) => i);
}

export type { Origin };
