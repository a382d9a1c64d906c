// Starting and stopping the legacy-agent double from tests: `node --import tsx legacy-agent.ts`
// (inside a node's namespace with `ip netns exec` when given one). The PID returned is the
// angel's; its worker child is found through /proc and stopped with it.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cmdlineOf, processAlive, sleep, stopPid, waitFor } from '@mmm/sandbox';

export const LEGACY_AGENT = join(__dirname, 'legacy-agent.ts');
const REPO = resolve(__dirname, '../..');

export interface LegacyAgentOptions {
  config: string;
  log: string;
  /** Run inside this network namespace. */
  netns?: string;
  /** The angel's restart delay in seconds (MMM: 10). */
  restartDelayS?: number;
  /** Further flags (--no-ip, --interface DEV, --kill-round S, --pos-wait-timeout S). */
  args?: string[];
}

export interface LegacyAgentProcess {
  /** The angel's PID (the one to track). */
  pid: number;
  child: ChildProcess;
  exited: Promise<number | null>;
  /** PIDs of the angel's live worker children (usually one; none during a restart sleep). */
  workers(): number[];
  /** SIGTERM to the angel (SIGKILL after a bound); waits until angel and workers are gone. */
  stop(): Promise<void>;
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid && processAlive(Number(d))) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

export function startLegacyAgent(o: LegacyAgentOptions): LegacyAgentProcess {
  const node = [process.execPath, '--import', 'tsx', LEGACY_AGENT, '-c', o.config, '--log', o.log,
    '--restart-delay', String(o.restartDelayS ?? 10), ...(o.args ?? [])];
  const [cmd, ...args] = o.netns ? ['ip', 'netns', 'exec', o.netns, ...node] : node;
  // `ip netns exec` execs node: the PID is the angel's either way.
  const child = spawn(cmd!, args, { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', () => undefined); // everything goes to --log; keep the pipe drained
  if (!child.pid) throw new Error('could not start legacy-agent');
  const pid = child.pid;
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const workers = (): number[] => childrenOf(pid).filter((p) => cmdlineOf(p).includes(LEGACY_AGENT));
  return {
    pid,
    child,
    exited,
    workers,
    async stop() {
      const before = workers();
      if (processAlive(pid)) await stopPid(pid, { graceMs: 8_000, mustContain: LEGACY_AGENT });
      for (const w of before) await stopPid(w, { graceMs: 2_000, mustContain: LEGACY_AGENT });
      await Promise.race([exited, sleep(2_000)]);
    },
  };
}

/** Waits (bounded) until the log holds `count` lines matching `re`; returns those lines. */
export async function waitForLog(log: string, re: RegExp, count = 1, timeoutMs = 20_000): Promise<string[]> {
  return waitFor(`${count}× ${re} in ${log}`, async () => {
    let text = '';
    try {
      text = readFileSync(log, 'utf8');
    } catch {
      return undefined;
    }
    const hits = text.split('\n').filter((l) => re.test(l));
    return hits.length >= count ? hits : undefined;
  }, { timeoutMs, intervalMs: 50 });
}
