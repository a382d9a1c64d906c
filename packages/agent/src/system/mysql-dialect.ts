// Every SQL statement the agent sends, for MariaDB and MySQL 8 (pure: text in, text out).
// MariaDB is run for real in tests; the MySQL 8 texts are asserted against expected strings.

export type Flavor = 'mariadb' | 'mysql';

/** `SELECT VERSION()` says e.g. `10.11.19-MariaDB-0+deb12u1` or `8.0.36`. */
export function detectFlavor(version: string): Flavor {
  return /mariadb/i.test(version) ? 'mariadb' : 'mysql';
}

const STRING_ESCAPES: Record<string, string> = {
  '\0': '\\0',
  '\n': '\\n',
  '\r': '\\r',
  '\x1a': '\\Z',
  "'": "\\'",
  '\\': '\\\\',
};

/** A single-quoted SQL string literal; works with and without NO_BACKSLASH_ESCAPES is not needed here
 *  because the agent never sets that mode on its own sessions. */
export function quoteString(s: string): string {
  return `'${s.replace(/[\0\n\r\x1a'\\]/g, (c) => STRING_ESCAPES[c])}'`;
}

/** A back-quoted identifier (backticks doubled). */
export function quoteIdent(s: string): string {
  return `\`${s.replace(/`/g, '``')}\``;
}

