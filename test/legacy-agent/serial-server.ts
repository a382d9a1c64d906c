// MMM's agent listener: one connection at a time (mmm-wire.md §3.1, §5.2). Accepted TCP
// connections wait, paused, in arrival order; only the one being served gets its TLS handshake
// (as a Perl accept() with IO::Socket::SSL does), so an idle client blocks everyone else.
// TLS (`<socket> type ssl`) demands a client certificate signed by ca_file, nothing more: no
// name or role check (mmm.md §1.2, VERIFY_PEER|FAIL_IF_NO_PEER_CERT). No half-open sockets:
// a client that ends its side closes the connection (a TLS handshake then fails at once); MMM's
// monitor reads the reply before it closes.
import * as net from 'node:net';
import * as tls from 'node:tls';

export interface TlsFiles {
  cert: string;
  key: string;
  ca: string;
}

export interface SerialServerOptions {
  host: string;
  port: number;
  tls?: TlsFiles;
  /** One request line (without `\n`) → the full reply line (with `\n`). */
  onLine: (line: string) => Promise<string>;
  /** After each connection ended (MMM re-asserts its roles here). */
  afterConnection: () => Promise<void>;
  onError: (message: string) => void;
}

export async function startSerialServer(o: SerialServerOptions): Promise<net.Server> {
  const queue: net.Socket[] = [];
  let busy = false;
  const tlsServer = o.tls
    ? tls.createServer({ cert: o.tls.cert, key: o.tls.key, ca: o.tls.ca, requestCert: true, rejectUnauthorized: true })
    : undefined;

  const next = (): void => {
    if (busy) return;
    const raw = queue.shift();
    if (!raw) return;
    if (raw.destroyed) return next(); // the client gave up while waiting its turn
    busy = true;
    let finished = false;
    const done = (): void => {
      if (finished) return;
      finished = true;
      tlsServer?.off('secureConnection', onSecure).off('tlsClientError', onFail);
      void o.afterConnection().catch((e: Error) => o.onError(`after connection: ${e.message}`)).finally(() => {
        busy = false;
        next();
      });
    };
    // Only one connection is in the TLS server at a time, so its next event is this one's.
    const onSecure = (s: tls.TLSSocket): void => {
      tlsServer?.off('tlsClientError', onFail);
      serve(s, done);
    };
    const onFail = (e: Error, s: tls.TLSSocket): void => {
      tlsServer?.off('secureConnection', onSecure);
      o.onError(`TLS handshake failed: ${e.message.trim()}`);
      s.destroy();
      raw.destroy();
    };
    raw.once('close', done);
    if (!tlsServer) {
      serve(raw, done);
      raw.resume();
      return;
    }
    tlsServer.once('secureConnection', onSecure);
    tlsServer.once('tlsClientError', onFail);
    tlsServer.emit('connection', raw); // documented: inject a TCP connection into a TLS server
  };

  const serve = (s: net.Socket, done: () => void): void => {
    let buf = '';
    let chain = Promise.resolve();
    // Lines are answered in order, each after the previous reply was written.
    const push = (line: string): void => {
      chain = chain.then(async () => {
        const reply = await o.onLine(line);
        if (!s.destroyed) s.write(reply);
      }).catch((e: Error) => o.onError(`answering '${line}': ${e.message}`));
    };
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    s.on('error', (e) => o.onError(`connection: ${e.message}`));
    s.once('close', done);
  };

  const server = net.createServer({ pauseOnConnect: true }, (raw) => {
    raw.on('error', () => undefined); // reported by the serving side, if it gets that far
    queue.push(raw);
    next();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: o.host, port: o.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
