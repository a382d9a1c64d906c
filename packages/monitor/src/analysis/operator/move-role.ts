// MMM 2.x move_role [--force] <role> <host>. The writer (active master role) moves by the planned
// switch (demote, GTID wait bounded by switch_timeout, promote; abort restores the old writer);
// a balanced role's IPs leave the host and distribution puts them elsewhere.
import { texts, own } from '@mmm/common/pure';
import { planSwitch } from '../planned-switch';
import { DEFAULT_POLICY, monitorSettings } from '../policy';
import { completeness, lackText, type Lack } from '../received';
import { withHostState } from './host-state';
import { type OperatorStep, type Transition, pingedAgent, refuse } from './types';

const describeLacks = (lacks: readonly Lack[]): string => lacks.map((l) => `${l.gaps.map((g) => g.text).join(', ')} on ${l.from}`).join('; ');

export const moveRole: Transition<'move_role'> = ({ role, host, force }, v) => {
  const s = v.state;
  if (s.mode === 'PASSIVE') return refuse(texts.notInPassive());
  const rc = own(v.config.roles, role);
  if (!rc) return refuse(texts.unknownRole(role));
  if (!own(v.config.hosts, host)) return refuse(texts.unknownHost(host));
  const am = v.config.activeMasterRole;
  const st = s.hosts[host].state;

  const owner = s.roles.find((a) => a.role === role)?.host ?? '';
  // ours: --force also gives an orphaned writer role to an ONLINE host that lacks received transactions
  const forceOrphan = force && role === am && owner === '' && st === 'ONLINE';
  if (force) {
    if (role !== am) return refuse(texts.forceOnlyActiveMaster());
    if (st !== 'REPLICATION_FAIL' && st !== 'REPLICATION_DELAY' && !forceOrphan) return refuse(texts.cantForceToState(st));
  } else if (st !== 'ONLINE') return refuse(texts.cantMoveToState(st));
  if (!rc.hosts.includes(host)) return refuse(texts.cantHandle(host, role, rc.hosts));
  if (role === am && monitorSettings(v.config).neverWriter.includes(host)) return refuse(texts.neverWriter(host, role));

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
  if (owner === host) return refuse(texts.roleAlreadyThere(host));
  const answered = pingedAgent(v, host);
  if (answered === undefined) return { kind: 'ping', host };
  if (!answered) return refuse(texts.agentUnreachableMove(host));
  if (!force && s.mode === 'ACTIVE' && rc.prefer && owner === rc.prefer) return refuse(texts.assignedToPreferred(role, owner));

  // the orphaned writer role goes to a host that lacks what another host received only when forced
  const lacks = role === am && owner === '' && s.lastWriter !== '' && s.lastWriter !== host ? completeness(host, v.hosts, DEFAULT_POLICY.healthMaxAgeMs, v.now).lacks : [];
  if (lacks.length && !force) return refuse(texts.candidateLacks(host, role, describeLacks(lacks)));

  const forced = force && st !== 'ONLINE' ? withHostState(s, host, 'ONLINE', v.now) : s;
  const forcedNote = force && st !== 'ONLINE' ? [{ kind: 'command' as const, host, role, reason: `move_role --force: ${host} ${st} -> ONLINE by operator`, blocked: false }] : [];
  if (lacks.length) forcedNote.push({ kind: 'command', host, role, reason: `move_role --force: ${lackText(host, lacks)}; promoted anyway by operator, they are lost`, blocked: false });
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
  const chosen = role === am && owner === '' ? { operatorWriter: host } : {};
  return {
    kind: 'done',
    reply: okReply(owner),
    state: { ...forced, ...chosen, roles: forced.roles.map((a) => (a.role === role ? { ...a, host } : a)) },
    decisions: [...forcedNote, { kind: 'command', host, role, reason: `move_role: ${role} from ${owner || '(none)'} to ${host} by operator`, blocked: false }],
    actions: [],
    pass: true,
  };
};
