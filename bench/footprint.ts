// Section 4 — footprint: VmRSS and CPU (utime+stime from /proc/<pid>/stat over a window) of
// * an idle agent and the monitor on a netns sandbox with the sandbox's default checks (tuned:
//   every 0.25 s, trap 0.75 s), the agent's children (`ip`, `arping`) included: their CPU
//   (cutime+cstime of the reaped ones, utime+stime of live ones) and the RSS of live ones at
//   each 1 s sample,
// * the same two on a netns sandbox with checks every 1 s (trap 2 s),
// * the monitor watching 200 SIMULATED hosts (bench/sim-agents.ts: 200 fake agents + 200 fake
//   MySQL-protocol responders on 127.0.10.1–200 in ONE child process), checks every 1 s.
// The monitor's `ping` check keeps one long-running system `ping` per host; those children's
// CPU (live children's utime+stime plus the monitor's cutime+cstime) and their summed RSS/PSS
// are reported separately (*_children_*). After the monitor's SIGTERM, none may be left.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MONITOR_BIN, ROOT, childPids, measure, sandboxDown, sandboxUp, say, sleep, stopChild, tempDir, removeTemp, track, waitFor, type Footprint } from './lib';
import { makeCerts } from './tls';

export interface FootprintResult {
  /** db2's agent with the sandbox's default (tuned, 0.25 s) checks; RSS with live children, CPU without them. */
  agent_rss_mb?: number;
  agent_cpu_pct?: number;
  /** Its children's CPU (ip, arping): the target counts agent_cpu_pct + this. */
  agent_children_cpu_pct?: number;
  /** The same agent with checks every 1 s. */
  agent_rss_mb_1s?: number;
  agent_cpu_pct_1s?: number;
  agent_children_cpu_pct_1s?: number;
  monitor_rss_mb?: number;
  monitor_cpu_pct_1s?: number;
  monitor_children_cpu_pct_1s?: number;
  monitor_rss_mb_025s?: number;
  monitor_cpu_pct_025s?: number;
  monitor_children_cpu_pct_025s?: number;
  monitor_200_hosts_rss_mb: number;
  monitor_200_hosts_rss_max_mb: number;
  monitor_200_hosts_cpu_pct: number;
  monitor_200_hosts_children_cpu_pct: number;
  monitor_200_hosts_online: number;
  monitor_200_hosts_pingers_left_after_stop: number;
  window_s: number;
  raw: Record<string, Footprint>;
  notes: string[];
}

async function sandboxFootprint(checks: string | undefined, windowMs: number, withAgent: boolean): Promise<{ mon: Footprint; agent?: Footprint }> {
  const sb = await sandboxUp('foot', checks);
  try {
    await sleep(5_000); // settle after up's set_online burst
    const db2 = sb.status.nodes.find((n) => n.name === 'db2')!;
    const [mon, agent] = await Promise.all([measure(sb.status.monitor.pid, windowMs), withAgent ? measure(db2.agent_pid, windowMs) : Promise.resolve(undefined)]);
    return { mon, ...(agent ? { agent } : {}) };
  } finally {
    await sandboxDown(sb.dir);
  }
}

function simMonitorConf(dir: string, n: number, agentPort: number, mysqlPort: number, controlPort: number, certs: Awaited<ReturnType<typeof makeCerts>>): string {
  const hosts: string[] = [];
  for (let i = 1; i <= n; i++) {
    hosts.push(`<host sim${i}>`, `    ip          127.0.10.${i}`, `    mode        ${i <= 2 ? 'master' : 'slave'}`, ...(i <= 2 ? [`    peer        sim${3 - i}`] : []), '</host>');
  }
  const check = (name: string): string[] => [`<check ${name}>`, '    check_period 1', '    trap_period 2', '    timeout 1', ...(name === 'rep_backlog' ? ['    max_backlog 60'] : []), '</check>'];
  return [
    '# mmmd_mon watching 200 SIMULATED hosts (bench/sim-agents.ts) — benchmark only',
    'active_master_role  writer',
    '<host default>',
    `    agent_port              ${agentPort}`,
    `    mysql_port              ${mysqlPort}`,
    '    monitor_user            bench',
    '    monitor_password        bench',
    '    replication_user        repl',
    '    replication_password    repl',
    '    cluster_interface       eth0',
    '    mysql_ssl               off', // the simulated servers speak no TLS
    '</host>',
    ...hosts,
    '<role writer>', '    hosts   sim1, sim2', '    ips     127.0.11.250', '    mode    exclusive', '</role>',
    '<role reader>', `    hosts   ${Array.from({ length: n }, (_, i) => `sim${i + 1}`).join(', ')}`, `    ips     ${Array.from({ length: n }, (_, i) => `127.0.11.${i + 1}`).join(', ')}`, '    mode    balanced', '</role>',
    '<monitor>', '    ip              127.0.0.1', `    port            ${controlPort}`, `    status_path     ${join(dir, 'mmm_mond.status')}`, '    mode            active', '    ping_interval   1', '    ping_ips        127.0.10.1', '    auto_set_online 1', '</monitor>',
    ...check('ping'), ...check('mysql'), ...check('rep_threads'), ...check('rep_backlog'),
    '<socket>', '    type            ssl', `    cert_file       ${certs.monitor.cert}`, `    key_file        ${certs.monitor.key}`, `    ca_file         ${certs.ca}`, '    verify_mode     1', '    peer_role       control control', '</socket>',
    '',
  ].join('\n');
}

