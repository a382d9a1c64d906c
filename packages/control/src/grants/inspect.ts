// The I/O half of `mmm_tls grants`: log in as one account, ask the server who it took us for and
// what we may do, and run the harmless statements that prove a privilege. Nothing is changed:
// no SET GLOBAL, KILL, CHANGE MASTER or START/STOP SLAVE is ever sent. Every step is bounded.
import * as mysql from 'mysql2/promise';
import { accountSpec, bounded, errorMessage, flavorOf } from '@mmm/common';
import type { GrantTarget } from './targets';

export interface SqlError {
  errno?: number;
  code?: string;
  message: string;
}

export interface ProbeResult {
  statement: string;
  /** undefined: ran; otherwise the server's refusal (or a timeout). */
  error?: SqlError;
}

export interface Inspection {
  target: GrantTarget;
  /** The login failed (or timed out): nothing else was asked. */
  login?: SqlError;
  /** CURRENT_USER(): the account the server matched, `user@host`. */
  currentUser?: string;
  version?: string;
  /** SHOW GRANTS rows (text of each); undefined when it failed (grantsError). */
  grants?: string[];
  grantsError?: SqlError;
  probes: ProbeResult[];
}

function sqlError(e: unknown): SqlError {
  const x = e as { errno?: unknown; code?: unknown };
  return {
    ...(typeof x?.errno === 'number' ? { errno: x.errno } : {}),
    ...(typeof x?.code === 'string' ? { code: x.code } : {}),
    message: errorMessage(e),
  };
}

async function run(c: mysql.Connection, sql: string, ms: number): Promise<{ rows?: Record<string, unknown>[]; error?: SqlError }> {
  const r = await bounded(c.query(sql), ms);
  if (r.kind === 'timeout') return { error: { code: 'TIMEOUT', message: `no answer to ${sql} within ${ms} ms` } };
  if (r.kind === 'error') return { error: sqlError(r.error) };
  const rows = r.value[0];
  return { rows: Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [] };
}

export async function inspect(target: GrantTarget, timeoutMs: number): Promise<Inspection> {
  const out: Inspection = { target, probes: [] };
  const conn = mysql.createConnection({
    host: target.ip,
    port: target.port,
    user: target.user,
    password: target.password,
    connectTimeout: Math.max(1, timeoutMs),
  });
  const c = await bounded(conn, timeoutMs + 500);
  if (c.kind !== 'value') {
    out.login = c.kind === 'timeout' ? { code: 'TIMEOUT', message: `no answer within ${timeoutMs} ms` } : sqlError(c.error);
    if (c.kind === 'timeout') void conn.then((x) => x.destroy(), () => undefined);
    return out;
  }
  const db = c.value;
  try {
    const who = await run(db, 'SELECT CURRENT_USER() AS account, VERSION() AS version', timeoutMs);
    const row = who.rows?.[0];
    if (typeof row?.account === 'string') out.currentUser = row.account;
    if (typeof row?.version === 'string') out.version = row.version;
    const g = await run(db, 'SHOW GRANTS', timeoutMs);
    if (g.error) out.grantsError = g.error;
    else out.grants = (g.rows ?? []).map((r) => String(Object.values(r)[0] ?? ''));
    const spec = accountSpec(target.account, flavorOf(out.version ?? ''));
    for (const need of spec.needs) {
      if (!need.probe) continue;
      const p = await run(db, need.probe, timeoutMs);
      out.probes.push({ statement: need.probe, ...(p.error ? { error: p.error } : {}) });
    }
  } finally {
    const end = await bounded(db.end(), 500);
    if (end.kind !== 'value') db.destroy();
  }
  return out;
}
