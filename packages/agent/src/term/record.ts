// The agent's term record (monitor HA, issue 19): the highest term it has seen, the monitor id that
// term is bound to, and the etcd cluster it came from. Kept in `term_file` as one JSON object;
// encoding and decoding are pure (term-file.ts does the I/O).
import { MmmError } from '@mmm/common';

export const TERM_SCHEMA = 1;

export interface TermRecord {
  schema: typeof TERM_SCHEMA;
  /** The monitor's cluster name, as its SET_TERM said. */
  cluster: string;
  /** Hex, lower case; '' when the monitor sent none. */
  etcdClusterId: string;
  /** The highest term seen: the creation revision of the monitors' etcd leader key. */
  term: number;
  /** The monitor id the term was first seen from. */
  monitor: string;
  /** When it was accepted (ISO 8601). */
  at: string;
}

/** `/var/lib/mmm/mmmd_agent.<host>.term.json`; with `@cluster`, `mmmd_agent_<cluster>.<host>.term.json`
 *  (two clusters' agents on one machine may both be `this db1`). */
export function defaultTermFile(host: string, cluster?: string): string {
  return `/var/lib/mmm/mmmd_agent${cluster ? `_${cluster}` : ''}.${host}.term.json`;
}

export function encodeTermRecord(r: TermRecord): string {
  const { schema, cluster, etcdClusterId, term, monitor, at } = r;
  return `${JSON.stringify({ schema, cluster, etcdClusterId, term, monitor, at })}\n`;
}

/** The record a term file holds; MmmError STATE_INVALID naming the file when it is not one. */
export function decodeTermRecord(text: string, file: string): TermRecord {
  const bad = (why: string): never => {
    throw new MmmError(
      'STATE_INVALID',
      `term file ${file} is malformed: ${why}; fix it, or remove it with mmmd_agent --reset-term (the agent then follows the next monitor's term)`,
    );
  };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return bad(`not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad('not a JSON object');
  const o = v as Record<string, unknown>;
  if (o.schema !== TERM_SCHEMA) return bad(`schema ${JSON.stringify(o.schema)} (this agent reads schema ${TERM_SCHEMA})`);
  const str = (k: string, nonEmpty: boolean): string => {
    const x = o[k];
    if (typeof x !== 'string' || (nonEmpty && x === '')) return bad(`'${k}' is not a${nonEmpty ? ' non-empty' : ''} string`);
    return x;
  };
  const term = o.term;
  if (typeof term !== 'number' || !Number.isSafeInteger(term) || term < 1) return bad(`'term' ${JSON.stringify(term)} is not a positive integer`);
  const etcdClusterId = str('etcdClusterId', false);
  if (!/^[0-9a-f]{0,32}$/.test(etcdClusterId)) return bad(`'etcdClusterId' '${etcdClusterId}' is not lower-case hex`);
  return { schema: TERM_SCHEMA, cluster: str('cluster', true), etcdClusterId, term, monitor: str('monitor', true), at: str('at', false) };
}
