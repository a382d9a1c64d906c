// A real cluster for monitor tests: MariaDB nodes from the sandbox harness, certificates from
// common tls, 2.x configs, and the BUILT mmmd_agent / mmmd_mon binaries as child processes.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tls from 'node:tls';
import { createCa, issueCert, writeKeyPair } from '@mmm/common';
import { type DbCluster, loopbackAgentPort, loopbackMonitorPort, startDbCluster, stopPid } from '../../../packages/sandbox/src';

const ROOT = resolve(__dirname, '../../..');

export interface Rig {
  dir: string;
  cluster: DbCluster;
  monitorConf: string;
  controlPort: number;
  vipLog: string;
  procs: Map<string, ChildProcess>;
  control(line: string, timeoutMs?: number, cert?: string, port?: number): Promise<string>;
  startMonitor(): ChildProcess;
  /** Another mmmd_mon (log `<key>.log`, stopped with the rig): monitor HA tests run several. */
  spawnMonitor(key: string, conf: string): ChildProcess;
  /** The last `lines` lines of every process log (agents, monitor), for a failed test's report. */
  logTails(lines: number): string;
  stop(): Promise<void>;
}

const ip = (k: number, base: number): string => `127.0.1.${base + k}`;

export interface RigOptions {
  replicas?: number;
  /** Hosts of the writer role (default db1, db2). */
  writerHosts?: string[];
  /** Extra `<monitor>` lines, e.g. `failover_cooldown 0`. */
  monitorLines?: string[];
  /** trap_period of rep_threads (default 0.75 s): long, a held IO thread does not take the host out. */
  repThreadsTrap?: number;
}

