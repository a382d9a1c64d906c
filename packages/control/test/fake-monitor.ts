// A FAKE monitor for CLI tests: a real mutual-TLS listener from common that speaks MMM 2.x's control
// protocol (lines until `quit`, then the bare replies and a close) with MMM's texts, plus status_json.
import {
  CONTROL_COMMANDS,
  HELP_TEXT,
  createListener,
  encodeHistoryJson,
  encodeStatusJson,
  parseControlCommand,
  renderChecks,
  renderShow,
  texts,
  type CertKeyPair,
  type HistoryDocument,
  type Listener,
  type SocketConfig,
  type StatusDocument,
} from '@mmm/common';
import { MemoryLogger } from '@mmm/common/testing';
import { HOST } from './helpers';

export const T0 = '2026-11-23T17:46:52.000Z';

export function socketConfig(): SocketConfig {
  return { type: 'ssl', verifyMode: 1, tlsMinVersion: 'TLSv1.2', tlsListen: 'tls', tlsConnect: 'enforce', certExpiryWarnDays: 30, peerRoles: [] };
}

const checks = () => [
  { name: 'ping' as const, ok: true, message: 'OK', lastChange: T0 },
  { name: 'mysql' as const, ok: true, message: 'OK', lastChange: T0 },
  { name: 'rep_threads' as const, ok: true, message: 'OK', lastChange: T0 },
  { name: 'rep_backlog' as const, ok: true, message: 'OK: Backlog is null', lastChange: T0 },
];

/** The cluster of mmm-wire.md §3.2: db1, db2 masters, db3 slave; writer on db1. */
export function clusterDoc(): StatusDocument {
  const host = (name: string, ip: string, mode: 'master' | 'slave', roles: [string, string][], lag: number | null) => ({
    name, ip, mode, state: 'ONLINE' as const, roles: roles.map(([n, i]) => ({ name: n, ip: i })), stateChangedAt: T0,
    checks: checks(), replicationLagSeconds: lag, agentReachable: true, writable: name === 'db1', flapping: false,
  });
  return {
    schemaVersion: 1, generatedAt: T0, mode: 'ACTIVE', passiveCause: null,
    hosts: [
      host('db1', '10.77.0.11', 'master', [['reader', '10.77.0.103'], ['writer', '10.77.0.100']], 0),
      host('db2', '10.77.0.12', 'master', [['reader', '10.77.0.102']], 0),
      host('db3', '10.77.0.13', 'slave', [['reader', '10.77.0.101']], 2),
    ],
    roles: [
      { name: 'reader', mode: 'balanced', hosts: ['db1', 'db2', 'db3'], ips: [
        { ip: '10.77.0.101', assignedTo: 'db3' }, { ip: '10.77.0.102', assignedTo: 'db2' }, { ip: '10.77.0.103', assignedTo: 'db1' },
      ], preferredHost: null, activeMaster: false, reason: 'balanced over ONLINE hosts' },
      { name: 'writer', mode: 'exclusive', hosts: ['db1', 'db2'], ips: [{ ip: '10.77.0.100', assignedTo: 'db1' }],
        preferredHost: null, activeMaster: true, reason: 'startup vote: writable, IP configured' },
    ],
    warnings: [], decisions: [], lastMove: null,
  };
}

/** Two entries, newest first: a set_offline and the failover before it. */
export function historyDoc(): HistoryDocument {
  return {
    schemaVersion: 1, generatedAt: T0, next: null, truncated: false, source: 'audit_log',
    entries: [
      { time: '2026-11-23T17:46:50.000Z', kind: 'command', host: 'db3', role: null, reason: 'set_offline: db3 ONLINE -> ADMIN_OFFLINE by operator', blocked: false, durationMs: null },
      { time: '2026-11-23T17:40:01.250Z', kind: 'failover', host: 'db1', role: 'writer', reason: 'writer db2 HARD_OFFLINE: failover to db1', blocked: false, durationMs: 2250, details: { from: 'db2', to: 'db1', durationMs: 2250 } },
    ],
  };
}

export interface FakeMonitorOptions {
  pair?: CertKeyPair;
  /** CA that client certificates must chain to. */
  clientCa?: CertKeyPair;
  /** status_json answers with something that is not a valid document. */
  badStatusJson?: boolean;
  /** status_json polls that still show a writer move as running. */
  moveRunningPolls?: number;
  /** The writer move ends aborted instead of done. */
  abortMove?: boolean;
  /** Answer like an MMM 2.2.1 monitor: no status_json (MMM prints `Invalid command` and its help). */
  mmm2x?: boolean;
}

/** Monitor HA: a follower refuses every state change with texts.notLeader, naming `leader` or none. */
export interface FollowerRole {
  self: string;
  leader?: { monitor: string; control: string; term: number };
  why?: string;
}

/** MMM 2.2.1's help: ours without the lines we added. */
const MMM2X_HELP = HELP_TEXT.replace(/^ {4}(status_json|ack_failover|history) .*\n/gm, '');

export class FakeMonitor {
  doc = clusterDoc();
  history = historyDoc();
  /** Every command line received, in order (`quit` excluded). */
  readonly lines: string[] = [];
  connections = 0;
  /** Set: this monitor is a follower (monitor HA). */
  follower?: FollowerRole;
  private runningPolls = 0;
  private constructor(private readonly opts: FakeMonitorOptions, public listener?: Listener) {}

  /** Without a listener: `answer()` only (for tests of the command logic). */
  static detached(opts: FakeMonitorOptions = {}): FakeMonitor {
    return new FakeMonitor(opts);
  }

