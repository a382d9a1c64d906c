// What the agent logs about requests it refuses (issue 15 finding 9): a peer decides how many of
// these it causes, so each kind has a budget (LogLimiter: 20 lines a minute, then one summary),
// and text from the peer is clipped. A certificate with no rights gets nothing of its lines
// logged at all: only that it was refused.
import { type Logger, type PeerInfo, LogLimiter, clipInput, noRoleReason } from '@mmm/common';

type Peer = Pick<PeerInfo, 'address' | 'cn' | 'role' | 'cert'>;

export class RefusalLog {
  private readonly limiter: LogLimiter;

  constructor(logger: Logger) {
    this.limiter = new LogLimiter(logger);
  }

  noRights(p: Peer): void {
    this.limiter.warn('no rights', 'refused: this certificate has no rights', { peer: p.address, cn: p.cn, why: noRoleReason(p) });
  }

  /** A line that is not a request for this agent (MMM's Invalid command / hostname texts). */
  rejected(p: Peer, code: string, message: string): void {
    this.limiter.warn(`rejected request (${code})`, 'rejected request', { peer: p.address, cn: p.cn, code, reason: clipInput(message) });
  }

  newerVersion(p: Peer, version: string): void {
    this.limiter.warn('protocol version', `request with protocol version ${clipInput(version, 20)}`, { peer: p.address });
  }

  notAllowed(p: Peer, command: string): void {
    this.limiter.warn('not authorized', 'refused: certificate role may not run this command', { peer: p.address, cn: p.cn, role: p.role, command });
  }

  /** An authorized request this agent cannot apply (handlers/validate.ts). */
  invalid(p: Peer, command: string, why: string): void {
    this.limiter.error(`${command} refused`, `${command} refused: ${clipInput(why)}`, { peer: p.address, cn: p.cn });
  }

  /** Pending summaries now (stop). */
  close(): void {
    this.limiter.close();
  }
}
