// Section 3 — protocol round trips over mutual TLS (loopback only).
// * agent: the REAL mmmd_agent binary with a tiny loopback config (no MySQL: PING needs none),
//   certificates made in-process; PING on one kept connection and on a new connection each time.
// * control `show`: against the real monitor of a loopback mmm_sandbox (3 real MariaDB nodes);
//   the control protocol has no end-of-reply marker (MMM: command, `quit`, read until close), so
//   every `show` is a new connection, as mmm_control does it.
// * push rate: one client, kept connections to 50 SIMULATED agents (50 `createListener`
//   listeners in ONE child process, bench/sim-agents.ts, trivial in-memory handler).
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, controlRequest, encodeAgentRequest, nullLogger, type ClientConnection, type SocketConfig, type TlsMaterial, type TlsResumption } from '@mmm/common';
import { AGENT_BIN, ROOT, pct, round, run, say, SANDBOX_BIN, sleep, stopChild, tempDir, track, waitFor, removeTemp, mustRun, type SbStatus } from './lib';
import { makeCerts, sslSocket } from './tls';

export interface ProtocolResult {
  agent_rtt_kept_p50_ms: number;
  agent_rtt_kept_p99_ms: number;
  agent_rtt_new_p50_ms: number;
  agent_rtt_new_p99_ms: number;
  control_show_p50_ms: number;
  control_show_p99_ms: number;
  /** The same, each connection resuming the TLS session of the one before (mmm_control's second and later exchanges). */
  control_show_resumed_p50_ms: number;
  control_show_resumed_p99_ms: number;
  push_rps_50_agents: number;
  requests: number;
  notes: string[];
}

const ms = (ns: bigint): number => Number(ns) / 1e6;

async function timeIt(n: number, f: () => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = process.hrtime.bigint();
    await f();
    out.push(ms(process.hrtime.bigint() - a));
  }
  return out;
}

function freePortBase(): number {
  return 20000 + (process.pid % 5000) * 2;
}

function agentConfig(dir: string, port: number, certs: { cert: string; key: string; ca: string }): string {
  return [
    '# tiny loopback agent for the protocol benchmark (no MySQL behind it: PING needs none)',
    'active_master_role  writer',
    'this db1',
    '<host default>',
    '    agent_user          bench',
    '    agent_password      bench',
    '    replication_user    repl',
    '    replication_password repl',
    '</host>',
    '<host db1>',
    '    ip                  127.0.0.1',
    '    mode                master',
    '    peer                db2',
    '    mysql_port          1',
    '    mysql_socket        none',
    `    agent_port          ${port}`,
    '    cluster_interface   lo',
    `    mysql_pidfile       ${join(dir, 'none.pid')}`,
    '</host>',
    '<host db2>',
    '    ip                  127.0.0.2',
    '    mode                master',
    '    peer                db1',
    '    mysql_port          1',
    '    mysql_socket        none',
    `    agent_port          ${port}`,
    '    cluster_interface   lo',
    `    mysql_pidfile       ${join(dir, 'none2.pid')}`,
    '</host>',
    '<role writer>',
    '    hosts   db1, db2',
    '    ips     127.0.1.250',
    '    mode    exclusive',
    '</role>',
    '<socket>',
    '    type            ssl',
    `    cert_file       ${certs.cert}`,
    `    key_file        ${certs.key}`,
    `    ca_file         ${certs.ca}`,
    '    verify_mode     1',
    '    peer_role       monitor monitor',
    '</socket>',
    '',
  ].join('\n');
}

