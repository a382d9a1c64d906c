// A CommandHost over plain data, for command handler tests.
import type { StatusDocument } from '@mmm/common';
import type { SwitchOutcome } from '../../src/actions/switch-writer';
import type { HostObservation, MonitorState } from '../../src/analysis/snapshot';
import { NOT_FLAPPING } from '../../src/analysis/flapping';
import type { CommandHost } from '../../src/commands';
import type { Recorded } from '../../src/decision-log';
import { normalizeAssignments } from '../../src/roles/role-table';
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
  warnings: string[] = [];

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
  observation(host: string): HostObservation {
    return this.obs[host];
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
  async switchWriter(from: string, to: string): Promise<SwitchOutcome> {
    this.switches.push([from, to]);
    if (this.switchResult.ok) this.state = { ...this.state, roles: this.state.roles.map((a) => (a.role === 'writer' ? { ...a, host: to } : a)) };
    return this.switchResult;
  }
  setHostState(host: string, state: MonitorState['hosts'][string]['state'], resetFlap = false): void {
    const prev = this.state.hosts[host];
    this.state = { ...this.state, hosts: { ...this.state.hosts, [host]: { ...prev, state, flap: resetFlap ? { ...NOT_FLAPPING } : prev.flap } } };
  }
  async cleanupAndSendStatus(): Promise<void> {
    this.cleanups++;
  }
  record(d: Recorded): void {
    this.recorded.push(d);
  }
  triggerPass(): void {
    this.passes++;
  }
}
