// Is something listening on the local MySQL port, and does it speak? Tells a crashed server
// (connection refused) from a hung one (accepts TCP, never sends its greeting).
import * as net from 'node:net';

export type PortState = 'greeting' | 'refused' | 'silent' | 'error';

export function probePort(host: string, port: number, timeoutMs: number): Promise<PortState> {
  return new Promise((resolve) => {
    let done = false;
    const sock = net.connect({ host, port });
    const finish = (s: PortState) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(s);
    };
    const timer = setTimeout(() => finish('silent'), timeoutMs);
    sock.once('data', () => finish('greeting'));
    sock.once('error', (e: NodeJS.ErrnoException) => finish(e.code === 'ECONNREFUSED' ? 'refused' : 'error'));
    sock.once('close', () => finish('silent'));
  });
}
