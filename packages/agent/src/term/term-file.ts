// The term file's I/O: read at start, replaced durably (temp file, fsync, rename, fsync of the
// folder: common durable-file.ts) before a SET_TERM is answered OK, removed by --reset-term.
import * as fs from 'node:fs';
import { dirname } from 'node:path';
import { type DurableFs, MmmError, errorMessage, writeFileDurably } from '@mmm/common';
import { type TermRecord, decodeTermRecord, encodeTermRecord } from './record';

/** Where the term record lives; a fake in handler tests. */
export interface TermStore {
  readonly file: string;
  /** The record, or undefined without a file. Throws MmmError STATE_INVALID naming the file. */
  load(): TermRecord | undefined;
  /** Durable once it resolves; throws (naming the file and the failed step) and leaves the old file otherwise. */
  save(r: TermRecord): Promise<void>;
}

export class FileTermStore implements TermStore {
  constructor(
    readonly file: string,
    private readonly fsPort?: DurableFs,
  ) {}

  load(): TermRecord | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new MmmError('STATE_INVALID', `term file ${this.file} cannot be read: ${errorMessage(e)}`, { cause: e });
    }
    return decodeTermRecord(text, this.file);
  }

  save(r: TermRecord): Promise<void> {
    // 0644: nothing secret in it, and an operator may read it without root
    return writeFileDurably(this.file, encodeTermRecord(r), { mode: 0o644, ...(this.fsPort ? { fs: this.fsPort } : {}) });
  }
}

export interface ResetOutcome {
  /** The record the file held; undefined when it was malformed. */
  held?: TermRecord;
  removed: boolean;
  /** Why the old content could not be read (it was removed all the same). */
  malformed?: string;
}

/** `mmmd_agent --reset-term`: removes the file (malformed or not) and makes the removal durable. */
export function resetTermFile(file: string): ResetOutcome {
  let held: TermRecord | undefined;
  let malformed: string | undefined;
  try {
    held = new FileTermStore(file).load();
    if (!held) return { removed: false };
  } catch (e) {
    malformed = errorMessage(e);
  }
  try {
    fs.unlinkSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { removed: false };
    throw new MmmError('SYSTEM', `cannot remove term file ${file}: ${errorMessage(e)}`, { cause: e });
  }
  syncFolder(dirname(file));
  return { removed: true, ...(held ? { held } : {}), ...(malformed ? { malformed } : {}) };
}

function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // a folder that cannot be fsync'd (some file systems): the unlink is as durable as they allow
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
