// The --log-file sink: appends to a path and can reopen it, so logrotate can rename the file
// and send SIGHUP (`postrotate kill -HUP …`); the lines after the reopen go to a fresh file at
// the path. winston's own File transport cannot be reopened (and re-adds itself on errors).
import * as fs from 'node:fs';
import { Writable } from 'node:stream';
import { MmmError, errorMessage } from './errors';

export class ReopenableFile extends Writable {
  private out: fs.WriteStream;

  /** Opens `path` for appending now: a log file that cannot be opened is a start-up error. */
  constructor(
    readonly path: string,
    /** Where a write failure is told (the log itself is what fails): stderr by default. */
    private readonly onError: (msg: string) => void = (msg) => process.stderr.write(`${msg}\n`),
  ) {
    super();
    try {
      this.out = this.openStream();
    } catch (e) {
      throw new MmmError('SYSTEM', `cannot open log file ${path}: ${errorMessage(e)}`, { cause: e });
    }
  }

  /**
   * Closes the current file (its queued lines still reach it, under its new name after a
   * rename) and opens `path` again. If that fails, logging goes on to the old file and the
   * failure is returned, for the caller to log there.
   */
  reopen(): string | undefined {
    let next: fs.WriteStream;
    try {
      next = this.openStream();
    } catch (e) {
      return `cannot reopen log file ${this.path}, still writing to the old one: ${errorMessage(e)}`;
    }
    const old = this.out;
    this.out = next;
    old.end();
    return undefined;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    const out = this.out;
    // A file that failed is dropped until the next reopen (the failure was told once).
    if (out.destroyed || out.write(chunk)) return done();
    // Backpressure: wait for the file to drain, or to close (reopened or failed meanwhile).
    const go = (): void => {
      out.off('drain', go).off('close', go);
      done();
    };
    out.once('drain', go).once('close', go);
  }

  override _final(done: (e?: Error | null) => void): void {
    this.out.end(() => done());
  }

  private openStream(): fs.WriteStream {
    const fd = fs.openSync(this.path, 'a', 0o640);
    const s = fs.createWriteStream(this.path, { fd, flags: 'a' });
    let reported = false;
    s.on('error', (e) => {
      // Once per file: a full disk must not turn every log line into a second line on stderr.
      if (reported) return;
      reported = true;
      this.onError(`cannot write log file ${this.path}: ${errorMessage(e)}`);
    });
    return s;
  }
}
