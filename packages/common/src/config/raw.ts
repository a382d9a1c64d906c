// The untyped result of lexing: entries and sections with where they were written.

export interface Origin {
  file: string;
  line: number; // 1-based; 0 = no line (e.g. the file as a whole)
}

export interface RawEntry extends Origin {
  /** Canonical (2.x) key after normalization; as written before it. */
  key: string;
  /** The key as the user wrote it, for messages. */
  srcKey: string;
  value: string;
  /** Duplicates are errors only within one scope (one section block of one file). */
  scope: string;
}

export interface RawSection extends Origin {
  type: string;
  name?: string;
  /** The section type as the user wrote it (1.x `socket_type`), for messages. */
  srcType: string;
  entries: RawEntry[];
  /** Made by the 1.x mapping, not written by the user: its header line is not meaningful. */
  synthetic?: boolean;
}

export interface RawDoc {
  top: RawEntry[];
  sections: RawSection[];
}

export function at(o: Origin): string {
  return `${o.file}:${o.line}`;
}
