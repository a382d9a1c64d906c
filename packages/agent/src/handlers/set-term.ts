// SET_TERM (monitor HA, issue 19): a monitor with HA sends its term first on every connection.
// Decided under the agent's lock, so no state change of an older term runs after the OK; a new
// record is on disk (fsync'd) before the OK; a refusal ends the connection.
import { errorMessage, termTexts } from '@mmm/common';
import { decideTerm } from '../term/index';
import type { Handler } from './context';

export const setTerm: Handler<'SET_TERM'> = (ctx, req, from) =>
  ctx.exclusive(async () => {
    const t = ctx.term;
    const before = t.record;
    const offer = { cluster: req.cluster, term: req.term, monitor: req.monitor, ...(req.etcdClusterId ? { etcdClusterId: req.etcdClusterId } : {}) };
    const fields = { term: req.term, monitor: req.monitor, conn: from.connSeq };
    const d = decideTerm(before, offer, new Date(ctx.now()).toISOString());
    if (!d.ok) {
      from.close = true;
      ctx.logger.error(`SET_TERM refused: ${d.text}; closing that connection`, fields);
      return { ok: false, text: d.text };
    }
    if (d.write) {
      try {
        await t.store.save(d.next);
      } catch (e) {
        const text = termTexts.notRecorded(req.term, t.store.file, errorMessage(e));
        ctx.logger.error(`SET_TERM not taken: ${text}`, fields);
        return { ok: false, text };
      }
    }
    if (d.change === 'restart') {
      t.epoch++;
      ctx.logger.warn(
        `SET_TERM: the etcd cluster id changed from ${before?.etcdClusterId} to ${d.next.etcdClusterId}: the term record starts over (it held term ${before?.term} of monitor ${before?.monitor}); connections of the old record are refused`,
        fields,
      );
    }
    t.record = d.next;
    if (d.change !== 'same') {
      // Statuses of another term say nothing about this one: the accept order counts within a term.
      ctx.newestStatusConn = 0;
      ctx.logger.info(`term ${d.next.term} of monitor ${d.next.monitor} accepted${before ? ` (was term ${before.term} of monitor ${before.monitor})` : ' (the first term this agent has seen)'}`, {
        ...fields, cluster: d.next.cluster, etcd_cluster_id: d.next.etcdClusterId || 'none', file: t.store.file,
      });
    } else {
      ctx.logger.debug(`term ${req.term} of monitor ${req.monitor} again`, fields);
    }
    from.term = { term: d.next.term, monitor: d.next.monitor, epoch: t.epoch };
    return { ok: true, text: termTexts.accepted(d.next.term) };
  });
