// The agent's local MySQL/MariaDB, through mysql2/promise. Each operation has a connection of its
// own; healthy ones are kept for the next operation (a few idle at most) and closed with COM_QUIT.
// A connect per operation, closed by dropping the socket, cost a connection handshake several
// times a second and wrote an "Aborted connection" warning to the server's error log for each one
// (log_warnings=2, MariaDB's default). A connection whose query timed out is unusable (mysql2
// leaves the command in flight): it is destroyed, never kept. One refused for lack of a privilege
// is closed with every kept one, so a GRANT takes effect at the next operation. Every connect and
// query is bounded.
// SQL text comes only from mysql-dialect.ts.
import * as mysql from 'mysql2/promise';
import { MmmError, TimeoutError, bounded, errorMessage, isPrivilegeError } from '@mmm/common';
import { type ChangeMasterOptions, type Dialect, type Flavor, SELECT_VERSION, detectFlavor, dialectFor } from './mysql-dialect';
import { type ProcessRow, threadsToKill } from './processlist';
import { type SlaveStatus, parseSlaveStatus, pickDefaultConnection, receivedAllApplied } from './slave-status';
import { mariadbGtidReached } from './gtid';
import { type SemisyncState, parseSemisync } from './semisync';

export interface GtidPositions {
  flavor: Flavor;
  /** MariaDB gtid_binlog_pos; MySQL gtid_executed. What GET_GTID reports. */
  own: string;
  /** MariaDB only ('' on MySQL). */
  binlogPos: string;
  /** MariaDB gtid_binlog_state (last GTID per domain and server_id); MySQL gtid_executed. */
  binlogState: string;
  /** MariaDB server_id / MySQL server_uuid: the source id in this server's own GTIDs. */
  serverId: string;
  currentPos: string;
  slavePos: string;
  /** MySQL only ('' on MariaDB). */
  executed: string;
}

export type CatchUpResult = 'no_replication' | 'caught_up';

/** An idle session kept open only to notice the server's death: its socket closes at once when mysqld exits. */
export interface MysqlSentinel {
  /** Resolves when the server (or anything else) ended the session. */
  closed: Promise<void>;
  /** Ends it (COM_QUIT), so the server logs no aborted connection. */
  close(): Promise<void>;
}

export interface LocalMysql {
  flavor(): Promise<Flavor>;
  /** A real query answers within the connect/query bounds. Never throws. */
  isAnswering(): Promise<boolean>;
  getReadOnly(): Promise<boolean>;
  setReadOnly(on: boolean): Promise<void>;
  /** Ends every application connection (see processlist.ts); returns how many were killed. */
  endClientConnections(excludeIds?: readonly number[]): Promise<number>;
  /** undefined: no replication configured. */
  slaveStatus(): Promise<SlaveStatus | undefined>;
  gtidPositions(): Promise<GtidPositions>;
  /** Waits until `gtidSet` is executed here; TimeoutError (code TIMEOUT) at the bound. */
  waitGtid(gtidSet: string, timeoutMs: number): Promise<void>;
  /** Waits until what the IO thread received is applied; TimeoutError at the bound. Never discards relay log. */
  catchUp(timeoutMs: number): Promise<CatchUpResult>;
  changeMaster(o: ChangeMasterOptions): Promise<void>;
  /** Stop IO thread, catch up (bounded), then CHANGE MASTER with GTID and START SLAVE. On a failed
   *  catch-up the IO thread is restarted and nothing is changed. */
  repoint(o: ChangeMasterOptions, catchUpTimeoutMs: number): Promise<void>;
  startSlave(): Promise<void>;
  stopSlave(): Promise<void>;
  /** Both sides of semi-sync replication; null when the server has none (MySQL without its plugins). */
  semisync(): Promise<SemisyncState | null>;
  /** Master (source) side: on with wait point AFTER_SYNC and `timeoutMs`, or off. */
  setSemisyncMaster(on: boolean, timeoutMs?: number): Promise<void>;
  /** Replica side on or off; `restartIo` restarts a running IO thread, which reads the setting
   *  only when it connects. */
  setSemisyncSlave(on: boolean, opts?: { restartIo?: boolean }): Promise<void>;
  /** Opens a sentinel session (optional: without one, a crash is seen at the health watch's next period). */
  sentinel?(): Promise<MysqlSentinel>;
  /** Closes the kept connections (agent stop). */
  close?(): Promise<void>;
}

