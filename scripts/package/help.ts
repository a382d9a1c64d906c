// Reads the text a binary prints for `--help` (commander's layout, plus the sections a tool adds
// itself) into blocks the man page and bash completion generators share, so that both say
// exactly what `--help` says.

/** One `  term   description` line of a list section (continuation lines joined). */
export interface HelpEntry {
  term: string;
  description: string;
}

export interface HelpSection {
  /** The heading without its colon, e.g. `Options`, `Commands (MMM 2.x; …)`, `Exit status`. */
  heading: string;
  /** The body lines as printed (indentation kept). */
  lines: string[];
  /** The body read as a term/description list (meaningful for Options, Arguments, Commands). */
  entries: HelpEntry[];
  /** Paragraphs printed after the body without a heading of their own. */
  after: string[];
}

export interface ParsedHelp {
  /** What follows `Usage: ` (the program name first). */
  usage: string;
  /** The paragraphs between the usage line and the first heading, each joined into one line. */
  description: string[];
  sections: HelpSection[];
}

export interface HelpOption {
  /** Every spelling: `-c`, `--config`. */
  flags: string[];
  /** The placeholder without brackets (`file`), or undefined for a switch. */
  value?: string;
  description: string;
}

const HEADING = /^(\S.*):$/;
const ENTRY = /^ {2}(\S.*?)(?: {2,}(\S.*))?$/;

/** Splits `--help` output into usage, description and headed sections. */
export function parseHelp(text: string): ParsedHelp {
  const lines = text.replace(/\r/g, '').split('\n');
  let i = 0;
  while (i < lines.length && lines[i].trim() === '') i++;
  const m = /^Usage: (.*)$/.exec(lines[i] ?? '');
  if (!m) throw new Error(`help text does not start with "Usage:": ${JSON.stringify(lines[i])}`);
  const usage = m[1].trim();
  i++;

  const description: string[] = [];
  const sections: HelpSection[] = [];
  let para: string[] = [];
  const flushPara = (): void => {
    if (para.length === 0) return;
    const joined = para.map((l) => l.trim()).join(' ');
    const last = sections[sections.length - 1];
    if (last) last.after.push(joined);
    else description.push(joined);
    para = [];
  };

  while (i < lines.length) {
    const line = lines[i];
    const h = HEADING.exec(line);
    if (h) {
      flushPara();
      const body: string[] = [];
      i++;
      while (i < lines.length && lines[i].trim() !== '' && /^\s/.test(lines[i])) body.push(lines[i++]);
      sections.push({ heading: h[1], lines: body, entries: parseEntries(body), after: [] });
      continue;
    }
    if (line.trim() === '') flushPara();
    else para.push(line);
    i++;
  }
  flushPara();
  return { usage, description, sections };
}

/** `  term  description` lines; a line indented deeper continues the entry above it. */
export function parseEntries(body: readonly string[]): HelpEntry[] {
  const out: HelpEntry[] = [];
  for (const line of body) {
    const e = ENTRY.exec(line);
    if (e) {
      out.push({ term: e[1].trim(), description: (e[2] ?? '').trim() });
    } else if (out.length > 0) {
      const last = out[out.length - 1];
      last.description = `${last.description} ${line.trim()}`.trim();
    }
  }
  return out;
}

/** The section whose heading starts with `name` (`Commands (MMM 2.x; …)` matches `Commands`). */
export function section(help: ParsedHelp, name: string): HelpSection | undefined {
  return help.sections.find((s) => s.heading === name || s.heading.startsWith(`${name} `));
}

/** The options of the `Options` section: `-c, --config <file>` → flags and placeholder. */
export function helpOptions(help: ParsedHelp): HelpOption[] {
  return (section(help, 'Options')?.entries ?? []).map((e) => {
    const value = /[<[]([^>\]]+)[>\]]/.exec(e.term)?.[1];
    const flags = e.term
      .replace(/[<[][^>\]]*[>\]]/g, '')
      .split(/[,\s]+/)
      .filter((f) => f.startsWith('-'));
    return { flags, value, description: e.description };
  });
}

/** The command names of the `Commands` section (the first word of each term). */
export function helpCommands(help: ParsedHelp): string[] {
  return (section(help, 'Commands')?.entries ?? []).map((e) => e.term.split(/\s+/)[0]);
}
