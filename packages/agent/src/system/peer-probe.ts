// Can this host reach a MySQL server? A bounded TCP connect that waits for the server's first
// packet (the handshake greeting), so a port that accepts but never speaks does not count.
import * as net from 'node:net';

export interface ProbeTarget {
  host: string;
  port: number;
}

export function probeMysql(t: ProbeTarget, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    const sock = net.connect({ host: t.host, port: t.port });
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.once('data', () => finish(true));
    sock.once('error', () => finish(false));
    sock.once('close', () => finish(false));
  });
}

/** True when any target answers. */
export async function probeAny(targets: readonly ProbeTarget[], timeoutMs: number): Promise<boolean> {
  if (targets.length === 0) return false;
  const results = await Promise.all(targets.map((t) => probeMysql(t, timeoutMs)));
  return results.some(Boolean);
}
