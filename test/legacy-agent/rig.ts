// A real MariaDB cluster (db1 ⇄ db2 masters, db3 replica; @mmm/sandbox) with legacy-agent doubles
// on it, for tests. As root the nodes live in network namespaces and each double runs inside its
// node's namespace on eth0 (role IPs really go on and off the interface); otherwise on loopback
// addresses with --no-ip. MMM-style configs (mmm_common.conf + mmm_agent.conf per node), MMM's
// agent grants (SUPER, REPLICATION CLIENT, PROCESS, READ_ONLY ADMIN, mmm-interop.md), and
// openssl-style certificates made here: IP SANs, no role URI. Everything stops by PID.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { type CertKeyPair, createCa, issueCert, writeKeyPair } from '@mmm/common';
import { type DbCluster, type DbNode, netnsSupport, queries, startDbCluster, stopDbCluster } from '@mmm/sandbox';
import { freePort } from '../helpers/free-port';
import { type LegacyAgentProcess, startLegacyAgent, waitForLog } from './process';

export const LEGACY_USER = { user: 'mmm_legacy_agent', password: 'legacy-agent-pw' };
const LEGACY_GRANTS = 'SUPER, REPLICATION CLIENT, PROCESS, READ_ONLY ADMIN';

export type ClientCert = 'monitor' | 'none' | 'rogue';
export type SocketType = 'plain' | 'ssl';

export interface Vips {
  writer: string;
  readers: [string, string, string];
}

export interface Exchange {
  /** The reply line without `\n` ('' when the agent closed without answering). */
  reply: string;
  /** Set when the connection failed (TLS alert, reset…). */
  error?: string;
}

export class LegacyRig {
  readonly agents = new Map<string, LegacyAgentProcess>();
  private readonly ports = new Map<string, number>();
  private readonly client = new Map<ClientCert, { cert: string; key: string }>();
  private caPem = '';

  private constructor(
    readonly dir: string,
    readonly db: DbCluster,
    readonly netns: boolean,
    readonly vips: Vips,
  ) {}

