// The client's certificate of a handshake that Node is about to refuse. With rejectUnauthorized,
// Node checks the verify result after the handshake and destroys the socket before anyone sees
// it; tlsClientError then has only a code (`UNSPECIFIED` for an RSA-1024 or SHA-1 certificate).
// The 'keylog' event hands us each TLS socket during its handshake (before 'secure'), so a
// listener put first on 'secure' can read the certificate while it is still there. The key
// material passed with 'keylog' is ignored, never stored or logged.
import type { X509Certificate } from 'node:crypto';
import type * as tls from 'node:tls';

/** Starts capturing on `server`; returns the lookup for a socket's client certificate. */
export function captureClientCerts(server: tls.Server): (s: tls.TLSSocket) => X509Certificate | undefined {
  const hooked = new WeakSet<tls.TLSSocket>();
  const certs = new WeakMap<tls.TLSSocket, X509Certificate>();
  server.on('keylog', (_line: Buffer, s: tls.TLSSocket) => {
    if (hooked.has(s)) return;
    hooked.add(s);
    // 'secure' is emitted when the handshake is done, before Node's own verify check (which
    // destroys a refused socket): prepended, this listener runs first.
    s.prependOnceListener('secure', () => {
      const x = s.getPeerX509Certificate();
      if (x) certs.set(s, x);
    });
  });
  return (s) => certs.get(s);
}