async function agentRtt(dir: string, n: number, certs: Awaited<ReturnType<typeof makeCerts>>, port: number): Promise<{ kept: number[]; fresh: number[] }> {
  const conf = join(dir, 'mmm_agent.conf');
  writeFileSync(conf, agentConfig(dir, port, { ...certs.agent, ca: certs.ca }), { mode: 0o600 });
  const log = join(dir, 'agent.log');
  const child = track(spawn(process.execPath, [AGENT_BIN, '-c', conf, '--log-file', log], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await waitFor('the loopback agent listening', 15_000, () => {
      if (child.exitCode !== null) throw new Error(`agent exited ${child.exitCode}: ${out.slice(-400)}`);
      let text = out;
      try {
        text += readFileSync(log, 'utf8');
      } catch {
        /* not yet */
      }
      return text.includes('listening on') ? true : undefined;
    });
    const socket: SocketConfig = sslSocket({ ...certs.monitor, ca: certs.ca });
    const material: TlsMaterial = certs.pem.monitor;
    const opts = { host: '127.0.0.1', port, socket, material, logger: nullLogger, timeoutMs: 5_000, expectedName: '127.0.0.1' };
    const ping = encodeAgentRequest({ kind: 'PING', host: 'db1' });
    const check = (r: string): void => {
      if (!r.startsWith('OK')) throw new Error(`agent PING answered ${r}`);
    };
    const kept = await connect(opts);
    await timeIt(200, async () => check(await kept.request(ping))); // warm-up
    const keptT = await timeIt(n, async () => check(await kept.request(ping)));
    kept.destroy();
    const freshT = await timeIt(n, async () => {
      const c = await connect(opts);
      check(await c.request(ping));
      c.destroy();
    });
    return { kept: keptT, fresh: freshT };
  } finally {
    await stopChild(child);
  }
}

async function controlShow(n: number, notes: string[]): Promise<{ fresh: number[]; resumed: number[] }> {
  const dir = tempDir('mmmb-ctl-');
  removeTemp(dir);
  say('  control show: starting a loopback mmm_sandbox (real MariaDB, agents, monitor)…');
  const up = await run(process.execPath, [SANDBOX_BIN, 'up', '--dir', dir], 120_000);
  try {
    if (up.code !== 0) throw new Error(`mmm_sandbox up failed: ${up.stderr.trim().split('\n').slice(-5).join(' | ')}`);
    const st = JSON.parse(await mustRun(process.execPath, [SANDBOX_BIN, 'status', '--json', '--dir', dir], 30_000)) as SbStatus;
    const [host, portText] = st.monitor.control.split(':');
    const socket = sslSocket({ cert: st.certs.control_cert, key: st.certs.control_key, ca: st.certs.ca });
    const material: TlsMaterial = { cert: readFileSync(st.certs.control_cert, 'utf8'), key: readFileSync(st.certs.control_key, 'utf8'), ca: readFileSync(st.certs.ca, 'utf8') };
    const req = controlRequest('show');
    let session: TlsResumption | undefined;
    const one = async (resume = false): Promise<void> => {
      const c: ClientConnection = await connect({
        host: host!, port: Number(portText), socket, material, logger: nullLogger, timeoutMs: 5_000, expectedName: host!, expectedRole: 'monitor',
        ...(resume && session ? { resume: session } : {}),
      });
      try {
        await c.write(req);
        let lines = 0;
        for (;;) {
          const l = await c.nextLine(5_000);
          if (l === null) break;
          lines++;
        }
        if (lines < 3) throw new Error('show answered fewer than 3 lines');
        session = c.resumption() ?? session;
      } finally {
        c.destroy();
      }
    };
    await timeIt(50, () => one());
    const fresh = await timeIt(n, () => one());
    await timeIt(50, () => one(true));
    const resumed = await timeIt(n, () => one(true));
    notes.push(`control show: new mutual-TLS connection per request (MMM protocol: command, quit, read until close) to the monitor of a loopback mmm_sandbox with 3 real MariaDB nodes, tuned checks running; "resumed": each connection resumes the TLS session of the one before, as mmm_control's second and later exchanges do (client = common connect() with the control certificate, expectedRole monitor)`);
    return { fresh, resumed };
  } finally {
    const r = await run(process.execPath, [SANDBOX_BIN, 'down', '--dir', dir], 90_000);
    if (r.code !== 0) say(`  warning: down ${dir}: ${r.stderr.trim().slice(-300)}`);
  }
}

async function pushRate(dir: string, certs: Awaited<ReturnType<typeof makeCerts>>, port: number, seconds: number): Promise<number> {
  const child = track(
    spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/sim-agents.ts'), '--count', '50', '--port', String(port), '--tls-dir', dir], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await waitFor('50 simulated agents', 60_000, () => {
      if (child.exitCode !== null) throw new Error(`sim-agents exited: ${out.slice(-500)}`);
      return out.includes('"ready":true') ? true : undefined;
    });
    const socket = sslSocket({ ...certs.monitor, ca: certs.ca });
    const conns = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        connect({ host: `127.0.10.${i + 1}`, port, socket, material: certs.pem.monitor, logger: nullLogger, timeoutMs: 5_000 }),
      ),
    );
    const lines = conns.map((_, i) =>
      encodeAgentRequest({ kind: 'SET_STATUS', host: `sim${i + 1}`, state: 'ONLINE', roles: [{ name: 'reader', ip: `127.0.11.${i + 1}` }], activeMaster: 'sim1' }),
    );
    let done = 0;
    const end = Date.now() + seconds * 1000;
    const t0 = Date.now();
    await Promise.all(
      conns.map(async (c, i) => {
        while (Date.now() < end) {
          const r = await c.request(lines[i]!);
          if (!r.startsWith('OK')) throw new Error(`simulated agent answered ${r}`);
          done++;
        }
      }),
    );
    const rps = done / ((Date.now() - t0) / 1000);
    for (const c of conns) c.destroy();
    return rps;
  } finally {
    await stopChild(child);
  }
}