function integer(n: number, what: string): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a non-negative integer, got ${n}`);
  return String(n);
}

/** Seconds with millisecond precision, as MASTER_GTID_WAIT / WAIT_FOR_EXECUTED_GTID_SET take them. */
export function secondsFromMs(ms: number): string {
  const s = Math.max(0, Math.round(ms)) / 1000;
  return String(Number(s.toFixed(3)));
}

export interface ChangeMasterOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Seconds between reconnect attempts (MySQL's default 60 s is far too slow for a failover). */
  connectRetry?: number;
  /** Seconds between heartbeats, so replicas notice a lost writer quickly. */
  heartbeatPeriod?: number;
  /**
   * TLS to the source, its certificate verified against caFile (a path mysqld reads) and its
   * identity against `host`. Absent: the statement names no SSL option, so whatever TLS settings
   * replication had stay as they were.
   */
  ssl?: { caFile: string };
}

/** The names of one flavor's semi-sync variables and status counters (as SHOW GLOBAL … prints them). */
export interface SemisyncNames {
  masterEnabled: string;
  waitPoint: string;
  timeout: string;
  slaveEnabled: string;
  masterStatus: string;
  masterClients: string;
  masterYesTx: string;
  masterNoTx: string;
  slaveStatus: string;
}

export interface Dialect {
  readonly flavor: Flavor;
  readonly selectReadOnly: string;
  setReadOnly(on: boolean): string;
  readonly selectConnectionId: string;
  /** The sentinel session (health-watch.ts) stays open as long as the server lives: no idle bound. */
  readonly sentinelSession: string;
  readonly selectProcesslist: string;
  killConnection(id: number): string;
  readonly slaveStatus: string;
  /** Columns: binlog_pos, current_pos, slave_pos (MariaDB) or executed (MySQL). */
  readonly selectGtidPositions: string;
  /** Result column `result`: see waitGtidReached(). */
  waitGtid(gtidSet: string, timeoutMs: number): string;
  /** True when the waitGtid() result means "executed" (not timed out). */
  waitGtidReached(result: unknown): boolean;
  changeMaster(o: ChangeMasterOptions): string;
  readonly stopSlave: string;
  readonly startSlave: string;
  readonly stopSlaveIoThread: string;
  readonly startSlaveIoThread: string;
  /** Rows Variable_name/Value; none when the server has no semi-sync (MySQL without its plugins). */
  readonly showSemisyncVariables: string;
  readonly showSemisyncStatus: string;
  readonly semisync: SemisyncNames;
  /** Master (source) side on: wait point AFTER_SYNC and the timeout first, then enabled. */
  semisyncMasterOn(timeoutMs: number): string[];
  readonly semisyncMasterOff: string;
  semisyncSlave(on: boolean): string;
}

// Variable names are both the SHOW GLOBAL VARIABLES names and SET GLOBAL's, so they are plain words.
function semisyncStatements(n: SemisyncNames): Pick<Dialect, 'semisyncMasterOn' | 'semisyncMasterOff' | 'semisyncSlave'> {
  return {
    semisyncMasterOn: (ms) => [
      `SET GLOBAL ${n.waitPoint} = 'AFTER_SYNC'`,
      `SET GLOBAL ${n.timeout} = ${integer(Math.round(ms), 'semi-sync timeout')}`,
      `SET GLOBAL ${n.masterEnabled} = 1`,
    ],
    semisyncMasterOff: `SET GLOBAL ${n.masterEnabled} = 0`,
    semisyncSlave: (on) => `SET GLOBAL ${n.slaveEnabled} = ${on ? 1 : 0}`,
  };
}

const SHOW_SEMISYNC = {
  // `_` matches any one character: no other variable starts like these
  showSemisyncVariables: "SHOW GLOBAL VARIABLES LIKE 'rpl_semi_sync%'",
  showSemisyncStatus: "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync%'",
};

// MariaDB ≥ 10.3 has semi-sync built in (no plugin to load); the names are the master/slave ones.
const MARIADB_SEMISYNC: SemisyncNames = {
  masterEnabled: 'rpl_semi_sync_master_enabled',
  waitPoint: 'rpl_semi_sync_master_wait_point',
  timeout: 'rpl_semi_sync_master_timeout',
  slaveEnabled: 'rpl_semi_sync_slave_enabled',
  masterStatus: 'Rpl_semi_sync_master_status',
  masterClients: 'Rpl_semi_sync_master_clients',
  masterYesTx: 'Rpl_semi_sync_master_yes_tx',
  masterNoTx: 'Rpl_semi_sync_master_no_tx',
  slaveStatus: 'Rpl_semi_sync_slave_status',
};

// MySQL 8.0.26+ with the semisync_source / semisync_replica plugins (untested: no MySQL server here).
const MYSQL_SEMISYNC: SemisyncNames = {
  masterEnabled: 'rpl_semi_sync_source_enabled',
  waitPoint: 'rpl_semi_sync_source_wait_point',
  timeout: 'rpl_semi_sync_source_timeout',
  slaveEnabled: 'rpl_semi_sync_replica_enabled',
  masterStatus: 'Rpl_semi_sync_source_status',
  masterClients: 'Rpl_semi_sync_source_clients',
  masterYesTx: 'Rpl_semi_sync_source_yes_tx',
  masterNoTx: 'Rpl_semi_sync_source_no_tx',
  slaveStatus: 'Rpl_semi_sync_replica_status',
};

export const SELECT_VERSION = 'SELECT VERSION() AS version';

const common = {
  selectReadOnly: 'SELECT @@global.read_only AS read_only',
  setReadOnly: (on: boolean) => `SET GLOBAL read_only = ${on ? 1 : 0}`,
  selectConnectionId: 'SELECT CONNECTION_ID() AS id',
  // 31536000 s (one year) is the largest wait_timeout both servers accept
  sentinelSession: 'SET SESSION wait_timeout = 31536000',
  selectProcesslist:
    'SELECT ID AS id, USER AS user, HOST AS host, DB AS db, COMMAND AS command, STATE AS state ' +
    'FROM information_schema.PROCESSLIST',
  killConnection: (id: number) => `KILL CONNECTION ${integer(id, 'connection id')}`,
};

export const mariadbDialect: Dialect = {
  flavor: 'mariadb',
  ...common,
  // ALL SLAVES adds Slave_received_heartbeats and Gtid_Slave_Pos; the agent uses the default
  // connection (Connection_name ''), see pickDefaultConnection().
  slaveStatus: 'SHOW ALL SLAVES STATUS',
  selectGtidPositions:
    'SELECT @@global.gtid_binlog_pos AS binlog_pos, @@global.gtid_binlog_state AS binlog_state, @@global.gtid_current_pos AS current_pos, ' +
    '@@global.gtid_slave_pos AS slave_pos, @@global.server_id AS server_id',
  // MASTER_GTID_WAIT returns 0 when reached, -1 on timeout.
  waitGtid: (gtid, ms) => `SELECT MASTER_GTID_WAIT(${quoteString(gtid)}, ${secondsFromMs(ms)}) AS result`,
  waitGtidReached: (r) => Number(r) === 0,
  changeMaster: (o) =>
    'CHANGE MASTER TO ' +
    [
      `MASTER_HOST=${quoteString(o.host)}`,
      `MASTER_PORT=${integer(o.port, 'port')}`,
      `MASTER_USER=${quoteString(o.user)}`,
      `MASTER_PASSWORD=${quoteString(o.password)}`,
      'MASTER_USE_GTID=slave_pos',
      `MASTER_CONNECT_RETRY=${integer(o.connectRetry ?? 1, 'connect retry')}`,
      `MASTER_HEARTBEAT_PERIOD=${integer(o.heartbeatPeriod ?? 1, 'heartbeat period')}`,
      ...(o.ssl ? ['MASTER_SSL=1', `MASTER_SSL_CA=${quoteString(o.ssl.caFile)}`, 'MASTER_SSL_VERIFY_SERVER_CERT=1'] : []),
    ].join(', '),
  stopSlave: 'STOP SLAVE',
  startSlave: 'START SLAVE',
  stopSlaveIoThread: 'STOP SLAVE IO_THREAD',
  startSlaveIoThread: 'START SLAVE IO_THREAD',
  ...SHOW_SEMISYNC,
  semisync: MARIADB_SEMISYNC,
  ...semisyncStatements(MARIADB_SEMISYNC),
};

// MySQL 8.0.23+ names (CHANGE REPLICATION SOURCE, *_REPLICA).
export const mysqlDialect: Dialect = {
  flavor: 'mysql',
  ...common,
  slaveStatus: 'SHOW REPLICA STATUS',
  selectGtidPositions: 'SELECT @@global.gtid_executed AS executed, @@global.server_uuid AS server_id',
  // WAIT_FOR_EXECUTED_GTID_SET returns 0 when reached, 1 on timeout.
  waitGtid: (gtid, ms) => `SELECT WAIT_FOR_EXECUTED_GTID_SET(${quoteString(gtid)}, ${secondsFromMs(ms)}) AS result`,
  waitGtidReached: (r) => Number(r) === 0,
  changeMaster: (o) =>
    'CHANGE REPLICATION SOURCE TO ' +
    [
      `SOURCE_HOST=${quoteString(o.host)}`,
      `SOURCE_PORT=${integer(o.port, 'port')}`,
      `SOURCE_USER=${quoteString(o.user)}`,
      `SOURCE_PASSWORD=${quoteString(o.password)}`,
      'SOURCE_AUTO_POSITION=1',
      `SOURCE_CONNECT_RETRY=${integer(o.connectRetry ?? 1, 'connect retry')}`,
      `SOURCE_HEARTBEAT_PERIOD=${integer(o.heartbeatPeriod ?? 1, 'heartbeat period')}`,
      ...(o.ssl ? ['SOURCE_SSL=1', `SOURCE_SSL_CA=${quoteString(o.ssl.caFile)}`, 'SOURCE_SSL_VERIFY_SERVER_CERT=1'] : []),
    ].join(', '),
  stopSlave: 'STOP REPLICA',
  startSlave: 'START REPLICA',
  stopSlaveIoThread: 'STOP REPLICA IO_THREAD',
  startSlaveIoThread: 'START REPLICA IO_THREAD',
  ...SHOW_SEMISYNC,
  semisync: MYSQL_SEMISYNC,
  ...semisyncStatements(MYSQL_SEMISYNC),
};

export function dialectFor(flavor: Flavor): Dialect {
  return flavor === 'mariadb' ? mariadbDialect : mysqlDialect;
}
