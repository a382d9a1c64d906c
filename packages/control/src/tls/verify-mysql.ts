// `verify --secure`, MySQL links: does each MySQL link the program uses run over TLS? Per server,
// without logging in: the server's greeting says whether it offers TLS; with mysql_ssl on, a TLS
// handshake checks its certificate against mysql_ssl_ca and the host's ip, as the monitor and a
// replica would. An agent config also gets its own server's link (the unix socket) and, read over
// that socket with the agent account, whether the replication it runs now uses TLS.
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import * as mysql from 'mysql2/promise';
import {
  type MmmConfig, type MysqlTls, type Program, bounded, checkServerIdentity, describeX509, errorMessage, localMysqlTarget, mysqlTlsOf,
} from '@mmm/common';
import { fail, ok, warn, type Finding } from './findings';
import { parseGreeting, sslRequestPacket } from './mysql-greeting';

export interface MysqlLinkTarget {
  /** The host section name. */
  host: string;
  /** monitor: the monitor's checks; replication: this node's replica thread logging in to a master. */
  kind: 'monitor' | 'replication';
  ip: string;
  port: number;
  tls?: MysqlTls;
}

/** Pure: monitor config → every host; agent config → every master but itself (what it may replicate from). */
export function mysqlLinkTargets(program: Program, config: MmmConfig): MysqlLinkTarget[] {
  const of = (name: string, kind: MysqlLinkTarget['kind']): MysqlLinkTarget => {
    const h = config.hosts[name]!;
    const t = mysqlTlsOf(config, h);
    return { host: name, kind, ip: h.ip, port: h.mysqlPort, ...(t ? { tls: t } : {}) };
  };
  const names = Object.keys(config.hosts).sort();
  if (program === 'monitor') return names.map((n) => of(n, 'monitor'));
  if (program === 'agent') return names.filter((n) => n !== config.this && config.hosts[n]!.mode === 'master').map((n) => of(n, 'replication'));
  return [];
}

export type MysqlProbe =
  | { kind: 'unreachable'; message: string }
  | { kind: 'refused'; errno: number; message: string }
  | { kind: 'garbage'; reason: string }
  | { kind: 'plain'; version: string; offersTls: boolean }
  | { kind: 'tls'; version: string; protocol: string; cn: string; daysLeft: number }
  | { kind: 'tls-failed'; version: string; message: string };

const what = (t: MysqlLinkTarget): string => (t.kind === 'monitor' ? "the monitor's checks and its password" : 'replication (every row written) and the replication password');

/** Pure: the findings for one probed link. */
export function mysqlLinkFindings(t: MysqlLinkTarget, p: MysqlProbe, warnDays: number): Finding[] {
  const check = `${t.kind === 'monitor' ? 'mysql' : 'replication from'} ${t.host}`;
  const where = `${t.host} (${t.ip}:${t.port})`;
  switch (p.kind) {
    case 'unreachable':
      return [fail(check, `${where}: cannot connect: ${p.message}`)];
    case 'refused':
      return [fail(check, `${where} refused the connection before any handshake: ${p.errno} ${p.message}`)];
    case 'garbage':
      return [fail(check, `${where}: ${p.reason}`)];
    case 'plain':
      if (t.tls) {
        return [fail(check, `${where}: mysql_ssl is on but the server offers no TLS (have_ssl=DISABLED): ${t.kind === 'monitor' ? "the monitor's checks of it fail" : 'replication from it fails after a re-point'}; give mariadbd ssl_cert and ssl_key (docs/mysql-tls.md)`)];
      }
      return [
        warn(
          check,
          `${where}: in clear (mysql_ssl off): ${what(t)} cross the network readable; ` +
            (p.offersTls ? 'the server offers TLS: set mysql_ssl on' : 'the server offers no TLS either (have_ssl=DISABLED): docs/mysql-tls.md'),
        ),
      ];
    case 'tls-failed':
      return [fail(check, `${where}: TLS refused: ${p.message}`)];
    case 'tls': {
      const out = [ok(check, `${where}: ${p.protocol}, server certificate CN=${p.cn} verified against ${t.tls?.caFile ?? '?'} for ${t.ip}, ${p.daysLeft} days left`)];
      if (p.daysLeft <= warnDays) out.push(warn(`${check} expiry`, `the MySQL server certificate CN=${p.cn} of ${t.host} expires in ${p.daysLeft} days`));
      return out;
    }
  }
}

/** Reads the greeting and, with `tls`, runs the TLS handshake and mmm's identity check. Never logs in. */
export function probeMysql(t: MysqlLinkTarget, timeoutMs: number): Promise<MysqlProbe> {
  return new Promise((resolve) => {
    let done = false;
    let sock: net.Socket | tls.TLSSocket = net.connect({ host: t.ip, port: t.port });
    const finish = (p: MysqlProbe): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(p);
    };
    const timer = setTimeout(() => finish({ kind: 'unreachable', message: `no greeting within ${timeoutMs} ms` }), timeoutMs);
    let buf = Buffer.alloc(0);
    const raw = sock;
    raw.on('error', (e) => finish({ kind: 'unreachable', message: errorMessage(e) }));
    raw.on('close', () => finish({ kind: 'unreachable', message: 'closed before the greeting' }));
    raw.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const g = parseGreeting(buf);
      if (g.kind === 'incomplete') return;
      raw.removeAllListeners('data');
      raw.removeAllListeners('close');
      if (g.kind === 'error') return finish({ kind: 'refused', errno: g.errno, message: g.message });
      if (g.kind === 'garbage') return finish({ kind: 'garbage', reason: g.reason });
      if (!t.tls || !g.ssl) return finish({ kind: 'plain', version: g.version, offersTls: g.ssl });
      let ca: string;
      try {
        ca = readCa(t.tls.caFile);
      } catch (e) {
        return finish({ kind: 'tls-failed', version: g.version, message: errorMessage(e) });
      }
      raw.write(sslRequestPacket());
      const s = tls.connect({ socket: raw, ca, rejectUnauthorized: true, minVersion: 'TLSv1.2', checkServerIdentity: () => undefined });
      sock = s;
      s.on('error', (e) => finish({ kind: 'tls-failed', version: g.version, message: errorMessage(e) }));
      s.on('secureConnect', () => {
        const cert = s.getPeerCertificate(true);
        const bad = checkServerIdentity(t.ip, cert);
        if (bad) return finish({ kind: 'tls-failed', version: g.version, message: bad.message });
        const d = describeX509(new X509Certificate(cert.raw));
        finish({ kind: 'tls', version: g.version, protocol: s.getProtocol() ?? 'TLS', cn: d.cn, daysLeft: d.daysLeft });
      });
    });
  });
}

