// The first packets of the MySQL protocol (pure), enough to ask a server whether it offers TLS
// and to start it without logging in: the server's handshake packet (protocol 10) and the
// client's SSLRequest. Byte layout: MySQL client/server protocol, "Initial Handshake".

/** Capability flag: the server can switch to TLS (have_ssl=YES). */
export const CLIENT_SSL = 0x0800;
const CLIENT_LONG_PASSWORD = 0x0001;
const CLIENT_PROTOCOL_41 = 0x0200;
const CLIENT_SECURE_CONNECTION = 0x8000;
const CLIENT_PLUGIN_AUTH = 0x0008_0000;

export type Greeting =
  | { kind: 'handshake'; version: string; capabilities: number; ssl: boolean }
  /** The server refused us before any handshake (e.g. 1130 host not allowed, 1040 too many connections). */
  | { kind: 'error'; errno: number; message: string }
  | { kind: 'incomplete' }
  | { kind: 'garbage'; reason: string };

/** Reads the first packet of `buf` (what the server sent so far). */
export function parseGreeting(buf: Buffer): Greeting {
  if (buf.length < 4) return { kind: 'incomplete' };
  const len = buf.readUIntLE(0, 3);
  if (buf.length < 4 + len) return { kind: 'incomplete' };
  const p = buf.subarray(4, 4 + len);
  if (p[0] === 0xff) {
    const errno = p.length >= 3 ? p.readUInt16LE(1) : 0;
    // 4.1 errors carry '#' + 5-byte SQL state before the message; pre-auth ones often do not.
    const rest = p.subarray(3);
    const message = (rest[0] === 0x23 ? rest.subarray(6) : rest).toString('utf8');
    return { kind: 'error', errno, message };
  }
  if (p[0] !== 10) return { kind: 'garbage', reason: `protocol version ${p[0]} (not a MySQL/MariaDB server, or not protocol 10)` };
  const nul = p.indexOf(0, 1);
  if (nul < 0) return { kind: 'garbage', reason: 'no server version in the handshake' };
  const version = p.subarray(1, nul).toString('utf8');
  // version NUL, connection id (4), auth data part 1 (8), filler (1), capabilities low (2)
  const capAt = nul + 1 + 4 + 8 + 1;
  if (p.length < capAt + 2) return { kind: 'garbage', reason: 'handshake too short' };
  let capabilities = p.readUInt16LE(capAt);
  // then charset (1), status (2), capabilities high (2)
  if (p.length >= capAt + 2 + 3 + 2) capabilities |= p.readUInt16LE(capAt + 5) << 16;
  return { kind: 'handshake', version, capabilities: capabilities >>> 0, ssl: (capabilities & CLIENT_SSL) !== 0 };
}

/** The client's SSLRequest (sequence 1): after it both sides speak TLS; nothing else is sent. */
export function sslRequestPacket(): Buffer {
  const payload = Buffer.alloc(32);
  payload.writeUInt32LE((CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 | CLIENT_SSL | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH) >>> 0, 0);
  payload.writeUInt32LE(16 * 1024 * 1024, 4); // max packet size
  payload[8] = 45; // utf8mb4_general_ci; the rest (23 bytes) stays zero
  const header = Buffer.from([payload.length & 0xff, (payload.length >> 8) & 0xff, (payload.length >> 16) & 0xff, 1]);
  return Buffer.concat([header, payload]);
}
