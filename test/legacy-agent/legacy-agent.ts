// legacy-agent: a TEST DOUBLE that behaves like an MMM 2.2.1 agent (mmm_agentd), for mixed-cluster
// tests of issue 14. Written from the documented behaviour in reference/mmm-interop.md,
// mmm-wire.md and mmm.md, not from MMM's code. Never run it on a real node.
//
//   node --import tsx test/legacy-agent/legacy-agent.ts -c mmm_agent.conf [options]
//
//   -c FILE               MMM 2.x agent config (include mmm_common.conf + `this`), read with
//                         @mmm/common's loader: this host's ip/agent_port/mysql_port/agent_user/
//                         replication_user/cluster_interface/mode/peer, the roles' ips,
//                         active_master_role, max_kill_retries and <socket>.
//   --log FILE            append log lines there (default: stderr). Both processes write to it.
//   --restart-delay S     the angel's sleep before restarting a failed child (default 10, as MMM).
//   --interface DEV       put role IPs on DEV instead of cluster_interface.
//   --no-ip               touch no interface: every role IP counts as absent (runs without root).
//   --kill-round S        seconds between mysql_deny_write's kill rounds (default 1, as MMM).
//   --pos-wait-timeout S  bound MASTER_POS_WAIT (default: unbounded, as MMM).
//   --child               internal: be the worker (the angel starts it with this flag).
//
// Which documented behaviour each part follows:
// - Process (mmm.md §1.1): the process started is the "angel"; it runs the worker as a child
//   (same script, --child), restarts it after --restart-delay when it exits non-zero
//   (`FATAL Child exited with exitcode 1, restarting after 10 second sleep`), at once when a
//   signal killed it, gives up after 10 failures within 300 s, and stops when it exits 0.
//   SIGTERM/SIGINT to the angel stop the child (SIGTERM, SIGKILL after 5 s), then the angel.
//   The worker exits when the angel goes away. Tests track the angel's PID.
// - Listener (mmm-wire.md §3.1, §3.3): on this host's ip:agent_port, one connection at a time,
//   several lines per connection; plain or `<socket> type ssl` with a client certificate
//   required and verified against ca_file (no name or role check). See serial-server.ts.
// - Wire (mmm-wire.md §3.1, mmm.md §3.1): `CMD|version|host|args…`, MMM's reply texts, each
//   followed by `|UP:<first field of /proc/uptime>`; every command but PING, SET_STATUS,
//   GET_AGENT_STATUS, GET_SYSTEM_STATUS, CLEAR_BAD_ROLES → `ERROR: Invalid command '<CMD>'!`.
//   Each answer is logged as `Daemon: Answer = '<text>'`. See wire.ts.
// - Commands (mmm.md §6, mmm-wire.md §3.1): see agent.ts. SET_STATUS always answers OK;
//   writer added → sync_with_master + read_only=0; writer removed → read_only=1 + kill client
//   threads (mysql-helpers.ts); every role → `ip addr add|del IP/32 dev IF` (+ arping, if there);
//   a replica told of a new master re-points (MASTER_POS_WAIT on the old master's position, STOP
//   SLAVE, CHANGE MASTER to the new master's SHOW MASTER STATUS file/position with the
//   replication account, START SLAVE); roles re-asserted after every connection; roles in memory
//   only. GET_SYSTEM_STATUS with mysqld down: the worker logs Perl's
//   `Can't call method "selectrow_hashref" on an undefined value …` and exits 1.
// Where the documents are silent, this double chooses (and tests rely on):
// - GET_SYSTEM_STATUS lists role IPs in config order (MMM: Perl hash order, which varies).
// - "mysqld down" = the agent account cannot connect to ip:mysql_port (5 s connect timeout);
//   the interface is checked first, so an `ip` failure still gives MMM's ERROR reply.
// - kill_sql kills every client thread not running a writing statement each round and stops
//   when it spared none (so idle clients cost no 1 s wait); writing ones die in the last round.
// - set_active_master remembers the new master even when the switch failed (the reply is OK
//   anyway), and leaves replication stopped when the new master does not answer.
// - A client certificate from another CA is dropped without the `unknown ca` alert MMM's
//   OpenSSL sends (Node verifies after the handshake); it is refused all the same.
// - arping (iputils, one unsolicited ARP, not awaited) stands in for Net::ARP.
// Not modelled: 1.x wire format, FreeBSD/Solaris ifconfig, pid files, Log4perl configs, the
// SIGPIPE death of mmm-wire.md §5.2.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadConfig } from '@mmm/common';
import { LegacyAgent } from './agent';
import { ipHelpers, noIpHelpers } from './ip-helpers';
import { makeLog, type Log } from './log';
import { mysqlHelpers } from './mysql-helpers';
import { startSerialServer } from './serial-server';
import { parseLine, withUptime } from './wire';