function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read mysql_ssl_ca ${file}: ${(e as NodeJS.ErrnoException).code ?? errorMessage(e)}`);
  }
}

/** Agent config: its own server's link (socket) and the TLS of the replication it runs now. */
export async function checkLocalMysql(config: MmmConfig, timeoutMs: number): Promise<Finding[]> {
  const me = config.this ? config.hosts[config.this] : undefined;
  if (!me) return [];
  const t = localMysqlTarget(me);
  const out: Finding[] = [];
  if (t.kind === 'tcp') {
    out.push(ok('mysql local', `${me.name}: the agent reaches its server over TCP to ${t.host}:${t.port} (loopback, mysql_socket none)`));
  } else {
    let isSocket = false;
    try {
      isSocket = statSync(t.socketPath).isSocket();
    } catch {
      isSocket = false;
    }
    if (!isSocket) {
      out.push(warn('mysql local', `${me.name}: ${t.socketPath} is not a socket (mysqld down, or mysql_socket wrong: SELECT @@socket): the agent cannot reach its server`));
      return out;
    }
    out.push(ok('mysql local', `${me.name}: the agent reaches its server over the unix socket ${t.socketPath} (never on the network)`));
  }
  if (!me.agentUser) return out;
  const conn = mysql.createConnection({
    ...(t.kind === 'socket' ? { socketPath: t.socketPath } : { host: t.host, port: t.port }),
    user: me.agentUser,
    password: me.agentPassword ?? '',
    connectTimeout: Math.max(1, timeoutMs),
  });
  const c = await bounded(conn, timeoutMs + 500);
  if (c.kind !== 'value') {
    if (c.kind === 'timeout') void conn.then((x) => x.destroy(), () => undefined);
    out.push(warn('replication in', `${me.name}: cannot read SHOW ALL SLAVES STATUS as ${me.agentUser}: ${c.kind === 'timeout' ? 'timeout' : errorMessage(c.error)}`));
    return out;
  }
  try {
    const r = await bounded(c.value.query('SHOW ALL SLAVES STATUS'), timeoutMs);
    if (r.kind !== 'value') {
      out.push(warn('replication in', `${me.name}: SHOW ALL SLAVES STATUS: ${r.kind === 'timeout' ? 'timeout' : errorMessage(r.error)}`));
      return out;
    }
    const rows = r.value[0] as Record<string, unknown>[];
    const row = rows.find((x) => (x.Connection_name ?? '') === '');
    out.push(...replicationInFindings(me.name, row));
  } finally {
    const end = await bounded(c.value.end(), 500);
    if (end.kind !== 'value') c.value.destroy();
  }
  return out;
}

/** Pure: the default replication connection's TLS settings as SHOW ALL SLAVES STATUS shows them. */
export function replicationInFindings(host: string, row: Record<string, unknown> | undefined): Finding[] {
  if (!row) return [ok('replication in', `${host}: no replication configured`)];
  const src = `${String(row.Master_Host)}:${String(row.Master_Port)}`;
  if (row.Master_SSL_Allowed !== 'Yes') {
    return [warn('replication in', `${host} replicates from ${src} in clear (Master_SSL_Allowed No): every row and the replication password cross the network readable; the agent's next re-point sets TLS, or run STOP SLAVE; CHANGE MASTER TO MASTER_SSL=1, MASTER_SSL_CA='…', MASTER_SSL_VERIFY_SERVER_CERT=1; START SLAVE (docs/mysql-tls.md)`)];
  }
  if (row.Master_SSL_Verify_Server_Cert !== 'Yes') {
    return [warn('replication in', `${host} replicates from ${src} over TLS without verifying the source (Master_SSL_Verify_Server_Cert No): CHANGE MASTER TO MASTER_SSL_VERIFY_SERVER_CERT=1`)];
  }
  return [ok('replication in', `${host} replicates from ${src} over TLS, source verified against ${String(row.Master_SSL_CA_File || row.Master_SSL_CA_Path || '?')}`)];
}

/** Every MySQL link of the program (monitor, agent); control has none. */
export async function checkMysqlLinks(program: Program, config: MmmConfig, timeoutMs: number): Promise<Finding[]> {
  const out: Finding[] = [];
  if (program === 'agent') out.push(...(await checkLocalMysql(config, timeoutMs)));
  const targets = mysqlLinkTargets(program, config);
  const probes = await Promise.all(targets.map((t) => probeMysql(t, timeoutMs)));
  targets.forEach((t, i) => out.push(...mysqlLinkFindings(t, probes[i]!, config.socket.certExpiryWarnDays)));
  return out;
}
