// Hand-written validator for StatusDocument (no schema library). Returns every problem found, each as
// `<path>: <what is wrong>`; an empty list means the document is valid. Extra keys are allowed.
import { CHECK_NAMES } from '../config/types';
import { HOST_STATES } from '../model/host-state';
import { DECISION_KINDS, STATUS_SCHEMA_VERSION, type StatusDocument } from './status-document';

type Obj = Record<string, unknown>;

const MODES = ['ACTIVE', 'MANUAL', 'WAIT', 'PASSIVE'] as const;
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Collects `<path>: <what is wrong>` problems (the history document reuses it). */
export class Checker {
  readonly problems: string[] = [];

  fail(path: string, what: string): void {
    this.problems.push(`${path}: ${what}`);
  }

  obj(v: unknown, path: string): Obj | undefined {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Obj;
    this.fail(path, 'expected an object');
    return undefined;
  }

  arr(v: unknown, path: string): unknown[] {
    if (Array.isArray(v)) return v;
    this.fail(path, 'expected an array');
    return [];
  }

  str(v: unknown, path: string, opts: { nullable?: boolean; nonEmpty?: boolean } = {}): void {
    if (v === null && opts.nullable) return;
    if (typeof v !== 'string') this.fail(path, opts.nullable ? 'expected a string or null' : 'expected a string');
    else if (opts.nonEmpty && v === '') this.fail(path, 'must not be empty');
  }

  bool(v: unknown, path: string, nullable = false): void {
    if (v === null && nullable) return;
    if (typeof v !== 'boolean') this.fail(path, nullable ? 'expected true, false or null' : 'expected true or false');
  }

  num(v: unknown, path: string, nullable = false): void {
    if (v === null && nullable) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      this.fail(path, nullable ? 'expected a non-negative number or null' : 'expected a non-negative number');
    }
  }

  time(v: unknown, path: string, nullable = false): void {
    if (v === null && nullable) return;
    if (typeof v !== 'string' || !ISO_RE.test(v) || Number.isNaN(Date.parse(v))) {
      this.fail(path, nullable ? 'expected an ISO 8601 time or null' : 'expected an ISO 8601 time');
    }
  }

  oneOf(v: unknown, allowed: readonly string[], path: string, nullable = false): void {
    if (v === null && nullable) return;
    if (typeof v !== 'string' || !allowed.includes(v)) this.fail(path, `expected one of ${allowed.join(', ')}`);
  }
}

