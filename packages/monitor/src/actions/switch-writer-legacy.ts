// A planned writer move where the old writer or the candidate runs an MMM 2.x agent (issue 14):
// its OK proves nothing and it knows no GET_GTID/WAIT_GTID, so the monitor checks with its own
// MySQL account. Everything the move needs is checked before the writer is touched; after the
// demotion the old writer must be read-only with no client thread in a writing statement before
// its position is read; the candidate waits for that position (MASTER_POS_WAIT, or
// MASTER_GTID_WAIT when it replicates with GTIDs) within switch_timeout; a legacy candidate must
// show read_only=0 after its promotion. Any failure restores the old writer.
import type { Clock, MmmConfig } from '@mmm/common';
import type { StatusLine } from '../analysis/result';
import type { AgentSet } from '../agents/agent-set';
import type { SqlProbe, WriteState } from './sql-probe';

export interface LegacySwitchDeps {
  config: MmmConfig;
  agents: AgentSet;
  clock: Clock;
  probe: Pick<SqlProbe, 'writeState' | 'position' | 'replica' | 'waitFor' | 'seesAllThreads'>;
  send(l: StatusLine): ReturnType<AgentSet['setStatus']>;
  /** Between polls of read_only (ms). */
  pollMs?: number;
}

const PROBE_MS = 2000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Pre-checks; a reason means the move is refused and nothing was changed. */
export async function legacyPrecheck(d: LegacySwitchDeps, from: string, to: string): Promise<{ useGtid: boolean } | { refused: string }> {
  const fromIp = d.config.hosts[from]?.ip;
  for (const h of [from, to]) {
    if (!(await d.agents.ping(h))) return { refused: `the agent on ${h} does not answer` };
    const sees = await d.probe.seesAllThreads(h, PROBE_MS);
    if (!sees.ok) return { refused: `the monitor cannot check ${h} over MySQL: ${sees.error}` };
    if (!sees.value) return { refused: `the monitor account lacks PROCESS on ${h}: it could not see writing clients (docs/accounts.md)` };
  }
  const pos = await d.probe.position(from, PROBE_MS);
  if (!pos.ok) return { refused: `cannot read the binary log position of ${from}: ${pos.error}` };
  const rep = await d.probe.replica(to, PROBE_MS);
  if (!rep.ok) return { refused: `cannot read replication on ${to}: ${rep.error}` };
  if (!rep.value) return { refused: `${to} does not replicate` };
  if (rep.value.masterHost !== fromIp && rep.value.masterHost !== from) return { refused: `${to} replicates from ${rep.value.masterHost}, not from ${from}` };
  if (!rep.value.ioRunning || !rep.value.sqlRunning) return { refused: `replication on ${to} is not running (IO ${rep.value.ioRunning ? 'Yes' : 'No'}, SQL ${rep.value.sqlRunning ? 'Yes' : 'No'})` };
  if (rep.value.usingGtid && !pos.value.gtid) return { refused: `${to} replicates with GTIDs but ${from} reports no gtid_binlog_pos` };
  return { useGtid: rep.value.usingGtid };
}

/** Polls until `host` is read-only with no writing client, within `boundMs`; the last state seen otherwise. */
async function untilReadOnly(d: LegacySwitchDeps, host: string, boundMs: number): Promise<{ ok: true } | { ok: false; why: string }> {
  const end = d.clock.now() + boundMs;
  let last: WriteState | undefined;
  let error = '';
  for (;;) {
    const s = await d.probe.writeState(host, PROBE_MS);
    if (s.ok && s.value.readOnly && s.value.writers.length === 0) return { ok: true };
    if (s.ok) last = s.value;
    else error = s.error;
    if (d.clock.now() >= end) break;
    await sleep(d.pollMs ?? 100);
  }
  if (!last) return { ok: false, why: error };
  return { ok: false, why: last.readOnly ? `client threads still writing: ${last.writers.join('; ')}` : 'read_only is still 0' };
}

async function untilWritable(d: LegacySwitchDeps, host: string, boundMs: number): Promise<boolean> {
  const end = d.clock.now() + boundMs;
  for (;;) {
    const s = await d.probe.writeState(host, PROBE_MS);
    if (s.ok && !s.value.readOnly) return true;
    if (d.clock.now() >= end) return false;
    await sleep(d.pollMs ?? 100);
  }
}

/** Steps 1–3 of the move (the caller did the pre-check and handles abort/restore): a failure text, or undefined when promoted. */
export async function legacyMove(
  d: LegacySwitchDeps,
  a: { from: string; to: string; demote: StatusLine; promote: StatusLine },
  useGtid: boolean,
  onPromoting: () => void,
): Promise<{ failure?: string; promoteSent: boolean }> {
  let promoteSent = false;
  const failure = await steps(d, a, useGtid, () => {
    promoteSent = true;
    onPromoting();
  });
  return { failure, promoteSent };
}

/** The old writer back as writer: a legacy one must show read_only=0. */
export async function legacyRestored(d: LegacySwitchDeps, from: string, ok: boolean): Promise<boolean> {
  if (!ok) return false;
  return !d.agents.obs[from]?.legacy || untilWritable(d, from, d.config.switchTimeout * 1000);
}

async function steps(d: LegacySwitchDeps, a: { from: string; to: string; demote: StatusLine; promote: StatusLine }, useGtid: boolean, onPromoting: () => void): Promise<string | undefined> {
  const { from, to } = a;
  const timeoutSec = d.config.switchTimeout;
  const dem = await d.send(a.demote);
  if (!dem) return `${from} did not answer its demotion`;
  if (!dem.ok) return `${from} did not confirm its demotion: ${dem.error ?? 'ERROR'}`;
  const ro = await untilReadOnly(d, from, timeoutSec * 1000);
  if (!ro.ok) return `${from} is not read-only without writing clients after its demotion: ${ro.why}`;
  const pos = await d.probe.position(from, PROBE_MS);
  if (!pos.ok) return `cannot read the position of ${from}: ${pos.error}`;
  const w = await d.probe.waitFor(to, pos.value, useGtid, Math.max(1, Math.round(timeoutSec)));
  const at = useGtid ? `GTID ${pos.value.gtid}` : `${pos.value.file}:${pos.value.position}`;
  if (!w.ok) return `${to} did not reach ${from}'s ${at} within switch_timeout (${timeoutSec} s): ${w.error}`;
  onPromoting();
  const p = await d.send(a.promote);
  if (!p?.ok) return `${to} did not confirm its promotion: ${p ? (p.error ?? 'ERROR') : 'no reply'}`;
  if (d.agents.obs[to]?.legacy && !(await untilWritable(d, to, timeoutSec * 1000))) return `${to} (MMM 2.x agent) answered OK but is still read-only`;
  return undefined;
}
