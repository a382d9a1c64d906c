// One reused monitor connection per host: at 0.25 s check periods a connect per check is
// wasteful. A connection that breaks is dropped and, if it was an old one, the query is retried
// once on a fresh connection within the same deadline (a stale socket is not news about the host).
// A connection refused a statement for lack of a privilege is closed too: the server keeps the
// privileges a session logged in with, so only a new connection sees a GRANT made since (a kept
// one that is refused is retried once on a fresh connection, like a broken one).
import { readFileSync } from 'node:fs';
import * as mysql from 'mysql2';
import type { Connection, QueryError } from 'mysql2';
import type { TLSSocket } from 'node:tls';
import { type MysqlTls, bounded, checkServerIdentity, errorMessage, isPrivilegeError } from '@mmm/common';

export interface MysqlEndpoint {
  host: string;
  port: number;
  user: string;
  password: string;
  /** TLS verified against caFile, the server's identity against `host` (an IP SAN). */
  tls?: MysqlTls;
}

export interface MysqlFailure {
  /** Server error number (e.g. 1040, 1045, 1227) or a negative system errno. */
  errno?: number;
  /** mysql2/Node code, e.g. ER_CON_COUNT_ERROR, ECONNREFUSED. */
  code?: string;
  message: string;
  /** Privilege errors on a statement: CURRENT_USER() of the refused session (`user@host`). */
  account?: string;
  /** Privilege errors on a statement: VERSION() of the server. */
  serverVersion?: string;
}

export type QueryOutcome =
  | { kind: 'rows'; rows: Record<string, unknown>[] }
  | { kind: 'connect-error'; error: MysqlFailure }
  | { kind: 'query-error'; error: MysqlFailure }
  | { kind: 'timeout'; phase: 'connect' | 'query' };

interface Entry {
  key: string;
  conn: Connection;
  ready: Promise<void>;
  connected: boolean;
}

export interface MysqlSessionStats {
  /** Connections opened so far. */
  connects: number;
  /** Connections currently kept. */
  open: number;
}

export class MysqlSessions {
  private readonly entries = new Map<string, Entry>();
  private connects = 0;
  private closed = false;

  /** Runs `sql` on the endpoint's connection; resolves (never rejects) within `timeoutMs`. */
  async query(ep: MysqlEndpoint, sql: string, timeoutMs: number): Promise<QueryOutcome> {
    const deadline = Date.now() + timeoutMs;
    if (this.closed) return { kind: 'connect-error', error: { message: 'mysql sessions are closed' } };
    for (let attempt = 0; ; attempt++) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return { kind: 'timeout', phase: 'query' };
      let entry: Entry;
      try {
        entry = this.entryFor(ep, remaining);
      } catch (e) {
        return { kind: 'connect-error', error: { code: 'MYSQL_SSL_CA', message: errorMessage(e) } };
      }
      const reused = entry.connected && attempt === 0;

      const c = await bounded(entry.ready, deadline - Date.now());
      if (c.kind === 'timeout') {
        this.drop(entry);
        return { kind: 'timeout', phase: 'connect' };
      }
      if (c.kind === 'error') {
        this.drop(entry);
        if (reused) continue;
        return { kind: 'connect-error', error: failure(c.error) };
      }

      const q = await bounded(runQuery(entry.conn, sql), deadline - Date.now());
      if (q.kind === 'timeout') {
        // The connection may be stuck mid-result: it cannot be reused.
        this.drop(entry);
        return { kind: 'timeout', phase: 'query' };
      }
      if (q.kind === 'error') {
        const fatal = (q.error as QueryError | undefined)?.fatal === true;
        if (fatal) this.drop(entry);
        if (fatal && reused) continue;
        const f = failure(q.error);
        if (!fatal && isPrivilegeError(f.errno)) {
          // A kept session may predate a GRANT (the mysql check shares it): only a refusal on a
          // fresh connection is news about the account.
          if (reused) {
            this.retire(entry);
            continue;
          }
          Object.assign(f, await whoAmI(entry.conn, deadline - Date.now()));
          this.retire(entry);
        }
        return { kind: 'query-error', error: f };
      }
      return { kind: 'rows', rows: q.value };
    }
  }

  /** Closes one endpoint's connection (e.g. a host removed from the config). */
  forget(ep: MysqlEndpoint): void {
    const e = this.entries.get(keyOf(ep));
    if (e) this.drop(e);
  }

  /**
   * Closes every connection, established ones with COM_QUIT (bounded) so the servers log no
   * "Aborted connection" for a monitor that stops; later queries fail with a connect error.
   */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => (e.connected ? quit(e.conn) : this.drop(e))));
  }

  stats(): MysqlSessionStats {
    return { connects: this.connects, open: this.entries.size };
  }

  private entryFor(ep: MysqlEndpoint, connectTimeoutMs: number): Entry {
    const key = keyOf(ep);
    const existing = this.entries.get(key);
    if (existing) return existing;
    // Read at each new connection (they are rare): a replaced CA file is used without a restart.
    const ssl = ep.tls ? tlsOptions(ep.tls) : undefined;
    this.connects++;
    const conn = mysql.createConnection({
      ...(ssl ? { ssl } : {}),
      host: ep.host,
      port: ep.port,
      user: ep.user,
      password: ep.password,
      connectTimeout: Math.max(1, Math.round(connectTimeoutMs)),
      enableKeepAlive: true,
      supportBigNumbers: true,
      // No prepared statements here; mysql2's default (16000) preallocates a ~0.5 MB statement
      // cache per connection: 98 of the 115 MB live heap of a monitor watching 200 hosts.
      maxPreparedStatements: 1,
    });
    const entry: Entry = { key, conn, ready: Promise.resolve(), connected: false };
    // Without a listener a server-side close of an idle connection would crash the process.
    conn.on('error', () => this.drop(entry));
    entry.ready = new Promise<void>((resolve, reject) => {
      conn.connect((err) => (err ? reject(err) : resolve()));
    }).then(() => {
      if (!ep.tls) return;
      const bad = tlsIdentityError(conn, ep.host);
      if (bad) throw bad;
    });
    entry.ready.then(
      () => {
        entry.connected = true;
      },
      () => undefined,
    );
    this.entries.set(key, entry);
    return entry;
  }

  /** Forgets a healthy connection and ends it with COM_QUIT in the background (bounded). */
  private retire(entry: Entry): void {
    if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
    void quit(entry.conn);
  }

  private drop(entry: Entry): void {
    if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
    try {
      entry.conn.destroy();
    } catch {
      // already gone
    }
  }
}