export async function protocolSection(opts: { requests: number }): Promise<ProtocolResult> {
  const notes: string[] = [];
  const dir = tempDir('mmmb-proto-');
  try {
    const simIps = Array.from({ length: 50 }, (_, i) => `127.0.10.${i + 1}`);
    const certs = await makeCerts(dir, ['127.0.0.1', ...simIps]);
    const base = freePortBase();
    say(`  agent PING: real mmmd_agent on 127.0.0.1:${base}, ${opts.requests} kept + ${opts.requests} new connections…`);
    const a = await agentRtt(dir, opts.requests, certs, base);
    notes.push('agent: the real mmmd_agent binary on 127.0.0.1 with a tiny config (no MySQL; PING does not touch it), EC P-256 certificates made in-process, client = common connect() with the monitor certificate');
    say(`  agent PING p99: kept ${round(pct(a.kept, 99), 3)} ms, new ${round(pct(a.fresh, 99), 3)} ms`);
    const { fresh: show, resumed } = await controlShow(opts.requests, notes);
    say(`  control show p99: ${round(pct(show, 99), 2)} ms; resumed session ${round(pct(resumed, 99), 2)} ms`);
    await sleep(200);
    say('  push rate: one client, 50 simulated agents (one process), SET_STATUS for 10 s…');
    const rps = await pushRate(dir, certs, base + 1, 10);
    notes.push('push rate: SIMULATED agents — 50 createListener mutual-TLS listeners (127.0.10.1–50) in ONE child process with an in-memory handler; one client process, one kept connection per agent, SET_STATUS request/reply in lock-step per connection, all 50 in parallel, 10 s; both processes share the 2 cores');
    say(`  push rate: ${Math.round(rps)} requests/s`);
    return {
      agent_rtt_kept_p50_ms: round(pct(a.kept, 50), 3),
      agent_rtt_kept_p99_ms: round(pct(a.kept, 99), 3),
      agent_rtt_new_p50_ms: round(pct(a.fresh, 50), 3),
      agent_rtt_new_p99_ms: round(pct(a.fresh, 99), 3),
      control_show_p50_ms: round(pct(show, 50), 2),
      control_show_p99_ms: round(pct(show, 99), 2),
      control_show_resumed_p50_ms: round(pct(resumed, 50), 2),
      control_show_resumed_p99_ms: round(pct(resumed, 99), 2),
      push_rps_50_agents: Math.round(rps),
      requests: opts.requests,
      notes,
    };
  } finally {
    removeTemp(dir);
  }
}

