// The JSON values of the HA keys, with a `schema` field, and their parsing (a value written by a
// newer monitor or by hand is reported, never trusted blindly).

export const SCHEMA = 1;

/** `leader`: put with the leader's lease; the term is the key's create revision, not in the value. */
export interface LeaderValue {
  schema: typeof SCHEMA;
  monitor: string;
  control: string;
  http?: string;
  since: string;
}

/** `monitors/<id>`: presence, with the monitor's own lease. */
export interface MonitorValue {
  schema: typeof SCHEMA;
  id: string;
  control: string;
  http?: string;
  since: string;
}

/** `state`, `op`, `history/<rev>`: what the leader of `term` wrote at `at`. */
export interface StoredValue {
  schema: typeof SCHEMA;
  term: number;
  at: string;
  data: unknown;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const fail = <T>(reason: string): Parsed<T> => ({ ok: false, reason });

function object(text: string): Parsed<Record<string, unknown>> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return fail('not JSON');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail('not a JSON object');
  const o = v as Record<string, unknown>;
  if (o.schema !== SCHEMA) {
    return fail(typeof o.schema === 'number' && o.schema > SCHEMA ? `schema ${o.schema} is newer than this monitor's ${SCHEMA}` : `no schema ${SCHEMA}`);
  }
  return { ok: true, value: o };
}

const str = (o: Record<string, unknown>, k: string): boolean => typeof o[k] === 'string' && o[k] !== '';
const optStr = (o: Record<string, unknown>, k: string): boolean => o[k] === undefined || str(o, k);

function presence<T extends LeaderValue | MonitorValue>(text: string, idKey: 'monitor' | 'id'): Parsed<T> {
  const p = object(text);
  if (!p.ok) return fail(p.reason);
  const o = p.value;
  for (const k of [idKey, 'control', 'since']) if (!str(o, k)) return fail(`no ${k}`);
  if (!optStr(o, 'http')) return fail('http is not a string');
  const v = { schema: SCHEMA, [idKey]: o[idKey], control: o.control, since: o.since, ...(o.http !== undefined ? { http: o.http } : {}) };
  return { ok: true, value: v as unknown as T };
}

export const parseLeader = (text: string): Parsed<LeaderValue> => presence<LeaderValue>(text, 'monitor');
export const parseMonitor = (text: string): Parsed<MonitorValue> => presence<MonitorValue>(text, 'id');

export function parseStored(text: string): Parsed<StoredValue> {
  const p = object(text);
  if (!p.ok) return fail(p.reason);
  const o = p.value;
  if (typeof o.term !== 'number' || !Number.isSafeInteger(o.term) || o.term <= 0) return fail('no term');
  if (!str(o, 'at')) return fail('no at');
  if (!('data' in o)) return fail('no data');
  return { ok: true, value: { schema: SCHEMA, term: o.term, at: o.at as string, data: o.data } };
}

export function encodeLeader(v: Omit<LeaderValue, 'schema'>): string {
  return JSON.stringify({ schema: SCHEMA, monitor: v.monitor, control: v.control, ...(v.http !== undefined ? { http: v.http } : {}), since: v.since });
}

export function encodeMonitor(v: Omit<MonitorValue, 'schema'>): string {
  return JSON.stringify({ schema: SCHEMA, id: v.id, control: v.control, ...(v.http !== undefined ? { http: v.http } : {}), since: v.since });
}

export function encodeStored(term: number, at: string, data: unknown): string {
  return JSON.stringify({ schema: SCHEMA, term, at, data });
}

/** etcd's cluster id (a decimal uint64 in the gRPC header) as hex, as SET_TERM carries it. */
export function clusterIdHex(decimal: string | undefined): string | undefined {
  if (decimal === undefined || !/^\d+$/.test(decimal) || decimal === '0') return undefined;
  return BigInt(decimal).toString(16);
}
