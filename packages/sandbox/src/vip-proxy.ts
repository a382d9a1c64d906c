// Loopback mode's VIPs, made usable by clients. Every 127.x address is local on Linux (`local
// 127.0.0.0/8 dev lo`), so a VIP put on lo routes nowhere in particular: a connection to it reaches
// whatever listens on that address and port, and mariadbd listens only on its node address. The
// VIP forwarder listens on every VIP of the sandbox (one port for all) and hands each new
// connection to the mariadbd of the node that holds that VIP according to the agents' hook
// (DIR/vip-events.log, read again at every accept). When a VIP leaves its holder, the connections
// it carried to that holder are closed, as a moved address would break them.
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { pipeTo } from './forward';

/** DIR/vip-proxy.json: what `mmm_sandbox vip-proxy --config FILE` serves. */
export interface VipProxyConfig {
  /** The hook's record (`TIME NODE add|del IP` lines). */
  events: string;
  /** The one port every VIP is served on. */
  port: number;
  vips: Array<{ ip: string; role: string }>;
  /** Where each node's mariadbd listens. */
  nodes: Record<string, { host: string; port: number }>;
}

export function writeVipProxyConfig(file: string, cfg: VipProxyConfig): void {
  writeFileSync(file, JSON.stringify(cfg, null, 2) + '\n', { mode: 0o600 });
}

export function readVipProxyConfig(file: string): VipProxyConfig {
  return JSON.parse(readFileSync(file, 'utf8')) as VipProxyConfig;
}

/**
 * Who holds each VIP according to the hook's record: the node whose `add` came last among those
 * that still hold it (as the last gratuitous ARP wins on a real network). A trailing line without
 * its newline (being written) is ignored. Pure.
 */
export function vipHolders(text: string): Record<string, string> {
  const holders = new Map<string, string[]>();
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  for (const line of complete.split('\n')) {
    const [, node, op, ip] = line.trim().split(/\s+/);
    if (!node || !ip || (op !== 'add' && op !== 'del')) continue;
    const list = (holders.get(ip) ?? []).filter((n) => n !== node);
    if (op === 'add') list.push(node);
    holders.set(ip, list);
  }
  const out: Record<string, string> = {};
  for (const [ip, list] of holders) if (list.length) out[ip] = list[list.length - 1]!;
  return out;
}

/** True when `port` can be listened on at every address in `ips` (probed, then released). */
export async function portFree(ips: string[], port: number): Promise<boolean> {
  const servers: Server[] = [];
  try {
    for (const ip of ips) {
      const s = createServer();
      servers.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen({ host: ip, port, exclusive: true }, () => resolve());
      });
    }
    return true;
  } catch {
    return false;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((r) => (s.listening ? s.close(() => r()) : r()))));
  }
}

export interface VipProxy {
  /** VIP → node it forwards to now. */
  holders(): Record<string, string>;
  /** Stops listening and ends every forwarded connection. */
  close(): Promise<void>;
}

interface Forwarded {
  holder: string;
  client: Socket;
  upstream: Socket;
}

const POLL_MS = 100;

/** Listens on every VIP at `cfg.port` (fails if any cannot be bound) and forwards as described above. */
export async function startVipProxy(cfg: VipProxyConfig, log: (line: string) => void): Promise<VipProxy> {
  let current: Record<string, string> = {};
  let lastStamp = '';
  const conns = new Map<string, Set<Forwarded>>(cfg.vips.map((v) => [v.ip, new Set()]));

  const refresh = (force = false): void => {
    let stamp = 'absent';
    try {
      const st = statSync(cfg.events);
      stamp = `${st.size}:${st.mtimeMs}`;
    } catch {
      /* not written yet */
    }
    if (!force && stamp === lastStamp) return;
    lastStamp = stamp;
    const next = existsSync(cfg.events) ? vipHolders(readFileSync(cfg.events, 'utf8')) : {};
    for (const v of cfg.vips) {
      const was = current[v.ip];
      const now = next[v.ip];
      if (was === now) continue;
      const set = conns.get(v.ip)!;
      const cut = [...set].filter((c) => c.holder !== now);
      for (const c of cut) {
        c.client.destroy();
        c.upstream.destroy();
        set.delete(c);
      }
      log(`${v.role} VIP ${v.ip}: ${was ?? 'nobody'} -> ${now ?? 'nobody'}${cut.length ? ` (${cut.length} connection(s) to ${was} closed)` : ''}`);
    }
    current = next;
  };

  const onConnection = (vip: string, client: Socket): void => {
    refresh(true); // route by the record as it is now, not as of the last poll
    const holder = current[vip];
    const target = holder ? cfg.nodes[holder] : undefined;
    if (!holder || !target) {
      client.destroy(); // nobody holds it: the client's connection fails at once
      return;
    }
    const set = conns.get(vip)!;
    const { upstream } = pipeTo(client, target, () => set.delete(fwd));
    const fwd: Forwarded = { holder, client, upstream };
    set.add(fwd);
  };

  refresh(true);
  const servers: Server[] = [];
  try {
    for (const v of cfg.vips) {
      const s = createServer((c) => onConnection(v.ip, c));
      servers.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen({ host: v.ip, port: cfg.port, exclusive: true }, () => resolve());
      });
      s.on('error', (e) => log(`${v.ip}:${cfg.port}: ${e.message}`));
    }
  } catch (e) {
    for (const s of servers) if (s.listening) s.close();
    throw e;
  }
  log(`listening on ${cfg.vips.map((v) => `${v.ip}:${cfg.port} (${v.role})`).join(', ')}`);
  const timer = setInterval(() => {
    try {
      refresh();
    } catch (e) {
      log(`reading ${cfg.events}: ${(e as Error).message}`);
    }
  }, POLL_MS);

  return {
    holders: () => ({ ...current }),
    async close() {
      clearInterval(timer);
      for (const set of conns.values()) {
        for (const c of set) {
          c.client.destroy();
          c.upstream.destroy();
        }
        set.clear();
      }
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

/** For messages: the role of a VIP. */
export function vipRoles(writer: string, readers: string[]): Array<{ ip: string; role: string }> {
  return [{ ip: writer, role: 'writer' }, ...readers.map((ip) => ({ ip, role: 'reader' }))];
}