  static async start(opts: FakeMonitorOptions & { pair: CertKeyPair; clientCa: CertKeyPair }): Promise<FakeMonitor> {
    const m = new FakeMonitor(opts);
    m.listener = await createListener({
      host: HOST,
      port: 0,
      socket: socketConfig(),
      material: { cert: opts.pair.certPem, key: opts.pair.keyPem, ca: opts.clientCa.certPem },
      logger: new MemoryLogger(),
      handshakeTimeoutMs: 5000,
      onConnection: async (conn) => {
        m.connections++;
        let out = '';
        for await (const line of conn) {
          if (line === 'quit') break;
          m.lines.push(line);
          out += m.answer(line);
        }
        await conn.write(out);
        await conn.close();
      },
    });
    return m;
  }

  get port(): number {
    return (this.listener as Listener).port;
  }

  async stop(): Promise<void> {
    await this.listener?.close();
  }

  private role(name: string) {
    return this.doc.roles.find((r) => r.name === name);
  }

  /** MMM's reply to one line (what Monitor::Commands answers), against `doc`. */
  answer(line: string): string {
    const p = parseControlCommand(line);
    if (!p.ok) return p.reply;
    const c = p.command;
    if (this.follower && c.kind !== 'quit' && CONTROL_COMMANDS[c.kind].changesCluster) {
      return texts.notLeader(this.follower.self, this.follower.leader, this.follower.why ?? 'no leader key in etcd');
    }
    const doc = this.doc;
    const host = (h: string) => doc.hosts.find((x) => x.name === h);
    switch (c.kind) {
      case 'help': return HELP_TEXT;
      case 'ping': return texts.pingOk();
      case 'show': return renderShow(doc);
      case 'checks': return renderChecks(doc, c.host, c.check, { timeZone: 'utc' });
      case 'mode': return doc.mode;
      case 'set_active': return this.setMode('ACTIVE', texts.switchedActive(), texts.alreadyActive());
      case 'set_manual': return this.setMode('MANUAL', texts.switchedManual(), texts.alreadyManual());
      case 'set_passive': return this.setMode('PASSIVE', texts.switchedPassive(), texts.alreadyPassive());
      case 'set_online': {
        const h = host(c.host);
        if (!h) return texts.unknownHost(c.host);
        if (h.state === 'ONLINE') return texts.alreadyOnline();
        h.state = 'ONLINE';
        return texts.setOnlineOk(c.host);
      }
      case 'set_offline': {
        const h = host(c.host);
        if (!h) return texts.unknownHost(c.host);
        if (h.state === 'ADMIN_OFFLINE') return texts.alreadyOffline();
        h.state = 'ADMIN_OFFLINE';
        return texts.setOfflineOk(c.host);
      }
      case 'set_ip':
        return doc.mode === 'PASSIVE' ? texts.setIpOk('reader', c.ip, c.host) : texts.onlyInPassive();
      case 'move_role': {
        if (doc.mode === 'PASSIVE') return texts.notInPassive();
        const r = this.role(c.role);
        if (!r) return texts.unknownRole(c.role);
        if (!host(c.host)) return texts.unknownHost(c.host);
        if (!r.hosts.includes(c.host)) return texts.cantHandle(c.host, c.role, r.hosts);
        const from = r.ips[0].assignedTo;
        if (from === c.host) return texts.roleAlreadyThere(c.host);
        doc.lastMove = { role: c.role, from, to: c.host, startedAt: new Date().toISOString(), durationMs: null, outcome: 'running', reason: 'operator move_role' };
        this.runningPolls = this.opts.moveRunningPolls ?? 2;
        return texts.moveRoleOk(c.role, from, c.host);
      }
      case 'status_json': {
        if (this.opts.mmm2x) return `Invalid command 'status_json'\n\n${MMM2X_HELP}`;
        if (this.opts.badStatusJson) return JSON.stringify({ ...doc, schemaVersion: 99, mode: 'SOMETIMES' });
        this.progressMove();
        return encodeStatusJson(doc);
      }
      case 'ack_failover':
        if (this.opts.mmm2x) return `Invalid command 'ack_failover'\n\n${MMM2X_HELP}`;
        return texts.nothingToAck();
      case 'history':
        if (this.opts.mmm2x) return `Invalid command 'history'\n\n${MMM2X_HELP}`;
        return encodeHistoryJson({ ...this.history, entries: this.history.entries.slice(0, c.count) });
      case 'quit': return '';
    }
  }

  private setMode(m: StatusDocument['mode'], switched: string, already: string): string {
    if (this.doc.mode === m) return already;
    this.doc.mode = m;
    this.doc.passiveCause = m === 'PASSIVE' ? 'Admin switched to passive mode.' : null;
    return switched;
  }

  /** A running move finishes after `moveRunningPolls` status_json answers. */
  private progressMove(): void {
    const m = this.doc.lastMove;
    if (!m || m.outcome !== 'running') return;
    if (this.runningPolls-- > 0) return;
    if (this.opts.abortMove) {
      Object.assign(m, { outcome: 'aborted', durationMs: 10_000, reason: 'db2 did not catch up within switch_timeout (10 s)' });
      return;
    }
    const r = this.role(m.role);
    if (r) for (const ip of r.ips) ip.assignedTo = m.to;
    for (const h of this.doc.hosts) {
      h.roles = h.roles.filter((x) => x.name !== m.role);
      if (h.name === m.to && r) h.roles.push(...r.ips.map((i) => ({ name: r.name, ip: i.ip })));
    }
    Object.assign(m, { outcome: 'done', durationMs: 560 });
  }
}
