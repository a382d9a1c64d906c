import type { HostState } from '@mmm/common';
import { expect } from 'chai';
import { nextHostState, type CheckFlags, type PeerInfo, type TransitionInput } from '../../src/analysis/host-transitions';
import { DEFAULT_POLICY } from '../../src/analysis/policy';

const NOW = 1_000_000_000;
const ok: CheckFlags = { ping: true, mysql: true, rep_threads: true, rep_backlog: true };
const DIV = 'db1 has transactions the writer db2 lacks (0-1-8)';
const peerOk: PeerInfo = { name: 'db2', state: 'ONLINE', since: NOW - 3_600_000, ping: true, mysql: true };

interface Row {
  label: string; // the arrow, or `X stays` for a rule that must not fire
  from: HostState;
  checks?: Partial<CheckFlags>;
  input?: Partial<TransitionInput>;
  flapping?: boolean;
  lastUptime?: number;
  since?: number;
  to: HostState | undefined;
  reason?: RegExp;
}

function run(r: Row) {
  const input: TransitionInput = {
    host: 'db1',
    prev: { state: r.from, since: r.since ?? NOW - 1000, lastUptime: r.lastUptime ?? 0, flap: { flapping: !!r.flapping, count: r.flapping ? 4 : 0 } },
    checks: { ...ok, ...r.checks },
    lastCheckChange: NOW - 1000,
    agentReachable: true,
    uptime: 100_000,
    peer: peerOk,
    isActiveMaster: false,
    activeMasterExists: true,
    canHoldActiveMaster: true,
    autoSetOnlineMs: 0,
    flapDurationMs: 3_600_000,
    policy: DEFAULT_POLICY,
    now: NOW,
    ...r.input,
  };
  return nextHostState(input);
}

