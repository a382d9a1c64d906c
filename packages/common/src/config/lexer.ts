// Lexing (pure): text of the main file and its includes → RawDoc with file:line on every entry.
// Files come from an injected FileSource, so tests feed strings and read.ts feeds the disk.
import * as path from './posix-path';
import type { ConfigIssue } from '../errors';
import type { Syntax } from './types';
import type { Origin, RawDoc, RawEntry, RawSection } from './raw';
import { V1_SECTION_TYPES } from './ruleset-1x';

/** Returns a file's text, or undefined when it does not exist or cannot be read. */
export type FileSource = (file: string) => string | undefined;

interface Line extends Origin {
  text: string; // without line terminator and trailing whitespace
}

export interface Gathered {
  main: string;
  /** Every file read, main first, in reading order. */
  files: string[];
  lines: Map<string, Line[]>;
  /** `file:line` of an include line → the file it names (only when found). */
  includes: Map<string, string>;
  issues: ConfigIssue[];
}

const INCLUDE_RE = /^include\s+(\S+)\s*$/;

function splitLines(file: string, text: string): Line[] {
  return text.split(/\r?\n/).map((t, i) => ({ file, line: i + 1, text: t.replace(/\s+$/, '') }));
}

const isBlankOrComment = (t: string): boolean => t.trim() === '' || t.trim().startsWith('#');

/** Reads the main file and, recursively, every include (relative to the including file). */
export function gatherFiles(main: string, source: FileSource): Gathered {
  const g: Gathered = { main, files: [], lines: new Map(), includes: new Map(), issues: [] };
  const visit = (file: string, stack: string[]): void => {
    const text = source(file);
    if (text === undefined) return;
    g.files.push(file);
    const lines = splitLines(file, text);
    g.lines.set(file, lines);
    for (const l of lines) {
      const m = INCLUDE_RE.exec(l.text);
      if (!m) continue;
      const target = resolveInclude(file, m[1], source);
      if (!target) {
        g.issues.push({ file, line: l.line, message: `included file '${m[1]}' not found`,
          hint: `relative names resolve against ${path.dirname(file)}` });
      } else if (stack.includes(target)) {
        g.issues.push({ file, line: l.line, message: `include cycle: '${m[1]}' includes itself`, hint: 'remove this include' });
      } else if (g.lines.has(target)) {
        g.issues.push({ file, line: l.line, message: `'${m[1]}' is included more than once`, hint: 'include each file once' });
      } else {
        g.includes.set(`${file}:${l.line}`, target);
        visit(target, [...stack, target]);
      }
    }
  };
  if (source(main) === undefined) {
    g.issues.push({ file: main, line: 0, message: 'cannot read config file', hint: 'check the path given with -c' });
    return g;
  }
  visit(main, [main]);
  return g;
}

function resolveInclude(from: string, name: string, source: FileSource): string | undefined {
  const base = path.resolve(path.dirname(from), name);
  if (source(base) !== undefined) return base;
  // MMM appends `.conf` to include names.
  if (!base.endsWith('.conf') && source(`${base}.conf`) !== undefined) return `${base}.conf`;
  return undefined;
}

/** 2.x if any non-comment line of any file starts with `<` (MMM 1.x never has such a line). */
export function detectSyntax(g: Gathered): { syntax: Syntax; because?: Origin } {
  for (const file of g.files) {
    for (const l of g.lines.get(file) ?? []) {
      if (!isBlankOrComment(l.text) && l.text.trimStart().startsWith('<')) return { syntax: '2.x', because: l };
    }
  }
  return { syntax: '1.x' };
}

/** Lexes all gathered files in include order into one RawDoc (keys as written). */
export function lex(g: Gathered, syntax: Syntax): { doc: RawDoc; issues: ConfigIssue[] } {
  const doc: RawDoc = { top: [], sections: [] };
  const issues: ConfigIssue[] = [];
  const walk = (file: string): void => {
    const lines = g.lines.get(file) ?? [];
    if (syntax === '2.x') lex2(file, lines, doc, issues, walk, g);
    else lex1(file, lines, doc, issues, walk, g);
  };
  if (g.lines.has(g.main)) walk(g.main);
  return { doc, issues };
}

type Walk = (file: string) => void;

function entry(l: Line, text: string, scope: string): RawEntry | undefined {
  const m = /^(\S+)(?:\s+(.*))?$/.exec(text.trim());
  if (!m) return undefined;
  return { file: l.file, line: l.line, key: m[1], srcKey: m[1], value: (m[2] ?? '').trim(), scope };
}

