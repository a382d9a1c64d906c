// One authorized control command, as the control port and the HTTPS API both run it: the role
// check (DESIGN §4), the pass mutex for what changes the cluster (reads skip it once there is a
// state), the handler, and the log line of a change. Both front ends answer the same texts.
import { type ControlCommand, type LogLimiter, type Logger, type PeerInfo, clipInput, errorMessage, noRoleReason } from '@mmm/common';
import { type CommandHost, authorized, changesCluster, executeCommand, notAuthorizedText } from '../commands';
import type { Mutex } from '../mutex';

export interface CommandRunOptions {
  logger: Logger;
  target: CommandHost;
  mutex: Mutex;
  /** Bounds refusal lines across connections (log-limit.ts). */
  refusals: LogLimiter;
}

export type CommandAnswer =
  /** The peer's role may not run it: nothing ran. */
  | { refused: true; reply: string }
  | { refused: false; reply: string };

/** `line` is what the log shows (the control line, or the HTTP request); `via` names the front end. */
export async function runCommand(o: CommandRunOptions, peer: PeerInfo, cmd: Exclude<ControlCommand, { kind: 'quit' }>, line: string, via: 'control' | 'http'): Promise<CommandAnswer> {
  const meta = { peer: peer.address, cn: peer.cn, role: String(peer.role) };
  if (!authorized(peer.role, cmd)) {
    const noRights = peer.role === null ? noRoleReason(peer) : undefined;
    const why = noRights !== undefined ? `the certificate has no rights: ${noRights}` : `${cmd.kind} needs the control or monitor role`;
    o.refusals.warn(`${via} command refused`, `${via} command refused: ${why}`, meta);
    return { refused: true, reply: notAuthorizedText(cmd.kind, peer.role, noRights) };
  }
  const changes = changesCluster(cmd);
  // monitor HA: only the leader changes the cluster; a follower names it (mmm_control follows)
  const follower = changes ? o.target.notLeaderReply?.() : undefined;
  if (follower !== undefined) {
    o.logger.info(`${via}: ${clipInput(line)} -> ${clipInput(follower)}`, meta);
    return { refused: false, reply: follower };
  }
  // Reads skip the mutex once there is a state to read; during startup (which holds the mutex
  // and has no state yet) they wait for it like everything else.
  const started = (o.target.state as CommandHost['state'] | undefined) !== undefined;
  let reply: string;
  try {
    // leadership is checked again once the mutex is held: it may have been lost while waiting
    reply = changes || !started
      ? await o.mutex.run(async () => (changes ? o.target.notLeaderReply?.() : undefined) ?? executeCommand(o.target, cmd))
      : await executeCommand(o.target, cmd);
  } catch (e) {
    o.logger.error(`${via} command ${cmd.kind} failed: ${errorMessage(e)}`, meta);
    reply = `ERROR: ${errorMessage(e)}`;
  }
  if (changes) o.logger.info(`${via}: ${clipInput(line)} -> ${clipInput(reply)}`, meta);
  return { refused: false, reply };
}
