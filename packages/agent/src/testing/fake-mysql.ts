// In-memory LocalMysql for unit tests: a tiny model of one server, every call recorded,
// failures injected by method name.
import { MmmError, TimeoutError } from '@mmm/common';
import type { CatchUpResult, GtidPositions, LocalMysql, MysqlSentinel } from '../system/mysql';
import type { ChangeMasterOptions, Flavor } from '../system/mysql-dialect';
import type { SlaveStatus } from '../system/slave-status';
import type { SemisyncState } from '../system/semisync';

/** MariaDB's defaults: both sides off, wait point AFTER_COMMIT, timeout 10 s. */
export function fakeSemisync(over: Partial<SemisyncState> = {}): SemisyncState {
  return {
    masterEnabled: false, waitPoint: 'AFTER_COMMIT', timeoutMs: 10_000, slaveEnabled: false,
    masterActive: false, masterClients: 0, masterYesTx: 0, masterNoTx: 0, slaveActive: false, ...over,
  };
}

export type FakeMysqlMethod =
  | 'isAnswering'
  | 'getReadOnly'
  | 'setReadOnly'
  | 'endClientConnections'
  | 'slaveStatus'
  | 'gtidPositions'
  | 'waitGtid'
  | 'catchUp'
  | 'changeMaster'
  | 'repoint'
  | 'startSlave'
  | 'stopSlave'
  | 'semisync'
  | 'setSemisyncMaster'
  | 'setSemisyncSlave';

export function fakeSlaveStatus(over: Partial<SlaveStatus> = {}): SlaveStatus {
  return {
    masterHost: '10.0.0.11',
    masterPort: 3306,
    ioRunning: 'Yes',
    sqlRunning: 'Yes',
    sqlState: 'Slave has read all relay log; waiting for more updates',
    secondsBehindMaster: 0,
    gtidIoPos: '0-1-10',
    executedGtidSet: '',
    usingGtid: 'Slave_Pos',
    lastIoErrno: 0,
    lastIoError: '',
    lastSqlErrno: 0,
    lastSqlError: '',
    receivedHeartbeats: 0,
    heartbeatPeriod: 1,
    ...over,
  };
}

export class FakeLocalMysql implements LocalMysql {
  answering = true;
  readOnly = true;
  clients = 3;
  replication: SlaveStatus | undefined = undefined;
  /** What the last repoint() was asked for (TLS options included). */
  lastRepoint: ChangeMasterOptions | undefined = undefined;
  positions: GtidPositions = { flavor: 'mariadb', own: '0-1-10', binlogPos: '0-1-10', binlogState: '0-1-10', serverId: '1', currentPos: '0-1-10', slavePos: '0-1-10', executed: '' };
  /** null: a server without semi-sync (MySQL without its plugins). */
  semi: SemisyncState | null = fakeSemisync();
  /** catchUp result when not failing. */
  caughtUp = true;
  readonly calls: string[] = [];
  readonly fail = new Set<FakeMysqlMethod>();
  /** Open sentinel sessions: each ends when the server "dies" (dropSessions()). */
  private readonly sessions = new Set<() => void>();

  get openSessions(): number {
    return this.sessions.size;
  }

  async sentinel(): Promise<MysqlSentinel> {
    this.calls.push('sentinel');
    if (!this.answering) throw new MmmError('MYSQL', 'sentinel: connect ECONNREFUSED (fake)');
    let end!: () => void;
    const closed = new Promise<void>((resolve) => (end = resolve));
    const drop = (): void => {
      this.sessions.delete(drop);
      end();
    };
    this.sessions.add(drop);
    return { closed, close: async () => drop() };
  }

  /** The server closes every session (it died, or killed them): sentinels see it at once. */
  dropSessions(): void {
    for (const d of [...this.sessions]) d();
  }

  private step(m: FakeMysqlMethod, label: string = m): void {
    this.calls.push(label);
    if (!this.answering && m !== 'isAnswering') throw new MmmError('MYSQL', `${m}: connect ECONNREFUSED (fake)`);
    if (this.fail.has(m)) throw new MmmError('MYSQL', `${m} failed (injected)`);
  }

