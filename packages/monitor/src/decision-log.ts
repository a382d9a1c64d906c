// Every decision and blocked decision: logged with its reason and appended to the audit log
// (whose in-memory ring feeds status_json). A decision repeated pass after pass with the same
// reason (e.g. "waiting for the lease") is recorded once, not every 0.25 s.
import type { Logger } from '@mmm/common';
import type { Decision } from './analysis/result';
import type { AuditLog } from './persistence/audit-log';

/** A decision as recorded: what analysis, a command or an action decided, with optional details. */
export type Recorded = Decision & { details?: Record<string, unknown> };

// numbers in reasons (elapsed seconds…) change every pass without the decision changing
const shape = (d: Recorded): string => `${d.kind}|${d.host ?? ''}|${d.role ?? ''}|${d.blocked}|${d.reason.replace(/[\d.]+/g, '#')}`;

export class DecisionLog {
  private lastPass = new Set<string>();

  constructor(
    private readonly audit: AuditLog,
    private readonly logger: Logger,
    /** Told every recorded decision (notify_command). */
    private readonly onRecord?: (d: Recorded) => void,
  ) {}

  /** One decision outside the pass (commands, switchover): always recorded. */
  record(d: Recorded): void {
    this.audit.record(d);
    const meta = { kind: d.kind, ...(d.host ? { host: d.host } : {}), ...(d.role ? { role: d.role } : {}) };
    if (d.blocked) this.logger.warn(`blocked: ${d.reason}`, meta);
    else this.logger.info(`decision: ${d.reason}`, meta);
    this.onRecord?.(d);
  }

  /** The decisions of one pass; those already recorded in the previous pass are skipped. */
  recordPass(decisions: readonly Recorded[]): void {
    const seen = new Set<string>();
    for (const d of decisions) {
      const key = shape(d);
      seen.add(key);
      if (!this.lastPass.has(key)) this.record(d);
    }
    this.lastPass = seen;
  }
}
