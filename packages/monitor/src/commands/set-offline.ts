// MMM 2.x set_offline: from ONLINE or REPLICATION_*; the agent must answer. Roles follow in the
// next pass (ACTIVE mode strips the roles of a host that is not ONLINE).
import { texts } from '@mmm/common';
import type { CommandHandler } from './context';

export const setOffline: CommandHandler<'set_offline'> = async (m, { host }) => {
  if (!m.config.hosts[host]) return texts.unknownHost(host);
  const st = m.state.hosts[host].state;
  if (st === 'ADMIN_OFFLINE') return texts.alreadyOffline();
  if (st !== 'ONLINE' && st !== 'REPLICATION_FAIL' && st !== 'REPLICATION_DELAY') return texts.cantSetOffline(host, st);
  if (!(await m.pingAgent(host))) return texts.agentUnreachableState(host);
  m.setHostState(host, 'ADMIN_OFFLINE');
  m.record({ kind: 'command', host, reason: `set_offline: ${host} ${st} -> ADMIN_OFFLINE by operator`, blocked: false });
  m.triggerPass();
  return texts.setOfflineOk(host);
};
