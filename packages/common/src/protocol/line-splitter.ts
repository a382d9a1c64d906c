// Splits a byte stream into text lines. Bounded: never holds more than one line's limit of bytes,
// so a peer that never sends `\n` cannot make us buffer without end (DESIGN §3).
import { ProtocolError } from '../errors';

/** Longest accepted line, in bytes, without its `\n` / `\r\n`. */
export const MAX_PROTOCOL_LINE_BYTES = 65536;

export type SplitResult = { kind: 'line'; line: string } | { kind: 'error'; error: ProtocolError };

const LF = 0x0a;
const CR = 0x0d;

export class LineSplitter {
  private readonly maxBytes: number;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** True after an over-long line was reported: bytes are dropped until its `\n`. */
  private discarding = false;

  constructor(options: { maxLineBytes?: number } = {}) {
    this.maxBytes = options.maxLineBytes ?? MAX_PROTOCOL_LINE_BYTES;
  }

  /** Feeds a chunk; returns the lines (and per-line errors) it completed, in order. */
  push(chunk: Uint8Array): SplitResult[] {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: SplitResult[] = [];
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(LF, start);
      if (nl < 0) break;
      const piece = buf.subarray(start, nl);
      start = nl + 1;
      if (this.discarding) {
        this.discarding = false; // the over-long line ends here; it was already reported
        continue;
      }
      if (this.pendingBytes + piece.length > this.maxBytes + 1) {
        this.drop(); // too long even without its `\r`: no need to copy it together
        out.push({ kind: 'error', error: this.tooLong() });
        continue;
      }
      out.push(this.finish(this.take(piece)));
    }
    const rest = buf.subarray(start);
    if (rest.length > 0 && !this.discarding) {
      // A trailing `\r` is not part of the line, so allow one byte more before giving up.
      if (this.pendingBytes + rest.length > this.maxBytes + 1) {
        this.drop();
        this.discarding = true;
        out.push({ kind: 'error', error: this.tooLong() });
      } else {
        this.pending.push(Buffer.from(rest)); // copy: the caller may reuse its buffer
        this.pendingBytes += rest.length;
      }
    }
    return out;
  }

  /** End of stream: a final line without `\n` still counts (Perl's readline does the same). */
  end(): SplitResult[] {
    const wasDiscarding = this.discarding;
    this.discarding = false;
    if (wasDiscarding || this.pendingBytes === 0) {
      this.drop();
      return [];
    }
    return [this.finish(this.take(Buffer.alloc(0)))];
  }

  /** Bytes held for an unfinished line (for tests and diagnostics). */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  private take(tail: Buffer): Buffer {
    const whole = this.pending.length === 0 ? tail : Buffer.concat([...this.pending, tail]);
    this.drop();
    return whole;
  }

  private drop(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }

  private finish(bytes: Buffer): SplitResult {
    const line = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.subarray(0, bytes.length - 1) : bytes;
    if (line.length > this.maxBytes) return { kind: 'error', error: this.tooLong() };
    try {
      return { kind: 'line', line: this.decoder.decode(line) };
    } catch {
      return { kind: 'error', error: new ProtocolError('PROTOCOL_NOT_UTF8', 'Line is not valid UTF-8') };
    }
  }

  private tooLong(): ProtocolError {
    return new ProtocolError('PROTOCOL_LINE_TOO_LONG', `Line longer than ${this.maxBytes} bytes`);
  }
}
