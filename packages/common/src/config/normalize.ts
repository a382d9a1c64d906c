// Vocabulary check (unknown keys and sections, with "did you mean") and the 1.x → 2.x mapping.
// Output: a RawDoc in canonical 2.x names whose entries still carry the user's file:line and key.
import type { ConfigIssue } from '../errors';
import type { Program, Syntax } from './types';
import type { Origin, RawDoc, RawEntry, RawSection } from './raw';
import { at } from './raw';
import { SECTIONS_2X, SECTION_RULES, TOP_RULES } from './ruleset';
import { FAILOVER_METHOD, V1_SECTIONS, V1_SECTION_TYPES, V1_TOP } from './ruleset-1x';
import type { V1Place } from './ruleset-1x';
import { didYouMean } from './suggest';
import { own } from '../model/own';

export interface Normalized {
  doc: RawDoc;
  issues: ConfigIssue[];
  warnings: string[];
}

const unknown = (e: Origin, what: string, word: string, known: readonly string[], extra = '', where = ''): ConfigIssue => ({
  file: e.file, line: e.line, message: `unknown ${what} '${word}'${where}`, hint: `${didYouMean(word, known)}${extra}`,
});

const ignoredWarning = (e: RawEntry): string => `${at(e)}: '${e.srcKey}' is not used by mmm (MMM tools only); ignored`;

/** 2.x: drop (and report) unknown keys and sections; names are checked later. */
export function normalize2x(doc: RawDoc, because?: Origin): Normalized {
  const issues: ConfigIssue[] = [];
  const warnings: string[] = [];
  const why = because ? `; the files are read as 2.x because ${at(because)} starts with '<'` : '';
  const keep = (e: RawEntry, keys: Record<string, { ignored?: boolean }>, where: string): boolean => {
    const rule = own(keys, e.key);
    if (!rule) {
      const v1 = Object.hasOwn(V1_TOP, e.key) || (V1_SECTION_TYPES as readonly string[]).includes(e.key) ? why : '';
      issues.push(unknown(e, 'key', e.key, Object.keys(keys), v1, where));
      return false;
    }
    if (rule.ignored) warnings.push(ignoredWarning(e));
    return !rule.ignored;
  };
  const out: RawDoc = { top: doc.top.filter((e) => keep(e, TOP_RULES, '')), sections: [] };
  for (const s of doc.sections) {
    const rule = (SECTIONS_2X as readonly string[]).includes(s.type) ? SECTION_RULES[s.type] : undefined;
    if (!rule) {
      issues.push(unknown(s, 'section', `<${s.type}>`, SECTIONS_2X.map((t) => `<${t}>`)));
      continue;
    }
    if (rule.ignored) {
      warnings.push(`${at(s)}: <${s.type}> is not used by mmm (MMM tools only); ignored`);
      continue;
    }
    out.sections.push({ ...s, entries: s.entries.filter((e) => keep(e, rule.keys, ` in <${s.type}${s.name ? ` ${s.name}` : ''}>`)) });
  }
  return { doc: out, issues, warnings };
}

/** 1.x: check names against the 1.x vocabulary and move every key to its 2.x place. */
export function normalize1x(doc: RawDoc, program: Program, main: string): Normalized {
  const issues: ConfigIssue[] = [];
  const warnings: string[] = [];
  const synth = (type: string, name?: string, o: Origin = { file: main, line: 0 }): RawSection =>
    ({ file: o.file, line: o.line, type, srcType: type, name, entries: [], synthetic: true });
  const hostDefault = synth('host', 'default');
  const monitor = synth('monitor');
  const thisEntry = [...doc.top].reverse().find((e) => e.key === 'this');
  const thisHost = thisEntry ? synth('host', thisEntry.value, thisEntry) : undefined;
  const out: RawDoc = { top: [], sections: [] };
  const place: Record<V1Place, RawEntry[] | undefined> = {
    top: out.top, monitor: monitor.entries, hostDefault: hostDefault.entries, thisHost: thisHost?.entries,
  };

  for (const e of doc.top) {
    const map = own(V1_TOP, e.key);
    if (!map) {
      issues.push(unknown(e, 'key', e.key, Object.keys(V1_TOP)));
      continue;
    }
    let value = e.value;
    if (e.key === 'failover_method') {
      const mode = FAILOVER_METHOD[value];
      if (!mode) {
        issues.push({ file: e.file, line: e.line, message: `failover_method '${value}' is not one of auto, manual, wait`,
          hint: didYouMean(value, Object.keys(FAILOVER_METHOD)) });
        continue;
      }
      value = mode;
    }
    const target = map(program);
    if (!target) continue; // meaningful for another program only
    place[target.place]?.push({ ...e, key: target.key, value });
  }

  for (const s of doc.sections) {
    const v1 = V1_SECTIONS[s.type as keyof typeof V1_SECTIONS];
    if (v1.ignored) {
      warnings.push(`${at(s)}: '${s.type} ${s.name}' is not used by mmm; ignored`);
      for (const e of s.entries) {
        if (!v1.ignoredKeys?.includes(e.key)) issues.push(unknown(e, 'key', e.key, v1.ignoredKeys ?? [], '', ` in '${s.type} ${s.name}'`));
      }
      continue;
    }
    const rename = v1.rename(program);
    const rule = SECTION_RULES[v1.type];
    const known = [...Object.keys(rename), ...Object.keys(rule.keys).filter((k) => !(s.type === 'socket_type' && k === 'type'))];
    const sec: RawSection = { ...s, type: v1.type, entries: [] };
    if (s.type === 'socket_type') {
      // `socket_type ssl` header: its name is the socket type.
      sec.name = undefined;
      sec.entries.push({ file: s.file, line: s.line, key: 'type', srcKey: 'socket_type', value: s.name ?? '', scope: `${s.file}#socket_type` });
    }
    for (const e of s.entries) {
      if (v1.ignoredKeys?.includes(e.key)) {
        warnings.push(`${at(e)}: '${e.key}' is not used by mmm; ignored`);
        continue;
      }
      const key = own(rename, e.key) ?? e.key;
      if (!known.includes(e.key) || (s.type === 'socket_type' && e.key === 'type')) {
        issues.push(unknown(e, 'key', e.key, known, '', ` in '${s.type} ${s.name}'`));
        continue;
      }
      if (own(rule.keys, key)?.ignored) {
        warnings.push(ignoredWarning(e));
        continue;
      }
      sec.entries.push({ ...e, key });
    }
    out.sections.push(sec);
  }
  // Synthetic sections go first so that a user's own sections override them.
  const first = [hostDefault, ...(thisHost ? [thisHost] : [])].filter((s) => s.entries.length > 0);
  if (program !== 'agent') first.push(monitor);
  out.sections.unshift(...first);
  return { doc: out, issues, warnings };
}

export function normalize(doc: RawDoc, syntax: Syntax, program: Program, main: string, because?: Origin): Normalized {
  return syntax === '2.x' ? normalize2x(doc, because) : normalize1x(doc, program, main);
}
