// MMM 2.x move_role [--force] <role> <host>. The writer (active master role) moves by the planned
// switch (demote, GTID wait bounded by switch_timeout, promote; abort restores the old writer);
// a balanced role's IPs leave the host and distribution puts them elsewhere.
import { texts, own } from '@mmm/common/pure';
import { planSwitch } from '../planned-switch';
import { withHostState } from './host-state';
import { type OperatorStep, type Transition, pingedAgent, refuse } from './types';

export const moveRole: Transition<'move_role'> = ({ role, host, force }, v) => {
  const s = v.state;
  if (s.mode === 'PASSIVE') return refuse(texts.notInPassive());
  const rc = own(v.config.roles, role);
  if (!rc) return refuse(texts.unknownRole(role));
  if (!own(v.config.hosts, host)) return refuse(texts.unknownHost(host));
  const am = v.config.activeMasterRole;
  const st = s.hosts[host].state;

  if (force) {
    if (role !== am) return refuse(texts.forceOnlyActiveMaster());
    if (st !== 'REPLICATION_FAIL' && st !== 'REPLICATION_DELAY') return refuse(texts.cantForceToState(st));
  } else if (st !== 'ONLINE') return refuse(texts.cantMoveToState(st));
  if (!rc.hosts.includes(host)) return refuse(texts.cantHandle(host, role, rc.hosts));

  if (rc.mode === 'balanced') {
    return {
      kind: 'done',
      reply: texts.balancedRoleRemoved(role, host),
      state: { ...s, roles: s.roles.map((a) => (a.role === role && a.host === host ? { ...a, host: '' } : a)) },
      decisions: [{ kind: 'command', host, role, reason: `move_role: balanced role ${role} removed from ${host} by operator`, blocked: false }],
      actions: [],
      pass: true,
    };
  }
  const ip = rc.ips[0];
  if (!ip) return refuse(texts.roleHasNoIp(role));
  const owner = s.roles.find((a) => a.role === role)?.host ?? '';
  if (owner === host) return refuse(texts.roleAlreadyThere(host));
  const answered = pingedAgent(v, host);
  if (answered === undefined) return { kind: 'ping', host };
  if (!answered) return refuse(texts.agentUnreachableMove(host));
  if (!force && s.mode === 'ACTIVE' && rc.prefer && owner === rc.prefer) return refuse(texts.assignedToPreferred(role, owner));

  const forced = force ? withHostState(s, host, 'ONLINE', v.now) : s;
  const forcedNote = force ? [{ kind: 'command' as const, host, role, reason: `move_role --force: ${host} ${st} -> ONLINE by operator`, blocked: false }] : [];
  const okReply = (from: string): string => (force ? texts.forcedMoveRoleOk(role, from, host) : texts.moveRoleOk(role, from, host));

  if (role === am && owner !== '') {
    const why = `move_role${force ? ' --force' : ''} ${role} ${host} by operator`;
    return {
      kind: 'switch',
      action: planSwitch(v.config, forced, owner, host, why),
      state: forced,
      decisions: [...forcedNote, { kind: 'switchover', host, role: am, reason: `planned move of ${am} from ${owner} to ${host}: ${why}`, blocked: false }],
      after: (out, after): OperatorStep => {
        if (out.ok) return { kind: 'done', reply: okReply(owner), decisions: [], actions: [], pass: true };
        const reply = `ERROR: Role '${role}' was not moved from '${owner}' to '${host}': ${out.reason ?? 'unknown reason'}`;
        if (!force) return { kind: 'done', reply, decisions: [], actions: [], pass: true };
        // the move did not happen: the host goes back to the state the operator overrode
        return {
          kind: 'done',
          reply,
          state: withHostState(after.state, host, st, after.now),
          decisions: [{ kind: 'command', host, role, reason: `move_role --force failed: ${host} back to ${st}`, blocked: false }],
          actions: [],
          pass: true,
        };
      },
    };
  }
  return {
    kind: 'done',
    reply: okReply(owner),
    state: { ...forced, roles: forced.roles.map((a) => (a.role === role ? { ...a, host } : a)) },
    decisions: [...forcedNote, { kind: 'command', host, role, reason: `move_role: ${role} from ${owner || '(none)'} to ${host} by operator`, blocked: false }],
    actions: [],
    pass: true,
  };
};
