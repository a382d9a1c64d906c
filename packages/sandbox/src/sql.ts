// SQL as root over a node's unix socket (works for nodes inside namespaces too: the socket is a
// file). One short-lived connection per call: simple, and the socket makes it cheap.
import mysql from 'mysql2/promise';

/** Anything with a unix socket path: a DbNode, or `{ socket }`. */
export interface SocketTarget {
  socket: string;
}

export type Row = Record<string, unknown>;

const CONNECT_TIMEOUT_MS = 5_000;

/** Opens a root connection over the node's socket. The caller must `end()` it. */
export function rootConnection(node: SocketTarget): Promise<mysql.Connection> {
  return mysql.createConnection({ socketPath: node.socket, user: 'root', connectTimeout: CONNECT_TIMEOUT_MS });
}

/** Runs one statement as root and returns its rows ([] for statements without a result set). */
export async function query(node: SocketTarget, sql: string, params: unknown[] = []): Promise<Row[]> {
  const conn = await rootConnection(node);
  try {
    const [rows] = await conn.query(sql, params);
    return Array.isArray(rows) ? (rows as Row[]) : [];
  } finally {
    await conn.end().catch(() => conn.destroy());
  }
}

/** Runs statements in order on one root connection (so session settings like sql_log_bin hold). */
export async function queries(node: SocketTarget, statements: string[]): Promise<void> {
  const conn = await rootConnection(node);
  try {
    for (const s of statements) await conn.query(s);
  } finally {
    await conn.end().catch(() => conn.destroy());
  }
}

export interface GtidState {
  binlogPos: string;
  slavePos: string;
  currentPos: string;
}

export async function gtidState(node: SocketTarget): Promise<GtidState> {
  const [r] = await query(
    node,
    'SELECT @@GLOBAL.gtid_binlog_pos AS b, @@GLOBAL.gtid_slave_pos AS s, @@GLOBAL.gtid_current_pos AS c',
  );
  return { binlogPos: String(r?.b ?? ''), slavePos: String(r?.s ?? ''), currentPos: String(r?.c ?? '') };
}

/** The row of `SHOW SLAVE STATUS` (keys as MariaDB names them: Slave_IO_Running, …), or null. */
export async function slaveStatus(node: SocketTarget): Promise<Row | null> {
  const rows = await query(node, 'SHOW SLAVE STATUS');
  return rows[0] ?? null;
}

export async function readOnly(node: SocketTarget): Promise<boolean> {
  const [r] = await query(node, 'SELECT @@GLOBAL.read_only AS ro');
  return Number(r?.ro) === 1;
}

export async function setReadOnly(node: SocketTarget, on: boolean): Promise<void> {
  await query(node, `SET GLOBAL read_only = ${on ? 1 : 0}`);
}

/** Quotes a string literal for the statements mysql2 can't parameterise (CREATE USER, CHANGE MASTER). */
export function sqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}
