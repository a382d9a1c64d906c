// A CommandHost over plain data, for command handler tests.
import type { HistoryDocument, StatusDocument } from '@mmm/common';
import type { SwitchOutcome } from '../../src/actions/switch-writer';
import type { HostObservation, MonitorState } from '../../src/analysis/snapshot';
import { NOT_FLAPPING } from '../../src/analysis/flapping';
import { withHostState } from '../../src/analysis/operator';
import type { SwitchAction } from '../../src/analysis/planned-switch';
import type { Action } from '../../src/analysis/result';
import type { CommandHost } from '../../src/commands';
import type { Recorded } from '../../src/decision-log';
import { AuditLog } from '../../src/persistence/audit-log';
import type { HistoryQuery } from '../../src/persistence/history';
import { AuditHistory } from '../../src/persistence/history-read';
import { normalizeAssignments } from '../../src/analysis/roles/role-table';
import { buildStatusDocument } from '../../src/status/build-status';
import { checks, makeConfig } from '../fixtures';

export class FakeHost implements CommandHost {
  readonly config = makeConfig();
  state: MonitorState;
  obs: Record<string, HostObservation> = {};
  agentUp: Record<string, boolean> = { db1: true, db2: true, db3: true, db4: true };
  recorded: Recorded[] = [];
  passes = 0;
  switches: Array<[string, string]> = [];
  switchResult: SwitchOutcome = { ok: true, durationMs: 5 };
  cleanups = 0;
  executed: Action[] = [];
  warnings: string[] = [];
  /** What record() was given, in memory (history reads it). */
  readonly audit = new AuditLog({ keep: 1000 });

  constructor() {
    const roles = normalizeAssignments(this.config.roles, [
      { role: 'writer', ip: '10.0.0.100', host: 'db1' },
      { role: 'reader', ip: '10.0.0.101', host: 'db1' },
      { role: 'reader', ip: '10.0.0.102', host: 'db2' },
      { role: 'reader', ip: '10.0.0.103', host: 'db3' },
      { role: 'reader', ip: '10.0.0.104', host: 'db4' },
    ]);
    const h = (state: MonitorState['hosts'][string]['state']) => ({ state, since: 1000, lastUptime: 0, flap: { ...NOT_FLAPPING } });
    this.state = { mode: 'ACTIVE', modeSince: 0, roles, lastWriter: 'db1', hosts: { db1: h('ONLINE'), db2: h('ONLINE'), db3: h('ONLINE'), db4: h('AWAITING_RECOVERY') } };
    for (const n of Object.keys(this.config.hosts)) this.obs[n] = { checks: checks([], 1000), agent: { reachable: true, lastContact: 1000 } };
  }

  now(): number {
    return 5000;
  }
  observations(): Record<string, HostObservation> {
    return this.obs;
  }
  async pingAgent(host: string): Promise<boolean> {
    return this.agentUp[host];
  }
  statusDocument(): StatusDocument {
    return buildStatusDocument({ config: this.config, state: this.state, hosts: this.obs, warnings: this.warnings, decisions: [], lastMove: null, roleReasons: {}, now: 5000 });
  }
  showWarnings(): string[] {
    return this.warnings;
  }
  async runSwitch(a: SwitchAction): Promise<SwitchOutcome> {
    this.switches.push([a.from, a.to]);
    if (this.switchResult.ok) this.state = { ...this.state, roles: this.state.roles.map((r) => (r.role === 'writer' ? { ...r, host: a.to } : r)) };
    return this.switchResult;
  }
  setHostState(host: string, state: MonitorState['hosts'][string]['state']): void {
    this.state = withHostState(this.state, host, state, this.now());
  }
  async execute(actions: readonly Action[]): Promise<void> {
    this.executed.push(...actions);
    // leaving PASSIVE is MMM's cleanup_and_send_status: CLEAR_BAD_ROLES to every agent, then statuses
    if (actions.some((a) => a.kind === 'clear_bad_roles')) this.cleanups++;
  }
  record(d: Recorded): void {
    this.recorded.push(d);
    this.audit.record(d);
  }
  history(q: HistoryQuery): Promise<HistoryDocument> {
    return new AuditHistory(this.audit).page(q);
  }
  triggerPass(): void {
    this.passes++;
  }
}
