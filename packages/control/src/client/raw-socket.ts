// The socket under a common PeerConnection. The control protocol answers with bare text and no
// terminator, so mmm_control needs the exact bytes (the line API cannot tell "text" from "text\n").
import type { Socket } from 'node:net';
import { PeerConnection } from '@mmm/common';

class SocketAccess extends PeerConnection {
  static socketOf(conn: PeerConnection): Socket {
    return (conn as SocketAccess).socket;
  }
}

/** The plain or TLS socket carrying `conn` (read with a second 'data' listener; never replace the first). */
export function rawSocketOf(conn: PeerConnection): Socket {
  return SocketAccess.socketOf(conn);
}
