// MMM 2.x set_online: only from ADMIN_OFFLINE or AWAITING_RECOVERY, agent reachable, ping and
// mysql OK, the peer's replication checks OK; resets flapping.
import { texts } from '@mmm/common/pure';
import { withHostState } from './host-state';
import { type Transition, pingedAgent, refuse } from './types';

export const setOnline: Transition<'set_online'> = ({ host }, v) => {
  const hc = v.config.hosts[host];
  if (!hc) return refuse(texts.unknownHost(host));
  const st = v.state.hosts[host].state;
  if (st === 'ONLINE') return refuse(texts.alreadyOnline());
  if (st !== 'ADMIN_OFFLINE' && st !== 'AWAITING_RECOVERY') return refuse(texts.cantSetOnline(host, st));
  const answered = pingedAgent(v, host);
  if (answered === undefined) return { kind: 'ping', host };
  if (!answered) return refuse(texts.agentUnreachableState(host));
  const c = v.hosts[host].checks;
  if (!c.ping.ok || !c.mysql.ok) return refuse(texts.checksNotOk(host));
  if (hc.peer && v.state.hosts[hc.peer]?.state === 'ONLINE') {
    const pc = v.hosts[hc.peer].checks;
    if (!pc.rep_threads.ok || !pc.rep_backlog.ok) return refuse(texts.peerReplicationFailed(hc.peer, host));
  }
  return {
    kind: 'done',
    reply: texts.setOnlineOk(host),
    state: withHostState(v.state, host, 'ONLINE', v.now, true),
    decisions: [{ kind: 'command', host, reason: `set_online: ${host} ${st} -> ONLINE by operator (flapping reset)`, blocked: false }],
    actions: [],
    pass: true,
  };
};
