// A real etcd cluster for the HA tests: 1 or 3 `etcd` processes (Debian etcd-server 3.4) on
// 127.19.N.k loopback addresses, mutual TLS on client and peer URLs with certificates made by the
// built `mmm_tls` (init-ca, issue --role etcd), data dirs on /dev/shm. Each member is stopped by
// its PID and every dir removed by stop(), also after a failed start.
//
// The members' flags and timing are the sandbox's (packages/sandbox/src/etcd.ts: heartbeat 100 ms,
// election 1000 ms, etcd's defaults); a longer election timeout would raise etcd's lease floor (1.5 ×
// election timeout, rounded up to whole seconds) above the 2 s the tests use as lease_ttl.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Etcd3 } from 'etcd3';
import { ETCD_ELECTION_MS, ETCD_HEARTBEAT_MS, etcdEnv, etcdMemberArgs, initialCluster } from '../../../packages/sandbox/src/etcd';
import { freePort } from '../../helpers/free-port';

const ROOT = resolve(__dirname, '../../..');
const MMM_TLS = join(ROOT, 'packages/control/bin/mmm_tls.js');
export const ETCD_BIN = '/usr/bin/etcd';
export const HEARTBEAT_MS = ETCD_HEARTBEAT_MS;
export const ELECTION_MS = ETCD_ELECTION_MS;

export interface EtcdMember {
  name: string;
  ip: string;
  clientPort: number;
  peerPort: number;
  clientUrl: string;
  dataDir: string;
  log: string;
  proc?: ChildProcess;
  pid?: number;
}

export interface ClientTls {
  caFile: string;
  certFile: string;
  keyFile: string;
}

export interface EtcdCluster {
  dir: string;
  members: EtcdMember[];
  /** Every member's client URL. */
  endpoints: string[];
  caFile: string;
  /** A client certificate signed by the cluster CA (`role`: monitor or etcd, as mmm_tls issues them). */
  clientCert(name: string, role?: 'monitor' | 'etcd' | 'control'): Promise<ClientTls>;
  /** An etcd3 client for tests' own reads (closed by stop()). */
  client(endpoints?: string[]): Promise<Etcd3>;
  pause(i: number): void;
  resume(i: number): void;
  /** Resolves once some member reports a raft leader (bounded). */
  waitHealthy(timeoutMs?: number): Promise<void>;
  logTails(lines: number): string;
  stop(): Promise<void>;
}

const run = promisify(execFile);

/** The built `mmm_tls`, as an operator runs it. */
export async function mmmTls(args: string[]): Promise<string> {
  const r = await run(process.execPath, [MMM_TLS, ...args], { timeout: 30_000 });
  return r.stdout;
}

export function etcdAvailable(): string | undefined {
  if (!existsSync(ETCD_BIN)) return `${ETCD_BIN} missing (apt-get install etcd-server)`;
  if (!existsSync(MMM_TLS.replace('bin/mmm_tls.js', 'dist/tls-main.js'))) return 'mmm_tls not built (npm run build)';
  return undefined;
}

/** A /24 of 127.19.0.0/16 per cluster: no two concurrent clusters (or helpers) share addresses. */
function subnet(): number {
  return 1 + ((process.pid * 7 + Math.floor(Math.random() * 254)) % 254);
}

