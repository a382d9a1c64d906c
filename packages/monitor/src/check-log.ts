// What the monitor logs about check results: a reported change at info, as before, except that a
// refused monitor account (missing GRANT, wrong password) is a warning, logged when it first shows
// (not only after trap_period) and again when its fix changes or the reported status changes.
import type { Logger } from '@mmm/common';
import type { RawCheckResult } from './checks/types';

export class CheckLog {
  /** `host/check` → the fix last warned about. */
  private readonly warned = new Map<string, string>();

  constructor(private readonly logger: Logger) {}

  /** `changed`: the check's reported (trapped) status changed with this result. */
  note(r: RawCheckResult, changed: boolean): void {
    const key = `${r.host}/${r.check}`;
    const line = `check ${r.check} on ${r.host}: ${r.message}`;
    if (r.cause) {
      const fresh = this.warned.get(key) !== r.cause.fix;
      this.warned.set(key, r.cause.fix);
      if (fresh || changed) this.logger.warn(line, { host: r.host, check: r.check, errno: r.cause.errno, fix: r.cause.fix });
      return;
    }
    this.warned.delete(key);
    if (changed) this.logger.info(line);
  }
}