export interface LocalMysqlOptions {
  socketPath?: string;
  host?: string;
  port?: number;
  user: string;
  password?: string;
  connectTimeoutMs?: number; // 2000
  queryTimeoutMs?: number; // 5000
  /** Poll step of the GTID waits. */
  pollMs?: number; // 200
}

export class MysqlError extends MmmError {
  readonly errno: number | undefined;
  readonly sqlCode: string | undefined;
  constructor(message: string, cause: unknown) {
    super('MYSQL', message, { cause });
    const e = cause as { errno?: number; code?: string };
    this.errno = typeof e?.errno === 'number' ? e.errno : undefined;
    this.sqlCode = typeof e?.code === 'string' ? e.code : undefined;
  }
}

const ER_NO_SUCH_THREAD = 1094;
/** The source refused the dump request (e.g. "requested to start from GTID …, which is not in the master's binlog"). */
export const ER_MASTER_FATAL_READING_BINLOG = 1236;
const CONFIRM_CONNECTED_MS = 200;
const CONFIRM_CONNECTING_MS = 1000;
// A catch-up re-reads SHOW SLAVE STATUS this often (a source may die mid-transfer meanwhile).
const CATCH_UP_RECHECK_MS = 250;
/** Connections kept between operations: the health loop reads three things at once. */
const MAX_IDLE = 4;
/** Bound of COM_QUIT on close; a server that does not answer gets its socket dropped. */
const QUIT_MS = 500;
/** A kept connection unused this long is closed by us, before the server's wait_timeout does it
 *  (which it logs as an aborted connection). Kept ones are taken newest first. */
const IDLE_MAX_MS = 30_000;
const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));

type Row = Record<string, unknown>;

/** COM_QUIT, so the server logs no "Aborted connection" (mysql2 resolves end() once it is queued;
 *  the bound is for a connection that cannot take the command). */
async function quit(c: mysql.Connection): Promise<void> {
  if ((await bounded(c.end(), QUIT_MS)).kind !== 'value') c.destroy();
}

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

export class Mysql2LocalMysql implements LocalMysql {
  private cachedFlavor: Flavor | undefined;
  private readonly idle: { c: mysql.Connection; since: number }[] = [];
  private closed = false;
  private readonly connectTimeoutMs: number;
  private readonly queryTimeoutMs: number;
  private readonly pollMs: number;

  constructor(private readonly o: LocalMysqlOptions) {
    this.connectTimeoutMs = o.connectTimeoutMs ?? 2000;
    this.queryTimeoutMs = o.queryTimeoutMs ?? 5000;
    this.pollMs = o.pollMs ?? 200;
  }

  /** Runs `fn` on a connection of its own (kept or new); wraps errors with `what`. */
  private async session<T>(what: string, fn: (q: (sql: string, timeoutMs?: number) => Promise<Row[]>) => Promise<T>): Promise<T> {
    let conn: mysql.Connection | undefined;
    let usable = false;
    let refused = false;
    try {
      conn = await this.acquire();
      usable = true;
      const c = conn;
      const q = async (sql: string, timeoutMs?: number): Promise<Row[]> => {
        try {
          const [rows] = await c.query({ sql, timeout: timeoutMs ?? this.queryTimeoutMs });
          return Array.isArray(rows) ? (rows as Row[]) : [];
        } catch (e) {
          // a server error (e.g. ER_NO_SUCH_THREAD) leaves the connection fine; a timeout or a lost connection does not
          const errno = (e as { errno?: unknown }).errno;
          if (!(typeof errno === 'number' && (e as { fatal?: boolean }).fatal !== true)) usable = false;
          // a session keeps the privileges it logged in with: after a GRANT only new ones have it
          if (typeof errno === 'number' && isPrivilegeError(errno)) refused = true;
          throw e;
        }
      };
      if (this.cachedFlavor === undefined) this.cachedFlavor = detectFlavor(text((await q(SELECT_VERSION))[0]?.version));
      return await fn(q);
    } catch (e) {
      if (e instanceof MmmError) throw e;
      const code = (e as { code?: string }).code;
      if (code === 'PROTOCOL_SEQUENCE_TIMEOUT' || code === 'ETIMEDOUT') throw new TimeoutError(`${what}: ${errorMessage(e)}`);
      throw new MysqlError(`${what}: ${errorMessage(e)}`, e);
    } finally {
      if (refused) this.retireAll(conn);
      else if (conn) this.release(conn, usable);
    }
  }

