// MMM 2.x control protocol on <monitor> ip:port, over the mutual-TLS listener: each line is a
// command, answered at once with MMM's bare text (no terminator); `quit` ends the session.
// State-changing commands only from a `control` identity (or any, when no roles are configured).
import { type Listener, type Logger, type MmmConfig, type PeerConnection, type TlsMaterial, LogLimiter, createListener, parseControlCommand } from '@mmm/common';
import type { CommandHost } from '../commands';
import type { Mutex } from '../mutex';
import { runCommand } from './run-command';

export interface ControlServerOptions {
  config: MmmConfig;
  host: string;
  port: number;
  material?: TlsMaterial;
  logger: Logger;
  target: CommandHost;
  mutex: Mutex;
  bindRetryMs?: number;
}

/** What serveControl needs; `refusals` bounds refusal lines across connections (log-limit.ts). */
export type ServeOptions = Pick<ControlServerOptions, 'logger' | 'target' | 'mutex'> & { refusals?: LogLimiter };

export async function serveControl(conn: PeerConnection, o: ServeOptions): Promise<void> {
  const refusals = o.refusals ?? new LogLimiter(o.logger);
  for await (const item of conn.items()) {
    if (item.kind === 'error') {
      await conn.write(`ERROR: ${item.error.message}`).catch(() => undefined);
      continue;
    }
    const parsed = parseControlCommand(item.line);
    if (!parsed.ok) {
      await conn.write(parsed.reply).catch(() => undefined);
      continue;
    }
    const cmd = parsed.command;
    if (cmd.kind === 'quit') {
      await conn.close();
      return;
    }
    const { reply } = await runCommand({ ...o, refusals }, conn.peer, cmd, item.line, 'control');
    try {
      await conn.write(reply);
    } catch {
      return; // the client went away; nothing else to do
    }
  }
}

export async function startControlServer(o: ControlServerOptions): Promise<Listener> {
  const refusals = new LogLimiter(o.logger.child({ part: 'control' }));
  const listener = await createListener({
    host: o.host,
    port: o.port,
    socket: o.config.socket,
    material: o.material,
    logger: o.logger.child({ part: 'control' }),
    ...(o.bindRetryMs !== undefined ? { bindRetryMs: o.bindRetryMs } : {}),
    onConnection: (conn) => serveControl(conn, { ...o, refusals }),
  });
  const close = listener.close.bind(listener);
  // Suppressed refusals are summed up when the monitor stops.
  listener.close = async () => {
    await close();
    refusals.close();
  };
  return listener;
}
