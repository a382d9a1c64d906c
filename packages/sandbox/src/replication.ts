// Replication topology: db1 <-> db2 master-master with GTID, db3… replicas of db1; and a bounded
// check that a write on db1 reaches every node.
import { SandboxError, waitFor } from './exec';
import { query, queries, slaveStatus, sqlString, type Row } from './sql';
import type { DbNode } from './types';
import { TEST_SCHEMA, type Account } from './users';

/**
 * Statements that make `replica` replicate from `master` by GTID and start it; with `caFile` over
 * TLS, the master verified against it (what the agent writes on a re-point).
 */
export function changeMasterStatements(master: Pick<DbNode, 'ip' | 'port'>, repl: Account, caFile?: string): string[] {
  return [
    'STOP SLAVE',
    `CHANGE MASTER TO MASTER_HOST=${sqlString(master.ip)}, MASTER_PORT=${master.port}, ` +
      `MASTER_USER=${sqlString(repl.user)}, MASTER_PASSWORD=${sqlString(repl.password)}, ` +
      'MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1, MASTER_HEARTBEAT_PERIOD=1' +
      (caFile ? `, MASTER_SSL=1, MASTER_SSL_CA=${sqlString(caFile)}, MASTER_SSL_VERIFY_SERVER_CERT=1` : ''),
    'START SLAVE',
  ];
}

export async function replicateFrom(replica: DbNode, master: DbNode, repl: Account, caFile?: string): Promise<void> {
  await queries(replica, changeMasterStatements(master, repl, caFile));
}

/** The master each node replicates from: db1 <- db2, db2 <- db1, dbN <- db1. */
export function masterOf(node: DbNode, nodes: DbNode[]): DbNode {
  const want = node.name === 'db1' ? 'db2' : 'db1';
  const m = nodes.find((n) => n.name === want);
  if (!m) throw new SandboxError('SANDBOX', `no ${want} in the cluster`);
  return m;
}

/** Sets up the whole topology (nodes must be running and have the replication user). */
export async function setupTopology(nodes: DbNode[], repl: Account, caFile?: string): Promise<void> {
  await Promise.all(nodes.map((n) => replicateFrom(n, masterOf(n, nodes), repl, caFile)));
}

const running = (s: Row | null): boolean => s?.Slave_IO_Running === 'Yes' && s?.Slave_SQL_Running === 'Yes';

/** Waits (bounded) until both replication threads run on every node. */
export async function waitReplicationRunning(nodes: DbNode[], timeoutMs = 15_000): Promise<void> {
  await Promise.all(
    nodes.map((n) =>
      waitFor(`replication threads running on ${n.name}`, async () => {
        const s = await slaveStatus(n);
        if (s?.Last_IO_Error || s?.Last_SQL_Error) {
          // keep polling (a connect retry may succeed) but report the last error on timeout
          if (!running(s)) throw new Error(`IO: ${String(s.Last_IO_Error)} SQL: ${String(s.Last_SQL_Error)}`);
        }
        return running(s);
      }, { timeoutMs, intervalMs: 50 }),
    ),
  );
}

/**
 * Proves replication runs everywhere: a row written on `source` (as root, which writes through
 * read_only) must arrive on every other node within `timeoutMs`. Creates TEST_SCHEMA.t on first use.
 * Returns the token written.
 */
export async function verifyReplication(nodes: DbNode[], source: DbNode, timeoutMs = 15_000): Promise<string> {
  await waitReplicationRunning(nodes, timeoutMs);
  const token = `${source.name}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  await queries(source, [
    `CREATE DATABASE IF NOT EXISTS \`${TEST_SCHEMA}\``,
    `CREATE TABLE IF NOT EXISTS \`${TEST_SCHEMA}\`.t (id INT AUTO_INCREMENT PRIMARY KEY, token VARCHAR(64) NOT NULL, origin VARCHAR(16) NOT NULL)`,
  ]);
  await query(source, `INSERT INTO \`${TEST_SCHEMA}\`.t (token, origin) VALUES (?, ?)`, [token, source.name]);
  await Promise.all(
    nodes
      .filter((n) => n !== source)
      .map((n) =>
        waitFor(`row ${token} from ${source.name} arriving on ${n.name}`, async () => {
          const rows = await query(n, `SELECT COUNT(*) AS c FROM \`${TEST_SCHEMA}\`.t WHERE token = ?`, [token]);
          return Number(rows[0]?.c) === 1;
        }, { timeoutMs, intervalMs: 25 }),
      ),
  );
  return token;
}
