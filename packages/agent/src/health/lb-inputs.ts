// What the health endpoints decide on, gathered from the agent's own state: the monitor's wanted
// status (SET_STATUS), the writer lease, and the health watch's MySQL observation — reused when
// under half a second old and begun after the agent's last state change, else refreshed once for
// every waiting check and waited for at most 300 ms (a hung server then answers from the last
// observation, which soon counts as stale).
import type { AgentContext } from '../handlers/context';
import type { HealthWatch } from './health-watch';
import type { LbInputs } from './lb-checks';

/** Reuse an observation this young; refresh an older one. */
export const LB_FRESH_MS = 500;
/** Wait this long for a refresh before answering from the last observation. */
export const LB_QUICK_MS = 300;
/** An observation older than this is not trusted (the watch collects every second). */
export const LB_MAX_AGE_MS = 3_000;

/** changedAt: when the agent's last state change ended; an observation begun before it is refreshed. */
export function lbInputsOf(
  ctx: Pick<AgentContext, 'host' | 'config' | 'wanted' | 'lease'>,
  watch: Pick<HealthWatch, 'recent'>,
  changedAt: () => number = () => Number.NEGATIVE_INFINITY,
): () => Promise<LbInputs> {
  return async () => {
    const recent = await watch.recent(LB_FRESH_MS, LB_QUICK_MS, changedAt());
    const mysql = recent ? { facts: recent.facts, ageMs: recent.ageMs } : undefined;
    // read after the wait: a SET_STATUS may have landed meanwhile
    const lease = ctx.lease.status();
    return {
      host: ctx.host.name,
      state: ctx.wanted.state,
      roles: ctx.wanted.roles,
      writerRole: ctx.config.activeMasterRole,
      lease: { status: lease.status, msLeft: lease.msLeft },
      leaseConfigured: ctx.config.writerLease > 0,
      fenced: ctx.lease.fenced,
      mysql,
      maxAgeMs: LB_MAX_AGE_MS,
    };
  };
}
