// Merging (pure): repeated sections join (later files override earlier ones), `default`
// templates fill the other sections of their type, and every value is parsed by its rule.
import * as path from './posix-path';
import type { ConfigIssue } from '../errors';
import { CHECK_NAMES } from './types';
import type { Syntax } from './types';
import type { Origin, RawDoc, RawEntry } from './raw';
import { at } from './raw';
import { SECTION_RULES, TOP_RULES } from './ruleset';
import type { KeyRule } from './ruleset';
import { parseValue } from './values';
import { didYouMean } from './suggest';
import { isReservedName, own } from '../model/own';

export interface Value {
  value: unknown;
  origin: RawEntry;
}

export interface Section {
  type: string; // 'top' for top-level keys
  name?: string;
  /** Header line of the first user-written block, else the main file at line 0. */
  header: Origin;
  values: Map<string, Value>;
  /** Keys that were given but failed to parse (so "missing" is not reported on top of it). */
  invalid: Set<string>;
}

export interface Merged {
  top: Section;
  /** Keyed by `type` for unique sections, `type name` for named ones; in first-seen order. */
  sections: Map<string, Section>;
  issues: ConfigIssue[];
}

export const label = (s: { type: string; name?: string }, syntax: Syntax): string =>
  syntax === '2.x' ? `<${s.type}${s.name ? ` ${s.name}` : ''}>` : `'${s.type === 'socket' ? 'socket_type' : s.type}${s.name ? ` ${s.name}` : ''}'`;

export function rulesFor(type: string): Record<string, KeyRule> {
  return type === 'top' ? TOP_RULES : own(SECTION_RULES, type)?.keys ?? {};
}

/** The rule of `key` in a section of `type`; keys come from config files (own() for `constructor`…). */
export function ruleFor(type: string, key: string): KeyRule | undefined {
  return own(rulesFor(type), key);
}

export function merge(doc: RawDoc, syntax: Syntax, main: string): Merged {
  const issues: ConfigIssue[] = [];
  const mainOrigin: Origin = { file: main, line: 0 };
  const top: Section = { type: 'top', header: mainOrigin, values: new Map(), invalid: new Set() };
  const raw = new Map<string, { section: Section; entries: Map<string, RawEntry[]> }>();
  raw.set('top', { section: top, entries: new Map() });
  const seen = new Map<string, RawEntry>(); // section|key|scope → first entry

  const add = (id: string, target: Map<string, RawEntry[]>, e: RawEntry): void => {
    const rule = ruleFor(id === 'top' ? 'top' : id.split(' ')[0], e.key);
    if (!rule) return; // reported by normalize
    const dupKey = `${id}|${e.key}|${e.scope}`;
    const first = seen.get(dupKey);
    if (first && !rule.repeatable) {
      issues.push({ file: e.file, line: e.line, message: `duplicate key '${e.srcKey}' (first given at ${at(first)})`, hint: 'keep one of them' });
      return;
    }
    seen.set(dupKey, e);
    const list = target.get(e.key) ?? [];
    // A single-valued key given again in another file/block overrides (MMM merges sections).
    target.set(e.key, rule.repeatable ? [...list, e] : [e]);
  };

  for (const e of doc.top) add('top', raw.get('top')!.entries, e);
  for (const s of doc.sections) {
    const rule = own(SECTION_RULES, s.type);
    if (!rule) continue;
    if (rule.named && !s.name) {
      issues.push({ file: s.file, line: s.line, message: `${label(s, syntax)} needs a name`, hint: `write <${s.type} NAME>` });
      continue;
    }
    if (!rule.named && s.name) {
      issues.push({ file: s.file, line: s.line, message: `<${s.type}> takes no name`, hint: `write <${s.type}>` });
      continue;
    }
    if (s.name && isReservedName(s.name)) {
      // The model keys hosts, roles and logs by name in plain objects: `__proto__` would replace a prototype.
      issues.push({ file: s.file, line: s.line, message: `${s.type} name '${s.name}' is reserved (a JavaScript object property name)`, hint: `rename the ${s.type}` });
      continue;
    }
    if (rule.names && s.name && !rule.names.includes(s.name) && !(rule.template && s.name === 'default')) {
      issues.push({ file: s.file, line: s.line, message: `unknown ${s.type} '${s.name}'`, hint: didYouMean(s.name, rule.names) });
      continue;
    }
    const id = rule.named ? `${s.type} ${s.name}` : s.type;
    let r = raw.get(id);
    if (!r) {
      r = { section: { type: s.type, name: s.name, header: s.synthetic ? mainOrigin : s, values: new Map(), invalid: new Set() }, entries: new Map() };
      raw.set(id, r);
    } else if (!s.synthetic && r.section.header.line === 0) {
      r.section.header = s;
    }
    for (const e of s.entries) add(id, r.entries, e);
  }

  // Auto-created sections (MMM creates every check and the socket).
  for (const id of [...CHECK_NAMES.map((c) => `check ${c}`), 'socket']) {
    if (!raw.has(id)) {
      const [type, name] = id.split(' ');
      raw.set(id, { section: { type, name, header: mainOrigin, values: new Map(), invalid: new Set() }, entries: new Map() });
    }
  }
  applyTemplates(raw);

  const sections = new Map<string, Section>();
  for (const [id, { section, entries }] of raw) {
    for (const [key, list] of entries) {
      const rule = ruleFor(section.type, key)!; // only keys with a rule get here (add() above)
      const parsed: unknown[] = [];
      for (const e of list) {
        const p = parseValue(e.srcKey, rule, e.value);
        if (!p.ok) {
          issues.push({ file: e.file, line: e.line, message: p.message, hint: p.hint });
          section.invalid.add(key);
          continue;
        }
        // Relative paths are relative to the folder of the file that says them.
        parsed.push(rule.kind === 'path' ? path.resolve(path.dirname(e.file), p.value as string) : p.value);
      }
      if (section.invalid.has(key)) continue;
      section.values.set(key, { value: rule.repeatable ? parsed : parsed[0], origin: list[list.length - 1] });
    }
    if (id !== 'top') sections.set(id, section);
  }
  return { top, sections, issues };
}

type RawMap = Map<string, { section: Section; entries: Map<string, RawEntry[]> }>;

function applyTemplates(raw: RawMap): void {
  for (const type of Object.keys(SECTION_RULES).filter((t) => SECTION_RULES[t].template)) {
    const def = raw.get(`${type} default`);
    if (!def) continue;
    raw.delete(`${type} default`);
    for (const r of raw.values()) {
      if (r.section.type !== type) continue;
      for (const [key, list] of def.entries) if (!r.entries.has(key)) r.entries.set(key, list);
    }
  }
}
