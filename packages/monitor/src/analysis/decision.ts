// One decision of the monitor, taken or blocked, with its reason. The kinds are the one
// vocabulary shared with the audit log and status_json (common's DECISION_KINDS).
import type { DecisionKind } from '@mmm/common/pure';

export type { DecisionKind } from '@mmm/common/pure';

export interface Decision {
  kind: DecisionKind;
  host?: string;
  role?: string;
  reason: string;
  /** true: the decision was reached but not acted on (mode, flapping, writer safety…). */
  blocked: boolean;
}