  async flavor(): Promise<Flavor> {
    return this.positions.flavor;
  }
  async isAnswering(): Promise<boolean> {
    this.calls.push('isAnswering');
    return this.answering && !this.fail.has('isAnswering');
  }
  async getReadOnly(): Promise<boolean> {
    this.step('getReadOnly');
    return this.readOnly;
  }
  async setReadOnly(on: boolean): Promise<void> {
    this.step('setReadOnly', `setReadOnly(${on ? 1 : 0})`);
    this.readOnly = on;
  }
  async endClientConnections(): Promise<number> {
    this.step('endClientConnections');
    const n = this.clients;
    this.clients = 0;
    return n;
  }
  async slaveStatus(): Promise<SlaveStatus | undefined> {
    this.step('slaveStatus');
    return this.replication;
  }
  async gtidPositions(): Promise<GtidPositions> {
    this.step('gtidPositions');
    return this.positions;
  }
  async waitGtid(gtidSet: string, timeoutMs: number): Promise<void> {
    this.step('waitGtid', `waitGtid(${gtidSet},${timeoutMs})`);
  }
  async catchUp(timeoutMs: number): Promise<CatchUpResult> {
    this.step('catchUp', `catchUp(${timeoutMs})`);
    if (!this.replication) return 'no_replication';
    if (!this.caughtUp) throw new TimeoutError(`not caught up within ${timeoutMs} ms (fake)`);
    return 'caught_up';
  }
  async changeMaster(o: ChangeMasterOptions): Promise<void> {
    this.step('changeMaster', `changeMaster(${o.host}:${o.port})`);
    this.replication = fakeSlaveStatus({ ...(this.replication ?? {}), masterHost: o.host, masterPort: o.port });
  }
  async repoint(o: ChangeMasterOptions, catchUpTimeoutMs: number): Promise<void> {
    this.step('repoint', `repoint(${o.host}:${o.port},${catchUpTimeoutMs})`);
    this.lastRepoint = o;
    if (this.replication && !this.caughtUp) throw new TimeoutError('not caught up (fake)');
    this.replication = fakeSlaveStatus({ ...(this.replication ?? {}), masterHost: o.host, masterPort: o.port, ioRunning: 'Yes', sqlRunning: 'Yes' });
  }
  async startSlave(): Promise<void> {
    this.step('startSlave');
    if (this.replication) this.replication = { ...this.replication, ioRunning: 'Yes', sqlRunning: 'Yes' };
  }
  async stopSlave(): Promise<void> {
    this.step('stopSlave');
    if (this.replication) this.replication = { ...this.replication, ioRunning: 'No', sqlRunning: 'No' };
  }
  async semisync(): Promise<SemisyncState | null> {
    this.step('semisync');
    return this.semi;
  }
  async setSemisyncMaster(on: boolean, timeoutMs = 30_000): Promise<void> {
    this.step('setSemisyncMaster', on ? `setSemisyncMaster(1,${timeoutMs})` : 'setSemisyncMaster(0)');
    if (!this.semi) throw new MmmError('MYSQL', 'Unknown system variable (fake: no semi-sync)');
    this.semi = on
      ? { ...this.semi, masterEnabled: true, waitPoint: 'AFTER_SYNC', timeoutMs, masterActive: true }
      : { ...this.semi, masterEnabled: false, masterActive: false };
  }
  async setSemisyncSlave(on: boolean, opts: { restartIo?: boolean } = {}): Promise<void> {
    this.step('setSemisyncSlave', `setSemisyncSlave(${on ? 1 : 0}${opts.restartIo ? ',restart IO' : ''})`);
    if (!this.semi) throw new MmmError('MYSQL', 'Unknown system variable (fake: no semi-sync)');
    const connected = this.replication?.ioRunning === 'Yes';
    this.semi = { ...this.semi, slaveEnabled: on, slaveActive: on && (opts.restartIo === true ? connected : this.semi.slaveActive) };
  }
}
