// MMM 2.x set_ip (PASSIVE only): give the role IP to a host; applied when PASSIVE is left.
import { texts } from '@mmm/common';
import type { CommandHandler } from './context';

export const setIp: CommandHandler<'set_ip'> = (m, { ip, host }) => {
  if (m.state.mode !== 'PASSIVE') return texts.onlyInPassive();
  const row = m.state.roles.find((a) => a.ip === ip);
  if (!row) return texts.unknownIp(ip);
  if (!m.config.hosts[host]) return texts.unknownHost(host);
  const rc = m.config.roles[row.role];
  if (!rc.hosts.includes(host)) return texts.setIpCantHandle(host, row.role, rc.hosts);
  const st = m.state.hosts[host].state;
  if (st !== 'ONLINE') return texts.setIpHostState(host, st, ip);
  m.state = { ...m.state, roles: m.state.roles.map((a) => (a.ip === ip && a.role === row.role ? { ...a, host } : a)) };
  m.record({ kind: 'command', host, role: `${row.role}(${ip})`, reason: `set_ip: ${row.role}(${ip}) set to ${host} (applied when leaving PASSIVE)`, blocked: false });
  return texts.setIpOk(row.role, ip, host);
};
