// SHOW SLAVE STATUS / SHOW REPLICA STATUS rows, both naming schemes, as one typed record (pure).

export interface SlaveStatus {
  masterHost: string;
  masterPort: number | undefined;
  /** 'Yes' | 'No' | 'Connecting' | 'Preparing' … */
  ioRunning: string;
  sqlRunning: string;
  /** Slave_SQL_Running_State: what the SQL thread is doing. */
  sqlState: string;
  secondsBehindMaster: number | null;
  /** MariaDB: last GTID received per domain. MySQL: Retrieved_Gtid_Set. */
  gtidIoPos: string;
  /** MySQL only: Executed_Gtid_Set ('' on MariaDB). */
  executedGtidSet: string;
  usingGtid: string;
  lastIoErrno: number;
  lastIoError: string;
  lastSqlErrno: number;
  lastSqlError: string;
  /** MariaDB: Slave_received_heartbeats counter when the row has it. */
  receivedHeartbeats: number | undefined;
  heartbeatPeriod: number | undefined;
}

type Row = Record<string, unknown>;

function pick(row: Row, ...names: string[]): unknown {
  for (const n of names) if (row[n] !== undefined) return row[n];
  return undefined;
}

function str(v: unknown): string {
  if (v === null || v === undefined) return '';
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

function num(v: unknown): number | undefined {
  if (v === null || v === undefined || v === '') return undefined;
  const n = Number(str(v));
  return Number.isFinite(n) ? n : undefined;
}

/** The default replication connection's row (MariaDB multi-source has named ones too; MySQL has no
 *  Connection_name column). */
export function pickDefaultConnection(rows: readonly Row[]): Row | undefined {
  return rows.find((r) => r.Connection_name === undefined || str(r.Connection_name) === '');
}

/** undefined when there is no row: replication is not configured. */
export function parseSlaveStatus(row: Row | undefined): SlaveStatus | undefined {
  if (!row) return undefined;
  return {
    masterHost: str(pick(row, 'Master_Host', 'Source_Host')),
    masterPort: num(pick(row, 'Master_Port', 'Source_Port')),
    ioRunning: str(pick(row, 'Slave_IO_Running', 'Replica_IO_Running')),
    sqlRunning: str(pick(row, 'Slave_SQL_Running', 'Replica_SQL_Running')),
    sqlState: str(pick(row, 'Slave_SQL_Running_State', 'Replica_SQL_Running_State')),
    secondsBehindMaster: num(pick(row, 'Seconds_Behind_Master', 'Seconds_Behind_Source')) ?? null,
    gtidIoPos: str(pick(row, 'Gtid_IO_Pos', 'Retrieved_Gtid_Set')).replace(/\s+/g, ''),
    executedGtidSet: str(pick(row, 'Executed_Gtid_Set')).replace(/\s+/g, ''),
    usingGtid: str(pick(row, 'Using_Gtid', 'Auto_Position')),
    lastIoErrno: num(pick(row, 'Last_IO_Errno')) ?? 0,
    lastIoError: str(pick(row, 'Last_IO_Error')),
    lastSqlErrno: num(pick(row, 'Last_SQL_Errno')) ?? 0,
    lastSqlError: str(pick(row, 'Last_SQL_Error')),
    receivedHeartbeats: num(pick(row, 'Slave_received_heartbeats')),
    heartbeatPeriod: num(pick(row, 'Slave_heartbeat_period')),
  };
}

/**
 * Everything received in full is applied: the IO thread receives nothing more (stopped, or its
 * source is gone) and the SQL thread runs and has read all relay log. Gtid_IO_Pos may still be
 * ahead: a transaction cut off mid-transfer (its source died or was cut off) counts as received
 * but can never be applied; only its source has the rest. Waiting for it would never end.
 */
export function receivedAllApplied(s: SlaveStatus): boolean {
  return !ioConnected(s) && s.sqlRunning === 'Yes' && /has read all relay log/i.test(s.sqlState);
}

/** The IO thread is connected to its source (not 'Connecting', not stopped). */
export function ioConnected(s: SlaveStatus | undefined): boolean {
  return s !== undefined && s.ioRunning === 'Yes';
}