const QUIT_MS = 500;
/** Bound of the CURRENT_USER() query after a privilege error, within what is left of the check's. */
const WHOAMI_MS = 500;

/** Who the server took this session for, to name the account in the GRANT; {} when it does not say in time. */
async function whoAmI(c: Connection, remainingMs: number): Promise<{ account?: string; serverVersion?: string }> {
  if (remainingMs <= 0) return {};
  const r = await bounded(runQuery(c, 'SELECT CURRENT_USER() AS account, VERSION() AS version'), Math.min(WHOAMI_MS, remainingMs));
  if (r.kind !== 'value') return {};
  const row = r.value[0] ?? {};
  const out: { account?: string; serverVersion?: string } = {};
  if (typeof row.account === 'string') out.account = row.account;
  if (typeof row.version === 'string') out.serverVersion = row.version;
  return out;
}

async function quit(c: Connection): Promise<void> {
  const r = await bounded(new Promise<void>((res, rej) => c.end((err) => (err ? rej(err) : res()))), QUIT_MS);
  if (r.kind !== 'value') c.destroy();
}

function keyOf(ep: MysqlEndpoint): string {
  return `${ep.user}@${ep.host}:${ep.port}${ep.tls ? ` tls ${ep.tls.caFile}` : ''}`;
}

/**
 * mysql2 checks the identity of an IP host against 'localhost' (Node takes the name from the
 * socket, which has none for an IP), so it is ours, mmm's rule (server-identity.ts): a SAN must
 * name the host's ip. Checked once the session is up; the chain was verified in the handshake,
 * so only a server holding a key of the cluster CA could have seen the login.
 */
export function tlsIdentityError(conn: Connection, expected: string): Error | undefined {
  const s = (conn as unknown as { stream?: Partial<TLSSocket> }).stream;
  if (typeof s?.getPeerCertificate !== 'function') return Object.assign(new Error('TLS was asked for but the session is not encrypted'), { code: 'MYSQL_NOT_TLS' });
  return checkServerIdentity(expected, s.getPeerCertificate(true));
}

/** mysql2's TLS: the chain to the CA (TLS ≥ 1.2); the identity is tlsIdentityError's. */
export function tlsOptions(tls: MysqlTls): mysql.SslOptions {
  let ca: string;
  try {
    ca = readFileSync(tls.caFile, 'utf8');
  } catch (e) {
    throw new Error(`cannot read mysql_ssl_ca ${tls.caFile}: ${(e as NodeJS.ErrnoException).code ?? errorMessage(e)}`);
  }
  return { ca, rejectUnauthorized: true, verifyIdentity: false, minVersion: 'TLSv1.2' };
}

function runQuery(conn: Connection, sql: string): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    conn.query(sql, (err, rows) => {
      if (err) reject(err);
      else resolve(Array.isArray(rows) ? (rows as Record<string, unknown>[]) : []);
    });
  });
}

export function failure(e: unknown): MysqlFailure {
  const x = e as Partial<QueryError> & { message?: string };
  const out: MysqlFailure = { message: x?.message ?? String(e) };
  if (typeof x?.errno === 'number') out.errno = x.errno;
  if (typeof x?.code === 'string') out.code = x.code;
  return out;
}
