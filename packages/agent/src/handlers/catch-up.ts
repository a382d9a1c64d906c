// CATCH_UP (ours): before a failover promotes this host, the monitor has it fetch what another
// host received and it lacks — replicate from that host (GTID, its binary log must hold them:
// log_slave_updates) until `gtidSet` is applied, bounded by the request's timeout, then point
// replication back at the source it had (a master's peer, a replica's old writer), whatever the
// outcome. The host stays read-only throughout; a host holding the writer role refuses.
import { errorMessage } from '@mmm/common';
import type { Handler } from './context';
import { admitByTerm } from './term-gate';

export const catchUp: Handler<'CATCH_UP'> = async (ctx, req, from) => {
  const started = ctx.now();
  const src = ctx.config.hosts[req.source];
  if (!src || req.source === ctx.host.name) return { ok: false, text: `Cannot catch up from '${req.source}': not another host of the cluster` };
  if (ctx.wanted.roles.some((r) => r.name === ctx.config.activeMasterRole)) return { ok: false, text: 'This host holds the writer role: no catch-up' };
  const repl = ctx.apply.replication;
  if (!repl) return { ok: false, text: 'No replication_user/replication_password configured: cannot replicate from another host' };
  const creds = { user: repl.user, password: repl.password };
  const left = (): number => Math.max(0, started + req.timeoutMs - ctx.now());

  return ctx.exclusive(async () => {
    const refused = admitByTerm(ctx, from, 'CATCH_UP', { source: req.source, gtid: req.gtidSet });
    if (refused) return refused;
    const before = await ctx.mysql.slaveStatus().catch(() => undefined);
    const orig = before?.masterHost ? { host: before.masterHost, port: before.masterPort ?? src.mysqlPort } : undefined;
    let error: string | undefined;
    try {
      if (!(await ctx.mysql.getReadOnly())) throw new Error('this server is writable');
      // repoint first applies what the old source already sent, then switches with GTIDs
      await ctx.mysql.repoint({ host: src.ip, port: src.mysqlPort, ...creds }, left());
      await ctx.mysql.waitGtid(req.gtidSet, left());
    } catch (e) {
      error = errorMessage(e);
    }
    const ms = ctx.now() - started;
    let back: string;
    try {
      await ctx.mysql.stopSlave();
      if (orig) {
        await ctx.mysql.changeMaster({ host: orig.host, port: orig.port, ...creds });
        await ctx.mysql.startSlave();
        back = `replicates from ${orig.host}:${orig.port} again`;
      } else back = 'replication stopped (there was none before)';
    } catch (e) {
      back = `could not point replication back at ${orig ? `${orig.host}:${orig.port}` : 'its source'}: ${errorMessage(e)}`;
    }
    ctx.logger[error ? 'error' : 'info'](`catch-up from ${req.source} to ${req.gtidSet}: ${error ?? 'done'}; ${back}`, { ms });
    // no field separator may reach the reply line
    const text = (error ? `Not caught up to ${req.gtidSet} from ${req.source} after ${ms} ms: ${error}; ${back}` : `Caught up to ${req.gtidSet} from ${req.source} in ${ms} ms; ${back}`).replace(/\|/g, '/');
    return { ok: !error, text };
  });
};
