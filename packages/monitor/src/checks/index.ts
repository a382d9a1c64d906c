// The monitor's checks (reference/mmm.md §5) and their scheduler.
import { MysqlSessions } from './mysql-sessions';
import { makeMysqlCheck } from './mysql';
import { type PingOptions, makePingCheck } from './ping';
import { type ReplicationCheckOptions, makeRepBacklogCheck, makeRepThreadsCheck } from './replication';
import type { CheckFunctions } from './types';

export * from './types';
export * from './mysql-sessions';
export * from './endpoint';
export * from './slave-status';
export * from './ping';
export { makeMysqlCheck } from './mysql';
export { makeRepThreadsCheck, makeRepBacklogCheck, type ReplicationCheckOptions } from './replication';
export * from './runner';
export * from './change-log';

export interface CheckFunctionOptions extends PingOptions, ReplicationCheckOptions {
  /** Shared connection pool; the caller closes it on shutdown. */
  sessions: MysqlSessions;
}

/** The four MMM checks, sharing one MySQL connection per host. */
export function createCheckFunctions(opts: CheckFunctionOptions): CheckFunctions {
  return {
    ping: makePingCheck(opts),
    mysql: makeMysqlCheck(opts.sessions, opts),
    rep_threads: makeRepThreadsCheck(opts.sessions, opts),
    rep_backlog: makeRepBacklogCheck(opts.sessions, opts),
  };
}
