// Agent requests: MMM 2.x protocol version 1, `CMD|1|<target host>|arg|arg…` (reference/mmm-wire.md §3.1),
// plus our extensions GET_GTID, WAIT_GTID, GET_HEALTH, CATCH_UP, SET_TERM and WATCH_HEALTH (new names, never new meanings).
import { PROTOCOL_VERSION } from '../model';
import { isHostState, type HostState } from '../model/host-state';
import { rolesFromString, rolesToString, type RoleIp } from '../model/role';
import { AGENT_COMMAND_NAMES, type AgentCommandName } from './commands';
import { assertField, FIELD_SEP, splitFields } from './fields';

/** The agent's command names, from the one catalog (protocol/commands.ts). */
export const AGENT_REQUEST_KINDS: readonly AgentCommandName[] = AGENT_COMMAND_NAMES;
export type AgentCommand = AgentCommandName;

export function isAgentCommand(s: string): s is AgentCommand {
  return (AGENT_REQUEST_KINDS as readonly string[]).includes(s);
}

export type AgentRequest =
  | { kind: 'PING'; host: string }
  | {
      kind: 'SET_STATUS';
      host: string;
      state: HostState;
      roles: RoleIp[];
      /** Host name of the active master; '' when there is none. */
      activeMaster: string;
    }
  | { kind: 'GET_AGENT_STATUS'; host: string }
  | { kind: 'GET_SYSTEM_STATUS'; host: string }
  | { kind: 'CLEAR_BAD_ROLES'; host: string }
  | { kind: 'GET_GTID'; host: string }
  | { kind: 'WAIT_GTID'; host: string; gtidSet: string; timeoutMs: number }
  | { kind: 'GET_HEALTH'; host: string }
  /** Replicate from `source` (a host name of the config) until `gtidSet` is applied, bounded; then from the old source again. */
  | { kind: 'CATCH_UP'; host: string; source: string; gtidSet: string; timeoutMs: number }
  /**
   * Monitor HA (issue 19): the fencing token a monitor with HA sends first on every connection.
   * `term` is the creation revision of its etcd leader key; `etcdClusterId` (hex, lower case) is
   * the etcd cluster's id, absent when not sent (the 7th field is optional).
   */
  | { kind: 'SET_TERM'; host: string; cluster: string; term: number; monitor: string; etcdClusterId?: string }
  /**
   * A standing GET_HEALTH: answered when the agent's health generation is no longer `generation`
   * (at once if it already differs: 0 always does), or after `timeoutMs`.
   */
  | { kind: 'WATCH_HEALTH'; host: string; generation: number; timeoutMs: number };

/** The longest bound a WATCH_HEALTH may ask for: an agent holds each standing request at most this long. */
export const WATCH_HEALTH_MAX_TIMEOUT_MS = 60_000;

/** Compile-time check: every catalog name has a request shape and every request a catalog entry. */
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const AGENT_REQUESTS_MATCH_CATALOG: SameKeys<AgentRequest['kind'], AgentCommandName> = true;

/** Why a line is not a request. `message` is the reply text without the `ERROR: ` prefix. */
export type AgentDecodeFailureCode = 'INVALID_LINE' | 'UNKNOWN_COMMAND' | 'BAD_ARGUMENTS' | 'WRONG_HOST';

export interface AgentDecodeFailure {
  ok: false;
  code: AgentDecodeFailureCode;
  message: string;
  /** Present when the line had a host field (lets the agent check the name first, as MMM does). */
  host?: string;
}

export interface AgentDecodeSuccess {
  ok: true;
  request: AgentRequest;
  /** The version field as sent. */
  version: string;
  /** True when the version is greater than ours: MMM accepts the command and logs a warning. */
  versionWarning: boolean;
}

export type AgentDecodeResult = AgentDecodeSuccess | AgentDecodeFailure;

/** MMM's text for a line that is not a command (fewer than 3 fields) or an unknown command name. */
export function invalidCommandText(lineOrCommand: string): string {
  return `Invalid command '${lineOrCommand}'!`;
}