  /** Starts MariaDB (namespaces when root), the legacy account, certificates and configs; no agent yet. */
  static async start(o: { socket?: SocketType } = {}): Promise<LegacyRig> {
    const dir = mkdtempSync(join(tmpdir(), 'mmm-legacy-'));
    const netns = (await netnsSupport()) === true;
    let db: DbCluster;
    try {
      db = await startDbCluster({ dir: join(dir, 'db'), replicas: 1, netns, mysqlTls: false }) // MMM clusters run MySQL in clear (the interop lab did);
    } catch (e) {
      await stopDbCluster(join(dir, 'db')).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    // Loopback runs never touch an interface (--no-ip): these TEST-NET addresses stay unused.
    const base = netns ? db.names.netns.subnet : '192.0.2';
    const vips: Vips = { writer: `${base}.100`, readers: [`${base}.101`, `${base}.102`, `${base}.103`] };
    const rig = new LegacyRig(dir, db, netns, vips);
    try {
      await Promise.all(db.nodes.map((n) => queries(n, [
        'SET SESSION sql_log_bin = 0',
        `CREATE USER '${LEGACY_USER.user}'@'%' IDENTIFIED BY '${LEGACY_USER.password}'`,
        `GRANT ${LEGACY_GRANTS} ON *.* TO '${LEGACY_USER.user}'@'%'`,
      ])));
      await rig.writeCertificates();
      for (const n of db.nodes) rig.ports.set(n.name, netns ? 9989 : await freePort(n.ip));
      rig.writeCommon();
      for (const n of db.nodes) rig.writeAgentConfig(n.name, o.socket ?? 'ssl');
    } catch (e) {
      await rig.stop();
      throw e;
    }
    return rig;
  }

  node(name: string): DbNode {
    return this.db.node(name);
  }

  agentConfig(name: string): string {
    return join(this.dir, `${name}-mmm_agent.conf`);
  }

  logFile(name: string): string {
    return join(this.dir, `${name}-legacy-agent.log`);
  }

  log(name: string): string {
    try {
      return readFileSync(this.logFile(name), 'utf8');
    } catch {
      return '';
    }
  }

  private async writeCertificates(): Promise<void> {
    const tlsDir = join(this.dir, 'tls');
    const ca = await createCa({ commonName: 'legacy-test-ca', days: 365 });
    await writeKeyPair(tlsDir, 'ca', ca);
    this.caPem = ca.certPem;
    for (const n of this.db.nodes) {
      await writeKeyPair(tlsDir, n.name, await issueCert({ ca, commonName: n.name, ips: [n.ip], usage: 'both', days: 365 }));
    }
    // The monitor's certificate also serves its control port on 127.0.0.1 (mixed-cluster tests);
    // `control` is mmm_control's client certificate. Neither carries a role URI.
    const mon = await issueCert({ ca, commonName: 'monitor', ips: [...new Set([this.db.monitorIp ?? '127.0.0.1', '127.0.0.1'])], usage: 'both', days: 365 });
    await writeKeyPair(tlsDir, 'monitor', mon);
    await writeKeyPair(tlsDir, 'control', await issueCert({ ca, commonName: 'control', usage: 'client', days: 365 }));
    const rogueCa = await createCa({ commonName: 'rogue-ca', days: 365 });
    const rogue: CertKeyPair = await issueCert({ ca: rogueCa, commonName: 'monitor', ips: ['127.0.0.1'], usage: 'both', days: 365 });
    this.client.set('monitor', { cert: mon.certPem, key: mon.keyPem });
    this.client.set('rogue', { cert: rogue.certPem, key: rogue.keyPem });
  }

  /** MMM's shipped layout: hosts, roles and accounts in mmm_common.conf. */
  private writeCommon(): void {
    const hosts = this.db.nodes.map((n) => `<host ${n.name}>
    ip                  ${n.ip}
    mode                ${n.mode}${n.mode === 'master' ? `\n    peer                ${n.name === 'db1' ? 'db2' : 'db1'}` : ''}
    agent_port          ${this.ports.get(n.name)}
    mysql_port          ${n.port}
</host>`).join('\n\n');
    write(join(this.dir, 'mmm_common.conf'), `# written by test/legacy-agent/rig.ts
active_master_role      writer

<host default>
    cluster_interface       eth0
    agent_user              ${LEGACY_USER.user}
    agent_password          ${LEGACY_USER.password}
    replication_user        ${this.db.credentials.replication.user}
    replication_password    ${this.db.credentials.replication.password}
</host>

${hosts}

<role writer>
    hosts   db1, db2
    ips     ${this.vips.writer}
    mode    exclusive
</role>

<role reader>
    hosts   ${this.db.nodes.map((n) => n.name).join(', ')}
    ips     ${this.vips.readers.join(', ')}
    mode    balanced
</role>
`);
  }

  /** mmm_agent.conf for one node: include + `this` + its own <socket> (plain or ssl). */
  writeAgentConfig(name: string, socket: SocketType): void {
    const t = join(this.dir, 'tls');
    const sock = socket === 'ssl'
      ? `<socket>\n    type        ssl\n    cert_file   ${t}/${name}.crt\n    key_file    ${t}/${name}.key\n    ca_file     ${t}/ca.crt\n</socket>\n`
      : '';
    write(this.agentConfig(name), `include ${join(this.dir, 'mmm_common.conf')}\nthis ${name}\n\n${sock}`);
  }

  /** Starts the double for `name` and waits until it listens. */
  async startAgent(name: string, o: { restartDelayS?: number; args?: string[] } = {}): Promise<LegacyAgentProcess> {
    if (this.agents.has(name)) throw new Error(`legacy agent ${name} already runs`);
    const n = this.node(name);
    const before = this.log(name).split('\n').filter((l) => l.includes('Listener: listening')).length;
    const p = startLegacyAgent({
      config: this.agentConfig(name),
      log: this.logFile(name),
      ...(n.netns ? { netns: n.netns } : {}),
      restartDelayS: o.restartDelayS ?? 1,
      args: [...(this.netns ? [] : ['--no-ip']), ...(o.args ?? [])],
    });
    this.agents.set(name, p);
    await this.waitListening(name, before + 1);
    return p;
  }

  /** Waits until the `count`-th "listening" line of `name`'s log (1 = first start, 2 = first restart…). */
  async waitListening(name: string, count: number, timeoutMs = 30_000): Promise<void> {
    await waitForLog(this.logFile(name), /Listener: listening/, count, timeoutMs);
  }

  async stopAgent(name: string): Promise<void> {
    const p = this.agents.get(name);
    this.agents.delete(name);
    await p?.stop();
  }

  /** Sends lines on one connection (as a monitor does, usually one) and reads as many reply lines. */
  async exchange(name: string, lines: string[], o: { cert?: ClientCert; socket?: SocketType; timeoutMs?: number } = {}): Promise<Exchange[]> {
    const n = this.node(name);
    const port = this.ports.get(name)!;
    const want = o.socket ?? 'ssl';
    const cert = o.cert ?? 'monitor';
    const material = cert === 'none' ? {} : this.client.get(cert)!;
    const sock: net.Socket = want === 'ssl'
      ? tls.connect({ host: n.ip, port, ca: this.caPem, ...material, checkServerIdentity: () => undefined })
      : net.connect({ host: n.ip, port });
    return readReplies(sock, lines, o.timeoutMs ?? 30_000);
  }

  /** One request on its own connection; the reply without `\n`, or throws with the connection error. */
  async send(name: string, line: string, o: { cert?: ClientCert; socket?: SocketType; timeoutMs?: number } = {}): Promise<string> {
    const [r] = await this.exchange(name, [line], o);
    if (r?.error) throw new Error(`${name}: ${line}: ${r.error}`);
    return r?.reply ?? '';
  }

  /** A TLS connection that completed its handshake and one PING, then stays open (the caller destroys it). */
  async holdOpen(name: string): Promise<tls.TLSSocket> {
    const n = this.node(name);
    const sock = tls.connect({ host: n.ip, port: this.ports.get(name)!, ca: this.caPem, ...this.client.get('monitor')!, checkServerIdentity: () => undefined });
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.once('secureConnect', () => sock.write(`PING|1|${name}\n`));
      sock.once('data', () => resolve());
    });
    return sock;
  }

  /** A bare TCP connection to the agent port (no TLS, nothing sent). */
  rawConnect(name: string): Promise<net.Socket> {
    const n = this.node(name);
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: n.ip, port: this.ports.get(name)! });
      sock.once('connect', () => resolve(sock));
      sock.once('error', reject);
    });
  }

  async stop(): Promise<void> {
    await Promise.all([...this.agents.keys()].map((n) => this.stopAgent(n).catch(() => undefined)));
    try {
      await this.db.stop({ keepDir: false });
    } finally {
      rmSync(this.dir, { recursive: true, force: true }); // configs, certificates, logs
    }
  }
}

function write(file: string, text: string): void {
  writeFileSync(file, text, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** Writes the lines one by one, each after the previous reply; ends early on close or error. */
function readReplies(sock: net.Socket, lines: string[], timeoutMs: number): Promise<Exchange[]> {
  return new Promise((resolve) => {
    const out: Exchange[] = [];
    let buf = '';
    let i = 0;
    let ended = false;
    const finish = (error?: string): void => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      while (out.length < lines.length) out.push({ reply: '', ...(error ? { error } : {}) });
      sock.destroy();
      resolve(out);
    };
    const timer = setTimeout(() => finish(`no reply within ${timeoutMs} ms`), timeoutMs);
    const sendNext = (): void => {
      if (i < lines.length) sock.write(`${lines[i++]}\n`);
      else finish();
    };
    sock.once(sock instanceof tls.TLSSocket ? 'secureConnect' : 'connect', sendNext);
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      buf += d;
      let k: number;
      while ((k = buf.indexOf('\n')) >= 0) {
        out.push({ reply: buf.slice(0, k) });
        buf = buf.slice(k + 1);
        sendNext();
      }
    });
    sock.on('error', (e) => finish(e.message));
    sock.on('close', () => finish(out.length < lines.length ? 'closed without reply' : undefined));
  });
}
