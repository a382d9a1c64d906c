// TCP forwarding for the sandbox: the pipe between an accepted connection and its upstream (used
// by the VIP forwarder too), and the monitor forwarder of `up --netns --monitors N`: one process in
// the root namespace that listens on 127.0.0.1 ports of DIR's block and passes each connection to a
// monitor's control port or HTTPS API inside its namespace, through the sandbox's veth into the
// bridge. Bytes only: TLS stays end to end between the client and the monitor.
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';

const UPSTREAM_CONNECT_MS = 5_000;

/**
 * Connects to `target` and pipes both ways; either side closing or failing ends both (a client of
 * an upstream that does not answer within 5 s is closed). Returns the upstream and that end.
 */
export function pipeTo(client: Socket, target: { host: string; port: number }, onEnd: () => void = () => undefined): { upstream: Socket; end: () => void } {
  const upstream = connect({ host: target.host, port: target.port });
  const end = (): void => {
    client.destroy();
    upstream.destroy();
    onEnd();
  };
  upstream.setTimeout(UPSTREAM_CONNECT_MS, end);
  upstream.once('connect', () => upstream.setTimeout(0));
  for (const s of [client, upstream]) {
    s.on('error', end);
    s.on('close', end);
  }
  client.pipe(upstream);
  upstream.pipe(client);
  return { upstream, end };
}

/** DIR/monitor-forward.json: what `mmm_sandbox forward --config FILE` serves. */
export interface ForwardConfig {
  routes: Array<{ name: string; listen: { host: string; port: number }; target: { host: string; port: number } }>;
}

export function writeForwardConfig(file: string, cfg: ForwardConfig): void {
  writeFileSync(file, JSON.stringify(cfg, null, 2) + '\n', { mode: 0o600 });
}

export function readForwardConfig(file: string): ForwardConfig {
  return JSON.parse(readFileSync(file, 'utf8')) as ForwardConfig;
}

/** Listens on every route (fails if any cannot be bound) and forwards; close() ends every connection. */
export async function startForwarder(cfg: ForwardConfig, log: (line: string) => void): Promise<{ close(): Promise<void> }> {
  const open = new Set<() => void>();
  const servers: Server[] = [];
  try {
    for (const r of cfg.routes) {
      const s = createServer((client) => {
        const { end } = pipeTo(client, r.target, () => open.delete(end));
        open.add(end);
      });
      servers.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen({ host: r.listen.host, port: r.listen.port, exclusive: true }, () => resolve());
      });
      s.on('error', (e) => log(`${r.name}: ${e.message}`));
    }
  } catch (e) {
    for (const s of servers) if (s.listening) s.close();
    throw e;
  }
  log(`listening on ${cfg.routes.map((r) => `${r.listen.host}:${r.listen.port} -> ${r.target.host}:${r.target.port} (${r.name})`).join(', ')}`);
  return {
    async close() {
      for (const end of [...open]) end();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}
