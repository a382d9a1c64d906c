// Agent replies: one line `OK: <text>[|field…]|UP:<uptime>` or `ERROR: <text>|UP:<uptime>`
// (reference/mmm-wire.md §3.1). Structured payloads for each command live here too.
import { ProtocolError } from '../errors';
import { isAgentState, type AgentState } from '../model/host-state';
import { rolesFromString, rolesToString, type RoleIp } from '../model/role';
import { assertField, FIELD_SEP, flattenText, splitFields } from './fields';

export const REPLY_OK = 'OK';
export const REPLY_ERROR = 'ERROR';
const UPTIME_PREFIX = 'UP:';

export interface AgentReplyInput {
  ok: boolean;
  /** Text after `OK: ` / `ERROR: `. Line breaks are flattened; in an OK text `|` becomes `/`. */
  text: string;
  /** OK replies only: extra `|`-separated fields (must not contain `|` or line breaks). */
  fields?: readonly string[];
  /** Seconds (first field of /proc/uptime); a number is written with 2 decimals like /proc/uptime. */
  uptime: number | string;
}

export interface AgentReply {
  ok: boolean;
  message: string;
  fields: string[];
  /** Absent when the line had no `UP:` field. */
  uptime?: number;
}

function formatUptime(u: number | string): string {
  const s = typeof u === 'number' ? u.toFixed(2) : u;
  return assertField(s, 'uptime');
}

/** Encodes a reply as one line without the trailing `\n`. */
export function encodeAgentReply(r: AgentReplyInput): string {
  let text = flattenText(r.text);
  const fields = r.fields ?? [];
  if (r.ok) {
    // The decoder splits OK replies on `|`, so a pipe in the text would shift the fields.
    text = text.replace(/\|/g, '/');
  } else if (fields.length > 0) {
    throw new ProtocolError('PROTOCOL_INVALID', 'ERROR replies carry no fields');
  }
  const head = `${r.ok ? REPLY_OK : REPLY_ERROR}: ${text}`;
  return [head, ...fields.map((f) => assertField(f, 'reply field')), UPTIME_PREFIX + formatUptime(r.uptime)].join(FIELD_SEP);
}

/**
 * Decodes one reply line (without `\n`). An ERROR text keeps any `|` it contains (MMM echoes raw lines in
 * `Invalid command 'PING|1'!`), so only OK replies are split into fields. Throws ProtocolError when the line
 * starts with neither `OK:` nor `ERROR:` or the uptime is not a number.
 */
export function decodeAgentReply(line: string): AgentReply {
  const parts = splitFields(line);
  let uptime: number | undefined;
  const last = parts[parts.length - 1];
  if (parts.length > 1 && last.startsWith(UPTIME_PREFIX)) {
    const raw = last.slice(UPTIME_PREFIX.length);
    uptime = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(uptime)) {
      throw new ProtocolError('PROTOCOL_INVALID', `Bad uptime in agent reply: ${JSON.stringify(line)}`);
    }
    parts.pop();
  }
  const m = /^(OK|ERROR):\s?/.exec(parts[0]);
  if (!m) throw new ProtocolError('PROTOCOL_INVALID', `Agent reply is neither OK nor ERROR: ${JSON.stringify(line)}`);
  const ok = m[1] === REPLY_OK;
  if (!ok) return { ok, message: parts.join(FIELD_SEP).slice(m[0].length), fields: [], ...(uptime === undefined ? {} : { uptime }) };
  return { ok, message: parts[0].slice(m[0].length), fields: parts.slice(1), ...(uptime === undefined ? {} : { uptime }) };
}

// ---- MMM reply texts ------------------------------------------------------------------------------

export const agentTexts = {
  pinged: 'Pinged!',
  returningStatus: 'Returning status!',
  statusApplied: 'Status applied successfully!',
  removedRoles: (n: number) => `Removed ${n} roles`,
  returningHealth: 'Returning health!',
} as const;