  /** After a privilege refusal: every kept connection predates a possible GRANT; end them all (COM_QUIT). */
  private retireAll(current: mysql.Connection | undefined): void {
    if (current) void quit(current);
    for (const k of this.idle.splice(0)) void quit(k.c);
  }

  /**
   * A kept connection that still answers COM_PING, else a new one. A kept connection the server
   * closed meanwhile (restart, KILL, wait_timeout) fails its ping at once and is replaced; one
   * whose ping times out means the server does not answer: that is the operation's answer too.
   */
  private async acquire(): Promise<mysql.Connection> {
    this.closeStale();
    for (let c = this.idle.pop()?.c; c; c = this.idle.pop()?.c) {
      const r = await bounded(c.ping(), this.connectTimeoutMs);
      if (r.kind === 'value') return c;
      c.destroy();
      if (r.kind === 'timeout') {
        throw Object.assign(new Error(`kept connection: no answer to COM_PING within ${this.connectTimeoutMs} ms`), { code: 'ETIMEDOUT' });
      }
    }
    const c = await this.connect();
    // A kept connection the server closes emits 'error' with no command to take it; unheard, that
    // event would end the process. The next acquire() finds it closed and replaces it.
    c.on('error', () => undefined);
    return c;
  }

  private connect(): Promise<mysql.Connection> {
    return mysql.createConnection({
      socketPath: this.o.socketPath,
      host: this.o.socketPath ? undefined : (this.o.host ?? '127.0.0.1'),
      port: this.o.socketPath ? undefined : (this.o.port ?? 3306),
      user: this.o.user,
      password: this.o.password ?? '',
      connectTimeout: this.connectTimeoutMs,
      multipleStatements: false,
      supportBigNumbers: true,
      maxPreparedStatements: 1, // none used; the default preallocates a ~0.5 MB cache per connection
    });
  }

  async sentinel(): Promise<MysqlSentinel> {
    let c: mysql.Connection;
    try {
      c = await this.connect(); // bounded by mysql2's connectTimeout
    } catch (e) {
      throw new MysqlError(`open the sentinel session: ${errorMessage(e)}`, e);
    }
    const closed = new Promise<void>((resolve) => {
      c.on('error', () => resolve()); // mysql2 reports a server-side close as a fatal 'error'
      c.on('end', () => resolve());
    });
    try {
      const q = await bounded(c.query(this.d.sentinelSession), this.queryTimeoutMs);
      if (q.kind !== 'value') throw q.kind === 'error' ? q.error : new TimeoutError('the sentinel session did not answer');
    } catch (e) {
      c.destroy();
      throw new MysqlError(`prepare the sentinel session: ${errorMessage(e)}`, e);
    }
    return { closed, close: () => quit(c) };
  }

  private release(c: mysql.Connection, usable: boolean): void {
    if (!usable) {
      c.destroy(); // may be stuck mid-result, or the server may be what hangs
      return;
    }
    this.closeStale();
    if (!this.closed && this.idle.length < MAX_IDLE) {
      this.idle.push({ c, since: performance.now() });
      return;
    }
    void quit(c);
  }

  private closeStale(): void {
    const old = performance.now() - IDLE_MAX_MS;
    while (this.idle.length > 0 && this.idle[0].since < old) void quit(this.idle.shift()!.c);
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = this.idle.splice(0);
    await Promise.all(all.map((e) => quit(e.c)));
  }

  private get d(): Dialect {
    return dialectFor(this.cachedFlavor ?? 'mariadb');
  }

  async flavor(): Promise<Flavor> {
    if (this.cachedFlavor) return this.cachedFlavor;
    return this.session('detect flavor', async () => this.cachedFlavor as Flavor);
  }

  async isAnswering(): Promise<boolean> {
    try {
      await this.session('SELECT 1', (q) => q('SELECT 1 AS ok'));
      return true;
    } catch {
      return false;
    }
  }

  getReadOnly(): Promise<boolean> {
    return this.session('read read_only', async (q) => Number(text((await q(this.d.selectReadOnly))[0]?.read_only)) === 1);
  }

  setReadOnly(on: boolean): Promise<void> {
    return this.session(`set read_only=${on ? 1 : 0}`, async (q) => {
      await q(this.d.setReadOnly(on));
    });
  }

