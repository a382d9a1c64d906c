// The agent's own watch over its mysqld, every period: keeps the latest health facts (GET_HEALTH
// answers from them at once, even while mysqld hangs), drops the writer VIP when mysqld does not
// answer, and kills a HUNG writer. A server that accepts connections but never answers (SIGSTOP,
// stuck I/O) may resume later and commit what it had received while another node is the writer:
// once it has not answered for hungKillMs (< writer_lease, so before the monitor may promote by
// lease), its agent kills it, and only then reports it stopped — the monitor's proof it is dead.
// It also keeps one idle sentinel session open on its server: when mysqld exits, the kernel closes
// that socket at once, and the watch looks again right away (a burst of quick collections) instead
// of at its next period; every change it sees starts a new health generation, which answers the
// monitor's standing WATCH_HEALTH requests (health-events.ts).
import { existsSync, readFileSync } from 'node:fs';
import { type Logger, errorMessage } from '@mmm/common';
import type { LocalMysql, MysqlSentinel } from '../system/mysql';
import type { VipManager } from '../system/ip';
import { probePort } from '../system/port-probe';
import type { LeaseDecision } from '../lease/index';
import type { RejectPath } from '../reject/vip-reject';
import { type HealthFacts, HeartbeatTracker, collectHealth, dropWriterVipIfDead, dropWriterVips } from './health';
import { HealthEvents } from './health-events';

export interface HealthWatchOptions {
  mysql: LocalMysql;
  vips: VipManager;
  pidfile?: string;
  /** False when `pidfile` is MMM's default, not configured (health.ts). */
  pidfileConfigured?: boolean;
  /** The local server's address, probed when it does not answer (crashed vs hung). */
  mysqlHost: string;
  mysqlPort: number;
  /** The socket the agent reaches its server on: a hung server keeps it, a wrong path never had it. */
  socketPath?: string;
  writerIps: readonly string[];
  lease: () => LeaseDecision;
  /** Does this host hold (or claim) the writer role? */
  holdsWriter: () => boolean;
  hungKillMs: number;
  now: () => number;
  logger: Logger;
  periodMs?: number; // 1000
  /** durability semisync: GET_HEALTH also reports the semi-sync state (never read with async). */
  semisync?: boolean;
  /** Serializes VIP changes with SET_STATUS. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** vip_reject: answers the clients that still come for a dropped writer VIP. */
  reject?: RejectPath;
  /** Injected for tests. */
  kill?: (pid: number) => void;
  processName?: (pid: number) => string | undefined;
  socketExists?: (path: string) => boolean;
  /** After the sentinel session closed: look again this often… */
  burstStepMs?: number; // 50
  /** …this many times at most, until mysqld is certainly stopped or answers again. */
  burstSteps?: number; // 40
  /** The generation and standing requests (made here when not given). */
  events?: HealthEvents;
}

