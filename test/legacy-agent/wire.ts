// The legacy agent's wire format, pure: request lines and MMM 2.2.1's reply texts, from
// reference/mmm-wire.md §3.1 and mmm.md §3.1 (written from those transcripts, not from MMM's code).
// Kept apart from @mmm/common's codec on purpose: this double must not learn our extensions.

/** Commands an MMM 2.2.1 agent knows; everything else is `ERROR: Invalid command '<CMD>'!`. */
export const LEGACY_COMMANDS = ['PING', 'SET_STATUS', 'GET_AGENT_STATUS', 'GET_SYSTEM_STATUS', 'CLEAR_BAD_ROLES'] as const;
export type LegacyCommand = (typeof LEGACY_COMMANDS)[number];

/** The protocol version this agent speaks; a higher one is only warned about. */
export const LEGACY_VERSION = 1;

export interface LegacyRole {
  name: string;
  ip: string;
}

export type ParsedLine =
  | { ok: true; command: LegacyCommand; version: string; args: string[]; versionWarning: boolean }
  | { ok: false; reply: string; versionWarning?: boolean };

/**
 * Parses `CMD|version|host|args…` like MMM's agent: split on every `|` keeping empty fields;
 * fewer than 3 fields → invalid command (the whole line); host ≠ own name → invalid hostname;
 * version > 1 → a warning only; unknown name → invalid command (the name). Extra args are ignored.
 */
export function parseLine(line: string, myName: string): ParsedLine {
  const fields = line === '' ? [] : line.split('|');
  if (fields.length < 3) return { ok: false, reply: invalidCommand(line) };
  const [command = '', version = '', host = ''] = fields;
  if (host !== myName) return { ok: false, reply: `ERROR: Invalid hostname in command (${host})! My name is '${myName}'` };
  const versionWarning = Number(version) > LEGACY_VERSION;
  if (!(LEGACY_COMMANDS as readonly string[]).includes(command)) return { ok: false, reply: invalidCommand(command), versionWarning };
  return { ok: true, command: command as LegacyCommand, version, args: fields.slice(3), versionWarning };
}

export const invalidCommand = (what: string): string => `ERROR: Invalid command '${what}'!`;

/** `<text>|UP:<first field of /proc/uptime>` plus the newline. */
export const withUptime = (text: string, uptime: string): string => `${text}|UP:${uptime}\n`;

export const REPLY = {
  pinged: 'OK: Pinged!',
  statusApplied: 'OK: Status applied successfully!',
  agentStatus: (state: string, roles: LegacyRole[], master: string): string =>
    `OK: Returning status!|${state}|${rolesToString(roles)}|${master}`,
  systemStatus: (writable: boolean, roles: LegacyRole[], masterHost: string): string =>
    `OK: Returning status!|${writable ? '1' : ''}|${rolesToString(roles, false)}|${masterHost}`,
  removed: (n: number): string => `OK: Removed ${n} roles`,
  ipCheckFailed: (why: string): string => `ERROR: Could not check if IP is configured: ${why}`,
  writableCheckFailed: (why: string): string => `ERROR: Could not check if MySQL is writable: ${why}`,
} as const;

/** What MMM 2.2.1 dies with when GET_SYSTEM_STATUS finds its mysqld down (mmm-interop.md §2). */
export const PERL_DEATH = `Can't call method "selectrow_hashref" on an undefined value at /usr/share/perl5/MMM/Agent/Agent.pm line 136.`;

export const roleKey = (r: LegacyRole): string => `${r.name}(${r.ip})`;

/** Sorted by name, then ip (string order), comma-joined; `sorted=false` keeps the given order. */
export function rolesToString(roles: LegacyRole[], sorted = true): string {
  const list = sorted ? [...roles].sort((a, b) => cmp(a.name, b.name) || cmp(a.ip, b.ip)) : roles;
  return list.map(roleKey).join(',');
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** `name(ip),name(ip)` → roles; entries that do not match `(.*)\((.*)\)` are skipped, as MMM does. */
export function rolesFromString(s: string): LegacyRole[] {
  if (s === '') return [];
  return s.split(',').flatMap((part) => {
    const m = /^(.*)\((.*)\)$/.exec(part);
    return m ? [{ name: m[1]!, ip: m[2]! }] : [];
  });
}

export interface RoleDiff {
  removed: LegacyRole[];
  added: LegacyRole[];
}

/** Roles to delete (in old, not in new) and to add (in new, not in old), keyed by `name(ip)`. */
export function diffRoles(old: LegacyRole[], next: LegacyRole[]): RoleDiff {
  const oldKeys = new Set(old.map(roleKey));
  const nextKeys = new Set(next.map(roleKey));
  return {
    removed: old.filter((r) => !nextKeys.has(roleKey(r))),
    added: next.filter((r) => !oldKeys.has(roleKey(r))),
  };
}