  endClientConnections(excludeIds: readonly number[] = []): Promise<number> {
    return this.session('end client connections', async (q) => {
      const own = Number(text((await q(this.d.selectConnectionId))[0]?.id));
      const rows: ProcessRow[] = (await q(this.d.selectProcesslist)).map((r) => ({
        id: Number(text(r.id)),
        user: r.user === null ? null : text(r.user),
        host: text(r.host),
        command: r.command === null ? null : text(r.command),
        state: text(r.state),
      }));
      let killed = 0;
      for (const id of threadsToKill(rows, { ownConnectionId: own, agentUser: this.o.user, excludeIds })) {
        try {
          await q(this.d.killConnection(id));
          killed++;
        } catch (e) {
          if ((e as { errno?: number }).errno !== ER_NO_SUCH_THREAD) throw e; // already gone is fine
        }
      }
      return killed;
    });
  }

  slaveStatus(): Promise<SlaveStatus | undefined> {
    return this.session('read slave status', async (q) => parseSlaveStatus(pickDefaultConnection(await q(this.d.slaveStatus))));
  }

  gtidPositions(): Promise<GtidPositions> {
    return this.session('read GTID positions', async (q) => this.readPositions(q));
  }

  private async readPositions(q: (sql: string) => Promise<Row[]>): Promise<GtidPositions> {
    const r = (await q(this.d.selectGtidPositions))[0] ?? {};
    if (this.d.flavor === 'mariadb') {
      const binlogPos = text(r.binlog_pos);
      return { flavor: 'mariadb', own: binlogPos, binlogPos, binlogState: text(r.binlog_state), serverId: text(r.server_id), currentPos: text(r.current_pos), slavePos: text(r.slave_pos), executed: '' };
    }
    const executed = text(r.executed).replace(/\s+/g, '');
    return { flavor: 'mysql', own: executed, binlogPos: '', binlogState: executed, serverId: text(r.server_id), currentPos: '', slavePos: '', executed };
  }

  waitGtid(gtidSet: string, timeoutMs: number): Promise<void> {
    return this.session(`wait for GTID ${gtidSet}`, (q) => this.waitOn(q, gtidSet, timeoutMs, 'current'));
  }

  /** MariaDB: polls the chosen position, with MASTER_GTID_WAIT slices in between (it wakes as soon as
   *  gtid_slave_pos moves). `current` also counts our own binlog, which MASTER_GTID_WAIT ignores. */
  private async waitOn(q: (sql: string, t?: number) => Promise<Row[]>, target: string, timeoutMs: number, pos: 'current' | 'slave'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    if (this.d.flavor === 'mysql') {
      const r = await q(this.d.waitGtid(target, timeoutMs), timeoutMs + this.queryTimeoutMs);
      if (!this.d.waitGtidReached(r[0]?.result)) throw new TimeoutError(`GTID set ${target} not executed within ${timeoutMs} ms`);
      return;
    }
    let have = '';
    for (;;) {
      const p = await this.readPositions(q);
      have = pos === 'current' ? p.currentPos : p.slavePos;
      const reached = mariadbGtidReached(have, target);
      if (reached === undefined) throw new MmmError('MYSQL', `cannot compare GTID positions '${have}' and '${target}'`);
      if (reached) return;
      const left = deadline - Date.now();
      if (left <= 0) break;
      const slice = Math.min(left, this.pollMs);
      const r = await q(this.d.waitGtid(target, slice), slice + this.queryTimeoutMs);
      if (this.d.waitGtidReached(r[0]?.result)) return;
    }
    throw new TimeoutError(`GTID ${target} not reached within ${timeoutMs} ms (have ${pos}_pos '${have}')`);
  }

  catchUp(timeoutMs: number): Promise<CatchUpResult> {
    return this.session('catch up with received relay log', (q) => this.catchUpOn(q, timeoutMs));
  }