const ROWS: Row[] = [
  { label: 'ADMIN_OFFLINE stays (never changed automatically)', from: 'ADMIN_OFFLINE', checks: { ping: false }, to: undefined },
  { label: 'ONLINE -> HARD_OFFLINE (ping)', from: 'ONLINE', checks: { ping: false }, to: 'HARD_OFFLINE', reason: /ping/ },
  { label: 'ONLINE -> HARD_OFFLINE (mysql, active master too)', from: 'ONLINE', checks: { mysql: false }, input: { isActiveMaster: true }, to: 'HARD_OFFLINE' },
  { label: 'ONLINE -> REPLICATION_FAIL', from: 'ONLINE', checks: { rep_threads: false }, to: 'REPLICATION_FAIL' },
  { label: 'ONLINE -> REPLICATION_FAIL (both rep checks fail)', from: 'ONLINE', checks: { rep_threads: false, rep_backlog: false }, to: 'REPLICATION_FAIL' },
  { label: 'ONLINE -> REPLICATION_DELAY', from: 'ONLINE', checks: { rep_backlog: false }, to: 'REPLICATION_DELAY' },
  { label: 'ONLINE stays: active master never demoted for replication', from: 'ONLINE', checks: { rep_threads: false }, input: { isActiveMaster: true }, to: undefined },
  { label: 'ONLINE stays: peer became ONLINE < 60 s ago', from: 'ONLINE', checks: { rep_backlog: false }, input: { peer: { ...peerOk, since: NOW - 30_000 } }, to: undefined },
  { label: 'ONLINE stays: peer not ONLINE', from: 'ONLINE', checks: { rep_threads: false }, input: { peer: { ...peerOk, state: 'HARD_OFFLINE' } }, to: undefined },
  { label: 'ONLINE stays: peer mysql failing', from: 'ONLINE', checks: { rep_threads: false }, input: { peer: { ...peerOk, mysql: false } }, to: undefined },
  { label: 'ONLINE stays: no peer (slave without active master)', from: 'ONLINE', checks: { rep_threads: false }, input: { peer: undefined }, to: undefined },
  { label: 'AWAITING_RECOVERY -> HARD_OFFLINE', from: 'AWAITING_RECOVERY', checks: { mysql: false }, to: 'HARD_OFFLINE' },
  { label: 'AWAITING_RECOVERY -> ONLINE (a) short outage', from: 'AWAITING_RECOVERY', lastUptime: 99_970, to: 'ONLINE', reason: /^\(a\)/ },
  { label: 'AWAITING_RECOVERY stays: (a) rebooted (uptime went down)', from: 'AWAITING_RECOVERY', lastUptime: 200_000, to: undefined },
  { label: 'AWAITING_RECOVERY stays: (a) outage ≥ 60 s', from: 'AWAITING_RECOVERY', lastUptime: 99_900, to: undefined },
  { label: 'AWAITING_RECOVERY stays: (a) never seen ONLINE', from: 'AWAITING_RECOVERY', lastUptime: 0, to: undefined },
  { label: 'AWAITING_RECOVERY stays: (a) but flapping', from: 'AWAITING_RECOVERY', lastUptime: 99_970, flapping: true, to: undefined },
  { label: 'AWAITING_RECOVERY -> ONLINE (b) auto_set_online', from: 'AWAITING_RECOVERY', since: NOW - 60_000, input: { autoSetOnlineMs: 30_000 }, to: 'ONLINE', reason: /^\(b\)/ },
  { label: 'AWAITING_RECOVERY stays: (b) too early', from: 'AWAITING_RECOVERY', since: NOW - 10_000, input: { autoSetOnlineMs: 30_000 }, to: undefined },
  { label: 'AWAITING_RECOVERY -> ONLINE (c) flapping but stable for flap_duration', from: 'AWAITING_RECOVERY', flapping: true, input: { autoSetOnlineMs: 30_000, lastCheckChange: NOW - 3_600_000 }, to: 'ONLINE', reason: /^\(c\)/ },
  { label: 'AWAITING_RECOVERY stays: (c) needs auto_set_online', from: 'AWAITING_RECOVERY', flapping: true, input: { lastCheckChange: NOW - 3_600_000 }, to: undefined },
  { label: 'AWAITING_RECOVERY stays: rep check failing', from: 'AWAITING_RECOVERY', lastUptime: 99_970, checks: { rep_backlog: false }, to: undefined },
  { label: 'AWAITING_RECOVERY stays: agent unreachable (m3)', from: 'AWAITING_RECOVERY', lastUptime: 99_970, input: { agentReachable: false }, to: undefined },
  { label: 'HARD_OFFLINE stays while ping fails', from: 'HARD_OFFLINE', checks: { ping: false }, to: undefined },
  { label: 'HARD_OFFLINE -> REPLICATION_FAIL', from: 'HARD_OFFLINE', checks: { rep_threads: false }, to: 'REPLICATION_FAIL' },
  { label: 'HARD_OFFLINE -> REPLICATION_DELAY', from: 'HARD_OFFLINE', checks: { rep_backlog: false }, to: 'REPLICATION_DELAY' },
  { label: 'HARD_OFFLINE -> AWAITING_RECOVERY', from: 'HARD_OFFLINE', to: 'AWAITING_RECOVERY' },
  { label: 'HARD_OFFLINE -> AWAITING_RECOVERY (no active master, can be one: rep ignored)', from: 'HARD_OFFLINE', checks: { rep_threads: false }, input: { activeMasterExists: false }, to: 'AWAITING_RECOVERY' },
  { label: 'HARD_OFFLINE -> REPLICATION_FAIL (no active master, cannot be one)', from: 'HARD_OFFLINE', checks: { rep_threads: false }, input: { activeMasterExists: false, canHoldActiveMaster: false }, to: 'REPLICATION_FAIL' },
  { label: 'REPLICATION_FAIL -> REPLICATION_DELAY', from: 'REPLICATION_FAIL', checks: { rep_backlog: false }, to: 'REPLICATION_DELAY' },
  { label: 'REPLICATION_DELAY -> REPLICATION_FAIL', from: 'REPLICATION_DELAY', checks: { rep_threads: false }, to: 'REPLICATION_FAIL' },
  { label: 'REPLICATION_DELAY -> ONLINE', from: 'REPLICATION_DELAY', to: 'ONLINE' },
  { label: 'REPLICATION_FAIL -> ONLINE', from: 'REPLICATION_FAIL', to: 'ONLINE' },
  { label: 'REPLICATION_FAIL -> ONLINE (peer not ONLINE)', from: 'REPLICATION_FAIL', checks: { rep_threads: false }, input: { peer: { ...peerOk, state: 'HARD_OFFLINE' } }, to: 'ONLINE', reason: /peer/ },
  { label: 'REPLICATION_DELAY -> AWAITING_RECOVERY (flapping)', from: 'REPLICATION_DELAY', flapping: true, to: 'AWAITING_RECOVERY' },
  { label: 'REPLICATION_FAIL -> AWAITING_RECOVERY (flapping)', from: 'REPLICATION_FAIL', flapping: true, to: 'AWAITING_RECOVERY' },
  { label: 'REPLICATION_FAIL -> HARD_OFFLINE', from: 'REPLICATION_FAIL', checks: { mysql: false }, to: 'HARD_OFFLINE' },
  { label: 'REPLICATION_DELAY -> HARD_OFFLINE', from: 'REPLICATION_DELAY', checks: { ping: false }, to: 'HARD_OFFLINE' },
  { label: 'REPLICATION_FAIL stays (threads still down)', from: 'REPLICATION_FAIL', checks: { rep_threads: false }, to: undefined },
  { label: 'REPLICATION_DELAY stays (still lagging)', from: 'REPLICATION_DELAY', checks: { rep_backlog: false }, to: undefined },
  // diverged: the host has transactions the writer lacks (our addition; certain, so no peer grace)
  { label: 'ONLINE -> REPLICATION_FAIL (diverged, checks all OK, peer just ONLINE)', from: 'ONLINE', input: { diverged: DIV, peer: { ...peerOk, since: NOW - 1000 } }, to: 'REPLICATION_FAIL', reason: /lacks/ },
  { label: 'ONLINE stays: the active master is never called diverged', from: 'ONLINE', input: { diverged: DIV, isActiveMaster: true }, to: undefined },
  { label: 'AWAITING_RECOVERY stays: (a) not while divergence cannot be told (a stale GET_HEALTH)', from: 'AWAITING_RECOVERY', lastUptime: 99_970, input: { divergenceUnknown: true }, to: undefined },
  { label: 'AWAITING_RECOVERY stays: (b) auto_set_online neither, while divergence cannot be told', from: 'AWAITING_RECOVERY', since: NOW - 120_000, input: { divergenceUnknown: true, autoSetOnlineMs: 60_000 }, to: undefined },
  { label: 'AWAITING_RECOVERY -> REPLICATION_FAIL (diverged, not ONLINE by (a))', from: 'AWAITING_RECOVERY', lastUptime: 99_970, input: { diverged: DIV }, to: 'REPLICATION_FAIL', reason: /lacks/ },
  { label: 'HARD_OFFLINE -> REPLICATION_FAIL (back, diverged, replication still looks fine)', from: 'HARD_OFFLINE', input: { diverged: DIV }, to: 'REPLICATION_FAIL', reason: /^host is back: .*lacks/ },
  { label: 'REPLICATION_FAIL stays: diverged although the threads run', from: 'REPLICATION_FAIL', input: { diverged: DIV }, to: undefined },
  { label: 'REPLICATION_FAIL stays: diverged although the peer is not ONLINE', from: 'REPLICATION_FAIL', input: { diverged: DIV, peer: { ...peerOk, state: 'HARD_OFFLINE' } }, to: undefined },
];

describe('host state machine (mmm.md §4.2)', () => {
  for (const r of ROWS) {
    it(r.label, () => {
      const out = run(r);
      expect(out?.to).to.equal(r.to);
      if (r.reason) expect(out?.reason).to.match(r.reason);
    });
  }
});