async function simulated(windowMs: number, notes: string[]): Promise<{ mon: Footprint; online: number; pingersLeft: number }> {
  const n = Number(process.env.BENCH_SIM_HOSTS ?? 200);
  const dir = tempDir('mmmb-sim-');
  const base = 21000 + (process.pid % 4000) * 2;
  const [agentPort, mysqlPort, controlPort] = [base, base + 1, base + 2];
  try {
    const certs = await makeCerts(dir, Array.from({ length: n }, (_, i) => `127.0.10.${i + 1}`));
    const sim = track(
      spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/sim-agents.ts'), '--count', String(n), '--port', String(agentPort), '--mysql-port', String(mysqlPort), '--tls-dir', dir], {
        cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    let simOut = '';
    sim.stdout!.on('data', (d: Buffer) => (simOut += d.toString()));
    sim.stderr!.on('data', (d: Buffer) => (simOut += d.toString()));
    try {
      await waitFor('200 simulated hosts', 60_000, () => {
        if (sim.exitCode !== null) throw new Error(`sim-agents exited: ${simOut.slice(-500)}`);
        return simOut.includes('"ready":true') ? true : undefined;
      });
      const conf = join(dir, 'mmm_mon.conf');
      writeFileSync(conf, simMonitorConf(dir, n, agentPort, mysqlPort, controlPort, certs), { mode: 0o600 });
      const ctl = join(dir, 'mmm_control.conf');
      writeFileSync(ctl, ['<monitor>', '    ip 127.0.0.1', `    port ${controlPort}`, '</monitor>', '<socket>', '    type ssl', `    client_cert_file ${certs.control.cert}`, `    client_key_file ${certs.control.key}`, `    ca_file ${certs.ca}`, '    verify_mode 1', '</socket>', ''].join('\n'), { mode: 0o600 });
      const log = join(dir, 'mmmd_mon.log');
      // BENCH_MONITOR_NODE_FLAGS: node flags for this monitor only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/p"
      // (NODE_OPTIONS refuses --cpu-prof); a profile of the 200-host monitor is what to look at first.
      const nodeFlags = (process.env.BENCH_MONITOR_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
      const mon = track(spawn(process.execPath, [...nodeFlags, MONITOR_BIN, '-c', conf, '--log-file', log, '--log-level', 'warn'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
      let monOut = '';
      mon.stdout!.on('data', (d: Buffer) => (monOut += d.toString()));
      mon.stderr!.on('data', (d: Buffer) => (monOut += d.toString()));
      try {
        let online = 0;
        let pingersLeft = -1;
        let firstOnlineMs = 0;
        const monStarted = Date.now();
        let states = '';
        await waitFor('200 simulated hosts ONLINE', 90_000, async () => {
          if (mon.exitCode !== null) throw new Error(`monitor exited ${mon.exitCode}: ${monOut.slice(-600)}`);
          // The monitor's atomic status file, not status_json: with 200 hosts status_json is one
          // line over the control client's 64 KiB line limit (the previous run's "0 ONLINE" was
          // that failure: "Line longer than 65536 bytes", not the monitor's states).
          try {
            // MMM's format: one `host|STATE|roles` line per host.
            const hosts = readFileSync(join(dir, 'mmm_mond.status'), 'utf8').split('\n').filter(Boolean).map((l) => ({ state: l.split('|')[1] ?? '?' }));
            online = hosts.filter((h) => h.state === 'ONLINE').length;
            const by: Record<string, number> = {};
            for (const h of hosts) by[h.state] = (by[h.state] ?? 0) + 1;
            states = JSON.stringify(by);
            if (online === n && !firstOnlineMs) firstOnlineMs = Date.now() - monStarted;
          } catch (e) {
            states = `status file not readable: ${(e as Error).message}`;
            return undefined;
          }
          return online === n ? true : undefined;
        }, 1_000).catch((e: Error) => {
          say(`  warning: ${e.message} (${online} ONLINE, ${states}); measuring anyway; last monitor log lines:`);
          try {
            for (const l of readFileSync(log, 'utf8').trim().split('\n').slice(-8)) say(`    ${l.slice(0, 300)}`);
          } catch {
            /* no log */
          }
        });
        say(`  200 simulated hosts: ${online} ONLINE${firstOnlineMs ? ` (all ONLINE ${firstOnlineMs} ms after the monitor started)` : ''}; measuring the monitor for ${windowMs / 1000} s…`);
        await sleep(3_000);
        const fp = await measure(mon.pid!, windowMs);
        notes.push(`200 hosts: SIMULATED — one child process with 200 fake agents (common createListener, mutual TLS, in-memory answers to PING/SET_STATUS/GET_HEALTH/GET_SYSTEM_STATUS/GET_AGENT_STATUS) and 200 fake MySQL-protocol responders (mysql2 server side: any login, SELECT NOW(), SHOW SLAVE STATUS with both threads running, lag 0) on 127.0.10.1–200; the real mmmd_mon with checks every 1 s (trap 2, timeout 1), default pass interval (= fastest check_period), ping check = one long-running system ping per host on loopback (${fp.children} pingers at the end of the window: ${fp.children_rss_mb} MB summed RSS, ${fp.children_pss_mb} MB PSS); ping_ips 127.0.10.1 (kept from the previous run, where the default — every host ip — made the overloaded monitor declare itself cut off)`);
        const pingers = childPids(mon.pid!);
        await stopChild(mon);
        await sleep(500);
        const left = pingers.filter((p) => existsSync(`/proc/${p}`));
        pingersLeft = left.length;
        say(`  monitor stopped (SIGTERM): ${pingers.length} pingers before, ${left.length} still alive after`);
        if (left.length) notes.push(`${left.length} pinger processes outlived the monitor's SIGTERM: ${left.join(' ')}`);
        return { mon: fp, online, pingersLeft };
      } finally {
        await stopChild(mon);
      }
    } finally {
      await stopChild(sim);
    }
  } finally {
    removeTemp(dir);
  }
}

export async function footprintSection(opts: { root: boolean; windowMs: number }): Promise<FootprintResult> {
  const notes: string[] = [];
  const raw: Record<string, Footprint> = {};
  const res: Partial<FootprintResult> = {};
  if (opts.root) {
    say('  sandbox with its default checks (tuned, 0.25 s): monitor and db2\'s agent…');
    const b = await sandboxFootprint(undefined, opts.windowMs, true);
    raw.monitor_025s = b.mon;
    raw.agent_idle = b.agent!;
    Object.assign(res, {
      agent_rss_mb: b.agent!.rss_with_children_mb, agent_cpu_pct: b.agent!.cpu_pct, agent_children_cpu_pct: b.agent!.child_cpu_pct,
      monitor_rss_mb_025s: b.mon.rss_mb, monitor_cpu_pct_025s: b.mon.cpu_pct, monitor_children_cpu_pct_025s: b.mon.child_cpu_pct,
    });
    say(`  0.25 s checks: monitor ${b.mon.rss_mb} MB, ${b.mon.cpu_pct} % (+${b.mon.child_cpu_pct} % ping children); agent ${b.agent!.rss_with_children_mb} MB, ${b.agent!.cpu_pct} % (+${b.agent!.child_cpu_pct} % children)`);
    say('  sandbox with checks every 1 s (trap 2 s): monitor and db2\'s agent…');
    const a = await sandboxFootprint('1/2/1', opts.windowMs, true);
    raw.monitor_1s = a.mon;
    raw.agent_idle_1s = a.agent!;
    Object.assign(res, {
      agent_rss_mb_1s: a.agent!.rss_with_children_mb, agent_cpu_pct_1s: a.agent!.cpu_pct, agent_children_cpu_pct_1s: a.agent!.child_cpu_pct,
      monitor_rss_mb: a.mon.rss_mb, monitor_cpu_pct_1s: a.mon.cpu_pct, monitor_children_cpu_pct_1s: a.mon.child_cpu_pct,
    });
    say(`  1 s checks: monitor ${a.mon.rss_mb} MB, ${a.mon.cpu_pct} % (+${a.mon.child_cpu_pct} % ping children); agent ${a.agent!.rss_with_children_mb} MB, ${a.agent!.cpu_pct} % (+${a.agent!.child_cpu_pct} % children)`);
    notes.push('agent: db2\'s real mmmd_agent in a netns sandbox (3 real MariaDB nodes, no client load) while the monitor polls it: "idle" means no role change and no application traffic; with the sandbox\'s default checks (tuned: 0.25 s) the monitor sends it GET_HEALTH and SET_STATUS every 250 ms pass; RSS = its own + its live children\'s at each 1 s sample, CPU = its own (+ its children\'s, counted in the target)');
  } else {
    notes.push('sandbox footprints skipped: not root (netns sandboxes need root)');
  }
  const s = await simulated(opts.windowMs, notes);
  raw.monitor_200_hosts = s.mon;
  say(`  200 simulated hosts: monitor ${s.mon.rss_mb} MB (max ${s.mon.rss_max_mb}), ${s.mon.cpu_pct} % (+${s.mon.child_cpu_pct} % in ${s.mon.children} pingers, their RSS ${s.mon.children_rss_mb} MB summed, PSS ${s.mon.children_pss_mb} MB)`);
  return {
    ...res,
    monitor_200_hosts_rss_mb: s.mon.rss_mb,
    monitor_200_hosts_rss_max_mb: s.mon.rss_max_mb,
    monitor_200_hosts_cpu_pct: s.mon.cpu_pct,
    monitor_200_hosts_children_cpu_pct: s.mon.child_cpu_pct,
    monitor_200_hosts_online: s.online,
    monitor_200_hosts_pingers_left_after_stop: s.pingersLeft,
    window_s: opts.windowMs / 1000,
    raw,
    notes,
  };
}
