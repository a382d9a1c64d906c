// MMM's check_roles: after each monitor connection the node is put back into its wanted state
// (each held VIP present, the writer writable, everyone else read-only). Never lifts a fence.
import { reassert } from './roles/apply';
import type { AgentContext } from './handlers';

export function reassertRoles(ctx: Pick<AgentContext, 'wanted' | 'planHost' | 'apply' | 'lease' | 'exclusive' | 'logger'>): Promise<void> {
  // After a restart nothing was asked yet: nothing to put back.
  if (ctx.wanted.state === 'UNKNOWN') return Promise.resolve();
  return ctx.exclusive(async () => {
    const r = await reassert(ctx.wanted, ctx.planHost, ctx.apply, { fenced: ctx.lease.fenced });
    if (!r.ok) ctx.logger.error('re-asserting roles failed', { failed: r.failedSteps.map((f) => `${f.name}: ${f.error}`).join('; ') });
  });
}
