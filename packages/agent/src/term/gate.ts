// Which commands the term gates, and the fields that name a command's term in the log. Pure.
import type { ConnTerm, TermInForce } from './decide';

/** The catalog's state-changing commands (@mmm/common): once a term was seen, only its monitor's connections may send them. */
export { TERM_GATED } from '@mmm/common';

/** `term=` and `monitor=` of a connection's commands while a term is in force ({} before any term):
 *  the e2e tests read them to check that no command of a term below the highest was applied. */
export function termFields(t: TermInForce, conn: ConnTerm | undefined): { term?: number | 'none'; monitor?: string } {
  if (!t.record) return {};
  return conn && conn.epoch === t.epoch ? { term: conn.term, monitor: conn.monitor } : { term: 'none' };
}