export async function startRig(opts: RigOptions = {}): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'mmm-mon-'));
  const cluster = await startDbCluster({ dir: join(dir, 'db'), netns: false, replicas: opts.replicas ?? 1 }).catch((e: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  });
  const procs = new Map<string, ChildProcess>();
  const rig: Partial<Rig> = { dir, cluster, procs };
  try {
    const tlsDir = join(dir, 'tls');
    const ca = await createCa({ commonName: 'mmm test CA' });
    const caFile = join(tlsDir, 'ca.crt');
    await writeKeyPair(tlsDir, 'ca', ca);
    for (const n of cluster.nodes) {
      await writeKeyPair(tlsDir, n.name, await issueCert({ ca, commonName: n.name, ips: [n.ip], role: 'agent', usage: 'both' }));
    }
    await writeKeyPair(tlsDir, 'monitor', await issueCert({ ca, commonName: 'monitor', ips: ['127.0.0.1'], role: 'monitor', usage: 'both' }));
    await writeKeyPair(tlsDir, 'control', await issueCert({ ca, commonName: 'control', role: 'control', usage: 'client' }));
    await writeKeyPair(tlsDir, 'viewer', await issueCert({ ca, commonName: 'viewer', role: 'viewer', usage: 'client' }));

    const c = cluster.credentials;
    const base = cluster.names.loopback.ipBase;
    const vipLog = join(dir, 'vips.log');
    const hook = join(dir, 'vip-hook.sh');
    writeFileSync(hook, `#!/bin/sh\necho "$(basename "$0") $@" >> ${vipLog}\n`, { mode: 0o755 });
    const readers = cluster.nodes.map((_, k) => ip(k + 1, base));
    const hostBlocks = cluster.nodes
      .map((n) => [
        `<host ${n.name}>`,
        `    ip ${n.ip}`,
        `    mode ${n.mode}`,
        ...(n.name === 'db1' ? ['    peer db2'] : n.name === 'db2' ? ['    peer db1'] : []),
        `    mysql_port ${n.port}`,
        `    mysql_socket ${n.socket}`,
        `    agent_port ${loopbackAgentPort(cluster.names, n.index)}`,
        '</host>',
      ].join('\n'))
      .join('\n');
    const common = [
      'active_master_role writer',
      'writer_lease 3',
      'switch_timeout 5',
      '<host default>',
      '    cluster_interface lo',
      `    replication_user ${c.replication.user}`,
      `    replication_password ${c.replication.password}`,
      `    mysql_ssl_ca ${cluster.mysqlCa}`, // the DB layer's own CA (its servers' certificates)
      `    ip_add_command ${hook} add`,
      `    ip_del_command ${hook} del`,
      '</host>',
      hostBlocks,
      '<role writer>',
      `    hosts ${(opts.writerHosts ?? ['db1', 'db2']).join(', ')}`,
      `    ips ${ip(0, base)}`,
      '    mode exclusive',
      '    prefer db1',
      '</role>',
      '<role reader>',
      `    hosts ${cluster.nodes.map((n) => n.name).join(', ')}`,
      `    ips ${readers.join(', ')}`,
      '    mode balanced',
      '</role>',
      '',
    ].join('\n');
    const write = (name: string, text: string): string => {
      const f = join(dir, name);
      writeFileSync(f, text);
      chmodSync(f, 0o600);
      return f;
    };
    write('mmm_common.conf', common);
    const socket = (name: string, peerRoles: string[]): string =>
      ['<socket>', '    type ssl', `    cert_file ${join(tlsDir, `${name}.crt`)}`, `    key_file ${join(tlsDir, `${name}.key`)}`, `    ca_file ${caFile}`, ...peerRoles, '</socket>', ''].join('\n');
    for (const n of cluster.nodes) {
      write(`mmm_agent_${n.name}.conf`, [
        'include mmm_common.conf', `this ${n.name}`,
        '<host default>', `    agent_user ${c.agent.user}`, `    agent_password ${c.agent.password}`,
        // monitor HA: each agent's term record in this rig's folder, never the machine's /var/lib/mmm
        `    term_file ${join(dir, `${n.name}.term.json`)}`, '</host>',
        socket(n.name, ['    peer_role monitor monitor']),
      ].join('\n'));
    }
    const controlPort = loopbackMonitorPort(cluster.names);
    const monitorConf = write('mmm_mon.conf', [
      'include mmm_common.conf',
      '<monitor>', '    ip 127.0.0.1', `    port ${controlPort}`, `    status_path ${join(dir, 'mmmd_mon.status')}`,
      '    mode active', '    careful_startup 1', '    flap_count 100', ...(opts.monitorLines ?? []).map((l) => `    ${l}`), '</monitor>',
      '<host default>', `    monitor_user ${c.monitor.user}`, `    monitor_password ${c.monitor.password}`, '</host>',
      ...['ping', 'mysql', 'rep_threads', 'rep_backlog'].map((k) => `<check ${k}>\n    check_period 0.25\n    trap_period ${k === 'rep_threads' ? (opts.repThreadsTrap ?? 0.75) : 0.75}\n    timeout 1\n</check>`),
      socket('monitor', ['    peer_role control control', '    peer_role viewer viewer', ...cluster.nodes.map((n) => `    peer_role ${n.name} agent`)]),
    ].join('\n'));

    const spawnBin = (key: string, args: string[]): ChildProcess => {
      const out = openSync(join(dir, `${key}.log`), 'a');
      const p = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', out, out] });
      procs.set(key, p);
      return p;
    };
    for (const n of cluster.nodes) {
      spawnBin(`agent-${n.name}`, [join(ROOT, 'packages/agent/bin/mmmd_agent.js'), '-c', join(dir, `mmm_agent_${n.name}.conf`), '--log-level', 'debug']);
    }
    // The monitor may answer `ping` before a slow-starting agent listens; tests then got "Can't
    // reach agent daemon" from set_online. Every agent must say it listens before the rig is ready.
    for (const n of cluster.nodes) await waitForLog(dir, procs, `agent-${n.name}`, /mmmd_agent for \S+ listening on/, 30_000);
    const spawnMonitor = (key: string, conf: string): ChildProcess =>
      spawnBin(key, [join(ROOT, 'packages/monitor/bin/mmmd_mon.js'), '-c', conf, '--pass-interval-ms', '200', '--log-level', 'debug']);
    const startMonitor = (): ChildProcess => spawnMonitor('monitor', monitorConf);

    const control = (line: string, timeoutMs = 30_000, cert = 'control', port = controlPort): Promise<string> =>
      new Promise((res, rej) => {
        const s = tls.connect({
          host: '127.0.0.1', port, ca: readPem(caFile), cert: readPem(join(tlsDir, `${cert}.crt`)), key: readPem(join(tlsDir, `${cert}.key`)),
          checkServerIdentity: () => undefined,
        });
        let buf = '';
        const t = setTimeout(() => { s.destroy(); rej(new Error(`control '${line}': no reply within ${timeoutMs} ms`)); }, timeoutMs);
        s.on('secureConnect', () => s.write(`${line}\nquit\n`));
        s.on('data', (d) => (buf += d.toString('utf8')));
        s.on('error', (e) => { clearTimeout(t); rej(e); });
        s.on('close', () => { clearTimeout(t); res(buf); });
      });
    Object.assign(rig, {
      monitorConf, controlPort, vipLog, control, startMonitor, spawnMonitor,
      logTails: (lines: number) => [...procs.keys()].map((k) => `--- ${k}.log (last ${lines} lines) ---\n${tail(join(dir, `${k}.log`), lines)}`).join('\n'),
      viewerControl: (line: string) => control(line, 30_000, 'viewer'),
      stop: async () => {
        for (const [, p] of procs) if (p.pid && p.exitCode === null) await stopPid(p.pid).catch(() => undefined);
        await cluster.stop().catch(() => undefined);
        // MMM_TEST_KEEP_LOGS=1 keeps the process logs for a look after a failure
        if (process.env.MMM_TEST_KEEP_LOGS === '1') process.stderr.write(`rig logs kept in ${dir}\n`);
        else rmSync(dir, { recursive: true, force: true });
      },
    });
    return rig as Rig;
  } catch (e) {
    for (const [, p] of procs) if (p.pid) await stopPid(p.pid).catch(() => undefined);
    await cluster.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

function tail(file: string, lines: number): string {
  // the test's own control connections (one per poll) would fill the tail
  const keep = (l: string): boolean => !/TLS connection accepted part=control|TLS connection accepted .*part=control/.test(l);
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(keep).slice(-lines - 1).join('\n') : '(no log)';
}

/** Bounded wait for `pattern` in a process's log; fails at once, with the log, if it exits. */
async function waitForLog(dir: string, procs: Map<string, ChildProcess>, key: string, pattern: RegExp, boundMs: number): Promise<void> {
  const file = join(dir, `${key}.log`);
  const end = Date.now() + boundMs;
  for (;;) {
    if (existsSync(file) && pattern.test(readFileSync(file, 'utf8'))) return;
    const p = procs.get(key);
    const gone = p && p.exitCode !== null;
    if (gone || Date.now() > end) {
      throw new Error(`${key} ${gone ? `exited (${p.exitCode})` : `did not log ${pattern} within ${boundMs} ms`}:\n${tail(file, 40)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function readPem(f: string): string {
  return require('node:fs').readFileSync(f, 'utf8') as string;
}

/** Polls `fn` (errors count as not yet) until it returns a truthy value; bounded. Shared by the test/monitor suites. */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, boundMs = 60_000): Promise<T> {
  const end = Date.now() + boundMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((res) => setTimeout(res, 150));
  }
}

/**
 * After a restart of `host`'s mariadbd: bounded wait until the monitor took it out of HARD_OFFLINE
 * (the decision HARD_OFFLINE -> AWAITING_RECOVERY after `since`), then set_online if it still waits
 * for one, then ONLINE. MMM's short-outage rule may take it AWAITING_RECOVERY -> ONLINE in the
 * same breath (a pushed health change wakes the next pass at once), so polling for the
 * AWAITING_RECOVERY state itself can miss it.
 */
export async function backOnline(rig: Rig, host: string, since: number): Promise<string> {
  const doc = async (): Promise<{ hosts: { name: string; state: string }[]; decisions: { host?: string; kind: string; reason: string; time: string }[] }> =>
    JSON.parse(await rig.control('status_json')) as never;
  await until(`${host} out of HARD_OFFLINE (HARD_OFFLINE -> AWAITING_RECOVERY decided)`, async () =>
    (await doc()).decisions.some((d) => d.host === host && d.kind === 'state_change' && /^HARD_OFFLINE -> AWAITING_RECOVERY/.test(d.reason) && Date.parse(d.time) >= since - 1000));
  const how = await until(`set_online ${host} (or ONLINE already by the short-outage rule)`, async () => {
    const state = (await doc()).hosts.find((h) => h.name === host)?.state;
    if (state === 'ONLINE') return 'auto';
    if (state !== 'AWAITING_RECOVERY') return undefined;
    return (await rig.control(`set_online ${host}`)).startsWith('OK: State of') ? 'set_online' : undefined;
  });
  await until(`${host} ONLINE`, async () => (await doc()).hosts.find((h) => h.name === host)?.state === 'ONLINE');
  return how;
}
