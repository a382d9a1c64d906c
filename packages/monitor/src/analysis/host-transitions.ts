// MMM 2.x `_check_host_states` for one host as a pure function (reference/mmm.md §4.2).
// Mode does not change states (it gates role moves, analyze.ts); ADMIN_OFFLINE only changes
// by command.
import type { HostState } from '@mmm/common/pure';
import type { AnalysisPolicy, HostMemory } from './snapshot';

/** Reported (debounced) check outcomes; true = OK. */
export interface CheckFlags {
  ping: boolean;
  mysql: boolean;
  rep_threads: boolean;
  rep_backlog: boolean;
}

/** The host's peer: the other master, or for a slave the current active master. */
export interface PeerInfo {
  name: string;
  state: HostState;
  /** When the peer entered `state` (ms). */
  since: number;
  ping: boolean;
  mysql: boolean;
}

export interface TransitionInput {
  host: string;
  prev: HostMemory;
  checks: CheckFlags;
  /** Latest lastChange over the host's checks (rule (c): "no check change for flap_duration"). */
  lastCheckChange: number;
  agentReachable: boolean;
  /** `UP:` seconds of the agent's latest reply. */
  uptime?: number;
  peer?: PeerInfo;
  isActiveMaster: boolean;
  activeMasterExists: boolean;
  /** Why the host diverged from the writer (has transactions it lacks), when it did. */
  diverged?: string;
  /**
   * Whether it diverged cannot be told yet: both agents report GTID positions, but one of them not
   * freshly (a host just back whose agent was busy or silent this pass). No ONLINE until it can.
   */
  divergenceUnknown?: boolean;
  /** Host is listed in the active master role's hosts. */
  canHoldActiveMaster: boolean;
  autoSetOnlineMs: number;
  flapDurationMs: number;
  policy: Pick<AnalysisPolicy, 'peerGraceMs' | 'shortOutageSec'>;
  now: number;
}

export interface TransitionOutcome {
  to: HostState;
  reason: string;
  /** The host leaves AWAITING_RECOVERY by rule (c): forget its flapping. */
  resetFlap?: boolean;
}

const arrowOf = (from: HostState, to: HostState): string => `${from} -> ${to}`;
export { arrowOf };

const peerHealthy = (p: PeerInfo | undefined): boolean => !!p && p.state === 'ONLINE' && p.ping && p.mysql;

/** Next state of a host, or undefined when it stays. */
export function nextHostState(i: TransitionInput): TransitionOutcome | undefined {
  const { checks: c, prev, now } = i;
  const alive = c.ping && c.mysql;
  const down = `checks failed: ${[!c.ping && 'ping', !c.mysql && 'mysql'].filter(Boolean).join(', ')}`;
  switch (prev.state) {
    case 'ADMIN_OFFLINE':
      return undefined;

    case 'ONLINE': {
      if (!alive) return { to: 'HARD_OFFLINE', reason: down }; // ONLINE -> HARD_OFFLINE
      // the active master is never demoted for replication problems
      if (i.isActiveMaster) return undefined;
      // certain, whatever the peer's state: its replication breaks as soon as the writer writes
      if (i.diverged) return { to: 'REPLICATION_FAIL', reason: i.diverged };
      if (!peerHealthy(i.peer)) return undefined;
      // a peer that just came ONLINE is still catching up: its partner's lag is expected
      if (i.peer && now - i.peer.since < i.policy.peerGraceMs) return undefined;
      if (!c.rep_threads) return { to: 'REPLICATION_FAIL', reason: 'replication threads are not running (rep_threads failed)' };
      if (!c.rep_backlog) return { to: 'REPLICATION_DELAY', reason: 'replication backlog is too big (rep_backlog failed)' };
      return undefined;
    }

    case 'AWAITING_RECOVERY': {
      if (!alive) return { to: 'HARD_OFFLINE', reason: down };
      if (i.diverged && !i.isActiveMaster) return { to: 'REPLICATION_FAIL', reason: i.diverged };
      if (!(c.rep_threads && c.rep_backlog)) return undefined;
      if (!i.agentReachable) return undefined; // m3: no ONLINE while the agent cannot take roles
      // a host back from a cut may have committed meanwhile: ONLINE only once that can be checked
      if (i.divergenceUnknown && !i.isActiveMaster) return undefined;
      const flapping = prev.flap.flapping;
      const upDiff = i.uptime !== undefined ? i.uptime - prev.lastUptime : -1;
      if (!flapping && prev.lastUptime > 0 && upDiff > 0 && upDiff < i.policy.shortOutageSec) {
        return { to: 'ONLINE', reason: `(a) short outage without reboot (uptime grew ${upDiff.toFixed(0)} s)` };
      }
      if (!flapping && i.autoSetOnlineMs > 0 && now - prev.since >= i.autoSetOnlineMs) {
        return { to: 'ONLINE', reason: `(b) auto_set_online: ${Math.round((now - prev.since) / 1000)} s in AWAITING_RECOVERY` };
      }
      if (flapping && i.autoSetOnlineMs > 0 && now - i.lastCheckChange >= i.flapDurationMs) {
        return { to: 'ONLINE', reason: '(c) flapping host stable for flap_duration', resetFlap: true };
      }
      return undefined;
    }

    case 'HARD_OFFLINE': {
      if (!alive) return undefined;
      if (i.diverged && !i.isActiveMaster) return { to: 'REPLICATION_FAIL', reason: `host is back: ${i.diverged}` };
      if (i.activeMasterExists || !i.canHoldActiveMaster) {
        if (!c.rep_threads) return { to: 'REPLICATION_FAIL', reason: 'host is back, replication threads are not running' };
        if (!c.rep_backlog) return { to: 'REPLICATION_DELAY', reason: 'host is back, replication backlog is too big' };
      }
      return { to: 'AWAITING_RECOVERY', reason: 'ping and mysql checks are OK again' };
    }

    case 'REPLICATION_FAIL':
    case 'REPLICATION_DELAY': {
      if (!alive) return { to: 'HARD_OFFLINE', reason: down };
      if (i.diverged && !i.isActiveMaster) return undefined; // stays out until repaired
      const repOk = c.rep_threads && c.rep_backlog;
      const peerOnline = i.peer?.state === 'ONLINE';
      if (repOk || !peerOnline) {
        const why = repOk ? 'replication checks are OK again' : 'peer is not ONLINE, replication state does not matter';
        if (prev.flap.flapping) return { to: 'AWAITING_RECOVERY', reason: `${why}; host is flapping` };
        return { to: 'ONLINE', reason: why };
      }
      if (prev.state === 'REPLICATION_FAIL' && c.rep_threads && !c.rep_backlog) {
        return { to: 'REPLICATION_DELAY', reason: 'replication threads run again, backlog still too big' };
      }
      if (prev.state === 'REPLICATION_DELAY' && !c.rep_threads) {
        return { to: 'REPLICATION_FAIL', reason: 'replication threads stopped' };
      }
      return undefined;
    }
  }
}
