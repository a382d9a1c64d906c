// Log lines in the shape of MMM's Log4perl default (`%d %5p %m%n`), e.g.
// `2026/12/03 17:46:52 DEBUG Daemon: Answer = 'OK: Pinged!'`, to stderr or appended to a file.
import { appendFileSync } from 'node:fs';

export type Level = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL';

export interface Log {
  (level: Level, message: string): void;
  /** A line without the date and level (what Perl's `die` prints). */
  raw(line: string): void;
}

const two = (n: number): string => String(n).padStart(2, '0');

function stamp(d: Date): string {
  return `${d.getFullYear()}/${two(d.getMonth() + 1)}/${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

export function makeLog(file: string | undefined): Log {
  // appendFileSync: the angel and its child share the file, and a dying child loses no line.
  const write = (line: string): void => {
    if (file) appendFileSync(file, `${line}\n`);
    else process.stderr.write(`${line}\n`);
  };
  const log = ((level: Level, message: string) => write(`${stamp(new Date())} ${level.padStart(5)} ${message}`)) as Log;
  log.raw = write;
  return log;
}