export async function startEtcdCluster(o: { members: 1 | 3; prefix?: string }): Promise<EtcdCluster> {
  const shm = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(shm, `${o.prefix ?? 'ha-etcd'}-`));
  const members: EtcdMember[] = [];
  const clients: Etcd3[] = [];
  const tlsDir = join(dir, 'tls');
  const caDir = join(dir, 'ca');
  const caFile = join(caDir, 'ca.crt');
  const net = subnet();
  const certs = new Map<string, Promise<ClientTls>>();

  const stop = async (): Promise<void> => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all(members.map(stopMember));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await mmmTls(['init-ca', caDir, '--cn', 'mmm ha test CA']);
    for (let k = 1; k <= o.members; k++) {
      const ip = `127.19.${net}.${k}`;
      const m: EtcdMember = {
        name: `etcd${k}`, ip, clientPort: await freePort(ip), peerPort: await freePort(ip),
        clientUrl: '', dataDir: join(dir, `etcd${k}.data`), log: join(dir, `etcd${k}.log`),
      };
      m.clientUrl = `https://${ip}:${m.clientPort}`;
      // etcd checks a peer's certificate IP SANs against the address the peer dialled from: on
      // loopback every member dials from 127.0.0.1 (on a real host, from the host's own address).
      await mmmTls(['issue', '--ca', caDir, '--name', m.name, '--role', 'etcd', '--ip', ip, '--ip', '127.0.0.1', '--out', tlsDir]);
      members.push(m);
    }
    const initial = initialCluster(members.map((m) => ({ name: m.name, peerUrl: `https://${m.ip}:${m.peerPort}` })));
    for (const m of members) startMember(m, tlsDir, caFile, initial, `${o.prefix ?? 'ha-etcd'}-${net}`);
    const cluster: EtcdCluster = {
      dir, members, caFile,
      endpoints: members.map((m) => m.clientUrl),
      clientCert(name, role = 'monitor') {
        const made = certs.get(name) ?? mmmTls(['issue', '--ca', caDir, '--name', name, '--role', role, ...(role === 'control' ? [] : ['--ip', '127.0.0.1']), '--out', tlsDir])
          .then(() => ({ caFile, certFile: join(tlsDir, `${name}.crt`), keyFile: join(tlsDir, `${name}.key`) }));
        certs.set(name, made);
        return made;
      },
      async client(endpoints = cluster.endpoints) {
        const t = await cluster.clientCert('test-reader', 'control');
        const c = new Etcd3({
          hosts: endpoints,
          credentials: { rootCertificate: readFileSync(t.caFile), certChain: readFileSync(t.certFile), privateKey: readFileSync(t.keyFile) },
          defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + 3000 }),
        });
        clients.push(c);
        return c;
      },
      pause: (i) => signal(members[i]!, 'SIGSTOP'),
      resume: (i) => signal(members[i]!, 'SIGCONT'),
      async waitHealthy(timeoutMs = 30_000) {
        const c = await cluster.client();
        const until = Date.now() + timeoutMs;
        let last: unknown;
        for (;;) {
          try {
            const s = await c.maintenance.status();
            if (s.leader !== '0') return;
          } catch (e) {
            last = e;
          }
          for (const m of members) if (m.proc && m.proc.exitCode !== null) throw new Error(`${m.name} exited ${m.proc.exitCode}:\n${tail(m.log, 20)}`);
          if (Date.now() > until) throw new Error(`etcd not healthy within ${timeoutMs} ms (${String(last)}):\n${cluster.logTails(10)}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      },
      logTails: (lines) => members.map((m) => `--- ${m.name} (${m.clientUrl})\n${tail(m.log, lines)}`).join('\n'),
      stop,
    };
    await cluster.waitHealthy();
    return cluster;
  } catch (e) {
    await stop();
    throw e;
  }
}

function startMember(m: EtcdMember, tlsDir: string, caFile: string, initial: string, token: string): void {
  mkdirSync(m.dataDir, { recursive: true, mode: 0o700 });
  const out = openSync(m.log, 'a');
  const args = etcdMemberArgs({
    name: m.name, dataDir: m.dataDir, clientUrl: m.clientUrl, peerUrl: `https://${m.ip}:${m.peerPort}`,
    certFile: join(tlsDir, `${m.name}.crt`), keyFile: join(tlsDir, `${m.name}.key`), caFile,
  }, { initial, token });
  const proc = spawn(ETCD_BIN, args, { stdio: ['ignore', out, out], env: etcdEnv() });
  closeSync(out);
  m.proc = proc;
  m.pid = proc.pid;
}

function signal(m: EtcdMember, sig: NodeJS.Signals): void {
  if (m.pid !== undefined && m.proc?.exitCode === null) process.kill(m.pid, sig);
}

/** SIGCONT (a paused member cannot take SIGTERM), SIGTERM, then SIGKILL after 5 s; by PID only. */
async function stopMember(m: EtcdMember): Promise<void> {
  const p = m.proc;
  if (!p || m.pid === undefined || p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  process.kill(m.pid, 'SIGCONT');
  process.kill(m.pid, 'SIGTERM');
  const killed = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
  if (!killed) {
    process.kill(m.pid, 'SIGKILL');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  }
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