/** MMM's text when the target host is not this agent. */
export function invalidHostnameText(host: string, myName: string): string {
  return `Invalid hostname in command (${host})! My name is '${myName}'`;
}

function argsOf(req: AgentRequest): string[] {
  switch (req.kind) {
    case 'SET_STATUS':
      return [req.state, rolesToString(req.roles), req.activeMaster];
    case 'WAIT_GTID':
      return [req.gtidSet, String(req.timeoutMs)];
    case 'CATCH_UP':
      return [req.source, req.gtidSet, String(req.timeoutMs)];
    case 'SET_TERM':
      return [req.cluster, String(req.term), req.monitor, ...(req.etcdClusterId ? [req.etcdClusterId] : [])];
    case 'WATCH_HEALTH':
      return [String(req.generation), String(req.timeoutMs)];
    default:
      return [];
  }
}

/** Encodes a request as one line without the trailing `\n`. Throws ProtocolError if a field would break framing. */
export function encodeAgentRequest(req: AgentRequest): string {
  if ((req.kind === 'WAIT_GTID' || req.kind === 'CATCH_UP') && !(Number.isSafeInteger(req.timeoutMs) && req.timeoutMs >= 0)) {
    throw new RangeError(`${req.kind} timeoutMs must be a non-negative integer, got ${req.timeoutMs}`);
  }
  if (req.kind === 'SET_TERM') {
    const bad = setTermFieldProblem(req.cluster, String(req.term), req.monitor, req.etcdClusterId ?? '');
    if (bad) throw new RangeError(`SET_TERM: ${bad}`);
  }
  if (req.kind === 'WATCH_HEALTH') {
    if (!(Number.isSafeInteger(req.generation) && req.generation >= 0)) throw new RangeError(`WATCH_HEALTH generation must be a non-negative integer, got ${req.generation}`);
    if (!(Number.isSafeInteger(req.timeoutMs) && req.timeoutMs >= 0 && req.timeoutMs <= WATCH_HEALTH_MAX_TIMEOUT_MS)) {
      throw new RangeError(`WATCH_HEALTH timeoutMs must be an integer from 0 to ${WATCH_HEALTH_MAX_TIMEOUT_MS}, got ${req.timeoutMs}`);
    }
  }
  const fields = [req.kind, String(PROTOCOL_VERSION), req.host, ...argsOf(req)];
  return fields.map((f, i) => assertField(f, i === 2 ? 'host' : 'field')).join(FIELD_SEP);
}

/** Terms are etcd revisions: positive integers (at most 15 digits, exact in a JS number). */
const TERM_RE = /^[1-9]\d{0,14}$/;
/** etcd cluster ids are 64-bit numbers, written in hex; some tools print them in decimal (also hex digits). */
const ETCD_ID_RE = /^[0-9a-fA-F]{1,32}$/;

/** What is wrong with SET_TERM's fields as text, or undefined. */
function setTermFieldProblem(cluster: string, term: string, monitor: string, etcdClusterId: string): string | undefined {
  if (cluster === '') return 'the cluster name is empty';
  if (!TERM_RE.test(term)) return `term '${term}' is not a positive integer`;
  if (monitor === '') return 'the monitor id is empty';
  if (etcdClusterId !== '' && !ETCD_ID_RE.test(etcdClusterId)) return `etcd cluster id '${etcdClusterId}' is not hexadecimal`;
  return undefined;
}

function badArgs(cmd: string, host: string, detail: string): AgentDecodeFailure {
  return { ok: false, code: 'BAD_ARGUMENTS', host, message: `Invalid arguments for command '${cmd}': ${detail}` };
}

/**
 * Decodes one request line (without `\n`). Like MMM: fewer than 3 fields ⇒ `Invalid command '<line>'!`;
 * unknown name ⇒ `Invalid command '<CMD>'!`; a newer version is accepted (flagged); extra fields are ignored.
 * The host is not checked here: use {@link decodeAgentRequestFor} or {@link invalidHostnameText}.
 */
