// MMM 2.x set_offline: from ONLINE or REPLICATION_*; the agent must answer. Roles follow in the
// next pass (ACTIVE mode strips the roles of a host that is not ONLINE).
import { texts, own } from '@mmm/common/pure';
import { withHostState } from './host-state';
import { type Transition, pingedAgent, refuse } from './types';

export const setOffline: Transition<'set_offline'> = ({ host }, v) => {
  if (!own(v.config.hosts, host)) return refuse(texts.unknownHost(host));
  const st = v.state.hosts[host].state;
  if (st === 'ADMIN_OFFLINE') return refuse(texts.alreadyOffline());
  if (st !== 'ONLINE' && st !== 'REPLICATION_FAIL' && st !== 'REPLICATION_DELAY') return refuse(texts.cantSetOffline(host, st));
  const answered = pingedAgent(v, host);
  if (answered === undefined) return { kind: 'ping', host };
  if (!answered) return refuse(texts.agentUnreachableState(host));
  return {
    kind: 'done',
    reply: texts.setOfflineOk(host),
    state: withHostState(v.state, host, 'ADMIN_OFFLINE', v.now),
    decisions: [{ kind: 'command', host, reason: `set_offline: ${host} ${st} -> ADMIN_OFFLINE by operator`, blocked: false }],
    actions: [],
    pass: true,
  };
};
