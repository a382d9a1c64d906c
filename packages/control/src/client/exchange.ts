// One control exchange (MMM 2.x): connect, send `<line>\nquit\n`, read the bare reply until the
// monitor closes. Thin I/O: errors are typed (ConnectError, TlsError) and described in reasons.ts.
import {
  CONTROL_QUIT,
  ConnectError,
  TlsError,
  connect,
  errorMessage,
  type Logger,
  type SocketConfig,
  type TlsMaterial,
  type TlsResumption,
} from '@mmm/common';

export interface MonitorTarget {
  host: string;
  port: number;
  /** The name the monitor certificate must carry (verify_mode 1). */
  expectedName: string;
  socket: SocketConfig;
  /** Absent for socket_type plain. */
  material?: TlsMaterial;
  /** Bound for connect + handshake, and again for the reply. */
  timeoutMs: number;
  logger: Logger;
  /**
   * Where the TLS session of the last exchange is kept, for the next one to resume: `show` is
   * two connections (show, status_json) and move_role follows status_json every 200 ms; each
   * after the first then costs no full handshake (certificate checks and signatures) on either
   * side. In memory only, for this process.
   */
  tls?: { last?: TlsResumption };
}

/** Sends one control command line and returns the monitor's reply exactly as sent (no terminator added). */
export async function exchange(t: MonitorTarget, line: string): Promise<string> {
  const conn = await connect({
    host: t.host,
    port: t.port,
    socket: t.socket,
    expectedName: t.expectedName,
    expectedRole: 'monitor',
    ...(t.material ? { material: t.material } : {}),
    timeoutMs: t.timeoutMs,
    logger: t.logger,
    ...(t.tls?.last ? { resume: t.tls.last } : {}),
  });
  const where = `${t.host}:${t.port}`;
  const chunks: Buffer[] = [];
  conn.tapData((c) => chunks.push(c));
  // Consume the line view too, so the connection never pauses on a long reply.
  void (async () => {
    try {
      for await (const _item of conn.items()) {
        /* the raw bytes above are the reply */
      }
    } catch {
      /* ended: the close below tells */
    }
  })();
  try {
    await conn.writeLine(`${line}\n${CONTROL_QUIT}`);
  } catch {
    // The monitor may already have closed (e.g. it refused our certificate): judged below.
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    conn.whenClosed().then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), t.timeoutMs);
    }),
  ]);
  clearTimeout(timer);
  if (t.tls) t.tls.last = conn.resumption() ?? t.tls.last;
  if (timedOut) {
    conn.destroy();
    throw new ConnectError(`${where}: no complete reply within ${t.timeoutMs} ms`, { code: 'TIMEOUT' });
  }
  if (chunks.length === 0) {
    const detail = conn.lastError ? ` (${errorMessage(conn.lastError)})` : '';
    if (!conn.peer.plain) {
      throw new TlsError('TLS_AUTH_FAILED', `${where} closed the connection before the first reply: it refused our client certificate${detail}`, {
        cause: conn.lastError,
      });
    }
    throw new ConnectError(`${where} closed the connection without a reply${detail}`, { cause: conn.lastError });
  }
  return Buffer.concat(chunks).toString('utf8');
}
