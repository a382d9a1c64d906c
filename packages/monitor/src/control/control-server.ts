// MMM 2.x control protocol on <monitor> ip:port, over the mutual-TLS listener: each line is a
// command, answered at once with MMM's bare text (no terminator); `quit` ends the session.
// State-changing commands only from a `control` identity (or any, when no roles are configured).
import {
  type Listener,
  type Logger,
  type MmmConfig,
  type PeerConnection,
  type TlsMaterial,
  LogLimiter,
  clipInput,
  createListener,
  errorMessage,
  noRoleReason,
  parseControlCommand,
} from '@mmm/common';
import { type CommandHost, authorized, changesCluster, executeCommand, notAuthorizedText } from '../commands';
import type { Mutex } from '../mutex';

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
  const peer = { peer: conn.peer.address, cn: conn.peer.cn, role: String(conn.peer.role) };
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
    let reply: string;
    if (!authorized(conn.peer.role, cmd)) {
      const noRights = conn.peer.role === null ? noRoleReason(conn.peer) : undefined;
      const why = noRights !== undefined ? `the certificate has no rights: ${noRights}` : `${cmd.kind} needs the control or monitor role`;
      refusals.warn('control command refused', `control command refused: ${why}`, peer);
      reply = notAuthorizedText(cmd.kind, conn.peer.role, noRights);
    } else {
      const changes = changesCluster(cmd);
      // Reads skip the mutex once there is a state to read; during startup (which holds the
      // mutex and has no state yet) they wait for it like everything else.
      const started = (o.target.state as CommandHost['state'] | undefined) !== undefined;
      try {
        reply = changes || !started ? await o.mutex.run(() => executeCommand(o.target, cmd)) : await executeCommand(o.target, cmd);
      } catch (e) {
        o.logger.error(`control command ${cmd.kind} failed: ${errorMessage(e)}`, peer);
        reply = `ERROR: ${errorMessage(e)}`;
      }
      if (changes) o.logger.info(`control: ${clipInput(item.line)} -> ${clipInput(reply)}`, peer);
    }
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
