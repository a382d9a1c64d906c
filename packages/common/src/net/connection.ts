// A line-oriented connection over a plain or TLS socket: write a line, read lines (async
// iteration or nextLine with a bound), close. Used by both listener and client.
import type { Socket } from 'node:net';
import { TimeoutError } from '../errors';
import { LineSplitter, type SplitResult } from '../protocol/line-splitter';
import type { PeerInfo } from './peer';

export interface ConnectionOptions {
  maxLineBytes?: number;
  /** Destroy the connection after this long without traffic; 0 = never. */
  idleTimeoutMs?: number;
}

type Waiter = { resolve: (r: SplitResult | null) => void; reject: (e: Error) => void };

// Reading pauses once this many lines wait unread, so a flooding peer can't grow memory.
const HIGH_WATER_LINES = 256;

export class PeerConnection implements AsyncIterable<string> {
  readonly peer: PeerInfo;
  /** The error that ended the socket, if any (ECONNRESET, a TLS alert, a framing error…). */
  lastError?: Error;
  protected readonly socket: Socket;
  private readonly lines: SplitResult[] = [];
  private waiters: Waiter[] = [];
  private ended = false;
  private readonly splitter: LineSplitter;
  private readonly closedPromise: Promise<void>;

  constructor(socket: Socket, peer: PeerInfo, opts: ConnectionOptions = {}) {
    this.socket = socket;
    this.peer = peer;
    this.splitter = new LineSplitter({ maxLineBytes: opts.maxLineBytes });
    this.closedPromise = new Promise((resolve) => socket.once('close', () => resolve()));
    if (opts.idleTimeoutMs && opts.idleTimeoutMs > 0) {
      socket.setTimeout(opts.idleTimeoutMs, () => {
        this.lastError ??= new TimeoutError(`idle for ${opts.idleTimeoutMs} ms`);
        socket.destroy();
      });
    }
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => {
      this.lastError ??= e;
    });
    socket.once('end', () => {
      this.deliver(this.splitter.end()); // a last line without "\n" still counts
      this.finish();
    });
    socket.once('close', () => this.finish());
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Resolves when the socket has closed. */
  whenClosed(): Promise<void> {
    return this.closedPromise;
  }

  private onData(chunk: Buffer): void {
    this.deliver(this.splitter.push(chunk));
    if (this.lines.length >= HIGH_WATER_LINES) this.socket.pause();
  }

  private deliver(items: SplitResult[]): void {
    for (const it of items) {
      const w = this.waiters.shift();
      if (w) w.resolve(it);
      else this.lines.push(it);
    }
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w.resolve(null);
  }

  /**
   * The next line or framing error (over-long line, bad UTF-8: the connection stays usable, so a
   * server can answer `ERROR:`), or null once the peer closed. Rejects with TimeoutError.
   */
  nextItem(timeoutMs?: number): Promise<SplitResult | null> {
    const it = this.lines.shift();
    if (it !== undefined) {
      if (this.lines.length < HIGH_WATER_LINES / 2 && this.socket.isPaused()) this.socket.resume();
      return Promise.resolve(it);
    }
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const w: Waiter = { resolve, reject };
      if (timeoutMs !== undefined) {
        const t = setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== w);
          reject(new TimeoutError(`no line within ${timeoutMs} ms from ${this.peer.address}`));
        }, timeoutMs);
        w.resolve = (v) => {
          clearTimeout(t);
          resolve(v);
        };
      }
      this.waiters.push(w);
      if (this.socket.isPaused()) this.socket.resume();
    });
  }

  /** The next line, or null once the peer closed; rejects with ProtocolError or TimeoutError. */
  async nextLine(timeoutMs?: number): Promise<string | null> {
    const it = await this.nextItem(timeoutMs);
    if (it === null) return null;
    if (it.kind === 'error') throw it.error;
    return it.line;
  }

  /** Lines and per-line framing errors, until the peer closes. */
  async *items(): AsyncGenerator<SplitResult> {
    for (;;) {
      const it = await this.nextItem();
      if (it === null) return;
      yield it;
    }
  }

  /** Lines until the peer closes; throws ProtocolError at a bad line (use items() to go on). */
  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    for (;;) {
      const l = await this.nextLine();
      if (l === null) return;
      yield l;
    }
  }

  /** Writes `line` plus "\n"; resolves once handed to the OS. */
  writeLine(line: string): Promise<void> {
    return this.write(`${line}\n`);
  }

  /** Writes bytes as they are (MMM's control replies carry no terminator). */
  write(text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.socket.destroyed || !this.socket.writable) {
        reject(this.lastError ?? new Error(`connection to ${this.peer.address} is closed`));
        return;
      }
      this.socket.write(text, (err) => (err ? reject(err) : resolve()));
    });
  }

  /** Also hands every raw chunk to `listener` (for replies that are not lines, e.g. MMM control text). */
  tapData(listener: (chunk: Buffer) => void): void {
    this.socket.on('data', listener);
  }

  /** Ends the connection (after flushing what was written); destroys it if the peer lingers. */
  close(graceMs = 1000): Promise<void> {
    if (!this.socket.destroyed) {
      this.socket.end();
      const t = setTimeout(() => this.socket.destroy(), graceMs);
      t.unref();
      void this.closedPromise.then(() => clearTimeout(t));
    }
    return this.closedPromise;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
