// A connection flood for listener tests, run in a child process (flood-process.js): `count` TCP
// sockets from `localAddress` that never send a byte, each one the server closes opened again at
// once (an attacker keeping the port full). stop() ends it by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

export interface FloodOptions {
  host: string;
  port: number;
  /** Source address (another loopback address stands for another machine). */
  localAddress: string;
  count: number;
}

export interface FloodCounts {
  /** Connections opened so far (re-openings included). */
  opened: number;
  /** Sockets the server closed. */
  closedByPeer: number;
  /** Sockets open now. */
  open: number;
}

export interface Flood {
  readonly pid: number;
  /** The last counts the flood reported (every 200 ms). */
  counts(): FloodCounts;
  /** Resolves once the flood has opened at least `n` connections; rejects at `ms`. */
  waitOpened(n: number, ms?: number): Promise<void>;
  stop(): Promise<void>;
}

const SCRIPT = path.join(__dirname, 'flood-process.js');

export function startFlood(o: FloodOptions): Flood {
  const child: ChildProcess = spawn(process.execPath, [SCRIPT, o.host, String(o.port), o.localAddress, String(o.count)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let last: FloodCounts = { opened: 0, closedByPeer: 0, open: 0 };
  let buf = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const l of lines) if (l) last = JSON.parse(l) as FloodCounts;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid!,
    counts: () => last,
    async waitOpened(n: number, ms = 10_000) {
      const end = Date.now() + ms;
      while (last.opened < n) {
        if (child.exitCode !== null) throw new Error(`flood process exited (${child.exitCode})`);
        if (Date.now() > end) throw new Error(`flood opened ${last.opened} of ${n} connections within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(child.pid!, 'SIGTERM');
      const killer = setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
      }, 5000);
      await exited;
      clearTimeout(killer);
    },
  };
}
