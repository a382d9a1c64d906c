// Coordinators for the HA tests: in this process (with a timeline of their events) or in a child
// process of their own (to kill -9), each stopped by the test's cleanup.
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { MonitorHaSettings } from '../../../packages/common/src/config';
import { MemoryLogger } from '../../../packages/common/src/testing';
import { EtcdCoordinator } from '../../../packages/monitor/src/ha/etcd-coordinator';
import type { EtcdCluster } from './etcd-cluster';

export const TTL_S = 2;

export interface Event {
  at: number; // performance.now()
  who: string;
  ev: string;
  x?: unknown;
}

export interface Timeline {
  events: Event[];
  /** Resolves with the first event matching after `since` (bounded). */
  next(who: string, ev: string, timeoutMs: number, since?: number): Promise<Event>;
  print(): string;
}

export function timeline(): Timeline {
  const events: Event[] = [];
  return {
    events,
    async next(who, ev, timeoutMs, since = -Infinity) {
      const e = await waitFor(() => events.find((x) => x.who === who && x.ev === ev && x.at >= since), timeoutMs, `${who} ${ev}`);
      return e;
    },
    print: () => events.map((e) => `${(e.at / 1000).toFixed(3)} ${e.who} ${e.ev} ${e.x === undefined ? '' : JSON.stringify(e.x)}`).join('\n'),
  };
}

/** Polls `f` every 20 ms until it returns a value other than undefined/false; throws after `timeoutMs`. */
export async function waitFor<T>(f: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v !== undefined && v !== false) return v;
    if (performance.now() > until) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function settingsFor(c: EtcdCluster, id: string, o: { prefix: string; endpoints?: string[]; certRole?: 'monitor' | 'etcd' }): Promise<MonitorHaSettings> {
  const t = await c.clientCert(`${id}-${o.certRole ?? 'monitor'}`, o.certRole ?? 'monitor');
  return {
    endpoints: o.endpoints ?? c.endpoints, caFile: t.caFile, certFile: t.certFile, keyFile: t.keyFile,
    keyPrefix: o.prefix, leaseTtl: TTL_S, monitorId: id, controlAddress: { ip: '127.0.0.1', port: 9988 },
  };
}

/** An EtcdCoordinator whose events go to `tl`; the caller stops it. */
export async function coordinator(c: EtcdCluster, tl: Timeline, id: string, o: { prefix: string; endpoints?: string[]; certRole?: 'monitor' | 'etcd' }): Promise<{ co: EtcdCoordinator; log: MemoryLogger }> {
  const log = new MemoryLogger();
  const co = new EtcdCoordinator({ settings: await settingsFor(c, id, o), logger: log });
  const rec = (ev: string) => (x: unknown) => void tl.events.push({ at: performance.now(), who: id, ev, x });
  co.on('elected', rec('elected'));
  co.on('deposed', rec('deposed'));
  co.on('leader', rec('leader'));
  co.on('state', rec('state'));
  return { co, log };
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  stop(): Promise<void>;
}

/** A coordinator in its own process; its JSON event lines go to `tl` as `who`. */
export function childCoordinator(settings: MonitorHaSettings, tl: Timeline): Child {
  const script = resolve(__dirname, 'coordinator-child.ts');
  const proc = spawn(process.execPath, ['--require', 'tsx/cjs', script, JSON.stringify(settings)], { stdio: ['ignore', 'pipe', 'pipe'], cwd: resolve(__dirname, '../../..') });
  const rl = createInterface({ input: proc.stdout! });
  rl.on('line', (line) => {
    try {
      const o = JSON.parse(line) as { ev: string; term?: number; why?: string; leader?: unknown };
      tl.events.push({ at: performance.now(), who: settings.monitorId, ev: o.ev, x: o.term ?? o.why ?? o.leader });
    } catch {
      // not an event line
    }
  });
  proc.stderr!.on('data', () => undefined);
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    proc,
    pid: proc.pid!,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      process.kill(proc.pid!, 'SIGKILL');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    },
  };
}
