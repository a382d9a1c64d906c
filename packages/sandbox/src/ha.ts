// Monitor HA in the sandbox (`up --netns --monitors N`, docs/ha.md "Trying it in the sandbox"):
// an N-member etcd cluster on mutual TLS with a CA of its own, and N monitors mon1…monN, monitor K
// and etcd member K together in namespace mmm-<hash>-monK on the sandbox's bridge, so taking that
// namespace's cable out cuts both. One forwarder in the root namespace serves each monitor's control
// port and HTTPS API on 127.0.0.1. Every process is recorded in sandbox.json by PID as soon as it
// runs, and stopped by that PID (stopHa), monitors first so the leader resigns while etcd is up.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createCa, issueEtcdCert, writeKeyPair } from '@mmm/common';
import { controlCommand } from './control';
import { binScript, readText, sandboxBin, startDaemon, stopDaemon, type Daemon } from './daemons';
import {
  ETCD_ELECTION_MS, ETCD_HEARTBEAT_MS, SANDBOX_LEASE_TTL, etcdEnv, etcdHealthy, etcdMemberArgs, findEtcd, initialCluster, type EtcdMemberSpec,
} from './etcd';
import { cmdlineOf, processAlive, SandboxError, stopPid, until } from './exec';
import { writeForwardConfig } from './forward';
import {
  ETCD_CLIENT_PORT, ETCD_PEER_PORT, NETNS_CONTROL_PORT, NETNS_HTTP_PORT, etcdDataRoot, haControlPort, haHttpPort, haMonitorIp, monitorId, monitorNs,
  type SandboxNames,
} from './paths';
import { haFiles, haMonitorFiles, monConf, type HaMonitorSpec, type SandboxLayout } from './sandbox-config';

/** One monitor of monitor HA, as sandbox.json records it (pid once started). */
export interface HaMonitorRecord {
  id: string;
  pid?: number;
  netns: string;
  ip: string;
  config: string;
  log: string;
  /** 127.0.0.1:port of its control port (the forwarder's), for a plain shell. */
  control: string;
  /** Its control port in its namespace (monitor_ha control_address: what a follower names). */
  controlAddress: string;
  /** 127.0.0.1:port of its HTTPS API (the forwarder's). */
  http: string;
  httpAddress: string;
  etcdCert: string;
  etcdKey: string;
}

/** One etcd member (pid once started); its command line names `dataDir`, which stopHa checks. */
export interface EtcdMemberRecord {
  name: string;
  pid?: number;
  netns: string;
  /** Its client URL. */
  endpoint: string;
  peerUrl: string;
  dataDir: string;
  log: string;
  certFile: string;
  keyFile: string;
}

/** sandbox.json's `ha`. */
export interface HaState {
  leaseTtl: number;
  heartbeatMs: number;
  electionMs: number;
  /** etcd's CA (DIR/tls/etcd/ca.crt): it signs only the members' and the monitors' etcd certificates. */
  etcdCa: string;
  /** The members' data dirs live under it (tmpfs); removed by stopHa. */
  dataRoot: string;
  monitors: HaMonitorRecord[];
  etcd: EtcdMemberRecord[];
  forwarder?: { pid: number; config: string; log: string };
}

/** Names, addresses, ports and files of N monitors and N etcd members (pure but for /dev/shm's presence). */
export function planHa(names: SandboxNames, count: number): HaState {
  const f = haFiles(names);
  const dataRoot = existsSync('/dev/shm') ? etcdDataRoot(names) : join(names.dir, 'etcd-data');
  const ks = Array.from({ length: count }, (_, i) => i + 1);
  return {
    leaseTtl: SANDBOX_LEASE_TTL,
    heartbeatMs: ETCD_HEARTBEAT_MS,
    electionMs: ETCD_ELECTION_MS,
    etcdCa: f.etcdCa,
    dataRoot,
    monitors: ks.map((k) => {
      const ip = haMonitorIp(names, k);
      const mf = haMonitorFiles(names, k);
      return {
        id: monitorId(k), netns: monitorNs(names, k), ip, config: mf.config, log: mf.log,
        control: `127.0.0.1:${haControlPort(names, k)}`, controlAddress: `${ip}:${NETNS_CONTROL_PORT}`,
        http: `127.0.0.1:${haHttpPort(names, k)}`, httpAddress: `${ip}:${NETNS_HTTP_PORT}`,
        etcdCert: join(f.etcdTlsDir, `${monitorId(k)}-etcd.crt`), etcdKey: join(f.etcdTlsDir, `${monitorId(k)}-etcd.key`),
      };
    }),
    etcd: ks.map((k) => {
      const ip = haMonitorIp(names, k);
      return {
        name: `etcd${k}`, netns: monitorNs(names, k), endpoint: `https://${ip}:${ETCD_CLIENT_PORT}`, peerUrl: `https://${ip}:${ETCD_PEER_PORT}`,
        dataDir: join(dataRoot, `etcd${k}`), log: haMonitorFiles(names, k).etcdLog,
        certFile: join(f.etcdTlsDir, `etcd${k}.crt`), keyFile: join(f.etcdTlsDir, `etcd${k}.key`),
      };
    }),
  };
}

