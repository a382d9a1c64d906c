// MMM 2.x set_online: only from ADMIN_OFFLINE or AWAITING_RECOVERY, agent reachable, ping and
// mysql OK, the peer's replication checks OK; resets flapping. A refusal caused by a failing check
// whose monitor account was refused names that cause and its fix instead of MMM's text.
import { CHECK_NAMES, type CheckName, texts, own } from '@mmm/common/pure';
import type { HostChecks } from '../snapshot';
import { withHostState } from './host-state';
import { type OperatorStep, type Transition, pingedAgent, refuse } from './types';

/** MMM's refusal, or ours naming the privilege problem behind the first failed check that has one. */
function refuseFor(mmmText: string, target: string, host: string, checks: HostChecks | undefined, names: readonly CheckName[]): OperatorStep {
  for (const name of names) {
    const c = checks?.[name];
    if (c && !c.ok && c.lastCause) return refuse(texts.privilegeBlocksOnline(target, host, name, c.lastCause));
  }
  return refuse(mmmText);
}

export const setOnline: Transition<'set_online'> = ({ host }, v) => {
  const hc = own(v.config.hosts, host);
  if (!hc) return refuse(texts.unknownHost(host));
  const st = v.state.hosts[host].state;
  if (st === 'ONLINE') return refuse(texts.alreadyOnline());
  if (st !== 'ADMIN_OFFLINE' && st !== 'AWAITING_RECOVERY') return refuseFor(texts.cantSetOnline(host, st), host, host, v.hosts[host]?.checks, CHECK_NAMES);
  const answered = pingedAgent(v, host);
  if (answered === undefined) return { kind: 'ping', host };
  if (!answered) return refuse(texts.agentUnreachableState(host));
  const c = v.hosts[host].checks;
  if (!c.ping.ok || !c.mysql.ok) return refuseFor(texts.checksNotOk(host), host, host, c, ['ping', 'mysql']);
  if (hc.peer && v.state.hosts[hc.peer]?.state === 'ONLINE') {
    const pc = v.hosts[hc.peer].checks;
    if (!pc.rep_threads.ok || !pc.rep_backlog.ok) return refuseFor(texts.peerReplicationFailed(hc.peer, host), host, hc.peer, pc, ['rep_threads', 'rep_backlog']);
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