interface Options {
  config: string;
  log?: string;
  restartDelayS: number;
  device?: string;
  noIp: boolean;
  killRoundS: number;
  posWaitTimeoutS?: number;
  child: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { config: '', restartDelayS: 10, noIp: false, killRoundS: 1, child: false };
  const value = (i: number): string => {
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`${argv[i]} needs a value`);
    return v;
  };
  const seconds = (i: number): number => {
    const n = Number(value(i));
    if (!Number.isFinite(n) || n < 0) throw new Error(`${argv[i]}: not a number of seconds: ${argv[i + 1]}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-c' || a === '--config') o.config = value(i++);
    else if (a === '--log') o.log = value(i++);
    else if (a === '--restart-delay') o.restartDelayS = seconds(i++);
    else if (a === '--interface') o.device = value(i++);
    else if (a === '--no-ip') o.noIp = true;
    else if (a === '--kill-round') o.killRoundS = seconds(i++);
    else if (a === '--pos-wait-timeout') o.posWaitTimeoutS = seconds(i++);
    else if (a === '--child') o.child = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!o.config) throw new Error('-c FILE is required');
  return o;
}

const uptime = (): string => readFileSync('/proc/uptime', 'utf8').split(' ')[0] ?? '0';

async function runWorker(o: Options, log: Log): Promise<void> {
  const { config } = loadConfig({ program: 'agent', file: o.config });
  const name = config.this!;
  const me = config.hosts[name]!;
  const hostOf = (h: string) => (Object.hasOwn(config.hosts, h) ? config.hosts[h] : undefined);
  const endpoint = (h: string) => {
    const c = hostOf(h);
    return c ? { host: c.ip, port: c.mysqlPort } : undefined;
  };
  const device = o.device ?? me.clusterInterface ?? 'eth0';
  const agent = new LegacyAgent({
    mode: me.mode,
    ...(me.peer && endpoint(me.peer) ? { peer: endpoint(me.peer)! } : {}),
    writerRole: config.activeMasterRole,
    configuredRoles: Object.values(config.roles).flatMap((r) => r.ips.map((ip) => ({ name: r.name, ip }))),
    mysqlOf: endpoint,
    mysql: mysqlHelpers({
      self: { host: me.ip, port: me.mysqlPort },
      agent: { user: me.agentUser ?? '', password: me.agentPassword ?? '' },
      replication: { user: me.replicationUser ?? '', password: me.replicationPassword ?? '' },
      maxKillRetries: config.maxKillRetries,
      killRoundS: o.killRoundS,
      ...(o.posWaitTimeoutS !== undefined ? { posWaitTimeoutS: o.posWaitTimeoutS } : {}),
    }),
    ip: o.noIp ? noIpHelpers(log) : ipHelpers(device, log),
    log,
    die: (code) => process.exit(code),
  });
  const s = config.socket;
  const server = await startSerialServer({
    host: me.ip,
    port: me.agentPort,
    ...(s.type === 'ssl'
      ? { tls: { cert: readFileSync(s.certFile!, 'utf8'), key: readFileSync(s.keyFile!, 'utf8'), ca: readFileSync(s.caFile!, 'utf8') } }
      : {}),
    onLine: async (line) => {
      log('DEBUG', `Daemon: Command = '${line}'`);
      const p = parseLine(line, name);
      if (p.versionWarning) log('WARN', `Version in command '${line}' is greater than mine (1)`);
      const text = p.ok ? await agent.answer(p) : p.reply;
      log('DEBUG', `Daemon: Answer = '${text}'`);
      return withUptime(text, uptime());
    },
    afterConnection: () => agent.checkRoles(),
    onError: (m) => log('ERROR', `Listener: ${m}`),
  });
  log('INFO', `Listener: listening on ${me.ip}:${me.agentPort} (${s.type}), pid ${process.pid}, host ${name}, interface ${o.noIp ? '(none: --no-ip)' : device}`);
  const stop = (): void => {
    server.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop); // the angel is gone
}

// mmm.md §1.1: restart after a non-zero exit (after the delay), at once after a signal; give up
// after 10 failures within 300 s; stop on exit 0.
function runAngel(o: Options, argv: string[], log: Log): void {
  const failures: number[] = [];
  let child: ChildProcess | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;

  const start = (): void => {
    child = spawn(process.execPath, [...process.execArgv, __filename, ...argv, '--child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    log('INFO', `Angel: started child pid ${child.pid}`);
    child.once('exit', (code, signal) => {
      child = undefined;
      if (stopping) return process.exit(0);
      if (code === 0) return process.exit(0);
      const now = Date.now();
      failures.push(now);
      while (failures.length && now - failures[0]! > 300_000) failures.shift();
      if (failures.length >= 10) {
        log('FATAL', 'Child exited with errors 10 times within 300 seconds, giving up');
        return process.exit(1);
      }
      if (signal) {
        log('FATAL', `Child exited with signal ${signal}, restarting`);
        return start();
      }
      log('FATAL', `Child exited with exitcode ${code}, restarting after ${o.restartDelayS} second sleep`);
      timer = setTimeout(start, o.restartDelayS * 1000);
    });
  };
  const stop = (): void => {
    stopping = true;
    if (timer) clearTimeout(timer);
    if (!child) return process.exit(0);
    child.kill('SIGTERM');
    setTimeout(() => child?.kill('SIGKILL'), 5_000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  start();
}

function main(): void {
  const argv = process.argv.slice(2);
  let o: Options;
  try {
    o = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`legacy-agent: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const log = makeLog(o.log);
  if (!o.child) return runAngel(o, argv, log);
  runWorker(o, log).catch((e: Error) => {
    log('FATAL', `Could not start: ${e.message}`);
    process.exit(1);
  });
}

// Only as a program: mocha given the folder loads every .ts in it.
if (require.main === module) main();
