// MMM's MySQL helpers as mmm.md §3.5, §4.4 and §6 describe them. Like MMM's helper programs each
// call opens its own connection (agent_user over TCP to the host's ip:mysql_port) and closes it.
// Errors are thrown; the caller logs them FATAL and still answers OK, as MMM does.
import mysql from 'mysql2/promise';

export interface Endpoint {
  host: string;
  port: number;
}

export interface Account {
  user: string;
  password: string;
}

type Row = Record<string, unknown>;

const CONNECT_TIMEOUT_MS = 5_000;
// Statements whose threads mysql_deny_write spares until its last round (mmm.md §6).
const WRITING = /^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|REPAIR|OPTIMIZE|ANALYZE|CHECK)\b/i;

export interface MysqlHelpersOptions {
  self: Endpoint;
  agent: Account;
  replication: Account;
  /** max_kill_retries (10): rounds of kill_sql. */
  maxKillRetries: number;
  /** Seconds between kill_sql rounds (1). */
  killRoundS?: number;
  /** MASTER_POS_WAIT timeout in seconds; undefined = none, as in MMM 2.2.1. */
  posWaitTimeoutS?: number;
}

export interface MysqlHelpers {
  /** Connects to the local mysqld; rejects when it does not answer. */
  ping(): Promise<void>;
  /** mysql_may_write: true when read_only is 0. */
  mayWrite(): Promise<boolean>;
  /** Master_Host of SHOW SLAVE STATUS, '' when not a replica. */
  masterHost(): Promise<string>;
  allowWrite(): Promise<void>;
  denyWrite(): Promise<number>;
  turnOnSlave(): Promise<void>;
  turnOffSlave(): Promise<void>;
  syncWithMaster(peer: Endpoint | undefined): Promise<void>;
  setActiveMaster(next: Endpoint): Promise<void>;
}

export function mysqlHelpers(o: MysqlHelpersOptions): MysqlHelpers {
  const open = (at: Endpoint): Promise<mysql.Connection> =>
    mysql.createConnection({ host: at.host, port: at.port, user: o.agent.user, password: o.agent.password, connectTimeout: CONNECT_TIMEOUT_MS });

  const withConn = async <T>(at: Endpoint, fn: (c: mysql.Connection) => Promise<T>): Promise<T> => {
    const c = await open(at);
    try {
      return await fn(c);
    } finally {
      await c.end().catch(() => c.destroy());
    }
  };
  const local = <T>(fn: (c: mysql.Connection) => Promise<T>): Promise<T> => withConn(o.self, fn);
  const rows = async (c: mysql.Connection, sql: string, params: unknown[] = []): Promise<Row[]> => {
    const [r] = await c.query(sql, params);
    return Array.isArray(r) ? (r as Row[]) : [];
  };
  const readOnly = async (c: mysql.Connection): Promise<boolean> => Number((await rows(c, 'SELECT @@GLOBAL.read_only AS ro'))[0]?.ro) === 1;
  const slaveStatus = async (c: mysql.Connection): Promise<Row | undefined> => (await rows(c, 'SHOW SLAVE STATUS'))[0];
  /** SHOW MASTER STATUS of `at`, or undefined when it does not answer (or has no binlog). */
  const masterPos = async (at: Endpoint): Promise<{ file: string; pos: number } | undefined> => {
    try {
      const r = await withConn(at, (c) => rows(c, 'SHOW MASTER STATUS'));
      return r[0] ? { file: String(r[0].File), pos: Number(r[0].Position) } : undefined;
    } catch {
      return undefined;
    }
  };
  const posWait = async (c: mysql.Connection, file: string, pos: number): Promise<void> => {
    const args = o.posWaitTimeoutS === undefined ? [file, pos] : [file, pos, o.posWaitTimeoutS];
    const marks = args.map(() => '?').join(', ');
    const r = await rows(c, `SELECT MASTER_POS_WAIT(${marks}) AS w`, args);
    const w = r[0]?.w;
    if (w === null || w === undefined) throw new Error(`MASTER_POS_WAIT(${file}, ${pos}) returned NULL (replication not running?)`);
    if (Number(w) === -1) throw new Error(`MASTER_POS_WAIT(${file}, ${pos}) timed out after ${o.posWaitTimeoutS} s`);
  };
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  /** kill_sql: up to maxKillRetries rounds; writing threads are spared until the last round. Returns threads killed. */
  const killSql = async (c: mysql.Connection): Promise<number> => {
    const me = Number((await rows(c, 'SELECT CONNECTION_ID() AS id'))[0]?.id);
    let killed = 0;
    for (let round = 1; round <= o.maxKillRetries; round++) {
      const threads = (await rows(c, 'SHOW PROCESSLIST')).filter(
        (t) => Number(t.Id) !== me && t.User !== 'system user' && t.Command !== 'Binlog Dump',
      );
      let spared = 0;
      for (const t of threads) {
        if (round < o.maxKillRetries && t.Command === 'Query' && WRITING.test(String(t.Info ?? ''))) {
          spared++;
          continue;
        }
        await c.query(`KILL ${Number(t.Id)}`).then(() => killed++, () => undefined); // gone already
      }
      if (spared === 0) break;
      await sleep((o.killRoundS ?? 1) * 1000);
    }
    return killed;
  };

  return {
    ping: () => local(async () => undefined),
    mayWrite: () => local(async (c) => !(await readOnly(c))),
    masterHost: () => local(async (c) => String((await slaveStatus(c))?.Master_Host ?? '')),
    allowWrite: () =>
      local(async (c) => {
        if (await readOnly(c)) await c.query('SET GLOBAL read_only = 0');
      }),
    denyWrite: () =>
      local(async (c) => {
        await c.query('SET GLOBAL read_only = 1');
        return killSql(c);
      }),
    turnOnSlave: () => local(async (c) => void (await c.query('START SLAVE'))),
    turnOffSlave: () => local(async (c) => void (await c.query('STOP SLAVE'))),
    // Before taking the writer: wait until this host has applied the peer's binlog up to the
    // peer's current position, or (peer unreachable) up to what its IO thread already read.
    syncWithMaster: (peer) =>
      local(async (c) => {
        const ss = await slaveStatus(c);
        if (!ss) return;
        const wait = (peer && (await masterPos(peer))) ?? { file: String(ss.Master_Log_File), pos: Number(ss.Read_Master_Log_Pos) };
        await posWait(c, wait.file, wait.pos);
      }),
    // A replica's switch: wait for the old master's position (its SHOW MASTER STATUS if it
    // answers, else what was read from it), STOP SLAVE, then CHANGE MASTER to the new master's
    // current binlog file/position and START SLAVE (mmm.md §4.4 step 3).
    setActiveMaster: (next) =>
      local(async (c) => {
        const ss = await slaveStatus(c);
        if (ss) {
          const old = { host: String(ss.Master_Host), port: Number(ss.Master_Port) };
          const wait = (await masterPos(old)) ?? { file: String(ss.Master_Log_File), pos: Number(ss.Read_Master_Log_Pos) };
          await posWait(c, wait.file, wait.pos);
        }
        await c.query('STOP SLAVE');
        const at = await masterPos(next);
        if (!at) throw new Error(`new master ${next.host}:${next.port} does not answer SHOW MASTER STATUS (replication left stopped)`);
        await c.query(
          'CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, MASTER_LOG_FILE = ?, MASTER_LOG_POS = ?',
          [next.host, next.port, o.replication.user, o.replication.password, at.file, at.pos],
        );
        await c.query('START SLAVE');
      }),
  };
}
