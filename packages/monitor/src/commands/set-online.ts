// MMM 2.x set_online: only from ADMIN_OFFLINE or AWAITING_RECOVERY, agent reachable, ping and
// mysql OK, the peer's replication checks OK; resets flapping.
import { texts } from '@mmm/common';
import type { CommandHandler } from './context';

export const setOnline: CommandHandler<'set_online'> = async (m, { host }) => {
  const hc = m.config.hosts[host];
  if (!hc) return texts.unknownHost(host);
  const st = m.state.hosts[host].state;
  if (st === 'ONLINE') return texts.alreadyOnline();
  if (st !== 'ADMIN_OFFLINE' && st !== 'AWAITING_RECOVERY') return texts.cantSetOnline(host, st);
  if (!(await m.pingAgent(host))) return texts.agentUnreachableState(host);
  const c = m.observation(host).checks;
  if (!c.ping.ok || !c.mysql.ok) return texts.checksNotOk(host);
  if (hc.peer && m.state.hosts[hc.peer]?.state === 'ONLINE') {
    const pc = m.observation(hc.peer).checks;
    if (!pc.rep_threads.ok || !pc.rep_backlog.ok) return texts.peerReplicationFailed(hc.peer, host);
  }
  m.setHostState(host, 'ONLINE', true);
  m.record({ kind: 'command', host, reason: `set_online: ${host} ${st} -> ONLINE by operator (flapping reset)`, blocked: false });
  m.triggerPass();
  return texts.setOnlineOk(host);
};
