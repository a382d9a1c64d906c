// Stand-ins for the cluster's MariaDB servers, for `mmm_tls verify --secure` (which never logs in
// over TCP): per host, on ip:mysql_port, a greeting that offers TLS and then TLS with the host's
// MySQL server certificate, as mariadbd with ssl_cert does; and on the agents' unix socket a
// server that accepts any login and answers only SHOW ALL SLAVES STATUS (no replication: zero
// rows), every other statement with an error, so the agents' MySQL steps still fail as before.
// Hand-written protocol: mysql2's server side warns on stdout about packet sequence numbers.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';

/** Protocol-10 greeting with these capability flags (CLIENT_SSL = 0x0800 offers TLS). */
function greeting(capabilities: number): Buffer {
  const p = Buffer.concat([
    Buffer.from([10]), Buffer.from('10.11.19-MariaDB-fake\0'), Buffer.from([1, 0, 0, 0]), Buffer.alloc(8, 0x41), Buffer.from([0]),
    Buffer.from([capabilities & 0xff, (capabilities >> 8) & 0xff]), Buffer.from([45, 2, 0]),
    Buffer.from([(capabilities >> 16) & 0xff, (capabilities >> 24) & 0xff]), Buffer.alloc(21, 0x42), Buffer.from('mysql_native_password\0'),
  ]);
  return Buffer.concat([Buffer.from([p.length & 0xff, p.length >> 8, 0, 0]), p]);
}

export interface FakeMysql {
  close(): Promise<void>;
}

const packet = (seq: number, payload: Buffer): Buffer =>
  Buffer.concat([Buffer.from([payload.length & 0xff, (payload.length >> 8) & 0xff, payload.length >> 16, seq]), payload]);
const lenenc = (s: string): Buffer => Buffer.concat([Buffer.from([Buffer.byteLength(s)]), Buffer.from(s)]);
const OK = Buffer.from([0x00, 0, 0, 2, 0, 0, 0]);
const EOF = Buffer.from([0xfe, 0, 0, 2, 0]);
function err(message: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0x28, 0x04]), Buffer.from('#42000'), Buffer.from(message)]); // 1064
}
/** One column (Connection_name, VARCHAR), text protocol 4.1. */
const COLUMN = Buffer.concat([
  lenenc('def'), lenenc(''), lenenc(''), lenenc(''), lenenc('Connection_name'), lenenc('Connection_name'),
  Buffer.from([0x0c, 33, 0, 255, 0, 0, 0, 253, 0, 0, 0, 0, 0]),
]);

/**
 * The agents' socket: greeting (no TLS, 4.1 auth), any login accepted, then SHOW ALL SLAVES
 * STATUS → one column and no row; COM_PING → OK; COM_QUIT closes; anything else → error 1064.
 */
function localSession(s: net.Socket): void {
  s.on('error', () => undefined);
  let buf = Buffer.alloc(0);
  let authed = false;
  s.write(greeting(0xf7ff));
  s.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 4) {
      const len = buf.readUIntLE(0, 3);
      if (buf.length < 4 + len) return;
      const body = buf.subarray(4, 4 + len);
      buf = buf.subarray(4 + len);
      if (!authed) {
        authed = true;
        s.write(packet(2, OK));
        continue;
      }
      if (body[0] === 0x01) return void s.end();
      if (body[0] === 0x0e) s.write(packet(1, OK));
      else if (body[0] === 0x03 && /^SHOW ALL SLAVES STATUS/i.test(body.subarray(1).toString().trim())) {
        s.write(Buffer.concat([packet(1, Buffer.from([1])), packet(2, COLUMN), packet(3, EOF), packet(4, EOF)]));
      } else s.write(packet(1, err('fake server: no such statement here')));
    }
  });
}

/** `hosts`: where each server listens and its PEM pair; `socket`: the agents' mysql_socket. */
export async function startFakeMysql(hosts: Array<{ ip: string; port: number; cert: string; key: string }>, socket: string): Promise<FakeMysql> {
  const servers: net.Server[] = [];
  const open = new Set<net.Socket>(); // close() ends them: the agents keep idle connections
  let closing = false;
  const track = (srv: net.Server): void => {
    srv.on('connection', (s: net.Socket) => {
      if (closing) return void s.destroy(); // an agent reconnecting while we close
      open.add(s);
      s.on('close', () => open.delete(s));
    });
  };
  for (const h of hosts) {
    const srv = net.createServer((s) => {
      s.on('error', () => undefined);
      s.once('data', (d: Buffer) => {
        s.pause();
        if (d.length > 36) s.unshift(d.subarray(36)); // the SSLRequest is 36 bytes; the ClientHello may follow in the same read
        new tls.TLSSocket(s, { isServer: true, cert: h.cert, key: h.key }).on('error', () => undefined);
      });
      s.write(greeting(0xffff | 0x000f0000));
    });
    track(srv);
    await new Promise<void>((res, rej) => srv.once('error', rej).listen(h.port, h.ip, () => res()));
    servers.push(srv);
  }
  fs.rmSync(socket, { force: true });
  const local = net.createServer(localSession);
  track(local);
  await new Promise<void>((res, rej) => local.once('error', rej).listen(socket, () => res()));
  servers.push(local);
  return {
    close: async () => {
      closing = true;
      const closed = Promise.all(servers.map((s) => new Promise<void>((res) => s.close(() => res()))));
      for (const s of open) s.destroy();
      await closed;
      fs.rmSync(socket, { force: true });
    },
  };
}