  private async catchUpOn(q: (sql: string, t?: number) => Promise<Row[]>, timeoutMs: number): Promise<CatchUpResult> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = parseSlaveStatus(pickDefaultConnection(await q(this.d.slaveStatus)));
      if (!s) return 'no_replication';
      if (s.gtidIoPos === '') return 'caught_up'; // nothing received since CHANGE MASTER
      if (receivedAllApplied(s)) return 'caught_up'; // the rest is a transaction cut off mid-transfer
      try {
        await this.waitOn(q, s.gtidIoPos, Math.max(0, Math.min(deadline - Date.now(), CATCH_UP_RECHECK_MS)), 'slave');
        return 'caught_up';
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
        if (Date.now() >= deadline) throw new TimeoutError(`${e.message} (SQL thread: ${s.sqlState || s.sqlRunning})`);
      }
    }
  }

  changeMaster(o: ChangeMasterOptions): Promise<void> {
    return this.session(`change master to ${o.host}:${o.port}`, async (q) => {
      await q(this.d.changeMaster(o));
    });
  }

  repoint(o: ChangeMasterOptions, catchUpTimeoutMs: number): Promise<void> {
    return this.session(`re-point replication to ${o.host}:${o.port}`, async (q) => {
      const configured = parseSlaveStatus(pickDefaultConnection(await q(this.d.slaveStatus))) !== undefined;
      if (configured) {
        await q(this.d.stopSlaveIoThread); // freeze what was received, then apply all of it
        try {
          await this.catchUpOn(q, catchUpTimeoutMs);
        } catch (e) {
          await q(this.d.startSlaveIoThread).catch(() => undefined);
          throw e;
        }
        await q(this.d.stopSlave);
      }
      // Relay log is fully applied here, so CHANGE MASTER (which purges relay logs) loses nothing.
      await q(this.d.changeMaster(o));
      await q(this.d.startSlave);
      await this.confirmSourceAccepts(q, catchUpTimeoutMs);
    });
  }

  /**
   * After START SLAVE: a new source that has not yet got everything this replica applied (it lags
   * a little in a planned switch) refuses the GTID position with error 1236, and the IO thread
   * stops for good. Start it again until the source accepts it (bounded); at the bound the
   * position is still refused (the replica is ahead of or diverged from the source): throw. A
   * source that cannot be reached yet (`Connecting`) is left to the IO thread's own retries.
   */
  private async confirmSourceAccepts(q: (sql: string) => Promise<Row[]>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let connectedSince: number | undefined;
    let connectingSince: number | undefined;
    for (;;) {
      await sleep(Math.min(50, Math.max(0, deadline - Date.now())));
      const s = parseSlaveStatus(pickDefaultConnection(await q(this.d.slaveStatus)));
      if (!s) throw new MmmError('MYSQL', 'replication is not configured after CHANGE MASTER');
      const now = Date.now();
      if (s.ioRunning === 'Yes') {
        connectingSince = undefined;
        connectedSince ??= now;
        // The refusal comes right after the dump request: connected for a while means accepted.
        if (now - connectedSince >= CONFIRM_CONNECTED_MS) return;
      } else if (s.ioRunning === 'No' && s.lastIoErrno === ER_MASTER_FATAL_READING_BINLOG) {
        connectedSince = undefined;
        if (now >= deadline) throw new MmmError('MYSQL', `the new source refuses this replica's GTID position: ${s.lastIoError}`);
        await q(this.d.startSlaveIoThread);
        continue;
      } else if (s.ioRunning === 'No') {
        throw new MmmError('MYSQL', `replication IO thread stopped after START SLAVE: ${s.lastIoErrno} ${s.lastIoError}`);
      } else {
        connectedSince = undefined;
        connectingSince ??= now;
        if (now - connectingSince >= CONFIRM_CONNECTING_MS) return;
      }
      if (now >= deadline) return;
    }
  }

  startSlave(): Promise<void> {
    return this.session('start slave', async (q) => {
      await q(this.d.startSlave);
    });
  }

  stopSlave(): Promise<void> {
    return this.session('stop slave', async (q) => {
      await q(this.d.stopSlave);
    });
  }

  semisync(): Promise<SemisyncState | null> {
    return this.session('read semi-sync state', async (q) => {
      const vars = await q(this.d.showSemisyncVariables);
      const status = await q(this.d.showSemisyncStatus);
      return parseSemisync(vars, status, this.d.semisync);
    });
  }

  setSemisyncMaster(on: boolean, timeoutMs = 30_000): Promise<void> {
    return this.session(`semi-sync master side ${on ? 'on' : 'off'}`, async (q) => {
      for (const sql of on ? this.d.semisyncMasterOn(timeoutMs) : [this.d.semisyncMasterOff]) await q(sql);
    });
  }

  setSemisyncSlave(on: boolean, opts: { restartIo?: boolean } = {}): Promise<void> {
    return this.session(`semi-sync replica side ${on ? 'on' : 'off'}`, async (q) => {
      await q(this.d.semisyncSlave(on));
      if (!opts.restartIo) return;
      await q(this.d.stopSlaveIoThread);
      await q(this.d.startSlaveIoThread);
    });
  }
}
