// When pre_failover_command lets a failover or switchover go ahead (pure; analysis and the
// command handler both ask it).
//
// The hook's runs are observations, like a catch-up's outcome: the monitor keeps what its runs
// answered (PreFailoverRecord) and hands it to every analysis in the snapshot. The analysis
// promotes nobody and plans no switch until the verdict is `go`; when it is `run` it asks for a
// run (an action) and stays blocked; the run happens in the background and its end triggers a
// pass. So a pass never waits for a hook, and the analysis stays pure: the gate is one more
// condition beside writer safety, with the same blocked-decision path.
//
// Rules:
// - a veto holds for pre_failover_interval: no new run before it has passed (for any attempt: a
//   different candidate does not re-roll the dice), and the attempt stays blocked with the last
//   veto's reason, also while the hook is asked again;
// - an approval counts for that interval too, for the same old writer and candidate (a command
//   that does not know the candidate yet, set_offline of the writer, approves any candidate);
//   the monitor drops it once a promotion or switch used it;
// - while a run is under way every attempt waits for it.
import type { MmmConfig } from '@mmm/common/pure';

export interface Attempt {
  event: 'failover' | 'switchover';
  /** The writer the attempt moves away from. */
  from: string;
  /** The host that would become writable; '' = the one the next pass chooses. */
  to: string;
  /** Why it is wanted (MMM_REASON). */
  why?: string;
}

export interface PreFailoverRecord {
  running?: { attempt: Attempt; startedAt: number };
  /** The last finished run: ok = exit 0; reason = the veto in one line (stderr, timeout, not startable). */
  last?: { attempt: Attempt; ok: boolean; reason: string; at: number };
}

export type Verdict =
  /** No hook configured, or it approved this attempt. */
  | { kind: 'go'; approved: boolean }
  /** Start a run now; the attempt is blocked meanwhile (vetoed: the last veto stands until it answers). */
  | { kind: 'run'; reason: string; vetoed: boolean }
  /** Blocked: a run is under way, or the last one vetoed and the interval has not passed. */
  | { kind: 'wait'; reason: string; vetoed: boolean };

export interface GateSettings {
  command?: string;
  intervalMs: number;
}

export function gateSettings(config: MmmConfig): GateSettings {
  const m = config.monitor;
  return { command: m?.preFailoverCommand, intervalMs: Math.round((m?.preFailoverInterval ?? 30) * 1000) };
}

export const describeAttempt = (a: Attempt): string => `${a.event} ${a.from || '(none)'} -> ${a.to || '(the next candidate)'}`;

/** An approval of `approved` also approves `a`. */
export function covers(approved: Attempt, a: Attempt): boolean {
  return approved.from === a.from && (approved.to === '' || approved.to === a.to);
}

export function preFailoverVerdict(rec: PreFailoverRecord | undefined, a: Attempt, s: GateSettings, now: number): Verdict {
  if (!s.command) return { kind: 'go', approved: false };
  const last = rec?.last;
  // The last veto stands while the hook is asked again, in words that do not change from pass to
  // pass: the blocked decision (and its notification) is recorded once per distinct veto.
  const vetoReason = last && !last.ok ? `pre_failover_command vetoed the ${describeAttempt(last.attempt)}: ${last.reason}; it is asked again every ${s.intervalMs / 1000} s` : undefined;
  if (rec?.running) return { kind: 'wait', vetoed: !!vetoReason, reason: vetoReason ?? waitingFor(rec.running.attempt) };
  if (last && last.ok && covers(last.attempt, a) && now - last.at < s.intervalMs) return { kind: 'go', approved: true };
  if (vetoReason && now < last!.at + s.intervalMs) return { kind: 'wait', vetoed: true, reason: vetoReason };
  return { kind: 'run', vetoed: !!vetoReason, reason: vetoReason ?? waitingFor(a) };
}

// the same words from the pass that asks to the one that reads the answer: one blocked decision
const waitingFor = (a: Attempt): string => `waiting for pre_failover_command's answer on the ${describeAttempt(a)}`;

/** The record once a promotion or switch used its approval: the next attempt asks again. */
export function consumeApproval(rec: PreFailoverRecord): PreFailoverRecord {
  return rec.last?.ok ? { ...(rec.running ? { running: rec.running } : {}) } : rec;
}