function noValue(e: RawEntry, issues: ConfigIssue[]): boolean {
  if (e.value !== '') return false;
  issues.push({ file: e.file, line: e.line, message: `'${e.srcKey}' has no value`, hint: `write '${e.srcKey} <value>'` });
  return true;
}

function lex2(file: string, lines: Line[], doc: RawDoc, issues: ConfigIssue[], walk: Walk, g: Gathered): void {
  let cur: RawSection | undefined;
  let n = 0;
  for (const l of lines) {
    if (isBlankOrComment(l.text)) continue;
    const t = l.text.trim();
    if (INCLUDE_RE.test(l.text)) {
      if (cur) issues.push({ file, line: l.line, message: 'include inside a section', hint: `close <${cur.type}> first` });
      const target = g.includes.get(`${file}:${l.line}`);
      if (target) walk(target);
      continue;
    }
    const open = /^<([A-Za-z_]\w*)(?:\s+([^\s/>]+))?\s*(\/?)>$/.exec(t);
    const close = /^<\/([A-Za-z_]\w*)\s*>$/.exec(t);
    if (open) {
      if (cur) {
        issues.push({ file, line: l.line, message: `section <${open[1]}> opened inside <${cur.type}>`,
          hint: `close <${cur.type}> (line ${cur.line}) with </${cur.type}> first` });
      }
      if (open[2] !== undefined && !/^[\w-]+$/.test(open[2])) {
        issues.push({ file, line: l.line, message: `bad section name '${open[2]}'`, hint: 'names are letters, digits, _ and -' });
      }
      const s: RawSection = { file, line: l.line, type: open[1], srcType: open[1], name: open[2], entries: [] };
      doc.sections.push(s);
      n++;
      cur = open[3] ? undefined : s;
    } else if (close) {
      if (!cur) issues.push({ file, line: l.line, message: `</${close[1]}> without an open section`, hint: 'remove it' });
      else if (close[1] !== cur.type) {
        issues.push({ file, line: l.line, message: `</${close[1]}> closes <${cur.type}> (line ${cur.line})`, hint: `write </${cur.type}>` });
      }
      cur = undefined;
    } else if (t.startsWith('<')) {
      issues.push({ file, line: l.line, message: `malformed section tag '${t}'`, hint: 'write <type>, <type name>, </type> or <type/>' });
    } else {
      const e = entry(l, t, cur ? `${file}#${n}` : `${file}#top`);
      if (!e || noValue(e, issues)) continue;
      (cur ? cur.entries : doc.top).push(e);
    }
  }
  if (cur) issues.push({ file, line: cur.line, message: `<${cur.type}${cur.name ? ` ${cur.name}` : ''}> is not closed`, hint: `add </${cur.type}> before the end of the file` });
}

function lex1(file: string, lines: Line[], doc: RawDoc, issues: ConfigIssue[], walk: Walk, g: Gathered): void {
  let cur: RawSection | undefined;
  let n = 0;
  for (const l of lines) {
    if (isBlankOrComment(l.text)) continue;
    const indented = /^\s/.test(l.text);
    const t = l.text.trim();
    if (!indented) {
      cur = undefined;
      if (INCLUDE_RE.test(l.text)) {
        const target = g.includes.get(`${file}:${l.line}`);
        if (target) walk(target);
        continue;
      }
      const tokens = t.split(/\s+/);
      if ((V1_SECTION_TYPES as readonly string[]).includes(tokens[0])) {
        if (tokens.length !== 2) {
          issues.push({ file, line: l.line, message: `'${tokens[0]}' header needs exactly one name`, hint: `write '${tokens[0]} <name>'` });
          continue;
        }
        cur = { file, line: l.line, type: tokens[0], srcType: tokens[0], name: tokens[1], entries: [] };
        doc.sections.push(cur);
        n++;
        continue;
      }
      const e = entry(l, t, `${file}#top`);
      if (e && !noValue(e, issues)) doc.top.push(e);
    } else if (!cur) {
      issues.push({ file, line: l.line, message: 'indented line outside a section',
        hint: `1.x: indented 'param value' lines follow a header such as 'host db1'; unindent it if '${t.split(/\s+/)[0]}' is a top-level key` });
    } else {
      const e = entry(l, t, `${file}#${n}`);
      if (e && !noValue(e, issues)) cur.entries.push(e);
    }
  }
}