/**
 * etcd's own CA in DIR/tls/etcd and what it signs (the code of `mmm_tls issue --role etcd`): per
 * member `etcdK` (SAN: its namespace's address, which it also dials its peers from), per monitor
 * `monK-etcd` (its etcd client certificate). No agent's or operator's certificate chains to it.
 */
export async function issueHaCerts(names: SandboxNames, ha: HaState, days = 365): Promise<void> {
  const dir = haFiles(names).etcdTlsDir;
  const ca = await createCa({ commonName: `mmm sandbox etcd CA (${names.prefix})`, days });
  await writeKeyPair(dir, 'ca', ca);
  for (const [i, m] of ha.etcd.entries()) {
    await writeKeyPair(dir, m.name, await issueEtcdCert({ ca, name: m.name, ips: [ha.monitors[i]!.ip], days }));
  }
  for (const m of ha.monitors) await writeKeyPair(dir, `${m.id}-etcd`, await issueEtcdCert({ ca, name: m.id, ips: [m.ip], days }));
}

/** Monitor K's mmm_mon.conf: the sandbox's monitor config with its namespace address and `<monitor_ha>`. */
export function haMonConf(layout: SandboxLayout, ha: HaState, k: number): string {
  const m = ha.monitors[k - 1]!;
  const spec: HaMonitorSpec = {
    k, ip: m.ip, endpoints: ha.etcd.map((e) => e.endpoint), etcdCa: ha.etcdCa, etcdCert: m.etcdCert, etcdKey: m.etcdKey, leaseTtl: ha.leaseTtl,
  };
  return monConf(layout, spec);
}

/** Host and port of a `127.0.0.1:PORT` record. */
export const addressOf = (a: string): { host: string; port: number } => ({ host: a.slice(0, a.lastIndexOf(':')), port: Number(a.slice(a.lastIndexOf(':') + 1)) });

/** The forwarder's routes: each monitor's control port and HTTPS API from 127.0.0.1 into its namespace. */
export function writeHaForwardConfig(names: SandboxNames, ha: HaState): string {
  const file = haFiles(names).forwardConfig;
  writeForwardConfig(file, {
    routes: ha.monitors.flatMap((m) => [
      { name: `${m.id} control`, listen: addressOf(m.control), target: addressOf(m.controlAddress) },
      { name: `${m.id} https`, listen: addressOf(m.http), target: addressOf(m.httpAddress) },
    ]),
  });
  return file;
}

/** What `up` hands the HA start: where to record, log and whom to blame. */
export interface HaUpContext {
  names: SandboxNames;
  ha: HaState;
  deadline: number;
  /** When `up` began (progress lines give the time since). */
  t0: number;
  /** DIR/mmm_control.conf (its TLS material; the address comes from each monitor's record). */
  controlConfig: string;
  log: (line: string) => void;
  /** Writes sandbox.json (called after each process started). */
  save: () => void;
  /** Throws once `up` was interrupted. */
  aborted: () => void;
  /** Names the log whose tail `up` prints if it fails now. */
  failing: (file: string) => void;
  /** Every daemon started, for up's later checks. */
  daemons: Map<string, { d: Daemon; log: string }>;
}

/** Throws (naming its log) when the daemon has exited. */
async function alive(ctx: HaUpContext, what: string): Promise<void> {
  const a = ctx.daemons.get(what)!;
  if (!a.d.hasExited()) return;
  ctx.failing(a.log);
  throw new SandboxError('COMMAND', `${what} ${await a.d.exited}`);
}

/** `show` of one monitor through its 127.0.0.1 port. */
export const showOf = (controlConfig: string, m: Pick<HaMonitorRecord, 'control'>, timeoutMs = 3_000): Promise<string> =>
  controlCommand({ config: controlConfig, address: addressOf(m.control) }, 'show', timeoutMs);

/** From `show`: who this monitor says leads ('self' when it does), or undefined when nobody does. */
export function leaderInShow(show: string): { self: boolean; id: string } | undefined {
  const self = /^# Monitor HA: this monitor \((\S+)\) leads, term \d+$/m.exec(show);
  if (self) return { self: true, id: self[1]! };
  const other = /^# Monitor HA: (\S+) at \S+ leads, term \d+;/m.exec(show);
  return other ? { self: false, id: other[1]! } : undefined;
}

