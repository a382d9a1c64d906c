// SIMULATED hosts for the benchmarks (a child process, never a real node):
// N fake agents, one mutual-TLS listener each (the real common `createListener`) on
// 127.0.10.1…N:PORT, answering the agent protocol from memory (PING, SET_STATUS — stored —,
// GET_AGENT_STATUS, GET_SYSTEM_STATUS, GET_HEALTH, GET_GTID, WAIT_GTID, CLEAR_BAD_ROLES; a
// standing WATCH_HEALTH is held for its bound: nothing ever changes here), and,
// with --mysql-port, N fake MySQL servers (mysql2's server-side protocol) on 127.0.10.1…N that
// accept any login and answer `SELECT NOW()` and `SHOW SLAVE STATUS` (replication running, lag 0).
// Prints one JSON line `{"ready":true,...}` on stdout once every listener is up; SIGTERM stops.
//
// usage: sim-agents.ts --count N --port P --tls-dir DIR [--mysql-port M] [--net 127.0.10]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as mysql from 'mysql2';
import {
  type AgentHealth, agentReplies, createListener, decodeAgentRequest, encodeAgentReply, healthReply, nullLogger, termTexts, watchHealthReply,
  type AgentState, type Listener, type RoleIp,
} from '@mmm/common';
import { sslSocket } from './tls';

const argv = process.argv.slice(2);
const arg = (name: string, def?: string): string => {
  const i = argv.indexOf(name);
  const v = i >= 0 ? argv[i + 1] : def;
  if (v === undefined) throw new Error(`missing ${name}`);
  return v;
};
const count = Number(arg('--count'));
const port = Number(arg('--port'));
const tlsDir = arg('--tls-dir');
const mysqlPort = Number(arg('--mysql-port', '0'));
const net = arg('--net', '127.0.10');
const t0 = Date.now();
const uptime = (): number => 1000 + (Date.now() - t0) / 1000;

interface HostState {
  state: AgentState;
  roles: RoleIp[];
  activeMaster: string;
}
const hosts = new Map<string, HostState>();
const stateOf = (h: string): HostState => {
  let s = hosts.get(h);
  if (!s) hosts.set(h, (s = { state: 'UNKNOWN', roles: [], activeMaster: '' }));
  return s;
};
const isWriter = (s: HostState): boolean => s.roles.some((r) => r.name === 'writer');

function healthOf(s: HostState): AgentHealth {
  const w = isWriter(s);
  return {
    mysqld: 'running', answering: true, writable: w, lease: w ? 'held' : 'none', ...(w ? { leaseLeftMs: 3000 } : {}),
    replication: 'configured', ioRunning: true, sqlRunning: true, ioConnected: true, lastHeartbeatAgeMs: 200,
    gtidIoPos: '0-1-100', gtidSlavePos: '0-1-100', gtidBinlogPos: '0-1-100', secondsBehind: 0,
  };
}

/** The simulated health never changes: generation 1, answered at the request's bound. */
async function answerLine(line: string, closed: Promise<void>): Promise<string> {
  const d = decodeAgentRequest(line);
  if (!d.ok || d.request.kind !== 'WATCH_HEALTH') return answer(line);
  const r = d.request;
  if (r.generation === 1) {
    let t: NodeJS.Timeout | undefined;
    await Promise.race([new Promise((res) => (t = setTimeout(res, r.timeoutMs))), closed]);
    clearTimeout(t);
  }
  return encodeAgentReply(watchHealthReply(healthOf(stateOf(r.host)), 1, uptime()));
}

function answer(line: string): string {
  const d = decodeAgentRequest(line);
  if (!d.ok) return encodeAgentReply(agentReplies.error(d.message, uptime()));
  const r = d.request;
  const s = stateOf(r.host);
  switch (r.kind) {
    case 'PING':
      return encodeAgentReply(agentReplies.pong(uptime()));
    case 'SET_STATUS':
      s.state = r.state;
      s.roles = r.roles;
      s.activeMaster = r.activeMaster;
      return encodeAgentReply(agentReplies.statusApplied(uptime()));
    case 'GET_AGENT_STATUS':
      return encodeAgentReply(agentReplies.agentStatus({ state: s.state, roles: s.roles, activeMaster: s.activeMaster }, uptime()));
    case 'GET_SYSTEM_STATUS':
      return encodeAgentReply(agentReplies.systemStatus({ writable: isWriter(s), roles: s.roles, masterIp: isWriter(s) ? '' : `${net}.1` }, uptime()));
    case 'GET_HEALTH':
      return encodeAgentReply(healthReply(healthOf(s), uptime()));
    case 'GET_GTID':
      return encodeAgentReply(agentReplies.gtid('0-1-100', uptime()));
    case 'WAIT_GTID':
      return encodeAgentReply(agentReplies.gtid('0-1-100', uptime()));
    case 'CLEAR_BAD_ROLES':
      return encodeAgentReply(agentReplies.removedRoles(0, uptime()));
    case 'CATCH_UP':
      // every simulated host is at 0-1-100: nothing to fetch
      return encodeAgentReply({ ok: true, text: `Caught up to ${r.gtidSet} from ${r.source} in 0 ms; replication stopped (there was none before)`, uptime: uptime() });
    case 'SET_TERM':
      // the simulator follows whatever term it is sent (no fencing to measure here)
      return encodeAgentReply({ ok: true, text: termTexts.accepted(r.term), uptime: uptime() });
    case 'WATCH_HEALTH':
      return encodeAgentReply(watchHealthReply(healthOf(s), 1, uptime())); // answerLine() holds it
  }
}

