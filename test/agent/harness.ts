// Integration harness for mmmd_agent: a real MariaDB cluster in network namespaces (db1, db2
// masters replicating both ways with GTID, db3 replica), certificates made here, one 2.x config
// per node, and the BUILT mmmd_agent started inside each node's namespace as a child process.
// The test client talks to the agents over mutual TLS from the root namespace through the
// sandbox's monitor veth (the only root-namespace route to the node addresses), and applications
// run inside a node's namespace (app-client.js). Everything is stopped by PID.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, createWriteStream, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  type AgentReply,
  type ClientConnection,
  type SocketConfig,
  type TlsMaterial,
  connect,
  createCa,
  decodeAgentReply,
  issueCert,
  nullLogger,
  writeKeyPair,
} from '@mmm/common';
import {
  type DbCluster,
  type DbNode,
  netnsSupport,
  processAlive,
  run,
  sleep,
  startDbCluster,
  stopDbCluster,
  stopPid,
  waitFor,
} from '@mmm/sandbox';

export const REPO = resolve(__dirname, '../..');
export const AGENT_BIN = join(REPO, 'packages/agent/bin/mmmd_agent.js');
export const APP_CLIENT = join(__dirname, 'app-client.js');
export const AGENT_PORT = 9989;
export const WRITER_LEASE_S = 3;

export type ClientRole = 'monitor' | 'control';

/** Why these tests cannot run here, or undefined. */
export async function skipReason(): Promise<string | undefined> {
  const ns = await netnsSupport();
  if (ns !== true) return ns;
  if (!existsSync('/usr/sbin/mariadbd')) return 'mariadbd is not installed (apt-get install mariadb-server)';
  if (!existsSync(join(REPO, 'packages/agent/dist/main.js'))) return 'mmmd_agent is not built (npm run build)';
  return undefined;
}

export interface AgentProc {
  name: string;
  pid: number;
  child: ChildProcess;
  log: string;
  exited: Promise<number | null>;
}

export interface RoleIps {
  writer: string;
  readers: [string, string, string];
}

export class AgentCluster {
  readonly agents = new Map<string, AgentProc>();
  private readonly material = new Map<ClientRole, TlsMaterial>();

  private constructor(
    readonly dir: string,
    readonly db: DbCluster,
    readonly vips: RoleIps,
    private readonly tlsDir: string,
    /** More `<host default>` lines for every node's config (e.g. `vip_reject_period 5`). */
    private readonly hostDefault: readonly string[] = [],
    /** Each node's agent writes a pid file (`pidFile(name)`). */
    private readonly pidFiles = false,
  ) {}

