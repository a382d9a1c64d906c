// Free TCP ports for tests that start listeners (agents, monitors, MariaDB) on loopback.
import * as net from 'node:net';

function probePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const a = s.address() as net.AddressInfo;
      s.close(() => resolve(a.port));
    });
  });
}

// Ports handed out by this process: the kernel may give a just-closed port again, and one
// cluster asks for several (agents and the monitor on 127.0.0.1): never the same one twice.
const handedOut = new Set<number>();

/** A port nothing listens on now, never returned before by this process. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await probePort(host);
    if (!handedOut.has(p)) {
      handedOut.add(p);
      return p;
    }
  }
  throw new Error('freePort: no new port in 50 tries');
}
