// Client side of a connection: request(line) -> reply line, with the TLS 1.3 rule that a close
// before the first reply means the server refused us (it rejects client certs after its Finished).
import type { Socket } from 'node:net';
import { ConnectError, TimeoutError, TlsError, errorMessage } from '../errors';
import { PeerConnection, type ConnectionOptions } from './connection';
import type { PeerInfo } from './peer';
import type { TlsResumption } from './client';

export class ClientConnection extends PeerConnection {
  private gotReply = false;

  constructor(
    socket: Socket,
    peer: PeerInfo,
    private readonly requestTimeoutMs: number,
    opts: ConnectionOptions = {},
    private readonly resumptionOf: () => TlsResumption | undefined = () => undefined,
  ) {
    super(socket, peer, opts);
  }

  /** What a later connect() to the same server may resume (`resume`); undefined for plain or before a ticket came. */
  resumption(): TlsResumption | undefined {
    return this.resumptionOf();
  }

  private closedError(cause?: unknown): Error {
    const detail = this.lastError ? `: ${errorMessage(this.lastError)}` : '';
    if (!this.gotReply && !this.peer.plain) {
      return new TlsError(
        'TLS_AUTH_FAILED',
        `${this.peer.address} closed the connection before the first reply: it refused our client certificate${detail}`,
        { cause: cause ?? this.lastError },
      );
    }
    return new ConnectError(`${this.peer.address} closed the connection before replying${detail}`, {
      cause: cause ?? this.lastError,
    });
  }

  /**
   * Sends one request line and returns the reply line. Rejects with TlsError(TLS_AUTH_FAILED),
   * ConnectError, TimeoutError (the connection is then destroyed: replies would be out of step)
   * or ProtocolError.
   */
  async request(line: string, timeoutMs = this.requestTimeoutMs): Promise<string> {
    try {
      await this.writeLine(line);
    } catch (e) {
      throw this.closedError(e);
    }
    let reply: string | null;
    try {
      reply = await this.nextLine(timeoutMs);
    } catch (e) {
      if (e instanceof TimeoutError) this.destroy();
      throw e;
    }
    if (reply === null) throw this.closedError();
    this.gotReply = true;
    return reply;
  }
}
