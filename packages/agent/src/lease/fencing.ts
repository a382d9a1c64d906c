// Self-fencing: what a writer does once its lease ran out and its peer is unreachable too (it is
// probably the isolated one), before anyone else is promoted.
import { MmmError } from '@mmm/common';
import { type ApplyDeps, applySteps } from '../roles/apply';
import type { Step } from '../roles/plan';
import type { AgentContext } from '../handlers/context';

/** Self-fencing for the writer lease (and any "stop writing now"): every part is tried; throws
 *  MmmError listing what failed so the lease guard retries. */
export async function fenceWriter(d: Pick<ApplyDeps, 'mysql' | 'vips' | 'logger' | 'sleep' | 'reject'>, writerIps: readonly string[]): Promise<void> {
  const steps: Step[] = [
    { kind: 'read_only', on: true, name: 'read_only=1', group: 'demote', halts: false },
    { kind: 'end_connections', name: 'end client connections', group: 'demote', halts: false },
    ...writerIps.map((ip): Step => ({ kind: 'del_vip', role: { name: 'writer', ip }, name: `del ${ip}`, group: 'demote', halts: false })),
  ];
  const r = await applySteps(steps, d);
  if (!r.ok) throw new MmmError('SYSTEM', `fencing incomplete: ${r.failedSteps.map((f) => `${f.name} (${f.error})`).join('; ')}`);
}

/** The lease guard's fence step (and each retry), under the agent's lock. Checked again there: a
 *  writer status queued before this retry may have lifted the fence, and fencing after it would
 *  take down the writer the monitor just made. */
export function fenceUnlessLifted(ctx: Pick<AgentContext, 'exclusive' | 'lease' | 'apply' | 'writerIps'>): Promise<void> {
  return ctx.exclusive(() => (ctx.lease.fenced ? fenceWriter(ctx.apply, ctx.writerIps) : Promise.resolve()));
}
