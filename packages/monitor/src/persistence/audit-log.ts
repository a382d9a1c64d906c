// Append-only JSON-lines record of every decision and blocked decision, plus the last N kept in
// memory for status_json. Writes never block or throw into the monitor loop: entries queue and
// one writer appends them in order, fsyncing each batch before the next. The file rotates at
// a size (rotation.ts); the in-memory ring does not depend on the file.
import { type FileHandle, open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Clock, type DecisionKind, type Logger, MmmError, errorMessage, nullLogger, systemClock } from '@mmm/common';
import { Ring } from './ring';
import { syncDir } from './atomic-write';
import { AUDIT_KEEP_FILES, AUDIT_MAX_BYTES, needsRotation, rotationRenames } from './rotation';

export interface AuditEntry {
  /** ISO 8601 time of the decision. */
  time: string;
  /** What was decided (common's DECISION_KINDS: `state_change`, `failover`, `diagnosis`…). */
  kind: DecisionKind;
  host?: string;
  role?: string;
  reason: string;
  /** true when the decision was made but not carried out (and `reason` says why). */
  blocked: boolean;
  details?: Record<string, unknown>;
}

export type AuditInput = Omit<AuditEntry, 'time' | 'blocked'> & { time?: string; blocked?: boolean };

export interface AuditLogOptions {
  /** JSON-lines file; memory only when absent. */
  file?: string;
  /** Decisions kept in memory (default 100). */
  keep?: number;
  clock?: Clock;
  logger?: Logger;
  /** Rotate before a batch would take the file past this (default AUDIT_MAX_BYTES, 10 MiB). */
  maxBytes?: number;
  /** Rotated files kept: `<file>.1` (newest) … `<file>.N` (default AUDIT_KEEP_FILES, 5). */
  keepFiles?: number;
}

export class AuditLog {
  private readonly ring: Ring<AuditEntry>;
  private readonly clock: Clock;
  private readonly log: Logger;
  private fh?: FileHandle;
  /** Bytes in the current file. */
  private size = 0;
  private queue: string[] = [];
  private draining?: Promise<void>;
  private closed = false;
  /** The last write error, for warnings in status_json; cleared by a successful write. */
  lastError?: string;

  constructor(private readonly opts: AuditLogOptions = {}) {
    this.ring = new Ring(opts.keep ?? 100);
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger ?? nullLogger;
  }

  /** The JSON-lines file; undefined: memory only. */
  get file(): string | undefined {
    return this.opts.file;
  }

  /** How many rotated files are kept beside it (history reads them all). */
  get keepFiles(): number {
    return this.opts.keepFiles ?? AUDIT_KEEP_FILES;
  }

  /** Opens (creates) the file for appending; a failure here is a startup error. */
  async open(): Promise<void> {
    if (!this.opts.file || this.fh) return;
    try {
      this.fh = await open(this.opts.file, 'a', 0o640);
      this.size = (await this.fh.stat()).size;
    } catch (e) {
      throw new MmmError('SYSTEM', `cannot open audit log ${this.opts.file}: ${errorMessage(e)}`, { cause: e });
    }
  }

  /** Records at once in memory; the file write follows in the background (see flush()). */
  record(input: AuditInput): AuditEntry {
    const entry: AuditEntry = {
      time: input.time ?? new Date(this.clock.now()).toISOString(),
      kind: input.kind,
      ...(input.host !== undefined ? { host: input.host } : {}),
      ...(input.role !== undefined ? { role: input.role } : {}),
      reason: input.reason,
      blocked: input.blocked ?? false,
      ...(input.details !== undefined ? { details: input.details } : {}),
    };
    this.ring.push(entry);
    if (this.fh && !this.closed) {
      this.queue.push(`${JSON.stringify(entry)}\n`);
      this.draining ??= this.drain();
    }
    return entry;
  }

  /** The newest `n` (default all kept) decisions, oldest first. */
  recent(n?: number): AuditEntry[] {
    return this.ring.toArray(n);
  }

  /** Resolves when everything recorded so far is on disk (or failed and was logged). */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close();
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0 && this.fh) {
        const batch = this.queue.join('');
        this.queue = [];
        const bytes = Buffer.byteLength(batch);
        if (needsRotation(this.size, bytes, this.opts.maxBytes ?? AUDIT_MAX_BYTES)) await this.rotate();
        if (!this.fh) break;
        try {
          await this.fh.write(batch);
          await this.fh.datasync();
          this.size += bytes;
          this.lastError = undefined;
        } catch (e) {
          // Lost lines stay in memory (ring) and in the daemon log; the loop goes on.
          this.lastError = errorMessage(e);
          this.log.error('audit log write failed', { file: this.opts.file, error: this.lastError });
        }
      }
    } finally {
      this.draining = undefined;
    }
  }

  /** Between batches: close, shift the names, open a new file. A failure keeps appending to what is at the path. */
  private async rotate(): Promise<void> {
    const file = this.opts.file!;
    const old = this.fh;
    this.fh = undefined;
    try {
      await old?.close();
      for (const [from, to] of rotationRenames(file, this.opts.keepFiles ?? AUDIT_KEEP_FILES)) {
        await rename(from, to).catch((e: NodeJS.ErrnoException) => {
          if (e.code !== 'ENOENT') throw e; // fewer rotated files than kept: nothing to shift
        });
      }
      await syncDir(dirname(file));
    } catch (e) {
      // Not a lost decision (lastError is for those): the file just grows; the next batch retries.
      this.log.error('audit log rotation failed', { file, error: errorMessage(e) });
    }
    try {
      this.fh = await open(file, 'a', 0o640);
      this.size = (await this.fh.stat()).size;
    } catch (e) {
      // No file any more: later decisions stay in memory (ring) and the daemon log; lastError shows it.
      this.lastError = `cannot reopen after rotation: ${errorMessage(e)}`;
      this.log.error('audit log lost after rotation', { file, error: errorMessage(e) });
    }
  }
}