/**
 * Starts the etcd members (waits until every one is healthy), the forwarder, mon1 (waits until it
 * leads), then the other monitors (waits until each follows mon1). mon1 goes first so that the
 * monitor `up` reports as `monitor` (and mmm_control.conf names) is the leader when `up` returns.
 */
export async function startHa(ctx: HaUpContext): Promise<void> {
  const { ha, log, t0 } = ctx;
  const etcdBin = findEtcd();
  if (existsSync(ha.dataRoot)) rmSync(ha.dataRoot, { recursive: true, force: true }); // named after DIR: left by a crashed sandbox of it
  mkdirSync(ha.dataRoot, { recursive: true, mode: 0o700 });
  const initial = initialCluster(ha.etcd);
  for (const m of ha.etcd) {
    mkdirSync(m.dataDir, { recursive: true, mode: 0o700 });
    mkdirSync(join(m.log, '..'), { recursive: true, mode: 0o700 });
    const spec: EtcdMemberSpec = { name: m.name, dataDir: m.dataDir, clientUrl: m.endpoint, peerUrl: m.peerUrl, certFile: m.certFile, keyFile: m.keyFile, caFile: ha.etcdCa };
    const args = etcdMemberArgs(spec, { initial, token: `mmm-sbx-${ctx.names.prefix}`, heartbeatMs: ha.heartbeatMs, electionMs: ha.electionMs });
    const d = startDaemon({ what: `etcd member ${m.name}`, script: etcdBin, command: [etcdBin, ...args], config: m.dataDir, log: m.log, netns: m.netns, env: etcdEnv() });
    ctx.daemons.set(`etcd member ${m.name}`, { d, log: m.log });
    m.pid = d.pid;
    ctx.save();
  }
  const probeTls = { caFile: ha.etcdCa, certFile: ha.monitors[0]!.etcdCert, keyFile: ha.monitors[0]!.etcdKey };
  const unhealthy = new Set(ha.etcd.map((m) => m.name));
  await until(ctx.deadline, `etcd members ${[...unhealthy].join(', ')} healthy`, async () => {
    ctx.aborted();
    for (const m of ha.etcd) await alive(ctx, `etcd member ${m.name}`);
    for (const m of ha.etcd) if (unhealthy.has(m.name) && (await etcdHealthy(m.endpoint, probeTls))) unhealthy.delete(m.name);
    return unhealthy.size === 0;
  }, () => {
    const m = ha.etcd.find((x) => unhealthy.has(x.name));
    if (m) ctx.failing(m.log);
    return `not healthy: ${[...unhealthy].join(', ')}`;
  });
  log(`etcd up: ${ha.etcd.map((m) => `${m.name}=${m.pid!} (${m.endpoint})`).join(' ')}, heartbeat ${ha.heartbeatMs} ms, election ${ha.electionMs} ms (${Date.now() - t0} ms)`);

  const fwdFiles = haFiles(ctx.names);
  const config = writeHaForwardConfig(ctx.names, ha);
  const fwd = startDaemon({ what: 'monitor forwarder', script: sandboxBin(), config, log: fwdFiles.forwardLog, args: ['forward', '--config', config] });
  ctx.daemons.set('monitor forwarder', { d: fwd, log: fwdFiles.forwardLog });
  ha.forwarder = { pid: fwd.pid, config, log: fwdFiles.forwardLog };
  ctx.save();
  await until(ctx.deadline, 'monitor forwarder listening', async () => {
    ctx.aborted();
    await alive(ctx, 'monitor forwarder');
    return readText(fwdFiles.forwardLog).includes('listening on');
  }, () => void ctx.failing(fwdFiles.forwardLog));

  const script = binScript('@mmm/monitor', 'mmmd_mon.js');
  const startMonitor = (m: HaMonitorRecord): void => {
    const d = startDaemon({ what: `monitor ${m.id}`, script, config: m.config, log: m.log, netns: m.netns });
    ctx.daemons.set(`monitor ${m.id}`, { d, log: m.log });
    m.pid = d.pid;
    ctx.save();
  };
  const waitShow = async (m: HaMonitorRecord, what: string, ok: (l: ReturnType<typeof leaderInShow>) => boolean): Promise<void> => {
    let last = '';
    await until(ctx.deadline, `${m.id} ${what}`, async () => {
      ctx.aborted();
      await alive(ctx, `monitor ${m.id}`);
      const show = await showOf(ctx.controlConfig, m).catch((e: Error) => `(${e.message})`);
      last = show.split('\n').find((l) => l.startsWith('# Monitor HA:') || l.startsWith('(')) ?? last;
      return ok(leaderInShow(show));
    }, () => {
      ctx.failing(m.log);
      return last;
    });
  };
  const [first, ...rest] = ha.monitors;
  startMonitor(first!);
  await waitShow(first!, 'leads', (l) => l?.self === true && l.id === first!.id);
  log(`monitor ${first!.id} leads (pid ${first!.pid!}, control ${first!.control}) (${Date.now() - t0} ms)`);
  for (const m of rest) startMonitor(m);
  await Promise.all(rest.map((m) => waitShow(m, `follows ${first!.id}`, (l) => l?.self === false && l.id === first!.id)));
  log(`monitors ${rest.map((m) => `${m.id}=${m.pid!}`).join(' ')} follow ${first!.id} (${Date.now() - t0} ms)`);
}

