import { agentTexts, errorMessage } from '@mmm/common';
import { clearBadRoles as clear } from '../roles/apply';
import type { Handler } from './context';
import { admitByTerm } from './term-gate';

// Removes configured role IPs that are on the interface but not held by this host.
export const clearBadRoles: Handler<'CLEAR_BAD_ROLES'> = (ctx, _req, from) =>
  ctx.exclusive(async () => {
    const refused = admitByTerm(ctx, from, 'CLEAR_BAD_ROLES');
    if (refused) return refused;
    try {
      const n = await clear(ctx.roleIps.map((r) => r.ip), ctx.wanted.roles, ctx.vips, ctx.logger);
      return { ok: true, text: agentTexts.removedRoles(n) };
    } catch (e) {
      return { ok: false, text: `Could not clear bad roles: ${errorMessage(e)}` };
    }
  });
