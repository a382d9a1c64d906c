// The node's semi-synchronous replication, read from SHOW GLOBAL VARIABLES / STATUS rows (pure).
// Both sides are read on every node: a node is the writer (master side) or a replica (replica
// side) depending on the roles the monitor gives it, and either may change at the next SET_STATUS.
import type { SemisyncNames } from './mysql-dialect';

export interface SemisyncState {
  /** rpl_semi_sync_master_enabled (MySQL: _source_). */
  masterEnabled: boolean;
  /** rpl_semi_sync_master_wait_point, upper case (`AFTER_SYNC`, `AFTER_COMMIT`); '' when absent. */
  waitPoint: string;
  /** rpl_semi_sync_master_timeout in ms; undefined when absent. */
  timeoutMs: number | undefined;
  /** rpl_semi_sync_slave_enabled (MySQL: _replica_). */
  slaveEnabled: boolean;
  /** Rpl_semi_sync_master_status: ON while commits wait for a replica's acknowledgement; OFF when
   *  the master side is off or fell back to asynchronous replication (no acknowledgement in time). */
  masterActive: boolean;
  /** Rpl_semi_sync_master_clients: replicas connected with semi-sync on. */
  masterClients: number | undefined;
  /** Rpl_semi_sync_master_yes_tx / _no_tx: commits acknowledged by a replica / committed without one. */
  masterYesTx: number | undefined;
  masterNoTx: number | undefined;
  /** Rpl_semi_sync_slave_status: the IO thread is connected with semi-sync on (it acknowledges). */
  slaveActive: boolean;
}

type Row = Record<string, unknown>;

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

/** Variable_name → Value (SHOW GLOBAL VARIABLES/STATUS rows; names compared case-insensitively). */
function byName(rows: readonly Row[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const r of rows) m.set(text(r.Variable_name ?? r.VARIABLE_NAME).toLowerCase(), text(r.Value ?? r.VARIABLE_VALUE));
  return m;
}

const on = (v: string | undefined): boolean => v !== undefined && /^(on|1|yes)$/i.test(v);

function count(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

/** null: the server has no semi-sync variables at all (MySQL without the semisync plugins). */
export function parseSemisync(variables: readonly Row[], status: readonly Row[], n: SemisyncNames): SemisyncState | null {
  const v = byName(variables);
  const s = byName(status);
  const get = (m: Map<string, string>, name: string): string | undefined => m.get(name.toLowerCase());
  if (get(v, n.masterEnabled) === undefined && get(v, n.slaveEnabled) === undefined) return null;
  return {
    masterEnabled: on(get(v, n.masterEnabled)),
    waitPoint: (get(v, n.waitPoint) ?? '').toUpperCase(),
    timeoutMs: count(get(v, n.timeout)),
    slaveEnabled: on(get(v, n.slaveEnabled)),
    masterActive: on(get(s, n.masterStatus)),
    masterClients: count(get(s, n.masterClients)),
    masterYesTx: count(get(s, n.masterYesTx)),
    masterNoTx: count(get(s, n.masterNoTx)),
    slaveActive: on(get(s, n.slaveStatus)),
  };
}

/** The master side as a writer needs it: on, AFTER_SYNC, the configured timeout. */
export function masterSideAsWanted(s: SemisyncState, timeoutMs: number): boolean {
  return s.masterEnabled && s.waitPoint === 'AFTER_SYNC' && s.timeoutMs === Math.round(timeoutMs);
}
