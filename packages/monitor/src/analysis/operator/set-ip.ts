// MMM 2.x set_ip (PASSIVE only): give the role IP to a host; applied when PASSIVE is left.
import { texts, own } from '@mmm/common/pure';
import { type Transition, refuse } from './types';

export const setIp: Transition<'set_ip'> = ({ ip, host }, v) => {
  const s = v.state;
  if (s.mode !== 'PASSIVE') return refuse(texts.onlyInPassive());
  const row = s.roles.find((a) => a.ip === ip);
  if (!row) return refuse(texts.unknownIp(ip));
  if (!own(v.config.hosts, host)) return refuse(texts.unknownHost(host));
  const rc = v.config.roles[row.role];
  if (!rc.hosts.includes(host)) return refuse(texts.setIpCantHandle(host, row.role, rc.hosts));
  const st = s.hosts[host].state;
  if (st !== 'ONLINE') return refuse(texts.setIpHostState(host, st, ip));
  return {
    kind: 'done',
    reply: texts.setIpOk(row.role, ip, host),
    state: { ...s, roles: s.roles.map((a) => (a.ip === ip && a.role === row.role ? { ...a, host } : a)) },
    decisions: [{ kind: 'command', host, role: `${row.role}(${ip})`, reason: `set_ip: ${row.role}(${ip}) set to ${host} (applied when leaving PASSIVE)`, blocked: false }],
    actions: [],
    pass: false,
  };
};
