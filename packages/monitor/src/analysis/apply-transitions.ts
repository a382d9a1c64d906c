// Step 1 of analyze: run the host state machine over every host, with flapping, the
// "writer cut off from the monitor alone keeps its role" hold, and uptime bookkeeping.
import type { MmmConfig } from '@mmm/common/pure';
import type { Diagnosis } from './diagnosis';
import { NOT_FLAPPING, stepFlap } from './flapping';
import { divergence, divergenceUnknown } from './divergence';
import { freshHealth } from './health';
import { readLag } from './promotion';
import { arrowOf, nextHostState, type PeerInfo } from './host-transitions';
import { monitorSettings } from './policy';
import type { Decision, Transition } from './result';
import type { AnalysisPolicy, ClusterSnapshot, HostMemory, HostObservation } from './snapshot';

export function freshHostMemory(now: number): HostMemory {
  return { state: 'AWAITING_RECOVERY', since: now, lastUptime: 0, flap: { ...NOT_FLAPPING } };
}

/** Health this recent counts as "now" for the certain-stop shortcut below. */
const CERTAIN_STOP_HEALTH_MS = 2000;

/**
 * The mysql check failed at its last run and the host's agent, just now, says mysqld is certainly
 * not running (pid gone or port refused, and not answering locally). Two independent observations
 * of a stop are not a network blip, so trap_period is not waited for (MMM waits it out).
 */
export function certainlyStopped(o: HostObservation, now: number): boolean {
  const h = freshHealth(o, now, CERTAIN_STOP_HEALTH_MS);
  return !!h && !h.mysqldRunning && !h.answering && o.checks.mysql.phase === 'TRAPPING';
}

export function lastCheckChange(o: HostObservation): number {
  return Math.max(o.checks.ping.lastChange, o.checks.mysql.lastChange, o.checks.rep_threads.lastChange, o.checks.rep_backlog.lastChange);
}

export interface TransitionPass {
  hosts: Record<string, HostMemory>;
  transitions: Transition[];
  decisions: Decision[];
}

export function applyTransitions(args: {
  snapshot: ClusterSnapshot;
  previous: Record<string, HostMemory>;
  config: MmmConfig;
  activeMaster: string;
  writerDiagnosis?: Diagnosis;
  policy: AnalysisPolicy;
  now: number;
}): TransitionPass {
  const { snapshot, previous, config, activeMaster, now } = args;
  const ms = monitorSettings(config);
  const amHosts = config.roles[config.activeMasterRole]?.hosts ?? [];
  const hosts: Record<string, HostMemory> = {};
  for (const h of Object.keys(config.hosts)) hosts[h] = previous[h] ?? freshHostMemory(now);
  const transitions: Transition[] = [];
  const decisions: Decision[] = [];

  for (const host of Object.keys(config.hosts).sort()) {
    const o = snapshot.hosts[host];
    if (!o) continue; // not observed this pass: nothing to decide on
    const prev = hosts[host];
    const hc = config.hosts[host];
    const peerName = hc.mode === 'master' ? hc.peer : activeMaster !== host ? activeMaster : undefined;
    let peer: PeerInfo | undefined;
    if (peerName && previous[peerName]) {
      const po = snapshot.hosts[peerName];
      peer = { name: peerName, state: previous[peerName].state, since: previous[peerName].since, ping: !!po?.checks.ping.ok, mysql: !!po?.checks.mysql.ok };
    }
    const stopped = certainlyStopped(o, now);
    const out = nextHostState({
      host,
      prev,
      checks: { ping: o.checks.ping.ok, mysql: o.checks.mysql.ok && !stopped, rep_threads: o.checks.rep_threads.ok, rep_backlog: o.checks.rep_backlog.ok },
      lastCheckChange: lastCheckChange(o),
      agentReachable: o.agent.reachable,
      uptime: o.agent.uptime,
      peer,
      isActiveMaster: host === activeMaster,
      diverged: divergence(host, activeMaster, snapshot.hosts, args.policy.healthMaxAgeMs, now),
      // a host back from an outage: only a reading taken since it came back counts
      divergenceUnknown: divergenceUnknown(host, activeMaster, snapshot.hosts, args.policy.healthMaxAgeMs, now, prev.state === 'AWAITING_RECOVERY' ? prev.since : 0),
      activeMasterExists: activeMaster !== '',
      canHoldActiveMaster: amHosts.includes(host),
      autoSetOnlineMs: ms.autoSetOnlineMs,
      flapDurationMs: ms.flapDurationMs,
      policy: args.policy,
      now,
    });
    if (out && out.to === 'HARD_OFFLINE' && o.checks.mysql.ok && stopped) {
      out.reason += ' (its agent reports mysqld is not running: trap_period not waited for)';
    }
    if (out) {
      const arrow = arrowOf(prev.state, out.to);
      const wd = args.writerDiagnosis;
      if (host === activeMaster && out.to === 'HARD_OFFLINE' && wd?.code === 'UnreachableWriter') {
        // a writer cut off from the monitor alone keeps its role (DESIGN §5)
        decisions.push({ kind: 'state_change', host, reason: `${arrow} held: ${out.reason}, but ${wd.detail}`, blocked: true });
      } else {
        const f = out.resetFlap ? { flap: { ...NOT_FLAPPING }, startedFlapping: false } : stepFlap(prev.flap, prev.state, out.to, ms, now);
        hosts[host] = { ...prev, state: out.to, since: now, flap: f.flap };
        transitions.push({ host, from: prev.state, to: out.to, arrow, reason: out.reason });
        decisions.push({ kind: 'state_change', host, reason: `${arrow}: ${out.reason}`, blocked: false });
        if (f.startedFlapping) {
          decisions.push({ kind: 'state_change', host, reason: `host is flapping (${f.flap.count} drops from ONLINE within flap_duration): it will wait in AWAITING_RECOVERY`, blocked: false });
        }
      }
    } else if (prev.state === 'AWAITING_RECOVERY' && prev.flap.flapping && o.checks.ping.ok && o.checks.mysql.ok) {
      decisions.push({ kind: 'state_change', host, reason: 'AWAITING_RECOVERY -> ONLINE held: host is flapping (set_online, or auto_set_online after flap_duration)', blocked: true });
    }
    // rule (a) compares with the uptime seen while ONLINE
    const cur = hosts[host];
    if (cur.state === 'ONLINE' && o.agent.reachable && o.agent.uptime !== undefined) hosts[host] = { ...cur, lastUptime: o.agent.uptime };
    const lag = readLag(o, args.policy.healthMaxAgeMs, now);
    if (lag !== undefined) hosts[host] = { ...hosts[host], lag: { seconds: lag, at: now } };
  }
  return { hosts, transitions, decisions };
}
