// `verify --secure`: a live handshake and a harmless command to every peer the program talks to.
import { agentTexts, connect, texts as controlTexts, errorMessage, loadTlsMaterial, nullLogger, type ClientConnection, type MmmConfig, type Program } from '@mmm/common';
import { fail, ok, warn, type Finding } from './findings';

export interface LiveTarget {
  /** What the lines call it: a host name or 'monitor'. */
  name: string;
  host: string;
  port: number;
  kind: 'agent' | 'monitor';
}

/**
 * Pure: whom to check. Monitor config: every agent. Control config: the monitor. Agent config:
 * its own listener and its peer master's agent (the monitor is no server for agents).
 */
export function liveTargets(program: Program, config: MmmConfig): LiveTarget[] {
  const agent = (name: string): LiveTarget => {
    const h = config.hosts[name]!;
    return { name, host: h.ip, port: h.agentPort, kind: 'agent' };
  };
  if (program === 'monitor') return Object.keys(config.hosts).map(agent);
  if (program === 'control') return config.monitor ? [{ name: 'monitor', host: config.monitor.ip, port: config.monitor.port, kind: 'monitor' }] : [];
  const me = config.this;
  if (!me || !config.hosts[me]) return [];
  const peer = config.hosts[me]!.peer;
  return [agent(me), ...(peer && config.hosts[peer] ? [agent(peer)] : [])];
}

/** Pure: is this the reply the command must get? */
export function expectedReply(t: LiveTarget, reply: string): boolean {
  return t.kind === 'agent' ? reply.startsWith(`OK: ${agentTexts.pinged}`) : reply === controlTexts.pingOk();
}

async function pingOver(conn: ClientConnection, t: LiveTarget, timeoutMs: number): Promise<string | null> {
  if (t.kind === 'agent') return conn.request(`PING|1|${t.name}`, timeoutMs);
  // Control protocol: the command, then quit; the monitor answers and closes.
  await conn.writeLine('ping');
  await conn.writeLine('quit');
  return conn.nextLine(timeoutMs);
}

export async function checkLive(program: Program, config: MmmConfig, timeoutMs: number): Promise<Finding[]> {
  const targets = liveTargets(program, config);
  if (targets.length === 0) return [warn('live', 'no peer to check in this config')];
  // mmm_control configs may name only client_cert_file/client_key_file.
  const s = config.socket;
  const material = await loadTlsMaterial({ ...s, certFile: s.certFile ?? s.clientCertFile, keyFile: s.keyFile ?? s.clientKeyFile });
  const out: Finding[] = [];
  for (const t of targets) {
    const where = `${t.name} (${t.host}:${t.port})`;
    let conn: ClientConnection;
    try {
      // The server's role is checked as the monitor and mmm_control check it with this config
      // ("no role information" is a WARN); no program connects to agents with an agent config.
      const unchecked: string[] = [];
      const logger = { ...nullLogger, warn: (m: string) => void unchecked.push(m) };
      const expectedRole = program === 'agent' ? undefined : t.kind;
      conn = await connect({ host: t.host, port: t.port, socket: config.socket, material, timeoutMs, logger, warned: new Set(), ...(expectedRole ? { expectedRole } : {}) });
      for (const m of unchecked.filter((x) => /carries no role/.test(x))) out.push(warn(`role ${t.name}`, m));
    } catch (e) {
      out.push(fail(`handshake ${t.name}`, `${where}: ${errorMessage(e)}`));
      continue;
    }
    try {
      const c = conn.peer.cert;
      const tlsInfo = (conn as unknown as { socket?: { getProtocol?: () => string | null } }).socket?.getProtocol?.() ?? 'TLS';
      out.push(ok(`handshake ${t.name}`, `${where}: ${tlsInfo}, server CN=${conn.peer.cn}${c ? `, ${c.daysLeft} days left` : ''}`));
      if (c && c.daysLeft <= config.socket.certExpiryWarnDays) {
        out.push(warn(`peer expiry ${t.name}`, `server certificate CN=${c.cn} expires in ${c.daysLeft} days`));
      }
      const reply = await pingOver(conn, t, timeoutMs);
      if (reply === null) out.push(fail(`ping ${t.name}`, `${where} closed the connection before replying: it refused our client certificate`));
      else if (expectedReply(t, reply)) out.push(ok(`ping ${t.name}`, reply));
      else out.push(fail(`ping ${t.name}`, `unexpected reply: ${reply}`));
    } catch (e) {
      out.push(fail(`ping ${t.name}`, `${where}: ${errorMessage(e)}`));
    } finally {
      conn.destroy();
    }
  }
  return out;
}