function procName(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

export class HealthWatch {
  /** at: when collected; startedAt: when that collection began (what it saw is at least that recent). */
  private latestFacts?: { facts: HealthFacts; at: number; startedAt: number };
  private collecting?: Promise<HealthFacts>;
  /** When the collection under way began. */
  private collectingSince?: number;
  private lastAnsweredAt: number;
  private timer?: NodeJS.Timeout;
  private readonly heartbeat = new HeartbeatTracker();
  private readonly periodMs: number;
  /** The health generation and the WATCH_HEALTH requests waiting on it. */
  readonly events: HealthEvents;
  private sentinel?: MysqlSentinel;
  private sentinelOpening?: Promise<void>;
  private burstRunning?: Promise<void>;
  private stopped = false;

  constructor(private readonly o: HealthWatchOptions) {
    this.lastAnsweredAt = o.now();
    this.periodMs = o.periodMs ?? 1000;
    this.events = o.events ?? new HealthEvents();
  }

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.periodMs);
  }

  /** Stops the loop, answers every standing WATCH_HEALTH, closes the sentinel session. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.events.stop();
    await this.burstRunning;
    await this.sentinelOpening;
    const s = this.sentinel;
    this.sentinel = undefined;
    await s?.close().catch(() => undefined);
    await this.collecting?.catch(() => undefined);
  }

  /** Is the sentinel session open (for tests and the log)? */
  get watching(): boolean {
    return this.sentinel !== undefined;
  }

  /** Opens the sentinel session while the server answers and none is open (one attempt at a time). */
  private keepSentinel(facts: HealthFacts): void {
    const open = this.o.mysql.sentinel?.bind(this.o.mysql);
    if (!open || !facts.answering || this.sentinel || this.sentinelOpening || this.stopped) return;
    this.sentinelOpening = open()
      .then(
        (s) => {
          if (this.stopped) return void s.close().catch(() => undefined);
          this.sentinel = s;
          this.o.logger.debug('sentinel session open: a crash of the local server is seen at once');
          void s.closed.then(() => this.sentinelLost(s));
        },
        (e: unknown) => this.o.logger.debug(`sentinel session not opened: ${errorMessage(e)}`),
      )
      .finally(() => (this.sentinelOpening = undefined));
  }

  private sentinelLost(s: MysqlSentinel): void {
    if (this.sentinel !== s) return; // closed by us
    this.sentinel = undefined;
    if (this.stopped) return;
    this.o.logger.debug('sentinel session to the local server closed: looking again now');
    this.burstRunning ??= this.burst().finally(() => (this.burstRunning = undefined));
  }

  /**
   * The sentinel closed: mysqld died, or only this session ended (KILL, a restart). Ticks quickly
   * until the server is certainly stopped or answers again: between the socket's close and the
   * process's end, the pid may still look alive for a moment.
   */
  private async burst(): Promise<void> {
    const step = this.o.burstStepMs ?? 50;
    const steps = this.o.burstSteps ?? 40;
    const since = this.o.now();
    for (let i = 0; i < steps && !this.stopped; i++) {
      await this.tick();
      const l = this.latestFacts;
      // a collection begun before the close (the periodic one may have been running) says nothing yet
      if (l && l.startedAt >= since && (l.facts.answering || l.facts.mysqldRunning === false)) return;
      await new Promise((resolve) => setTimeout(resolve, step));
    }
  }

  /** The last collected facts and their age in ms (the load-balancer endpoints read them, never MySQL). */
  last(): { facts: HealthFacts; ageMs: number; startedAt: number } | undefined {
    const l = this.latestFacts;
    return l ? { facts: l.facts, ageMs: this.o.now() - l.at, startedAt: l.startedAt } : undefined;
  }

  /**
   * Facts no older than maxAgeMs when they can be had within quickMs: otherwise a collection is
   * started (or joined: one at a time, however many callers) and the last facts are returned when
   * it is slow. Facts from a collection begun before `notBefore` (the end of the agent's last
   * state change) count as old whatever their age. Never touches the VIPs; undefined before the
   * first observation.
   */
  async recent(maxAgeMs: number, quickMs: number, notBefore = -Infinity): Promise<{ facts: HealthFacts; ageMs: number } | undefined> {
    const l = this.last();
    if (l && l.ageMs <= maxAgeMs && l.startedAt >= notBefore) return l;
    let timer: NodeJS.Timeout | undefined;
    const slow = new Promise<void>((resolve) => (timer = setTimeout(resolve, quickMs)));
    await Promise.race([this.collect().then(() => undefined, () => undefined), slow]).finally(() => clearTimeout(timer));
    return this.last();
  }

  /**
   * Facts for GET_HEALTH: collected now (quick while mysqld answers); when that takes longer than
   * quickMs (a hung server makes each probe wait for its timeout) the last facts are used instead.
   * The lease is always recomputed now.
   */
  async latest(quickMs = 300): Promise<HealthFacts> {
    const fresh = this.collect();
    const last = this.latestFacts;
    let facts: HealthFacts;
    if (last) {
      let timer: NodeJS.Timeout | undefined;
      const slow = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), quickMs)));
      facts = (await Promise.race([fresh, slow]).finally(() => clearTimeout(timer))) ?? last.facts;
    } else {
      facts = await fresh;
    }
    if (facts.mysqldRunning === false && this.o.holdsWriter() && (await this.writerVipLeft())) {
      // "stopped" lets the monitor promote another writer at once: say it only once the writer
      // VIP is gone from here, else the VIP would be on two hosts for a moment
      facts = { ...facts, mysqldRunning: undefined };
    }
    const lease = this.o.lease();
    return { ...facts, lease: lease.status, leaseMsLeft: lease.msLeft };
  }

  /** Drops the writer VIP of a dead writer now; true when one is still here (or cannot be told). */
  private writerVipLeft(): Promise<boolean> {
    return this.o
      .exclusive(async () => (await dropWriterVips(this.o.writerIps, this.o.vips, this.o.logger, this.o.reject)).left.length > 0)
      .catch(() => true);
  }

  /** One collection at a time; concurrent callers share it. */
  private collect(): Promise<HealthFacts> {
    if (this.collecting) return this.collecting;
    const startedAt = this.o.now();
    this.collectingSince = startedAt;
    this.collecting = collectHealth({
      mysql: this.o.mysql,
      pidfile: this.o.pidfile,
      pidfileConfigured: this.o.pidfileConfigured,
      semisync: this.o.semisync === true,
      lease: this.o.lease,
      heartbeat: this.heartbeat,
      now: this.o.now,
      probePort: () => probePort(this.o.mysqlHost, this.o.mysqlPort, 1000),
    })
      .then((facts) => {
        const now = this.o.now();
        this.latestFacts = { facts, at: now, startedAt };
        if (facts.answering) this.lastAnsweredAt = now;
        this.events.note(facts);
        this.keepSentinel(facts);
        return facts;
      })
      .finally(() => {
        this.collecting = undefined;
        this.collectingSince = undefined;
      });
    return this.collecting;
  }

  /** lastAnsweredAt of the hang already reported as unfenceable. */
  private noPidSince: number | undefined;
  private noSocketSince: number | undefined;
  /** The pid this watch killed last (one kill per hang, however many ticks see it). */
  private killedPid: number | undefined;

  async tick(): Promise<void> {
    const collecting = this.collect().catch(() => undefined);
    // The hang is judged on the silence so far, not after this collection: a collection against a
    // hung server waits out its own timeouts, and a SET_STATUS stuck on the server holds the VIP
    // lock — neither may delay the kill that makes the hung writer certainly dead.
    this.fenceIfHung();
    const facts = await collecting;
    if (!facts || facts.answering || !this.o.holdsWriter()) return;
    // A dead or hung writer must not attract writes: the VIP goes first.
    await this.o.exclusive(() => dropWriterVipIfDead(facts, this.o.writerIps, this.o.vips, this.o.logger, this.o.reject)).catch(() => undefined);
    this.fenceIfHung();
  }

  /**
   * Kills a writer's mysqld that has not answered for hungKillMs: the last collection found it not
   * answering, or the one under way has waited for it for over a second.
   */
  private fenceIfHung(): void {
    if (!this.o.holdsWriter()) return;
    const now = this.o.now();
    const silentMs = now - this.lastAnsweredAt;
    if (silentMs < this.o.hungKillMs) return;
    const last = this.latestFacts;
    const waiting = this.collectingSince !== undefined && now - this.collectingSince >= 1000;
    const notAnswering = (last !== undefined && !last.facts.answering && last.startedAt >= this.lastAnsweredAt) || waiting;
    if (!notAnswering) return;
    // the last facts say whether it runs and its pid (those of just before the hang, while one collection waits)
    const facts = last?.facts;
    if (facts?.mysqldRunning !== true) return;
    const { logger } = this.o;
    const pid = facts.mysqldPid;
    if (pid !== undefined && pid === this.killedPid) return; // killed already: it is being reaped
    if (pid === undefined) {
      // Once per hang (the tick runs many times a second): the operator needs the fact, not a flood.
      if (this.noPidSince !== this.lastAnsweredAt) {
        this.noPidSince = this.lastAnsweredAt;
        logger.error(`mysqld hangs (no answer for ${silentMs} ms) and its pid is unknown (mysql_pidfile ${this.o.pidfile ?? 'not set'}): cannot fence it; set mysql_pidfile to the server's pid-file`);
      }
      return;
    }
    const sock = this.o.socketPath;
    if (sock !== undefined && !(this.o.socketExists ?? existsSync)(sock)) {
      // Not answering because the agent cannot find its server (mysql_socket wrong), not a hang.
      if (this.noSocketSince !== this.lastAnsweredAt) {
        this.noSocketSince = this.lastAnsweredAt;
        logger.error(`mysqld (pid ${pid}) runs but the agent's socket ${sock} does not exist: not treating it as hung (set mysql_socket to SELECT @@socket)`);
      }
      return;
    }
    const name = (this.o.processName ?? procName)(pid);
    if (!name || !/mysqld|mariadbd/.test(name)) {
      logger.error(`mysqld hangs but pid ${pid} from the pid file is '${name ?? 'gone'}': not killing it`);
      return;
    }
    try {
      (this.o.kill ?? ((p: number) => process.kill(p, 'SIGKILL')))(pid);
      logger.error(`fenced a hung writer: mysqld (pid ${pid}) did not answer for ${silentMs} ms; killed it (SIGKILL) so it cannot resume writing`);
      this.killedPid = pid;
      this.latestFacts = undefined; // the next GET_HEALTH looks again (and sees it stopped)
    } catch (e) {
      logger.error(`killing hung mysqld pid ${pid} failed: ${errorMessage(e)}`);
    }
  }
}
