import { agentTexts, errorMessage } from '@mmm/common';
import { clearBadRoles as clear } from '../roles/apply';
import type { Handler } from './context';

// Removes configured role IPs that are on the interface but not held by this host.
export const clearBadRoles: Handler<'CLEAR_BAD_ROLES'> = (ctx) =>
  ctx.exclusive(async () => {
    try {
      const n = await clear(ctx.roleIps.map((r) => r.ip), ctx.wanted.roles, ctx.vips, ctx.logger);
      return { ok: true, text: agentTexts.removedRoles(n) };
    } catch (e) {
      return { ok: false, text: `Could not clear bad roles: ${errorMessage(e)}` };
    }
  });
