// The I/O half of `mmm_tls grants`: log in as one account the way its program does (the agent over
// its socket, the others with their TLS), ask the server who it took us for, whether the session is
// encrypted, what the account requires and may do, and run the harmless statements that prove a privilege. Nothing is changed:
// no SET GLOBAL, KILL, CHANGE MASTER or START/STOP SLAVE is ever sent. Every step is bounded.
import { readFileSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import * as mysql from 'mysql2/promise';
import { accountSpec, bounded, checkServerIdentity, errorMessage, flavorOf } from '@mmm/common';
import type { GrantTarget, GrantVia } from './targets';

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
  /** USER(): the client as the server saw it, `user@address`. */
  clientUser?: string;
  /** Ssl_version of the session: '' in clear. */
  tlsVersion?: string;
  /** SHOW CREATE USER CURRENT_USER() (its REQUIRE clause); undefined when it could not be read. */
  createUser?: string;
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

/** Connection settings as the program itself uses them (socket, or TCP with its TLS). */
function connectOptions(via: GrantVia): mysql.ConnectionOptions {
  if (via.kind === 'socket') return { socketPath: via.socketPath };
  if (!via.tls) return { host: via.host, port: via.port };
  let ca: string;
  try {
    ca = readFileSync(via.tls.caFile, 'utf8');
  } catch (e) {
    throw Object.assign(new Error(`cannot read mysql_ssl_ca ${via.tls.caFile}: ${(e as NodeJS.ErrnoException).code ?? errorMessage(e)}`), { code: 'MYSQL_SSL_CA' });
  }
  // The identity is checked below by mmm's rule (mysql2 checks IP hosts against 'localhost').
  return { host: via.host, port: via.port, ssl: { ca, rejectUnauthorized: true, verifyIdentity: false, minVersion: 'TLSv1.2' } };
}

export async function inspect(target: GrantTarget, timeoutMs: number): Promise<Inspection> {
  const out: Inspection = { target, probes: [] };
  let opts: mysql.ConnectionOptions;
  try {
    opts = connectOptions(target.via);
  } catch (e) {
    out.login = sqlError(e);
    return out;
  }
  const conn = mysql.createConnection({ ...opts, user: target.user, password: target.password, connectTimeout: Math.max(1, timeoutMs) });
  const c = await bounded(conn, timeoutMs + 500);
  if (c.kind !== 'value') {
    out.login = c.kind === 'timeout' ? { code: 'TIMEOUT', message: `no answer within ${timeoutMs} ms` } : sqlError(c.error);
    if (c.kind === 'timeout') void conn.then((x) => x.destroy(), () => undefined);
    return out;
  }
  const db = c.value;
  try {
    if (target.via.kind === 'tcp' && target.via.tls) {
      const s = (db as unknown as { connection?: { stream?: Partial<TLSSocket> } }).connection?.stream;
      const bad = typeof s?.getPeerCertificate === 'function' ? checkServerIdentity(target.via.host, s.getPeerCertificate(true)) : new Error('the session is not encrypted');
      if (bad) {
        out.login = { code: 'ERR_MMM_SERVER_IDENTITY', message: bad.message };
        return out;
      }
    }
    const who = await run(db, 'SELECT CURRENT_USER() AS account, USER() AS client, VERSION() AS version', timeoutMs);
    const row = who.rows?.[0];
    if (typeof row?.account === 'string') out.currentUser = row.account;
    if (typeof row?.client === 'string') out.clientUser = row.client;
    if (typeof row?.version === 'string') out.version = row.version;
    const ssl = await run(db, "SHOW SESSION STATUS LIKE 'Ssl_version'", timeoutMs);
    if (!ssl.error) out.tlsVersion = String(ssl.rows?.[0]?.Value ?? '');
    const cu = await run(db, 'SHOW CREATE USER CURRENT_USER()', timeoutMs);
    if (!cu.error) out.createUser = String(Object.values(cu.rows?.[0] ?? {})[0] ?? '');
    const g = await run(db, 'SHOW GRANTS', timeoutMs);
    if (g.error) out.grantsError = g.error;
    else out.grants = (g.rows ?? []).map((r) => String(Object.values(r)[0] ?? ''));
    const spec = accountSpec(target.account, flavorOf(out.version ?? ''), { semisync: target.semisync === true });
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
