// A real HAProxy in a namespace of the sandbox, routing MySQL to whichever node's agent answers
// 200 on /writer (HTTPS with a client certificate, `check-ssl crt … ca-file …`). The config text
// is what docs/observability.md shows; every server state change HAProxy logs is kept with the
// time we read it, for the timeline.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { processAlive, stopPid } from '../../../packages/sandbox/src';

export interface HaproxyServer {
  name: string;
  ip: string;
  mysqlPort: number;
  /** The agent's health_listen (or health_http_listen) port. */
  healthPort: number;
}

export interface HaproxyConfigOptions {
  /** Where clients connect, e.g. 127.0.0.1:3306. */
  bind: string;
  servers: HaproxyServer[];
  /** HTTPS checks: the client certificate and key in one PEM, and the cluster CA. Absent: plain HTTP. */
  tls?: { crt: string; ca: string };
}

/** The tested configuration (docs/observability.md#load-balancers shows it). */
export function haproxyConfig(o: HaproxyConfigOptions): string {
  const check = o.tls ? `check-ssl crt ${o.tls.crt} ca-file ${o.tls.ca} ` : '';
  return [
    'global',
    '    log stdout format raw local0 info',
    '',
    'defaults',
    '    mode tcp',
    '    log global',
    '    timeout connect 2s',
    '    timeout client 1m',
    '    timeout server 1m',
    '    timeout check 2s',
    '',
    'frontend mysql_writer',
    `    bind ${o.bind}`,
    '    default_backend mysql_writer',
    '',
    'backend mysql_writer',
    '    option httpchk GET /writer',
    '    http-check expect status 200',
    // one check every 500 ms, one answer decides; the writer's sessions end when it goes DOWN
    `    default-server check ${check}inter 500ms fall 1 rise 1 on-marked-down shutdown-sessions`,
    ...o.servers.map((s) => `    server ${s.name} ${s.ip}:${s.mysqlPort} port ${s.healthPort}${o.tls ? ` verifyhost ${s.name}` : ''}`),
    '',
  ].join('\n');
}

export interface HaproxyEvent {
  t: number;
  server: string;
  state: 'UP' | 'DOWN';
  line: string;
}

export interface Haproxy {
  pid: number;
  events: HaproxyEvent[];
  /** First time `server` went `state` at or after `since`. */
  first(server: string, state: 'UP' | 'DOWN', since: number): HaproxyEvent | undefined;
  /** Servers UP now, as HAProxy last logged (every server starts UP until its first check). */
  up(): string[];
  output(): string;
  stop(): Promise<void>;
}

/** `ip netns exec NS haproxy -f FILE -db` (foreground; `ip netns exec` execs it, so the PID is HAProxy's). */
export function startHaproxy(ns: string, configFile: string, config: string, servers: string[]): Haproxy {
  writeFileSync(configFile, config, { mode: 0o600 });
  const child: ChildProcess = spawn('ip', ['netns', 'exec', ns, 'haproxy', '-f', configFile, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
  if (!child.pid) throw new Error('could not start haproxy');
  const pid = child.pid;
  const events: HaproxyEvent[] = [];
  const state = new Map(servers.map((s) => [s, 'UP' as 'UP' | 'DOWN']));
  let out = '';
  const onLine = (line: string): void => {
    out = (out + line + '\n').slice(-20_000);
    if (line.startsWith('[')) return; // the [WARNING] copy of the same line on stderr
    const m = /Server \S+\/(\S+) is (UP|DOWN)/.exec(line);
    if (!m) return;
    events.push({ t: Date.now(), server: m[1]!, state: m[2] as 'UP' | 'DOWN', line });
    state.set(m[1]!, m[2] as 'UP' | 'DOWN');
  };
  createInterface({ input: child.stdout! }).on('line', onLine);
  createInterface({ input: child.stderr! }).on('line', onLine);
  return {
    pid,
    events,
    first: (server, st, since) => events.find((e) => e.server === server && e.state === st && e.t >= since),
    up: () => [...state].filter(([, s]) => s === 'UP').map(([n]) => n),
    output: () => out,
    async stop() {
      if (processAlive(pid)) await stopPid(pid, { graceMs: 5_000 });
    },
  };
}