function expectOk(r: AgentReply, what: string): void {
  if (!r.ok) throw new ProtocolError('PROTOCOL_INVALID', `${what}: agent answered ERROR: ${r.message}`);
}

function bad(what: string, detail: string): never {
  throw new ProtocolError('PROTOCOL_INVALID', `${what}: ${detail}`);
}

// GET_AGENT_STATUS: `OK: Returning status!|<state>|<roles>|<active master>`

export interface AgentStatusPayload {
  state: AgentState;
  roles: RoleIp[];
  /** '' when none (masters always report ''). */
  activeMaster: string;
}

export function agentStatusFields(p: AgentStatusPayload): string[] {
  return [p.state, rolesToString(p.roles), p.activeMaster];
}

export function parseAgentStatus(r: AgentReply): AgentStatusPayload {
  const what = 'GET_AGENT_STATUS reply';
  expectOk(r, what);
  const [state = '', rolesText = '', activeMaster = ''] = r.fields;
  if (!isAgentState(state)) bad(what, `unknown state '${state}'`);
  const roles = rolesFromString(rolesText) ?? bad(what, `malformed roles '${rolesText}'`);
  return { state, roles, activeMaster };
}

// GET_SYSTEM_STATUS: `OK: Returning status!|<'1' or ''>|<roles with their IP up>|<master ip>`

export interface SystemStatusPayload {
  writable: boolean;
  roles: RoleIp[];
  /** Master_Host of SHOW SLAVE STATUS ('' when not replicating). */
  masterIp: string;
}

export function systemStatusFields(p: SystemStatusPayload): string[] {
  // MMM sends Perl's boolean: '1' or '' (never '0').
  return [p.writable ? '1' : '', rolesToString(p.roles), p.masterIp];
}

export function parseSystemStatus(r: AgentReply): SystemStatusPayload {
  const what = 'GET_SYSTEM_STATUS reply';
  expectOk(r, what);
  const [writable = '', rolesText = '', masterIp = ''] = r.fields;
  const roles = rolesFromString(rolesText) ?? bad(what, `malformed roles '${rolesText}'`);
  return { writable: writable === '1', roles, masterIp };
}

// CLEAR_BAD_ROLES: `OK: Removed <n> roles`

export function parseRemovedRoles(r: AgentReply): number {
  expectOk(r, 'CLEAR_BAD_ROLES reply');
  const m = /^Removed (\d+) roles$/.exec(r.message);
  return m ? Number(m[1]) : bad('CLEAR_BAD_ROLES reply', `unexpected text '${r.message}'`);
}

// GET_GTID: `OK: <gtid set>` (GTID sets contain commas, never `|`).

export function parseGtidReply(r: AgentReply): string {
  expectOk(r, 'GET_GTID reply');
  return r.message;
}

/** Typed reply builders so agents and tests share one source for the texts. */
export const agentReplies = {
  pong: (uptime: number | string): AgentReplyInput => ({ ok: true, text: agentTexts.pinged, uptime }),
  statusApplied: (uptime: number | string): AgentReplyInput => ({ ok: true, text: agentTexts.statusApplied, uptime }),
  agentStatus: (p: AgentStatusPayload, uptime: number | string): AgentReplyInput => ({
    ok: true,
    text: agentTexts.returningStatus,
    fields: agentStatusFields(p),
    uptime,
  }),
  systemStatus: (p: SystemStatusPayload, uptime: number | string): AgentReplyInput => ({
    ok: true,
    text: agentTexts.returningStatus,
    fields: systemStatusFields(p),
    uptime,
  }),
  removedRoles: (n: number, uptime: number | string): AgentReplyInput => ({ ok: true, text: agentTexts.removedRoles(n), uptime }),
  gtid: (gtidSet: string, uptime: number | string): AgentReplyInput => ({ ok: true, text: assertField(gtidSet, 'GTID set'), uptime }),
  error: (text: string, uptime: number | string): AgentReplyInput => ({ ok: false, text, uptime }),
};