export function decodeAgentRequest(line: string): AgentDecodeResult {
  const fields = splitFields(line);
  if (fields.length < 3) return { ok: false, code: 'INVALID_LINE', message: invalidCommandText(line) };
  const [cmd, version, host, ...params] = fields;
  if (!isAgentCommand(cmd)) return { ok: false, code: 'UNKNOWN_COMMAND', host, message: invalidCommandText(cmd) };
  const versionWarning = Number(version) > PROTOCOL_VERSION; // Perl numifies: 'abc' is 0, no warning
  const done = (request: AgentRequest): AgentDecodeSuccess => ({ ok: true, request, version, versionWarning });

  switch (cmd) {
    case 'SET_STATUS': {
      // MMM passes missing trailing params as undef (treated as ''); only the state is required.
      const [state = '', rolesText = '', activeMaster = ''] = params;
      if (!isHostState(state)) return badArgs(cmd, host, `unknown state '${state}'`);
      const roles = rolesFromString(rolesText);
      if (!roles) return badArgs(cmd, host, `malformed roles '${rolesText}'`);
      return done({ kind: cmd, host, state, roles, activeMaster });
    }
    case 'WAIT_GTID': {
      const [gtidSet, timeout] = params;
      if (gtidSet === undefined || timeout === undefined) return badArgs(cmd, host, 'expected <gtid set>|<timeout ms>');
      if (!/^\d{1,15}$/.test(timeout)) return badArgs(cmd, host, `timeout '${timeout}' is not a number of milliseconds`);
      return done({ kind: cmd, host, gtidSet, timeoutMs: Number(timeout) });
    }
    case 'CATCH_UP': {
      const [source, gtidSet, timeout] = params;
      if (!source || gtidSet === undefined || timeout === undefined) return badArgs(cmd, host, 'expected <source host>|<gtid set>|<timeout ms>');
      if (!/^\d{1,15}$/.test(timeout)) return badArgs(cmd, host, `timeout '${timeout}' is not a number of milliseconds`);
      return done({ kind: cmd, host, source, gtidSet, timeoutMs: Number(timeout) });
    }
    case 'SET_TERM': {
      const [cluster, term, monitor, etcdId = ''] = params;
      if (cluster === undefined || term === undefined || monitor === undefined) {
        return badArgs(cmd, host, 'expected <cluster>|<term>|<monitor>[|<etcd cluster id>]');
      }
      const bad = setTermFieldProblem(cluster, term, monitor, etcdId);
      if (bad) return badArgs(cmd, host, bad);
      return done({ kind: cmd, host, cluster, term: Number(term), monitor, ...(etcdId ? { etcdClusterId: etcdId.toLowerCase() } : {}) });
    }
    case 'WATCH_HEALTH': {
      const [generation, timeout] = params;
      if (generation === undefined || timeout === undefined) return badArgs(cmd, host, 'expected <generation>|<timeout ms>');
      if (!/^\d{1,15}$/.test(generation)) return badArgs(cmd, host, `generation '${generation}' is not a non-negative integer`);
      if (!/^\d{1,15}$/.test(timeout) || Number(timeout) > WATCH_HEALTH_MAX_TIMEOUT_MS) {
        return badArgs(cmd, host, `timeout '${timeout}' is not a number of milliseconds from 0 to ${WATCH_HEALTH_MAX_TIMEOUT_MS}`);
      }
      return done({ kind: cmd, host, generation: Number(generation), timeoutMs: Number(timeout) });
    }
    default:
      return done({ kind: cmd, host });
  }
}

/** Decodes and checks the target host in MMM's order: line shape, then host name, then command. */
export function decodeAgentRequestFor(line: string, myName: string): AgentDecodeResult {
  const res = decodeAgentRequest(line);
  if (res.ok === false && res.code === 'INVALID_LINE') return res;
  const host = res.ok ? res.request.host : res.host;
  if (host !== undefined && host !== myName) {
    return { ok: false, code: 'WRONG_HOST', host, message: invalidHostnameText(host, myName) };
  }
  return res;
}