function checkHost(c: Checker, v: unknown, p: string): void {
  const h = c.obj(v, p);
  if (!h) return;
  c.str(h.name, `${p}.name`, { nonEmpty: true });
  c.str(h.ip, `${p}.ip`, { nonEmpty: true });
  c.oneOf(h.mode, ['master', 'slave'], `${p}.mode`);
  c.oneOf(h.state, HOST_STATES, `${p}.state`);
  c.arr(h.roles, `${p}.roles`).forEach((r, i) => {
    const ro = c.obj(r, `${p}.roles[${i}]`);
    if (!ro) return;
    c.str(ro.name, `${p}.roles[${i}].name`, { nonEmpty: true });
    c.str(ro.ip, `${p}.roles[${i}].ip`, { nonEmpty: true });
  });
  c.time(h.stateChangedAt, `${p}.stateChangedAt`, true);
  const checks = c.arr(h.checks, `${p}.checks`);
  checks.forEach((x, i) => {
    const q = `${p}.checks[${i}]`;
    const ch = c.obj(x, q);
    if (!ch) return;
    c.oneOf(ch.name, CHECK_NAMES, `${q}.name`);
    c.bool(ch.ok, `${q}.ok`);
    c.str(ch.message, `${q}.message`);
    c.time(ch.lastChange, `${q}.lastChange`, true);
  });
  const names = checks.map((x) => (typeof x === 'object' && x !== null ? (x as Obj).name : undefined));
  if (Array.isArray(h.checks) && names.join() !== CHECK_NAMES.join()) {
    c.fail(`${p}.checks`, `expected the checks ${CHECK_NAMES.join(', ')} in that order`);
  }
  c.num(h.replicationLagSeconds, `${p}.replicationLagSeconds`, true);
  c.bool(h.agentReachable, `${p}.agentReachable`);
  c.bool(h.writable, `${p}.writable`, true);
  c.bool(h.flapping, `${p}.flapping`);
  if ('semisync' in h && h.semisync !== null) {
    const s = c.obj(h.semisync, `${p}.semisync`);
    if (s) {
      for (const k of ['master', 'masterStatus', 'replica', 'replicaStatus']) c.bool(s[k], `${p}.semisync.${k}`, true);
      for (const k of ['masterClients', 'masterYesTx', 'masterNoTx']) c.num(s[k], `${p}.semisync.${k}`, true);
    }
  }
  if ('lease' in h && h.lease !== null) {
    const l = c.obj(h.lease, `${p}.lease`);
    if (l) {
      c.bool(l.held, `${p}.lease.held`);
      if (l.remainingMs !== null && (typeof l.remainingMs !== 'number' || !Number.isFinite(l.remainingMs))) c.fail(`${p}.lease.remainingMs`, 'expected a number or null');
    }
  }
  if ('replication' in h && h.replication !== null) {
    const r = c.obj(h.replication, `${p}.replication`);
    if (r) {
      c.bool(r.ioConnected, `${p}.replication.ioConnected`);
      c.bool(r.sqlRunning, `${p}.replication.sqlRunning`);
      c.num(r.lastReceiveAgeMs, `${p}.replication.lastReceiveAgeMs`, true);
    }
  }
}

function checkRole(c: Checker, v: unknown, p: string): void {
  const r = c.obj(v, p);
  if (!r) return;
  c.str(r.name, `${p}.name`, { nonEmpty: true });
  c.oneOf(r.mode, ['exclusive', 'balanced'], `${p}.mode`);
  c.arr(r.hosts, `${p}.hosts`).forEach((h, i) => c.str(h, `${p}.hosts[${i}]`, { nonEmpty: true }));
  c.arr(r.ips, `${p}.ips`).forEach((x, i) => {
    const ip = c.obj(x, `${p}.ips[${i}]`);
    if (!ip) return;
    c.str(ip.ip, `${p}.ips[${i}].ip`, { nonEmpty: true });
    c.str(ip.assignedTo, `${p}.ips[${i}].assignedTo`);
  });
  c.str(r.preferredHost, `${p}.preferredHost`, { nullable: true });
  c.bool(r.activeMaster, `${p}.activeMaster`);
  c.str(r.reason, `${p}.reason`, { nullable: true });
}

export function checkDecision(c: Checker, v: unknown, p: string): void {
  const d = c.obj(v, p);
  if (!d) return;
  c.time(d.time, `${p}.time`);
  c.oneOf(d.kind, DECISION_KINDS, `${p}.kind`);
  c.str(d.host, `${p}.host`, { nullable: true });
  c.str(d.role, `${p}.role`, { nullable: true });
  c.str(d.reason, `${p}.reason`);
  c.bool(d.blocked, `${p}.blocked`);
}

function checkDiagnosis(c: Checker, v: unknown, p: string): void {
  const d = c.obj(v, p);
  if (!d) return;
  c.str(d.code, `${p}.code`, { nonEmpty: true });
  c.str(d.host, `${p}.host`, { nullable: true });
  c.str(d.description, `${p}.description`);
  c.str(d.detail, `${p}.detail`, { nullable: true });
  c.time(d.since, `${p}.since`, true);
}

function checkMove(c: Checker, v: unknown, p: string): void {
  if (v === null) return;
  const m = c.obj(v, p);
  if (!m) return;
  c.str(m.role, `${p}.role`, { nonEmpty: true });
  c.str(m.from, `${p}.from`);
  c.str(m.to, `${p}.to`, { nonEmpty: true });
  c.time(m.startedAt, `${p}.startedAt`);
  c.num(m.durationMs, `${p}.durationMs`, true);
  c.oneOf(m.outcome, ['done', 'aborted', 'running'], `${p}.outcome`);
  c.str(m.reason, `${p}.reason`, { nullable: true });
}

