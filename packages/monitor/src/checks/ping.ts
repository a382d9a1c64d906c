// `ping` check: ICMP reachability through the system ping (iputils), independent of the agent.
//
// One long-running pinger per host: `ping -n -O -i <interval> -W <timeout> <ip>` is started once
// (on the first check of that address) and its stdout is parsed line by line; the check answers
// at once from the time of the last reply. One process per host and check_period (MMM's way,
// and ours before) does not scale: 200 hosts at 1 s were 200 spawns per second from the
// monitor's event loop (bench: 56 % + 36 % CPU, checks past their timeouts, never ONLINE).
//
// - interval = the ping check's check_period, clamped to ≥ 0.2 s when not root (iputils refuses
//   shorter intervals to non-root users) and to ≥ 0.05 s as root; -W = its timeout.
// - OK when a reply arrived within timeout + interval (+ a 50 ms margin for line delivery);
//   ERROR `no ICMP reply from <ip> for N ms` otherwise; UNKNOWN while a new pinger has not had
//   that long yet (the very first check waits, bounded by the timeout, for the first reply).
// - A pinger that exits is restarted with a bounded backoff (0.5 s doubling to 30 s; reset after
//   a reply). While it is down, or when it cannot be spawned or stays silent, the check falls
//   back to the one-shot `ping -c 1` per check (the former behaviour, still honouring timeout).
// - close() stops every pinger by PID (SIGTERM, then SIGKILL after 1 s; bounded); a process
//   'exit' hook SIGKILLs any left. Should the monitor be SIGKILLed, each pinger dies of SIGPIPE
//   on its next line (-O prints one every interval even without replies).
// MMM used Net::Ping with a fixed 0.5 s and ignored `timeout`; we honour `timeout`.
import { type ChildProcess, spawn } from 'node:child_process';
import { isIP } from 'node:net';
import { type CheckConfig, type Clock, type HostConfig, type Logger, nullLogger, systemClock } from '@mmm/common';
import { type CheckFn, type CheckResult, error, ok, timeoutMs, unknown } from './types';

export interface PingOptions {
  /** The ping executable (tests inject stand-ins). Default `ping` from PATH. */
  pingBin?: string;
  /** One long-running pinger per host (default true); false = one `ping -c 1` per check. */
  persistentPing?: boolean;
  /** For tests: the pingers' clock. */
  pingClock?: Clock;
  /** For tests: whether iputils will accept intervals below 0.2 s (default: uid 0). */
  pingAsRoot?: boolean;
  /** First restart delay of an exited pinger (ms, default 500; doubles up to pingRestartMaxMs). */
  pingRestartMinMs?: number;
  pingRestartMaxMs?: number;
  pingLogger?: Logger;
}

/** A check function that owns resources: the runner calls close() when it stops. */
export type ClosableCheckFn = CheckFn & { close(): Promise<void> };

// ---------------------------------------------------------------------------------------------
// One-shot ping (fallback).

export function pingArgs(ip: string, timeoutSeconds: number): string[] {
  // -W is the wait for the reply in seconds (iputils accepts fractions); -n: no reverse DNS.
  const w = Math.max(0.1, timeoutSeconds);
  return ['-c', '1', '-W', String(w), '-n', ip];
}

