// What the daemon tests' fake agents share (db1..db4 of makeConfig, db1 the writer): the roles each
// holds at the start, its health, and the replies to the read commands. Each test's fake adds
// what it is about (the standing WATCH_HEALTH, a cut cable, a log of the commands in order).
import { type AgentHealth, type AgentReply, type AgentRequest, encodeHealth } from '@mmm/common';

export const FAKE_ROLES: Record<string, string> = { db1: 'reader(10.0.0.101),writer(10.0.0.100)', db2: 'reader(10.0.0.102)', db3: 'reader(10.0.0.103)', db4: 'reader(10.0.0.104)' };

export class FakeAgentBase {
  state = 'ONLINE';
  roles: string;
  health: AgentHealth;

  constructor(readonly name: string) {
    this.roles = FAKE_ROLES[name]!;
    this.health = name === 'db1'
      ? { mysqld: 'running', answering: true, writable: true, lease: 'held', leaseLeftMs: 9000 }
      : { mysqld: 'running', answering: true, writable: false, lease: 'none', replication: 'configured', ioConnected: true, sqlRunning: true, secondsBehind: 0 };
  }

  protected ok(message: string, fields: string[] = []): AgentReply {
    return { ok: true, message, fields, uptime: 5000 };
  }

  /** GET_AGENT_STATUS, GET_SYSTEM_STATUS, GET_HEALTH, GET_GTID; undefined for any other request. */
  protected read(req: AgentRequest): AgentReply | undefined {
    switch (req.kind) {
      case 'GET_AGENT_STATUS': return this.ok('Returning status!', [this.state, this.roles, this.name === 'db1' || this.name === 'db2' ? '' : 'db1']);
      case 'GET_SYSTEM_STATUS': return this.ok('Returning status!', [this.health.writable ? '1' : '', this.roles, this.name === 'db1' ? '10.0.0.12' : '10.0.0.11']);
      case 'GET_HEALTH': return this.ok('Returning health!', [encodeHealth(this.health)]);
      case 'GET_GTID': return this.ok('0-1-10');
      default: return undefined;
    }
  }

  /** A SET_STATUS's state and roles, as the agent then reports them. */
  protected take(req: Extract<AgentRequest, { kind: 'SET_STATUS' }>): void {
    this.state = req.state;
    this.roles = req.roles.map((r) => `${r.name}(${r.ip})`).sort().join(',');
  }
}
