// Follows log files while a test runs (every 50 ms) and stamps each new line with the time it was
// seen, so lines of different daemons (the legacy double logs whole seconds only) can be ordered
// against each other and against the observer's ticks.
import { readFileSync } from 'node:fs';

export interface SeenLine {
  /** Epoch ms when the line was first read (at most ~50 ms after it was written). */
  t: number;
  key: string;
  line: string;
}

export class LogWatch {
  readonly lines: SeenLine[] = [];
  private readonly offsets = new Map<string, number>();
  private readonly partial = new Map<string, string>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly files: Record<string, string>) {
    for (const [key, f] of Object.entries(files)) this.offsets.set(key, size(f)); // only what comes after now
    this.timer = setInterval(() => this.poll(), 50);
  }

  poll(): void {
    const t = Date.now();
    for (const [key, f] of Object.entries(this.files)) {
      let buf: Buffer;
      try {
        buf = readFileSync(f);
      } catch {
        continue;
      }
      const from = this.offsets.get(key) ?? 0;
      if (buf.length < from) this.offsets.set(key, 0); // replaced
      if (buf.length <= from) continue;
      const text = (this.partial.get(key) ?? '') + buf.subarray(from).toString('utf8');
      this.offsets.set(key, buf.length);
      const parts = text.split('\n');
      this.partial.set(key, parts.pop() ?? '');
      for (const line of parts) if (line) this.lines.push({ t, key, line });
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.poll();
  }

  /** Lines of `key` matching `re`, at or after `since`. */
  find(key: string, re: RegExp, since = 0): SeenLine[] {
    return this.lines.filter((l) => l.key === key && l.t >= since && re.test(l.line));
  }

  first(key: string, re: RegExp, since = 0): SeenLine | undefined {
    return this.find(key, re, since)[0];
  }
}

function size(f: string): number {
  try {
    return readFileSync(f).length;
  } catch {
    return 0;
  }
}
