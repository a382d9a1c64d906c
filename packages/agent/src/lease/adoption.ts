// After a restart the agent's wanted state is UNKNOWN, but the node may still be the writer
// (writable, or holding a writer VIP). It then holds the lease from now on, so an agent restarted
// on a writer that is cut off still fences itself.
import type { AgentContext } from '../handlers/context';

/** Takes up the writer lease if the node looks like the writer. Unreadable state: nothing to adopt. */
export async function adoptWriterLease(ctx: Pick<AgentContext, 'mysql' | 'vips' | 'writerIps' | 'lease' | 'logger'>): Promise<void> {
  const [readOnly, vips] = await Promise.all([
    ctx.mysql.getReadOnly().catch(() => undefined),
    ctx.vips.list().catch(() => [] as string[]),
  ]);
  const writerVip = ctx.writerIps.some((ip) => vips.includes(ip));
  if (readOnly === false || writerVip) {
    ctx.lease.setHoldsWriter(true);
    ctx.logger.warn('this node looks like the writer (writable or holding the writer VIP): holding the writer lease until the monitor says otherwise', {
      writable: readOnly === false,
      writerVip,
    });
  }
}
