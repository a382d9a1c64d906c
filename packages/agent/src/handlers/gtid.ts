import { errorMessage } from '@mmm/common';
import type { Handler } from './context';
import { admitByTerm } from './term-gate';

// GET_GTID: what this server has written or applied (MariaDB gtid_binlog_pos / MySQL gtid_executed).
export const getGtid: Handler<'GET_GTID'> = async (ctx) => {
  try {
    const pos = await ctx.mysql.gtidPositions();
    // Newlines in MySQL's gtid_executed would break the line protocol.
    return { ok: true, text: pos.own.replace(/\s+/g, '') };
  } catch (e) {
    return { ok: false, text: `Could not read GTID position: ${errorMessage(e)}` };
  }
};

// WAIT_GTID: OK once `gtidSet` is executed here; ERROR at the bound.
export const waitGtid: Handler<'WAIT_GTID'> = async (ctx, req, from) => {
  // not under the lock (it only waits), so the gate is the dispatcher's and this one
  const refused = admitByTerm(ctx, from, 'WAIT_GTID', { gtid: req.gtidSet });
  if (refused) return refused;
  const started = ctx.now();
  try {
    await ctx.mysql.waitGtid(req.gtidSet, req.timeoutMs);
    return { ok: true, text: `GTID ${req.gtidSet} executed after ${ctx.now() - started} ms` };
  } catch (e) {
    return { ok: false, text: `GTID ${req.gtidSet} not executed: ${errorMessage(e)}` };
  }
};
