// The load-balancer health endpoints' decisions (issue 17), pure: what this agent already knows
// (the monitor's wanted status, the writer lease, the health watch's last MySQL observation) →
// status code and a small JSON body. lb-server.ts serves them; nothing here does I/O.
import type { LeaseStatus } from '../lease/index';
import type { HealthFacts } from './health';

export type LbCheck = 'writer' | 'reader' | 'health';

export interface LbRequest {
  check: LbCheck;
  /** /reader?max_lag=S, in seconds; undefined: no bound on the lag. */
  maxLag?: number;
}

/** What the agent knows when a check arrives. */
export interface LbInputs {
  host: string;
  /** The state the monitor last asked for (UNKNOWN after an agent restart, until its first SET_STATUS). */
  state: string;
  roles: ReadonlyArray<{ name: string }>;
  /** `active_master_role` (writer). */
  writerRole: string;
  lease: { status: LeaseStatus; msLeft: number | undefined };
  /** `writer_lease` > 0: without a lease, the writer role alone stands for it. */
  leaseConfigured: boolean;
  fenced: boolean;
  /** The health watch's last observation and its age; undefined before the first one. */
  mysql: { facts: Pick<HealthFacts, 'answering' | 'writable' | 'replication'>; ageMs: number } | undefined;
  /** An observation older than this is not trusted (the watch runs every second). */
  maxAgeMs: number;
}

export interface LbBody {
  host: string;
  check: LbCheck;
  ok: boolean;
  /** Why not ok (absent when ok). */
  reason?: string;
  state: string;
  roles: string[];
  /** This host holds the writer role (the monitor says so). */
  writer: boolean;
  /** null: unknown (MySQL not answering, or no fresh observation). */
  read_only: boolean | null;
  lease: LeaseStatus;
  lease_ms: number | null;
  fenced: boolean;
  mysql: 'answering' | 'not answering' | 'unknown';
  /** Seconds behind its source; 0 for the writer (it is the source); null: unknown. */
  lag: number | null;
}

export interface LbAnswer {
  status: number;
  body: LbBody;
}

type Fresh = { answering: boolean; writable: boolean | undefined; replication: HealthFacts['replication'] } | undefined;

function freshFacts(i: LbInputs): Fresh {
  if (!i.mysql || i.mysql.ageMs > i.maxAgeMs || i.mysql.ageMs < 0) return undefined;
  return i.mysql.facts;
}

/** Seconds behind for a host that does not hold the writer role; null when unknown. */
function replicaLag(f: Fresh): number | null {
  if (!f?.answering) return null;
  const r = f.replication;
  if (!r) return null; // null: nothing to replicate from, so not a copy of anything; undefined: unreadable
  if (!r.ioRunning || !r.sqlRunning) return null;
  return r.secondsBehindMaster;
}

function why(i: LbInputs, req: LbRequest, f: Fresh, writer: boolean, lag: number | null): string | undefined {
  const mysqlProblem = !f ? 'no fresh observation of the local MySQL' : !f.answering ? 'MySQL is not answering' : undefined;
  if (req.check === 'health') return mysqlProblem;
  if (req.check === 'writer') {
    if (!writer) return `this host does not hold the ${i.writerRole} role`;
    if (i.fenced || i.lease.status === 'fenced') return 'this host is fenced (its writer lease ran out with the peer unreachable)';
    if (mysqlProblem) return mysqlProblem;
    if (f!.writable !== true) return f!.writable === false ? 'read_only=1' : 'read_only is unknown';
    if (i.leaseConfigured && i.lease.status !== 'held') return `the writer lease is ${i.lease.status}`;
    return undefined;
  }
  if (i.state !== 'ONLINE') return `state ${i.state}`;
  if (!i.roles.some((r) => r.name !== i.writerRole)) return 'this host holds no reader role';
  if (mysqlProblem) return mysqlProblem;
  if (req.maxLag !== undefined) {
    if (lag === null) return 'replication lag is unknown';
    if (lag > req.maxLag) return `replication lag ${lag} s > max_lag ${req.maxLag} s`;
  }
  return undefined;
}

/** GET /writer, /reader, /health: 200 or 503 with the facts it was decided on. */
export function decideLbCheck(req: LbRequest, i: LbInputs): LbAnswer {
  const f = freshFacts(i);
  const writer = i.roles.some((r) => r.name === i.writerRole);
  const lag = writer && f?.answering ? 0 : replicaLag(f);
  const reason = why(i, req, f, writer, lag);
  const body: LbBody = {
    host: i.host,
    check: req.check,
    ok: reason === undefined,
    ...(reason !== undefined ? { reason } : {}),
    state: i.state,
    roles: [...new Set(i.roles.map((r) => r.name))].sort(),
    writer,
    read_only: f?.answering && f.writable !== undefined ? !f.writable : null,
    lease: i.lease.status,
    lease_ms: i.lease.status === 'held' && i.lease.msLeft !== undefined ? Math.max(0, Math.round(i.lease.msLeft)) : null,
    fenced: i.fenced,
    mysql: !f ? 'unknown' : f.answering ? 'answering' : 'not answering',
    lag,
  };
  return { status: reason === undefined ? 200 : 503, body };
}

export type LbRoute = { kind: 'check'; request: LbRequest } | { kind: 'error'; status: 400 | 404 | 405; message: string };

const PATHS = new Map<string, LbCheck>([['/writer', 'writer'], ['/reader', 'reader'], ['/health', 'health']]);
const PARAMS = new Map<LbCheck, readonly string[]>([['writer', []], ['reader', ['max_lag']], ['health', []]]);
/** GET and HEAD read; OPTIONS is what HAProxy's `option httpchk OPTIONS …` sends. */
export const LB_METHODS = ['GET', 'HEAD', 'OPTIONS'] as const;
const MAX_LAG_RE = /^\d{1,9}(?:\.\d{1,3})?$/;

/**
 * Method and request target → the check to answer, or 404 (unknown path), 405 (method), 400 (a
 * query parameter that is unknown, repeated or malformed: `?lag=5` for `?max_lag=5` must not
 * silently drop the bound).
 */
export function routeLbRequest(method: string | undefined, target: string | undefined): LbRoute {
  const raw = target ?? '';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const check = PATHS.get(path);
  if (!check) return { kind: 'error', status: 404, message: 'unknown path (GET /writer, /reader?max_lag=S or /health)' };
  if (!(LB_METHODS as readonly string[]).includes(method ?? '')) return { kind: 'error', status: 405, message: `method ${method ?? '?'} not allowed (GET, HEAD, OPTIONS)` };
  const request: LbRequest = { check };
  if (q < 0 || q === raw.length - 1) return { kind: 'check', request };
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(raw.slice(q + 1));
  } catch {
    return { kind: 'error', status: 400, message: 'malformed query' };
  }
  const allowed = PARAMS.get(check) ?? [];
  const seen = new Set<string>();
  for (const [k, v] of params) {
    if (!allowed.includes(k)) return { kind: 'error', status: 400, message: `unknown query parameter '${k.slice(0, 40)}' for ${path}${allowed.length ? ` (allowed: ${allowed.join(', ')})` : ''}` };
    if (seen.has(k)) return { kind: 'error', status: 400, message: `query parameter '${k}' given twice` };
    seen.add(k);
    if (!MAX_LAG_RE.test(v)) return { kind: 'error', status: 400, message: `max_lag must be a number of seconds ≥ 0 (e.g. 5 or 0.5), not '${v.slice(0, 40)}'` };
    request.maxLag = Number(v);
  }
  return { kind: 'check', request };
}
