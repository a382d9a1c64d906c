// What a planned move needs to know when an MMM 2.x agent is involved, read by the monitor itself
// over its own MySQL account (an MMM agent answers OK even when it failed, and knows no GET_GTID or
// WAIT_GTID). Its own connections: MASTER_POS_WAIT blocks a session for up to switch_timeout,
// which must not hold up the checks. Grants: docs/accounts.md (monitor account).
import * as mysql from 'mysql2';
import type { HostConfig } from '@mmm/common';
import { monitorEndpoint } from '../checks/endpoint';
import { MysqlSessions, type QueryOutcome } from '../checks/mysql-sessions';

export type Probed<T> = { ok: true; value: T } | { ok: false; error: string };

export interface WriteState {
  readOnly: boolean;
  /** Client threads in a writing statement (id and statement start). */
  writers: string[];
}

export interface BinlogPosition {
  file: string;
  position: number;
  /** @@gtid_binlog_pos (MariaDB), '' when none. */
  gtid: string;
}

export interface ReplicaView {
  masterHost: string;
  ioRunning: boolean;
  sqlRunning: boolean;
  /** Using_Gtid (MariaDB) is not `No`. */
  usingGtid: boolean;
}

const WRITING = /^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|TRUNCATE|LOAD|RENAME|GRANT|REVOKE|COMMIT)\b/i;

function describe(o: QueryOutcome): string {
  switch (o.kind) {
    case 'rows': return 'unexpected rows';
    case 'timeout': return `timeout (${o.phase})`;
    case 'connect-error': return `cannot connect: ${o.error.message}`;
    case 'query-error': return o.error.message;
  }
}

export class SqlProbe {
  private readonly sessions = new MysqlSessions();

  constructor(private readonly hosts: Record<string, HostConfig>) {}

  private async rows(host: string, sql: string, timeoutMs: number): Promise<Probed<Record<string, unknown>[]>> {
    const h = this.hosts[host];
    const ep = h ? monitorEndpoint(h) : undefined;
    if (!ep) return { ok: false, error: `no monitor_user for ${host}` };
    const r = await this.sessions.query(ep, sql, timeoutMs);
    return r.kind === 'rows' ? { ok: true, value: r.rows } : { ok: false, error: `${host}: ${describe(r)}` };
  }

  /** The server answers the monitor's own connection now (`SELECT 1`). */
  async answers(host: string, timeoutMs: number): Promise<Probed<void>> {
    const r = await this.rows(host, 'SELECT 1 AS one', timeoutMs);
    return r.ok ? { ok: true, value: undefined } : r;
  }

  /** @@read_only and the client threads running a writing statement. */
  async writeState(host: string, timeoutMs: number): Promise<Probed<WriteState>> {
    const ro = await this.rows(host, 'SELECT @@global.read_only AS ro', timeoutMs);
    if (!ro.ok) return ro;
    const pl = await this.rows(
      host,
      "SELECT ID AS id, INFO AS info FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID() AND COMMAND NOT IN ('Sleep', 'Binlog Dump', 'Binlog Dump GTID', 'Daemon', 'Killed') AND USER NOT IN ('system user', 'event_scheduler') AND INFO IS NOT NULL",
      timeoutMs,
    );
    if (!pl.ok) return pl;
    const writers = pl.value.filter((r) => WRITING.test(String(r.info))).map((r) => `${String(r.id)}: ${String(r.info).slice(0, 60)}`);
    return { ok: true, value: { readOnly: Number(ro.value[0]?.ro) === 1, writers } };
  }

  /** The monitor account sees every client thread (PROCESS): without it no writer could be seen. */
  async seesAllThreads(host: string, timeoutMs: number): Promise<Probed<boolean>> {
    const r = await this.rows(
      host,
      "SELECT COUNT(*) AS n FROM information_schema.USER_PRIVILEGES WHERE PRIVILEGE_TYPE IN ('PROCESS', 'SUPER') AND GRANTEE = CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')",
      timeoutMs,
    );
    return r.ok ? { ok: true, value: Number(r.value[0]?.n) > 0 } : r;
  }

  async position(host: string, timeoutMs: number): Promise<Probed<BinlogPosition>> {
    const m = await this.rows(host, 'SHOW MASTER STATUS', timeoutMs);
    if (!m.ok) return m;
    const row = m.value[0];
    if (!row) return { ok: false, error: `${host}: SHOW MASTER STATUS is empty (binary log off?)` };
    const g = await this.rows(host, 'SELECT @@global.gtid_binlog_pos AS g', timeoutMs);
    return { ok: true, value: { file: String(row.File), position: Number(row.Position), gtid: g.ok ? String(g.value[0]?.g ?? '') : '' } };
  }

  async replica(host: string, timeoutMs: number): Promise<Probed<ReplicaView | undefined>> {
    const r = await this.rows(host, 'SHOW SLAVE STATUS', timeoutMs);
    if (!r.ok) return r;
    const row = r.value[0];
    if (!row) return { ok: true, value: undefined };
    return {
      ok: true,
      value: {
        masterHost: String(row.Master_Host ?? ''),
        ioRunning: row.Slave_IO_Running === 'Yes',
        sqlRunning: row.Slave_SQL_Running === 'Yes',
        usingGtid: row.Using_Gtid !== undefined && row.Using_Gtid !== 'No',
      },
    };
  }

  /** MASTER_POS_WAIT (file/position, what MMM clusters run) or MASTER_GTID_WAIT, bounded by `timeoutSec`. */
  async waitFor(host: string, pos: BinlogPosition, useGtid: boolean, timeoutSec: number): Promise<Probed<void>> {
    const sql = useGtid
      ? mysql.format('SELECT MASTER_GTID_WAIT(?, ?) AS r', [pos.gtid, timeoutSec])
      : mysql.format('SELECT MASTER_POS_WAIT(?, ?, ?) AS r', [pos.file, pos.position, timeoutSec]);
    const r = await this.rows(host, sql, timeoutSec * 1000 + 2000);
    if (!r.ok) return r;
    const v = r.value[0]?.r;
    if (v === null || v === undefined) return { ok: false, error: `${host}: its replication SQL thread is not running` };
    if (Number(v) === -1) return { ok: false, error: `${host}: timeout after ${timeoutSec} s` };
    return { ok: true, value: undefined };
  }

  close(): Promise<void> {
    return this.sessions.close();
  }
}
