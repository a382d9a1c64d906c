// Value parsing by kind (pure). Errors come back as text + hint; the caller adds file:line.
import { hostPort, ipVersion as isIP } from '../model/ip';
import { PEER_ROLES, isPeerRole } from '../model/peer-role';
import type { ListenAddress, PeerRoleRule } from './types';
import type { KeyRule } from './ruleset';
import { didYouMean } from './suggest';

export type Parsed = { ok: true; value: unknown } | { ok: false; message: string; hint?: string };

const ok = (value: unknown): Parsed => ({ ok: true, value });
const bad = (message: string, hint?: string): Parsed => ({ ok: false, message, hint });

export const TRUE_WORDS = ['true', 'yes', 'on', '1'];
export const FALSE_WORDS = ['false', 'no', 'off', '0'];

/** MMM's multi-valued keys: comma separated, spaces around commas allowed. */
export function splitList(v: string): string[] {
  return v.split(/\s*,\s*/).map((s) => s.trim()).filter((s) => s !== '');
}

function num(key: string, v: string, integer: boolean, min: number, what: string): Parsed {
  const re = integer ? /^\d+$/ : /^(\d+(\.\d*)?|\.\d+)$/;
  const n = Number(v);
  if (!re.test(v) || !Number.isFinite(n) || n < min) {
    return bad(`${key} '${v}' is not ${what}`, integer ? `write a whole number${min > 0 ? ` ≥ ${min}` : ''}` : 'write a number of seconds, e.g. 0.25');
  }
  return ok(n);
}

export function parseValue(key: string, rule: KeyRule, v: string): Parsed {
  switch (rule.kind) {
    case 'string':
    case 'path':
      return ok(v);
    case 'ip':
      return isIP(v) ? ok(v) : bad(`${key} '${v}' is not an IP address`, 'write an IPv4 or IPv6 address');
    case 'port': {
      const n = Number(v);
      return /^\d+$/.test(v) && n >= 1 && n <= 65535 ? ok(n) : bad(`${key} '${v}' is not a port`, 'ports are 1–65535');
    }
    case 'posint':
      return num(key, v, true, 1, 'a whole number > 0');
    case 'uint':
      return num(key, v, true, 0, 'a whole number ≥ 0');
    case 'posnum': {
      const r = num(key, v, false, 0, 'a number > 0');
      return r.ok && r.value === 0 ? bad(`${key} must be > 0`, 'write a positive number of seconds, e.g. 0.25') : r;
    }
    case 'unum':
      return num(key, v, false, 0, 'a number ≥ 0');
    case 'bool': {
      const w = v.toLowerCase();
      if (TRUE_WORDS.includes(w)) return ok(true);
      if (FALSE_WORDS.includes(w)) return ok(false);
      return bad(`${key} '${v}' is not a boolean`, 'write one of true/yes/on/1 or false/no/off/0');
    }
    case 'enum': {
      const values = rule.values ?? [];
      return values.includes(v) ? ok(v) : bad(`${key} '${v}' is not one of ${values.join(', ')}`, didYouMean(v, values));
    }
    case 'list':
      return ok(splitList(v));
    case 'iplist': {
      const ips = splitList(v);
      const wrong = ips.filter((ip) => !isIP(ip));
      return wrong.length ? bad(`${key}: '${wrong.join("', '")}' is not an IP address`, 'write IP addresses separated by commas') : ok(ips);
    }
    case 'listen':
      return parseListen(key, v);
    case 'listenlist':
      return parseListenList(key, v);
    case 'endpoints':
      return parseEndpoints(key, v);
    case 'peer_role': {
      const m = /^(\S+)\s+(\S+)$/.exec(v);
      if (!m) return bad(`${key} '${v}' needs a name and a role`, `write '${key} <CN or SAN> ${PEER_ROLES.join('|')}'`);
      if (!isPeerRole(m[2])) return bad(`${key} role '${m[2]}' is not one of ${PEER_ROLES.join(', ')}`, didYouMean(m[2], PEER_ROLES));
      const rule: PeerRoleRule = { match: m[1], role: m[2] };
      return ok(rule);
    }
  }
}

/** IP:PORT, [IPv6]:PORT. */
function parseListen(key: string, v: string): Parsed {
  const m = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d+)$/.exec(v);
  const ip = m ? (m[1] ?? m[2]!) : '';
  const port = m ? Number(m[3]) : 0;
  if (!m || !isIP(ip) || (m[2] !== undefined && isIP(ip) !== 4)) return bad(`${key} '${v}' is not IP:PORT`, 'write e.g. 10.0.0.10:9990 or [::1]:9990');
  if (port < 1 || port > 65535) return bad(`${key} '${v}': port ${m[3]} is not 1–65535`, 'ports are 1–65535');
  const addr: ListenAddress = { ip, port };
  return ok(addr);
}

/** A comma-separated list whose items parse with `one`, each once (the same `id`), at least one. */
function uniqueList<T>(key: string, v: string, none: [string, string], once: string, one: (item: string) => Parsed, id: (x: T) => string): Parsed {
  const list = splitList(v);
  if (list.length === 0) return bad(`${key} names no ${none[0]}`, none[1]);
  const out: T[] = [];
  for (const item of list) {
    const r = one(item);
    if (!r.ok) return r;
    const x = r.value as T;
    if (out.some((y) => id(y) === id(x))) return bad(`${key} names ${id(x)} twice`, once);
    out.push(x);
  }
  return ok(out);
}

/** monitor_addresses: IP:PORT[, IP:PORT…], each once. */
function parseListenList(key: string, v: string): Parsed {
  return uniqueList<ListenAddress>(key, v, ['address', 'write e.g. 10.0.0.1:9988, 10.0.0.2:9988'], 'list each monitor once', (a) => parseListen(key, a), hostPort);
}

/**
 * etcd_endpoints: `https://IP:PORT` (`https://[IPv6]:PORT`), comma separated. TLS only: mmm never
 * talks to etcd in plaintext (unlike orchestrator's raft port, ha.md §1).
 */
function parseEndpoints(key: string, v: string): Parsed {
  return uniqueList(key, v, ['endpoint', 'write e.g. https://10.0.0.21:2379, https://10.0.0.22:2379'], 'list each etcd member once', (e) => parseEndpoint(key, e), (e: string) => e);
}

/** One etcd endpoint, normalized (`https://[v6]:port`). */
function parseEndpoint(key: string, e: string): Parsed {
  if (/^http:\/\//i.test(e)) return bad(`${key}: '${e}' is plaintext`, 'mmm reaches etcd over mutual TLS only: write https://IP:PORT and serve etcd with --cert-file/--key-file/--client-cert-auth');
  const m = /^https:\/\/(?:\[([^\]]+)\]|([^:/\s[\]]+)):(\d+)\/?$/i.exec(e);
  const ip = m ? (m[1] ?? m[2]!) : '';
  if (!m || isIP(ip) !== (m[1] !== undefined ? 6 : 4)) return bad(`${key}: '${e}' is not https://IP:PORT`, 'write e.g. https://10.0.0.21:2379 or https://[fd00::21]:2379');
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return bad(`${key}: '${e}': port ${m[3]} is not 1–65535`, 'ports are 1–65535');
  return ok(`https://${m[1] !== undefined ? `[${ip}]` : ip}:${port}`);
}