/** '' when exactly one monitor says it leads and every other names it; else what each says. */
export async function haNotReady(controlConfig: string, ha: HaState): Promise<string> {
  const said = await Promise.all(ha.monitors.map(async (m) => [m.id, leaderInShow(await showOf(controlConfig, m).catch(() => ''))] as const));
  const leaders = said.filter(([, l]) => l?.self).map(([id]) => id);
  if (leaders.length === 1 && said.every(([, l]) => l?.id === leaders[0])) return '';
  return `monitor HA: ${said.map(([id, l]) => `${id}: ${l ? (l.self ? 'leads' : `names ${l.id}`) : 'no leader'}`).join(', ')}`;
}

/**
 * Stops by PID what startHa started: every monitor (SIGCONT first, in case a test stopped one;
 * the leader resigns in etcd), the forwarder, every etcd member (SIGKILL); then removes their data. `step` collects failures.
 */
export async function stopHa(ha: HaState, log: (line: string) => void, step: (what: string, fn: () => Promise<void>) => Promise<void>): Promise<void> {
  const resume = (pid: number, mustContain: string): void => {
    if (processAlive(pid) && cmdlineOf(pid).includes(mustContain)) process.kill(pid, 'SIGCONT');
  };
  const mons = ha.monitors.filter((m) => m.pid !== undefined);
  await Promise.all(mons.map((m) => step(`stopping monitor ${m.id}`, async () => {
    resume(m.pid!, m.config);
    await stopDaemon(m.pid!, m.config, `monitor ${m.id}`);
  })));
  if (mons.length) log(`monitors stopped (${mons.map((m) => `${m.id}=${m.pid!}`).join(' ')})`);
  if (ha.forwarder) {
    const f = ha.forwarder;
    await step('stopping the monitor forwarder', () => stopDaemon(f.pid, f.config, 'monitor forwarder'));
    log(`monitor forwarder stopped (pid ${f.pid})`);
  }
  // SIGKILL: their data goes next anyway, and a member told to stop while its peers stop too waits
  // 5 s for a leadership transfer that cannot happen.
  const members = ha.etcd.filter((m) => m.pid !== undefined);
  await Promise.all(members.map((m) => step(`stopping etcd member ${m.name}`, async () => {
    if (!(await stopPid(m.pid!, { kill: true, mustContain: m.dataDir }))) throw new SandboxError('SANDBOX', `etcd member ${m.name} (PID ${m.pid!}) did not stop even after SIGKILL`);
  })));
  if (members.length) log(`etcd stopped (${members.map((m) => `${m.name}=${m.pid!}`).join(' ')})`);
  await step('removing etcd data', async () => {
    rmSync(ha.dataRoot, { recursive: true, force: true });
    log(`etcd data ${ha.dataRoot} removed`);
  });
}

/** status --json's `monitors` and `etcd`. */
export function haStatus(ha: HaState): { monitors: HaMonitorStatus[]; etcd: EtcdMemberStatus[] } {
  const pidOf = (p: number | undefined): number | null => p ?? null;
  return {
    monitors: ha.monitors.map((m) => ({
      id: m.id, pid: pidOf(m.pid), netns: m.netns, ip: m.ip, control: m.control, http: m.http, control_address: m.controlAddress, http_address: m.httpAddress,
      config: m.config, log: m.log, running: m.pid !== undefined && processAlive(m.pid),
    })),
    etcd: ha.etcd.map((m) => ({
      name: m.name, pid: pidOf(m.pid), netns: m.netns, endpoint: m.endpoint, data_dir: m.dataDir, log: m.log, running: m.pid !== undefined && processAlive(m.pid),
    })),
  };
}

/** One monitor in status --json (`control`/`http`: 127.0.0.1 for a plain shell; `*_address`: in its namespace). */
export interface HaMonitorStatus {
  id: string;
  pid: number | null;
  netns: string;
  ip: string;
  control: string;
  http: string;
  control_address: string;
  http_address: string;
  config: string;
  log: string;
  running: boolean;
}

/** One etcd member in status --json. */
export interface EtcdMemberStatus {
  name: string;
  pid: number | null;
  netns: string;
  endpoint: string;
  data_dir: string;
  log: string;
  running: boolean;
}