  /** Starts MariaDB, writes certificates and configs, starts one agent per node and waits for PING. */
  static async start(log: (l: string) => void = () => undefined, opts: { hostDefault?: readonly string[]; pidFiles?: boolean } = {}): Promise<AgentCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'mmm-agt-'));
    let db: DbCluster;
    try {
      db = await startDbCluster({ dir, replicas: 1, netns: true });
    } catch (e) {
      await stopDbCluster(dir).catch(() => undefined);
      throw e;
    }
    const subnet = db.names.netns.subnet;
    const vips: RoleIps = { writer: `${subnet}.100`, readers: [`${subnet}.101`, `${subnet}.102`, `${subnet}.103`] };
    const c = new AgentCluster(dir, db, vips, join(dir, 'tls'), opts.hostDefault, opts.pidFiles);
    try {
      await c.writeCertificates();
      for (const n of db.nodes) c.writeConfig(n);
      const t0 = Date.now();
      await Promise.all(db.nodes.map((n) => c.startAgent(n.name)));
      log(`cluster + agents up: ${db.nodes.map((n) => `${n.name}=${n.ip} agent pid ${c.agents.get(n.name)?.pid}`).join(', ')} (agents ${Date.now() - t0} ms)`);
    } catch (e) {
      await c.stop();
      throw e;
    }
    return c;
  }

  node(name: string): DbNode {
    return this.db.node(name);
  }

  configFile(name: string): string {
    return join(this.dir, name, 'mmm_agent.conf');
  }

  /** The node's term file (monitor HA): in its own folder, never the machine's /var/lib/mmm. */
  termFile(name: string): string {
    return join(this.dir, name, 'mmmd_agent.term.json');
  }

  pidFile(name: string): string {
    return join(this.dir, name, 'mmmd_agent.pid');
  }

  /** The built mmmd_agent with this node's config and `args` (--reset-term, --check-config),
   *  outside the namespace (it serves nothing); bounded, killed by its PID at the bound. */
  runOnce(name: string, args: string[], timeoutMs = 20_000): Promise<{ code: number; stdout: string; stderr: string }> {
    return run(process.execPath, [AGENT_BIN, '-c', this.configFile(name), ...args], { timeoutMs, allowFail: true });
  }

  private async writeCertificates(): Promise<void> {
    const ca = await createCa({ commonName: 'mmm-agent-test-ca', days: 2 });
    await writeKeyPair(this.tlsDir, 'ca', ca);
    for (const n of this.db.nodes) {
      const pair = await issueCert({ ca, commonName: n.name, ips: [n.ip], role: 'agent', usage: 'both', days: 2 });
      await writeKeyPair(this.tlsDir, n.name, pair);
    }
    for (const role of ['monitor', 'control'] as const) {
      const pair = await issueCert({ ca, commonName: role, ips: [this.db.monitorIp ?? '127.0.0.1'], role, usage: 'both', days: 2 });
      await writeKeyPair(this.tlsDir, role, pair);
      this.material.set(role, { cert: pair.certPem, key: pair.keyPem, ca: ca.certPem });
    }
  }

  /** One self-contained 2.x agent config per node (chmod 600). */
  private writeConfig(self: DbNode): void {
    const cr = this.db.credentials;
    const hosts = this.db.nodes
      .map((n) => {
        const peer = n.mode === 'master' ? `\n    peer                 ${n.name === 'db1' ? 'db2' : 'db1'}` : '';
        return `<host ${n.name}>
    ip                   ${n.ip}
    mode                 ${n.mode}${peer}
    mysql_pidfile        ${n.pidFile}
    mysql_socket         ${n.socket}
</host>`;
      })
      .join('\n\n');
    const text = `# written by test/agent/harness.ts
this                ${self.name}
active_master_role  writer
writer_lease        ${WRITER_LEASE_S}

<host default>
    cluster_interface     eth0
    agent_port            ${AGENT_PORT}
    mysql_port            ${self.port}
    agent_user            ${cr.agent.user}
    agent_password        ${cr.agent.password}
    replication_user      ${cr.replication.user}
    replication_password  ${cr.replication.password}
    mysql_ssl_ca          ${this.db.mysqlCa!}
    term_file             ${this.termFile(self.name)}
${this.pidFiles ? `    pid_path              ${this.pidFile(self.name)}\n` : ''}${this.hostDefault.map((l) => `    ${l}\n`).join('')}</host>

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

<socket>
    type        ssl
    cert_file   ${join(this.tlsDir, `${self.name}.crt`)}
    key_file    ${join(this.tlsDir, `${self.name}.key`)}
    ca_file     ${join(this.tlsDir, 'ca.crt')}
</socket>
`;
    const file = this.configFile(self.name);
    writeFileSync(file, text, { mode: 0o600 });
    chmodSync(file, 0o600);
  }

  /** Starts the built mmmd_agent inside the node's namespace; resolves once it answers PING. */
  async startAgent(name: string): Promise<AgentProc> {
    const n = this.node(name);
    const log = join(this.dir, name, 'agent.log');
    const out = createWriteStream(log, { flags: 'a' });
    const child = spawn('ip', ['netns', 'exec', n.netns!, process.execPath, AGENT_BIN, '-c', this.configFile(name), '--log-level', 'debug'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    if (!child.pid) throw new Error(`could not start mmmd_agent for ${name}`);
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    const proc: AgentProc = { name, pid: child.pid, child, log, exited };
    this.agents.set(name, proc);
    let gone = false;
    void exited.then(() => (gone = true));
    await waitFor(
      `mmmd_agent ${name} answering PING`,
      async () => {
        if (gone) throw new Error(`mmmd_agent ${name} exited: ${this.logTail(name)}`);
        return (await this.send(name, `PING|1|${name}`)).ok;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    return proc;
  }

  /** SIGTERM by PID (SIGKILL after a bound). */
  async stopAgent(name: string): Promise<void> {
    const a = this.agents.get(name);
    if (!a) return;
    this.agents.delete(name);
    if (processAlive(a.pid)) await stopPid(a.pid, { graceMs: 5_000, mustContain: AGENT_BIN });
    await Promise.race([a.exited, sleep(2_000)]);
  }

  /** SIGKILL by PID, as a crash: the agent cleans nothing up. */
  async killAgent(name: string): Promise<void> {
    const a = this.agents.get(name);
    if (!a) return;
    this.agents.delete(name);
    if (processAlive(a.pid)) process.kill(a.pid, 'SIGKILL');
    await Promise.race([a.exited, sleep(5_000)]);
  }

  logTail(name: string, lines = 30): string {
    try {
      return readFileSync(join(this.dir, name, 'agent.log'), 'utf8').trim().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Opens a mutual-TLS connection to a node's agent with the monitor's (or control's) certificate. */
  open(name: string, role: ClientRole = 'monitor', timeoutMs = 5_000): Promise<ClientConnection> {
    const n = this.node(name);
    const socket: SocketConfig = {
      type: 'ssl',
      verifyMode: 1,
      tlsMinVersion: 'TLSv1.2',
      tlsListen: 'tls',
      tlsConnect: 'enforce',
      certExpiryWarnDays: 30,
      peerRoles: [],
    };
    return connect({ host: n.ip, port: AGENT_PORT, socket, material: this.material.get(role), timeoutMs, logger: nullLogger });
  }

  /** One request on its own connection (as MMM's monitor does); returns the raw reply line. */
  async sendRaw(name: string, line: string, role: ClientRole = 'monitor', timeoutMs = 30_000): Promise<string> {
    const c = await this.open(name, role);
    try {
      return await c.request(line, timeoutMs);
    } finally {
      c.destroy();
    }
  }

  async send(name: string, line: string, role: ClientRole = 'monitor', timeoutMs = 30_000): Promise<AgentReply> {
    return decodeAgentReply(await this.sendRaw(name, line, role, timeoutMs));
  }

  /** Stops every agent by PID, then MariaDB, namespaces and (when all went well) the directory. */
  async stop(): Promise<void> {
    await Promise.all([...this.agents.keys()].map((n) => this.stopAgent(n).catch(() => undefined)));
    await this.db.stop({ keepDir: false });
  }
}

/** A raw TCP connection to an agent that never starts a TLS handshake. */
export function rawTcp(host: string, port: number): Promise<net.Socket> {
  return new Promise((res, rej) => {
    const s = net.connect({ host, port });
    s.once('connect', () => res(s));
    s.once('error', rej);
  });
}

/** An application connection from inside a namespace (app-client.js run with `ip netns exec`). */
export class AppClient {
  private buf = '';
  private readonly lines: string[] = [];
  private waiters: Array<() => void> = [];
  readonly exited: Promise<number | null>;
  closed: string | undefined;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => {
      this.buf += d;
      let i: number;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const l = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        if (l.startsWith('closed')) this.closed = l;
        this.lines.push(l);
      }
      for (const w of this.waiters.splice(0)) w();
    });
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
    void this.exited.then(() => {
      this.closed ??= 'closed (process exited)';
      for (const w of this.waiters.splice(0)) w();
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  static async open(ns: string, host: string, port: number, user: string, password: string): Promise<AppClient> {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, APP_CLIENT, host, String(port), user, password], {
      stdio: ['pipe', 'pipe', 'inherit'],
      cwd: REPO,
    });
    const c = new AppClient(child);
    const first = await c.next(10_000);
    if (!first.startsWith('connected ')) {
      c.kill();
      throw new Error(`application client could not connect to ${host}:${port}: ${first}`);
    }
    return c;
  }

  /** The next output line, bounded. */
  async next(timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length === 0) {
      if (this.closed && this.lines.length === 0) return this.closed;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('application client: no output in time');
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.lines.shift()!;
  }

  /** Runs one statement; resolves with `ok <json rows>` or `err <errno> <message>` or `closed …`. */
  async query(sql: string, timeoutMs = 10_000): Promise<string> {
    if (this.closed) return this.closed;
    this.child.stdin?.write(`${sql.replace(/\n/g, ' ')}\n`);
    return this.next(timeoutMs);
  }

  kill(): void {
    if (this.child.pid && processAlive(this.child.pid)) this.child.kill('SIGTERM');
  }
}
