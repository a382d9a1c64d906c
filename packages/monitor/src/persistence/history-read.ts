// Reads the audit log newest first, across its rotated files (`file`, `file.1` … `file.N`,
// rotation.ts), in chunks from the end, up to a bound on the bytes read per request, and pages
// it (history.ts). Without a file (no status_path) the monitor's memory (the ring) is the source.
import { type FileHandle, open } from 'node:fs/promises';
import { HISTORY_SCHEMA_VERSION, type HistoryDocument, systemClock, type Clock } from '@mmm/common';
import type { AuditEntry } from './audit-log';
import { HistoryPager, type HistoryQuery, parseAuditLine } from './history';

/** 8 MiB per request: about 25 000 entries, far more than a page needs; a deep cursor or a narrow kind filter stops here. */
export const HISTORY_READ_MAX_BYTES = 8 * 1024 * 1024;
const CHUNK = 64 * 1024;

export interface HistorySource {
  /** The audit file; undefined: memory only. */
  readonly file: string | undefined;
  readonly keepFiles: number;
  /** Resolves once what was recorded so far is on disk. */
  flush(): Promise<void>;
  /** Kept in memory, oldest first. */
  recent(): AuditEntry[];
}

export interface ReadBound {
  maxBytes: number;
  /** Set when the bound stopped the reading before the oldest file's first line. */
  hit: boolean;
}

/** Lines of one open file from its end, newest first; counts bytes against `bound`. */
async function* linesBackwards(fh: FileHandle, bound: ReadBound, used: { bytes: number }): AsyncGenerator<string> {
  let pos = (await fh.stat()).size;
  let tail = Buffer.alloc(0); // the start of a line whose beginning is in an earlier chunk
  while (pos > 0) {
    if (used.bytes >= bound.maxBytes) {
      bound.hit = true;
      return;
    }
    const len = Math.min(CHUNK, pos, bound.maxBytes - used.bytes);
    pos -= len;
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, pos);
    used.bytes += len;
    let data = Buffer.concat([buf, tail]);
    let end = data.length;
    for (let i = data.length - 1; i >= 0; i--) {
      if (data[i] !== 0x0a) continue;
      if (i + 1 < end) yield data.subarray(i + 1, end).toString('utf8');
      end = i;
    }
    tail = data.subarray(0, end);
    data = Buffer.alloc(0);
  }
  if (tail.length > 0) yield tail.toString('utf8');
}

/**
 * Every entry newest first: the current file, then file.1 … file.keepFiles. A file renamed by a
 * rotation while it is read is the same inode under its new name: read once.
 */
export async function* auditEntriesNewestFirst(file: string, keepFiles: number, bound: ReadBound): AsyncGenerator<AuditEntry> {
  const used = { bytes: 0 };
  const seen = new Set<number>();
  for (let i = 0; i <= keepFiles; i++) {
    const name = i === 0 ? file : `${file}.${i}`;
    let fh: FileHandle;
    try {
      fh = await open(name, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // not rotated that often yet
      throw e;
    }
    try {
      const ino = (await fh.stat()).ino;
      if (seen.has(ino)) continue;
      seen.add(ino);
      for await (const line of linesBackwards(fh, bound, used)) {
        const e = parseAuditLine(line);
        if (e) yield e;
      }
    } finally {
      await fh.close();
    }
    if (bound.hit) return;
  }
}

export class AuditHistory {
  private readonly clock: Clock;

  constructor(
    private readonly source: HistorySource,
    private readonly opts: { maxBytes?: number; clock?: Clock } = {},
  ) {
    this.clock = opts.clock ?? systemClock;
  }

  async page(q: HistoryQuery): Promise<HistoryDocument> {
    const pager = new HistoryPager(q);
    const bound: ReadBound = { maxBytes: this.opts.maxBytes ?? HISTORY_READ_MAX_BYTES, hit: false };
    const file = this.source.file;
    if (file) {
      await this.source.flush();
      for await (const e of auditEntriesNewestFirst(file, this.source.keepFiles, bound)) if (!pager.feed(e)) break;
    } else {
      const mem = this.source.recent();
      for (let i = mem.length - 1; i >= 0; i--) if (!pager.feed(mem[i]!)) break;
    }
    const truncated = bound.hit && !pager.full;
    return {
      schemaVersion: HISTORY_SCHEMA_VERSION,
      generatedAt: new Date(this.clock.now()).toISOString(),
      entries: pager.entries,
      next: pager.next(truncated),
      truncated,
      source: file ? 'audit_log' : 'memory',
    };
  }
}
