// MMM 2.x move_role [--force] <role> <host>. The writer (active master role) moves by the planned
// switch (demote, GTID wait bounded by switch_timeout, promote; abort restores the old writer).
import { texts } from '@mmm/common';
import type { CommandHandler, CommandHost } from './context';

async function moveWriter(m: CommandHost, role: string, from: string, to: string, forced: boolean): Promise<string> {
  const out = await m.switchWriter(from, to, `move_role${forced ? ' --force' : ''} ${role} ${to} by operator`);
  m.triggerPass();
  if (!out.ok) return `ERROR: Role '${role}' was not moved from '${from}' to '${to}': ${out.reason}`;
  return forced ? texts.forcedMoveRoleOk(role, from, to) : texts.moveRoleOk(role, from, to);
}

export const moveRole: CommandHandler<'move_role'> = async (m, { role, host, force }) => {
  if (m.state.mode === 'PASSIVE') return texts.notInPassive();
  const rc = m.config.roles[role];
  if (!rc) return texts.unknownRole(role);
  if (!m.config.hosts[host]) return texts.unknownHost(host);
  const am = m.config.activeMasterRole;
  const st = m.state.hosts[host].state;

  if (force) {
    if (role !== am) return texts.forceOnlyActiveMaster();
    if (st !== 'REPLICATION_FAIL' && st !== 'REPLICATION_DELAY') return texts.cantForceToState(st);
  } else if (st !== 'ONLINE') return texts.cantMoveToState(st);
  if (!rc.hosts.includes(host)) return texts.cantHandle(host, role, rc.hosts);

  if (rc.mode === 'balanced') {
    // MMM: "moving" a balanced role takes its IPs off the host; distribution puts them elsewhere
    m.state = { ...m.state, roles: m.state.roles.map((a) => (a.role === role && a.host === host ? { ...a, host: '' } : a)) };
    m.record({ kind: 'command', host, role, reason: `move_role: balanced role ${role} removed from ${host} by operator`, blocked: false });
    m.triggerPass();
    return texts.balancedRoleRemoved(role, host);
  }
  const ip = rc.ips[0];
  if (!ip) return texts.roleHasNoIp(role);
  const owner = m.state.roles.find((a) => a.role === role)?.host ?? '';
  if (owner === host) return texts.roleAlreadyThere(host);
  if (!(await m.pingAgent(host))) return texts.agentUnreachableMove(host);
  if (!force && m.state.mode === 'ACTIVE' && rc.prefer && owner === rc.prefer) return texts.assignedToPreferred(role, owner);

  if (force) {
    m.setHostState(host, 'ONLINE');
    m.record({ kind: 'command', host, role, reason: `move_role --force: ${host} ${st} -> ONLINE by operator`, blocked: false });
  }
  if (role === am && owner !== '') {
    const reply = await moveWriter(m, role, owner, host, force);
    if (force && reply.startsWith('ERROR')) {
      // the move did not happen: the host goes back to the state the operator overrode
      m.setHostState(host, st);
      m.record({ kind: 'command', host, role, reason: `move_role --force failed: ${host} back to ${st}`, blocked: false });
    }
    return reply;
  }
  m.state = { ...m.state, roles: m.state.roles.map((a) => (a.role === role ? { ...a, host } : a)) };
  m.record({ kind: 'command', host, role, reason: `move_role: ${role} from ${owner || '(none)'} to ${host} by operator`, blocked: false });
  m.triggerPass();
  return force ? texts.forcedMoveRoleOk(role, owner, host) : texts.moveRoleOk(role, owner, host);
};