function checkFailover(c: Checker, v: unknown, p: string): void {
  if (v === null) return;
  const f = c.obj(v, p);
  if (!f) return;
  c.str(f.from, `${p}.from`, { nonEmpty: true });
  c.str(f.to, `${p}.to`, { nonEmpty: true });
  c.time(f.at, `${p}.at`);
  c.bool(f.automatic, `${p}.automatic`);
  c.time(f.acknowledgedAt, `${p}.acknowledgedAt`, true);
  c.time(f.cooldownUntil, `${p}.cooldownUntil`, true);
  for (const k of ['lostAtLeast', 'lostOnReturn'] as const) {
    if (f[k] !== null) c.arr(f[k], `${p}.${k}`).forEach((g, i) => c.str(g, `${p}.${k}[${i}]`, { nonEmpty: true }));
  }
  c.num(f.lostAtLeastCount, `${p}.lostAtLeastCount`, true);
  c.time(f.positionAt, `${p}.positionAt`, true);
}

/** Lists every way `x` fails to be a StatusDocument of this schema version (empty: valid). */
export function validateStatusDocument(x: unknown): string[] {
  const c = new Checker();
  const doc = c.obj(x, '$');
  if (!doc) return c.problems;
  if (doc.schemaVersion !== STATUS_SCHEMA_VERSION) c.fail('$.schemaVersion', `expected ${STATUS_SCHEMA_VERSION}`);
  c.time(doc.generatedAt, '$.generatedAt');
  c.oneOf(doc.mode, MODES, '$.mode');
  c.str(doc.passiveCause, '$.passiveCause', { nullable: true });
  const hosts = c.arr(doc.hosts, '$.hosts');
  hosts.forEach((h, i) => checkHost(c, h, `$.hosts[${i}]`));
  const names = hosts.map((h) => (typeof h === 'object' && h !== null ? (h as Obj).name : undefined));
  if (new Set(names).size !== names.length) c.fail('$.hosts', 'host names must be unique');
  c.arr(doc.roles, '$.roles').forEach((r, i) => checkRole(c, r, `$.roles[${i}]`));
  c.arr(doc.warnings, '$.warnings').forEach((w, i) => c.str(w, `$.warnings[${i}]`));
  c.arr(doc.decisions, '$.decisions').forEach((d, i) => checkDecision(c, d, `$.decisions[${i}]`));
  // optional: monitors before diagnoses were shown do not send it
  if ('diagnoses' in doc) c.arr(doc.diagnoses, '$.diagnoses').forEach((d, i) => checkDiagnosis(c, d, `$.diagnoses[${i}]`));
  if ('durability' in doc) c.oneOf(doc.durability, ['async', 'semisync'], '$.durability');
  if (!('lastMove' in doc)) c.fail('$.lastMove', 'missing (use null)');
  else checkMove(c, doc.lastMove, '$.lastMove');
  // optional: monitors before failover records did not send it
  if ('lastFailover' in doc) checkFailover(c, doc.lastFailover, '$.lastFailover');
  return c.problems;
}

/** Parses a `status_json` reply; `doc` is set only when the text is JSON and valid. */
export function parseStatusJson(text: string): { doc?: StatusDocument; problems: string[] } {
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch (e) {
    return { problems: [`$: not JSON (${e instanceof Error ? e.message : String(e)})`] };
  }
  const problems = validateStatusDocument(x);
  return problems.length === 0 ? { doc: x as StatusDocument, problems } : { problems };
}

/** The `status_json` reply: one JSON document on one line (MMM replies carry no terminator). */
export function encodeStatusJson(doc: StatusDocument): string {
  return JSON.stringify(doc);
}
