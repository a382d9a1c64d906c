// `show` exactly as MMM 2.2.1 writes it (Commands.pm show, Agents.pm get_status_info(1),
// Roles.pm get_preference_info). Pure: the monitor answers with this text, mmm_control prints it.
import { roleToString } from '../model/role';
import type { RoleStatus, StatusDocument } from './status-document';

// Perl's default sort: plain string order (code points for our ASCII names).
const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The passive-mode header: every line of it prefixed `# ` (Perl `s/^/# /mg`). */
export function renderPassiveHeader(cause: string): string {
  const lines = `--- Monitor is in PASSIVE MODE ---\nCause: ${cause}`.split('\n');
  return lines.map((l) => `# ${l}\n`).join('');
}

/** Where an exclusive role's (first) IP is; '' when orphaned. */
export function exclusiveRoleOwner(role: RoleStatus): string {
  return role.ips[0]?.assignedTo ?? '';
}

/** The `# Role …` preference lines (roles with a preferred host, sorted by name; MMM uses hash order). */
export function renderPreferenceInfo(doc: StatusDocument): string {
  let out = '';
  for (const role of [...doc.roles].sort((a, b) => byString(a.name, b.name))) {
    const host = role.preferredHost;
    if (!host) continue;
    const owner = exclusiveRoleOwner(role);
    if (owner === host) out += `# Role ${role.name} is assigned to it's preferred host ${host}.\n`;
    else if (owner !== '') {
      out += `# Role ${role.name} has ${host} configured as it's preferred host but is assigned to ${owner} at the moment.\n`;
    } else out += `# Role ${role.name} has ${host} configured as it's preferred host.\n`;
  }
  return out;
}

/** MMM's `show` reply. Ends with `\n` (mmm_control adds one more when printing). */
export function renderShow(doc: StatusDocument): string {
  let out = doc.mode === 'PASSIVE' ? renderPassiveHeader(doc.passiveCause ?? '') : '';
  const hosts = [...doc.hosts].sort((a, b) => byString(a.name, b.name));
  for (const h of hosts) if (!h.agentReachable) out += `# Warning: agent on host ${h.name} is not reachable\n`;
  for (const h of hosts) {
    const roles = h.roles.map(roleToString).sort(byString).join(', ');
    out += `  ${h.name}(${h.ip}) ${h.mode}/${h.state}. Roles: ${roles}\n`;
  }
  return out + renderPreferenceInfo(doc);
}
