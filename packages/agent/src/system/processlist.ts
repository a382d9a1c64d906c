// Which server threads a demotion ends (pure). Everything that is not an application client
// survives: our own session, server-internal threads, replication in both directions.

export interface ProcessRow {
  id: number;
  user: string | null;
  host?: string | null;
  db?: string | null;
  command: string | null;
  state?: string | null;
}

/** Commands of threads that are replication or the server itself, never application clients. */
export const KEEP_COMMANDS: ReadonlySet<string> = new Set([
  'Binlog Dump', // a replica reading our binlog (MySQL, MariaDB file/pos)
  'Binlog Dump GTID', // same, GTID (MySQL)
  'Slave_IO',
  'Slave_SQL',
  'Slave_worker', // MariaDB parallel replication
  'Daemon', // event scheduler, InnoDB purge in MySQL
  'Killed',
]);

/** Users that are server-internal. */
export const KEEP_USERS: ReadonlySet<string> = new Set(['system user', 'event_scheduler']);

export interface KillFilter {
  /** The connection that runs the kills. */
  ownConnectionId: number;
  /** The agent's MySQL user: its other sessions (health checks) are ours too. */
  agentUser?: string;
  /** Extra connection ids to leave alone. */
  excludeIds?: readonly number[];
}

export function shouldKill(row: ProcessRow, f: KillFilter): boolean {
  if (row.id === f.ownConnectionId) return false;
  if (f.excludeIds?.includes(row.id)) return false;
  const user = row.user ?? '';
  if (user === '' || KEEP_USERS.has(user)) return false; // MySQL 8: replication threads are 'system user' / 'Connect'
  if (f.agentUser !== undefined && user === f.agentUser) return false;
  if (row.command !== null && KEEP_COMMANDS.has(row.command)) return false;
  return true;
}

export function threadsToKill(rows: readonly ProcessRow[], f: KillFilter): number[] {
  return rows.filter((r) => shouldKill(r, f)).map((r) => r.id);
}
