// Every text the monitor answers on the control port, as MMM 2.2.1 writes it (lib/Monitor/Commands.pm,
// reference/mmm.md §7, mmm-wire.md §3.2). Monitor and tests use these so the wording lives in one place.
import { type PrivilegeProblem, describeProblem } from '../accounts/problem';
import type { HostState, Mode } from '../model/host-state';
import { CONTROL_COMMANDS, helpLines } from './commands';

/** MMM 2.2.1's help text plus our lines (`status_json`, `ack_failover`, `history`), in the same column layout; ends with `\n`. */
export const HELP_TEXT =
  'Valid commands are:\n' +
  helpLines(CONTROL_COMMANDS, 33, { move_role: '(Only use --force if you know what you are doing!)' });

/** Passive cause set by `set_passive`. */
export const PASSIVE_CAUSE_ADMIN = 'Admin switched to passive mode.';

export const texts = {
  // general
  invalidCommand: (line: string) => `Invalid command '${line}'\n\n${HELP_TEXT}`,
  help: () => HELP_TEXT,
  pingOk: () => 'OK: Pinged successfully!',
  /** Printed by mmm_control (not the monitor) when the monitor cannot be reached. */
  cantConnect: () => "ERROR: Can't connect to monitor daemon!",
  mode: (m: Mode) => m,
  unknownHost: (host: string) => `ERROR: Unknown host name '${host}'!`,
  unknownRole: (role: string) => `ERROR: Unknown role name '${role}'!`,
  unknownCheck: (check: string) => `ERROR: Unknown check '${check}'!`,
  unknownIp: (ip: string) => `ERROR: Unknown ip '${ip}'!`,

  // set_online
  setOnlineOk: (host: string) => `OK: State of '${host}' changed to ONLINE. Now you can wait some time and check its new roles!`,
  alreadyOnline: () => 'OK: This host is already ONLINE. Skipping command.',
  cantSetOnline: (host: string, state: HostState | string) =>
    `ERROR: Host '${host}' is '${state}' at the moment. It can't be switched to ONLINE.`,
  checksNotOk: (host: string) => `ERROR: Checks ping and/or mysql are not ok for host '${host}'. It can't be switched to ONLINE.`,
  peerReplicationFailed: (peer: string, host: string) =>
    `ERROR: Some replication checks failed on peer '${peer}'. We can't set '${host}' online now. Please, wait some time.`,
  agentUnreachableState: (host: string) => `ERROR: Can't reach agent daemon on '${host}'! Can't switch its state!`,
  /**
   * Ours, in place of the three refusals above when the failing check failed because the monitor
   * account was refused: MMM's "Please, wait some time" is wrong advice for a missing GRANT.
   */
  privilegeBlocksOnline: (target: string, host: string, check: string, p: PrivilegeProblem) => {
    const what = describeProblem(p, host);
    return (
      `ERROR: ${what.charAt(0).toUpperCase()}${what.slice(1)} (check ${check}: ${p.serverMessage}), so '${target}' can't be switched to ONLINE. ` +
      `Fix: ${p.fix} (no restart needed: the monitor reconnects after a refusal, the next check sees it)`
    );
  },

  // set_offline
  setOfflineOk: (host: string) =>
    `OK: State of '${host}' changed to ADMIN_OFFLINE. Now you can wait some time and check all roles!`,
  alreadyOffline: () => 'OK: This host is already ADMIN_OFFLINE. Skipping command.',
  cantSetOffline: (host: string, state: HostState | string) =>
    `ERROR: Host '${host}' is '${state}' at the moment. It can't be switched to ADMIN_OFFLINE.`,

  // set_ip (passive mode only); note MMM says "Following hosts could" here, "Only following" in move_role
  onlyInPassive: () => 'ERROR: This command is only allowed in passive mode',
  setIpCantHandle: (host: string, role: string, validHosts: readonly string[]) =>
    `ERROR: Host '${host}' can't handle role '${role}'. Following hosts could: ${validHosts.join(', ')}`,
  setIpHostState: (host: string, state: HostState | string, ip: string) =>
    `ERROR: Host '${host}' is '${state}' at the moment. Can't move role with ip '${ip}' there.`,
  setIpOk: (role: string, ip: string, host: string) => `OK: Set role '${role}(${ip})' to host '${host}'.`,

  // move_role
  notInPassive: () => 'ERROR: This command is not allowed in passive mode',
  balancedRoleRemoved: (role: string, host: string) =>
    `OK: Balanced role ${role} has been removed from host '${host}'. Now you can wait some time and check new roles info!`,
  cantMoveToState: (state: HostState | string) => `ERROR: Can't move role to host with state ${state}.`,
  cantHandle: (host: string, role: string, validHosts: readonly string[]) =>
    `ERROR: Host '${host}' can't handle role '${role}'. Only following hosts could: ${validHosts.join(', ')}`,
  roleAlreadyThere: (host: string) => `OK: Role is on '${host}' already. Skipping command.`,
  agentUnreachableMove: (host: string) => `ERROR: Can't reach agent daemon on '${host}'! Can't move roles there!`,
  assignedToPreferred: (role: string, owner: string) =>
    `ERROR: Role '${role}' is assigned to preferred host '${owner}'. Can't move it!`,
  roleHasNoIp: (role: string) => `Error: Role ${role} has no IP.`, // sic: MMM writes "Error:" here
  moveRoleOk: (role: string, from: string, to: string) =>
    `OK: Role '${role}' has been moved from '${from}' to '${to}'. Now you can wait some time and check new roles info!`,

  // move_role --force
  forceOnlyActiveMaster: () => 'ERROR: move_role --forced may be used for the active master role only!',
  cantForceToState: (state: HostState | string) => `ERROR: Can't force move of role to host with state ${state}.`,
  forcedMoveRoleOk: (role: string, from: string, to: string) =>
    `OK: Role '${role}' has been moved from '${from}' to '${to}' enforcedly. Now you can wait some time and check new roles info!`,

  // promotion policy (ours)
  neverWriter: (host: string, role: string) =>
    `ERROR: Host '${host}' is listed in never_writer: it can't get role '${role}'.`,
  candidateLacks: (host: string, role: string, detail: string) =>
    `ERROR: Host '${host}' lacks transactions that other hosts received (${detail}): giving it role '${role}' would lose them. ` +
    `Use 'move_role --force ${role} ${host}' to promote it anyway.`,

  // ack_failover (ours)
  ackFailoverOk: (from: string, to: string, at: string) =>
    `OK: Acknowledged the failover from '${from}' to '${to}' at ${at}: the next writer failure fails over automatically again.`,
  nothingToAck: () => 'OK: No automatic failover within failover_cooldown to acknowledge. Skipping command.',

  // modes
  switchedActive: () => 'OK: Switched into active mode.',
  alreadyActive: () => 'OK: Already in active mode.',
  switchedManual: () => 'OK: Switched into manual mode.',
  alreadyManual: () => 'OK: Already in manual mode.',
  switchedPassive: () => 'OK: Switched into passive mode.',
  alreadyPassive: () => 'OK: Already in passive mode.',

  // monitor HA (issue 19, docs/ha.md): a follower refuses state changes; mmm_control follows the address
  notLeader: (self: string, leader: { monitor: string; control: string; term: number } | undefined, why: string) =>
    leader
      ? `ERROR: Not the leader: monitor '${self}' is a follower; the leader is '${leader.monitor}' at ${leader.control} (term ${leader.term}). Nothing changed; send state changes there.`
      : `ERROR: Not the leader: monitor '${self}' is a follower and no monitor leads (${why}). Nothing changed.`,
} as const;

/** The leader's control address in a follower's `notLeader` reply ('' when it named none); undefined: not such a reply. */
export function leaderOfRefusal(reply: string): string | undefined {
  if (!reply.startsWith('ERROR: Not the leader: ')) return undefined;
  const m = / the leader is '[^']*' at (\S+) \(term \d+\)\./.exec(reply);
  return m ? m[1] : '';
}