export function pingOnce(bin: string, ip: string, check: CheckConfig): Promise<CheckResult> {
  // Only literal addresses: a name would make ping do a DNS lookup, i.e. traffic we did not ask for.
  if (isIP(ip) === 0) return Promise.resolve(error(`Invalid IP address '${ip}'`));
  const limit = timeoutMs(check);
  return new Promise<CheckResult>((resolve) => {
    let done = false;
    let stderr = '';
    const finish = (r: CheckResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    const child = spawn(bin, pingArgs(ip, check.timeout), { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      if (stderr.length < 4096) stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(error(`Could not ping ${ip} (no reply within ${check.timeout}s)`));
    }, limit);
    child.on('error', (e: NodeJS.ErrnoException) => {
      // A missing ping binary says nothing about the host: UNKNOWN keeps the last status
      // instead of marking every host HARD_OFFLINE at once.
      if (e.code === 'ENOENT') finish(unknown(`${bin} not found (install iputils-ping)`));
      else finish(unknown(`could not run ${bin}: ${e.message}`));
    });
    child.on('close', (code) => {
      if (code === 0) finish(ok());
      else if (code === 1) finish(error(`Could not ping ${ip}`));
      else finish(error(`Could not ping ${ip}: ${stderr.trim() || `${bin} exited with ${String(code)}`}`));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Long-running pinger: pure parts.

export type PingLine =
  | { kind: 'reply'; seq: number; timeMs?: number }
  | { kind: 'missed'; seq: number }
  | { kind: 'error'; seq?: number; text: string }
  | { kind: 'other' };

const REPLY = /^\d+ bytes from \S+?:?\s.*?\bicmp_seq=(\d+)\b(?:.*?\btime[=<]([\d.]+) ?ms)?/;
const MISSED = /^no answer yet for icmp_seq=(\d+)\b/;
// "From 10.1.2.3 icmp_seq=4 Destination Host Unreachable", "… Time to live exceeded", …
const ICMP_ERROR = /^From \S+ icmp_seq=(\d+)\s+(.*)$/;

/** One line of iputils `ping -n -O` output. Duplicates (DUP!) count as replies: the host is alive. */
export function parsePingLine(raw: string): PingLine {
  const line = raw.trim();
  let m = REPLY.exec(line);
  if (m) {
    const r: PingLine = { kind: 'reply', seq: Number(m[1]) };
    if (m[2] !== undefined) r.timeMs = Number(m[2]);
    return r;
  }
  m = MISSED.exec(line);
  if (m) return { kind: 'missed', seq: Number(m[1]) };
  m = ICMP_ERROR.exec(line);
  if (m) return { kind: 'error', seq: Number(m[1]), text: m[2]!.trim() };
  return { kind: 'other' };
}

/** The `-i` interval in seconds: the check period, clamped to what iputils allows. */
export function pingerIntervalS(checkPeriodS: number, asRoot: boolean): number {
  const floor = asRoot ? 0.05 : 0.2;
  return Math.max(floor, Number.isFinite(checkPeriodS) ? checkPeriodS : 1);
}

export function pingerArgs(ip: string, intervalS: number, timeoutS: number): string[] {
  return ['-n', '-O', '-i', String(intervalS), '-W', String(Math.max(0.1, timeoutS)), ip];
}

/** What a pinger has seen so far (times in ms from its clock). */
export interface PingerState {
  /** When the first pinger for this address was started. */
  startedAt: number;
  lastReplyAt?: number;
  /** Any parsed line (reply, missed, error, header): the pinger is alive and talking. */
  lastLineAt?: number;
  /** Consecutive misses/ICMP errors since the last reply. */
  missed: number;
  lastError?: string;
}

/** How long without a reply is still OK: timeout + interval, plus 50 ms for line delivery. */
export function freshnessWindowMs(timeoutS: number, intervalS: number): number {
  return Math.round((timeoutS + intervalS) * 1000) + 50;
}

/**
 * The check's answer from a pinger's state at `now`. undefined = no verdict yet: the pinger has
 * run for less than the window and has not replied (the caller answers UNKNOWN or waits).
 */
export function judgePing(ip: string, s: PingerState, now: number, windowMs: number): CheckResult | undefined {
  if (s.lastReplyAt !== undefined && now - s.lastReplyAt <= windowMs) return ok();
  const since = s.lastReplyAt ?? s.startedAt;
  if (now - since <= windowMs) return undefined;
  const extra = s.lastError ? ` (${s.lastError})` : '';
  return error(`no ICMP reply from ${ip} for ${Math.round(now - since)} ms${extra}`);
}

// ---------------------------------------------------------------------------------------------
// Long-running pinger: processes.

class HostPinger {
  readonly state: PingerState;
  child?: ChildProcess;
  /** The process is running (spawned and not exited). */
  up = false;
  /** The last spawn failed outright (e.g. ENOENT): use the one-shot until a restart works. */
  spawnError?: string;
  lastUsed: number;
  private restartTimer?: NodeJS.Timeout;
  private failures = 0;
  private closed = false;
  private stderr = '';
  private waiters: Array<() => void> = [];
  private childStartedAt = 0;

  constructor(
    readonly ip: string,
    readonly intervalS: number,
    readonly timeoutS: number,
    private readonly pool: PingerPool,
  ) {
    this.state = { startedAt: pool.clock.now(), missed: 0 };
    this.lastUsed = this.state.startedAt;
  }

  start(): void {
    if (this.closed) return;
    this.restartTimer = undefined;
    this.stderr = '';
    let child: ChildProcess;
    try {
      child = spawn(this.pool.bin, pingerArgs(this.ip, this.intervalS, this.timeoutS), { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      this.spawnError = (e as Error).message;
      this.scheduleRestart();
      return;
    }
    this.child = child;
    this.up = true;
    this.childStartedAt = this.pool.clock.now();
    this.pool.track(child);
    let buf = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        this.onLine(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
      if (buf.length > 4096) buf = '';
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      if (this.stderr.length < 1024) this.stderr += d;
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      this.spawnError = e.code === 'ENOENT' ? `${this.pool.bin} not found (install iputils-ping)` : e.message;
    });
    child.on('close', (code, signal) => {
      this.up = false;
      this.pool.untrack(child);
      if (this.child === child) this.child = undefined;
      this.wakeWaiters();
      if (this.closed) return;
      const why = this.spawnError ?? (this.stderr.trim() || `exited with ${code ?? signal}`);
      this.pool.log.warn('pinger exited; restarting', { ip: this.ip, reason: why });
      this.scheduleRestart();
    });
  }

  private scheduleRestart(): void {
    if (this.closed) return;
    const ranMs = this.pool.clock.now() - this.childStartedAt;
    if (ranMs > 10_000) this.failures = 0;
    const delay = Math.min(this.pool.restartMaxMs, this.pool.restartMinMs * 2 ** this.failures);
    this.failures++;
    this.restartTimer = setTimeout(() => this.start(), delay);
  }

  private onLine(line: string): void {
    const now = this.pool.clock.now();
    const p = parsePingLine(line);
    this.state.lastLineAt = now;
    if (p.kind === 'reply') {
      this.state.lastReplyAt = now;
      this.state.missed = 0;
      this.state.lastError = undefined;
      this.failures = 0;
      this.spawnError = undefined;
    } else if (p.kind === 'missed') {
      this.state.missed++;
    } else if (p.kind === 'error') {
      this.state.missed++;
      this.state.lastError = p.text;
    }
    this.wakeWaiters();
  }

  /** Resolves at the next line or exit, or after ms. */
  nextEvent(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  private wakeWaiters(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Stops the pinger (and any restart); resolves when the process is gone (bounded). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.wakeWaiters();
    const child = this.child;
    if (child && this.up) await stopChild(child);
  }

  /** A pinger that prints nothing for longer than the window is not trusted (and is restarted). */
  silentFor(now: number): number {
    return now - (this.state.lastLineAt ?? this.childStartedAt);
  }

  kill(): void {
    if (this.child && this.up) this.child.kill('SIGKILL');
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    let t2: NodeJS.Timeout | undefined;
    const t1 = setTimeout(() => {
      child.kill('SIGKILL');
      t2 = setTimeout(resolve, 1000); // bounded even if the process never reports its exit
    }, 1000);
    child.once('exit', () => {
      clearTimeout(t1);
      if (t2) clearTimeout(t2);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** The pingers of one monitor, keyed by address, interval and timeout. */
export class PingerPool {
  readonly bin: string;
  readonly clock: Clock;
  readonly log: Logger;
  readonly asRoot: boolean;
  readonly restartMinMs: number;
  readonly restartMaxMs: number;
  private readonly pingers = new Map<string, HostPinger>();
  private readonly children = new Set<ChildProcess>();
  private closed = false;
  private lastReap = 0;
  private readonly onExit = (): void => {
    // Last resort (process.exit without stop): no pinger may outlive the monitor.
    for (const c of this.children) c.kill('SIGKILL');
  };

  constructor(opts: PingOptions = {}) {
    this.bin = opts.pingBin ?? 'ping';
    this.clock = opts.pingClock ?? systemClock;
    this.log = opts.pingLogger ?? nullLogger;
    this.asRoot = opts.pingAsRoot ?? process.getuid?.() === 0;
    this.restartMinMs = opts.pingRestartMinMs ?? 500;
    this.restartMaxMs = opts.pingRestartMaxMs ?? 30_000;
  }

  /** PIDs of the running pingers. */
  get pids(): number[] {
    return [...this.children].map((c) => c.pid).filter((p): p is number => p !== undefined);
  }

  track(c: ChildProcess): void {
    if (this.children.size === 0) process.on('exit', this.onExit);
    this.children.add(c);
  }

  untrack(c: ChildProcess): void {
    this.children.delete(c);
    if (this.children.size === 0) process.off('exit', this.onExit);
  }

  async check(ip: string, check: CheckConfig): Promise<CheckResult> {
    if (isIP(ip) === 0) return error(`Invalid IP address '${ip}'`);
    if (this.closed) return unknown('ping check stopped');
    const intervalS = pingerIntervalS(check.checkPeriod, this.asRoot);
    const window = freshnessWindowMs(check.timeout, intervalS);
    const key = `${ip} ${intervalS} ${check.timeout}`;
    let p = this.pingers.get(key);
    if (!p) {
      p = new HostPinger(ip, intervalS, check.timeout, this);
      this.pingers.set(key, p);
      p.start();
    }
    const now0 = this.clock.now();
    const deadline = now0 + timeoutMs(check);
    p.lastUsed = now0;
    this.reapIdle(now0);
    if (p.state.lastReplyAt === undefined && p.up && now0 - p.state.startedAt <= window) {
      // A new pinger: wait (bounded by the timeout) for its first line instead of UNKNOWN.
      while (p.state.lastReplyAt === undefined && p.up && p.state.missed === 0 && this.clock.now() < deadline) {
        await p.nextEvent(Math.max(1, deadline - this.clock.now()));
      }
    }
    const now = this.clock.now();
    const verdict = judgePing(ip, p.state, now, window);
    if (verdict?.status === 'OK') return verdict;
    // Not OK from the pinger: only trust that when it is running and talking; otherwise one
    // `ping -c 1` within what is left of this check's timeout.
    const once = (): Promise<CheckResult> => {
      const left = deadline - this.clock.now();
      if (left < 100) return Promise.resolve(unknown(`pinger for ${ip} is not running${p.spawnError ? `: ${p.spawnError}` : ''}`));
      return pingOnce(this.bin, ip, { ...check, timeout: left / 1000 });
    };
    if (!p.up || p.spawnError !== undefined) return once();
    if (p.silentFor(now) > window) {
      this.log.warn('pinger silent; killing it (restarted) and pinging once', { ip, silentMs: p.silentFor(now) });
      p.kill();
      return once();
    }
    return verdict ?? unknown(`no ping result for ${ip} yet`);
  }

  /** Pingers nobody asked about for a minute (and ten windows) are stopped. */
  private reapIdle(now: number): void {
    if (now - this.lastReap < 10_000) return;
    this.lastReap = now;
    for (const [key, p] of this.pingers) {
      const idleLimit = Math.max(60_000, 10 * freshnessWindowMs(p.timeoutS, p.intervalS));
      if (now - p.lastUsed > idleLimit) {
        this.pingers.delete(key);
        void p.close();
      }
    }
  }

  /** Stops every pinger (by PID: SIGTERM, SIGKILL after 1 s); bounded (~2 s). */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.pingers.values()];
    this.pingers.clear();
    await Promise.all(all.map((p) => p.close()));
    for (const c of this.children) c.kill('SIGKILL');
  }
}

export function makePingCheck(opts: PingOptions = {}): ClosableCheckFn {
  const bin = opts.pingBin ?? 'ping';
  if (opts.persistentPing === false) {
    const fn = (host: HostConfig, check: CheckConfig): Promise<CheckResult> => pingOnce(bin, host.ip, check);
    return Object.assign(fn, { close: async () => undefined });
  }
  const pool = new PingerPool(opts);
  const fn = (host: HostConfig, check: CheckConfig): Promise<CheckResult> => pool.check(host.ip, check);
  return Object.assign(fn, { close: () => pool.close(), pool });
}
