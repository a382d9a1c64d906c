import { agentTexts, clipInput, errorMessage, rolesToString } from '@mmm/common';
import { planSetStatus } from '../roles/plan';
import { applySteps, observe } from '../roles/apply';
import type { Handler } from './context';
import { staleStatusReason } from '../lease/index';
import { refusalOf } from './validate';
import { admitByTerm } from './term-gate';
import { termFields } from '../term/index';

// Brings the node to the wanted state; OK only if every step worked, else ERROR naming the failed steps.
export const setStatus: Handler<'SET_STATUS'> = (ctx, req, from) =>
  ctx.exclusive(async () => {
    // Validation first: a refused request must not count as the newest monitor connection.
    const invalid = refusalOf(ctx, req);
    if (invalid) {
      ctx.logger.error(`SET_STATUS refused: ${clipInput(invalid)}`);
      return { ok: false, text: invalid };
    }
    const refusedByTerm = admitByTerm(ctx, from, 'SET_STATUS', { state: req.state, roles: rolesToString(req.roles), master: req.activeMaster });
    if (refusedByTerm) return refusedByTerm;
    const holdsWriter = req.roles.some((r) => r.name === ctx.config.activeMasterRole);
    const stale = staleStatusReason({ origin: from, newestStatusConn: ctx.newestStatusConn, fencedAtConn: ctx.lease.fenced ? ctx.fencedAtConn : undefined, givesWriter: holdsWriter });
    if (stale) {
      // End that connection too: a monitor still using it reconnects, and its next status counts.
      from.close = true;
      ctx.logger.error(`SET_STATUS refused: ${stale}; nothing changed, closing that connection`, { state: req.state, roles: rolesToString(req.roles) });
      return { ok: false, text: `Refused: ${stale}; nothing changed` };
    }
    ctx.newestStatusConn = from.connSeq;
    // no role sections (MMM 1.x agent file): learn the role IPs the monitor sends (validate.ts let them through)
    const unknown = req.roles.filter((r) => !ctx.roleIps.some((c) => c.name === r.name && c.ip === r.ip));
    if (unknown.length > 0 && ctx.learnRoles) {
      for (const r of unknown) {
        ctx.roleIps.push({ name: r.name, ip: r.ip });
        if (r.name === ctx.config.activeMasterRole && !ctx.writerIps.includes(r.ip)) ctx.writerIps.push(r.ip);
      }
      ctx.logger.info('role IPs learned from the monitor (no role sections in the config)', { roles: unknown.map((r) => `${r.name}(${r.ip})`).join(', ') });
    }
    const next = { state: req.state, roles: req.roles, activeMaster: req.activeMaster };
    try {
      const observed = await observe(ctx.apply, { semisync: ctx.semisync !== undefined });
      const steps = planSetStatus({
        prev: ctx.wanted,
        next,
        host: ctx.planHost,
        observed,
        masters: ctx.masters,
        writerIps: ctx.writerIps,
        graceMs: ctx.graceMs,
        catchUpTimeoutMs: ctx.catchUpTimeoutMs,
        ...(ctx.semisync ? { semisync: ctx.semisync } : {}),
      });
      // The monitor's wish is remembered even when a step fails (MMM does too): the next pass retries.
      ctx.wanted = next;
      const result = await applySteps(steps, ctx.apply);
      // Only a fully applied writer status lifts a fence; a failed one leaves the lease as it was.
      if (!holdsWriter || result.ok) ctx.lease.setHoldsWriter(holdsWriter);
      if (steps.some((s) => s.kind !== 'read_only' || !s.on)) {
        ctx.logger.info('SET_STATUS applied', {
          ...termFields(ctx.term, from.term),
          state: req.state,
          roles: rolesToString(req.roles),
          master: req.activeMaster,
          done: result.doneSteps.join(', '),
          ok: result.ok,
        });
      }
      if (result.ok) return { ok: true, text: agentTexts.statusApplied };
      const failed = result.failedSteps.map((f) => `${f.name} (${f.error})`).join('; ');
      const skipped = result.skippedSteps.length ? `; skipped: ${result.skippedSteps.join(', ')}` : '';
      ctx.logger.error('SET_STATUS not fully applied', { failed, skipped });
      return { ok: false, text: `Status not fully applied: failed: ${failed}${skipped}` };
    } catch (e) {
      return { ok: false, text: `Status not applied: ${errorMessage(e)}` };
    }
  });