// ---- fake MySQL ---------------------------------------------------------------------------------

const col = (name: string, type = 253): Record<string, unknown> => ({
  catalog: 'def', schema: '', table: '', orgTable: '', name, orgName: name, characterSet: 33, columnLength: 255, columnType: type, flags: 0, decimals: 0,
});
const SLAVE_COLS: [string, string | null][] = [
  ['Slave_IO_State', 'Waiting for master to send event'], ['Master_Host', `${net}.1`], ['Master_User', 'repl'], ['Master_Port', '3306'],
  ['Connect_Retry', '1'], ['Master_Log_File', 'bin.000001'], ['Read_Master_Log_Pos', '1000'], ['Relay_Log_File', 'relay.000002'],
  ['Relay_Log_Pos', '500'], ['Relay_Master_Log_File', 'bin.000001'], ['Slave_IO_Running', 'Yes'], ['Slave_SQL_Running', 'Yes'],
  ['Last_Errno', '0'], ['Last_Error', ''], ['Exec_Master_Log_Pos', '1000'], ['Seconds_Behind_Master', '0'],
  ['Last_IO_Errno', '0'], ['Last_IO_Error', ''], ['Last_SQL_Errno', '0'], ['Last_SQL_Error', ''], ['Using_Gtid', 'Slave_Pos'],
  ['Gtid_IO_Pos', '0-1-100'], ['Slave_SQL_Running_State', 'Slave has read all relay log; waiting for more updates'],
];

interface SrvConn {
  serverHandshake(args: Record<string, unknown>): void;
  on(ev: string, f: (...a: unknown[]) => void): void;
  writeColumns(c: unknown[]): void;
  writeTextRow(r: unknown[]): void;
  writeEof(): void;
  writeOk(): void;
  writeError(a: { message: string; code: number }): void;
  sequenceId: number;
}
let connId = 1;
function mysqlConnection(c: SrvConn): void {
  c.serverHandshake({
    protocolVersion: 10, serverVersion: '10.11.0-MariaDB-simulated', connectionId: connId++, statusFlags: 2, characterSet: 33,
    capabilityFlags: 0xf7ff, authCallback: (_p: unknown, cb: (e: null) => void) => cb(null),
  });
  c.on('query', (q: unknown) => {
    c.sequenceId = 1; // the reply to a command (sequence 0) starts at 1
    const sql = String(q).trim().toUpperCase();
    if (sql.startsWith('SHOW SLAVE STATUS')) {
      c.writeColumns(SLAVE_COLS.map(([n]) => col(n)));
      c.writeTextRow(SLAVE_COLS.map(([, v]) => v));
      c.writeEof();
    } else if (sql.startsWith('SELECT')) {
      c.writeColumns([col('NOW()')]);
      c.writeTextRow([new Date().toISOString().slice(0, 19).replace('T', ' ')]);
      c.writeEof();
    } else if (sql.startsWith('SET') || sql.startsWith('DO')) {
      c.writeOk();
    } else {
      c.writeError({ message: `simulated server: unsupported ${sql.slice(0, 40)}`, code: 1064 });
    }
    // mysql2's server side does not reset the packet sequence per command: without these two
    // lines every reply drew ~28 "got packets out of order" lines on the monitor's stderr (and on
    // ours), which was most of the monitor's CPU in the 200-host runs before 2026-12-02.
    c.sequenceId = 0;
  });
  c.on('error', () => undefined);
}

async function main(): Promise<void> {
  const socket = sslSocket({ cert: join(tlsDir, 'agent.crt'), key: join(tlsDir, 'agent.key'), ca: join(tlsDir, 'ca.crt') });
  const material = { cert: readFileSync(socket.certFile!, 'utf8'), key: readFileSync(socket.keyFile!, 'utf8'), ca: readFileSync(socket.caFile!, 'utf8') };
  const listeners: Listener[] = [];
  const servers: import('node:net').Server[] = [];
  for (let i = 1; i <= count; i++) {
    const host = `${net}.${i}`;
    listeners.push(
      await createListener({
        host, port, socket, material, logger: nullLogger, idleTimeoutMs: 0,
        onConnection: async (conn) => {
          for await (const line of conn) await conn.writeLine(await answerLine(line, conn.whenClosed()));
        },
      }),
    );
    if (mysqlPort) {
      // mysql2's Server wraps a net.Server (`_server`); listen on it directly (typed listen takes a port only)
      const srv = mysql.createServer((c) => mysqlConnection(c as unknown as SrvConn));
      const ns = (srv as unknown as { _server: import('node:net').Server })._server;
      await new Promise<void>((res, rej) => {
        ns.once('error', rej);
        ns.listen(mysqlPort, host, () => res());
      });
      servers.push(ns);
    }
  }
  const stop = async (): Promise<void> => {
    await Promise.all(listeners.map((l) => l.close()));
    for (const s of servers) s.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.stdout.write(`${JSON.stringify({ ready: true, count, port, mysqlPort, net })}\n`);
}

main().catch((e: Error) => {
  process.stderr.write(`sim-agents: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
