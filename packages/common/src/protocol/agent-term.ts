// SET_TERM (monitor HA, issue 19): the agent's reply texts and their parsers, shared by the agent
// that writes them and the monitor that reads them (a refusal tells a monitor it was deposed). Pure.
import { ProtocolError } from '../errors';
import type { AgentReply } from './agent-reply';

export const termTexts = {
  /** `OK: Term <term> accepted` */
  accepted: (term: number) => `Term ${term} accepted`,
  /** A SET_TERM (or a command on a connection) of a term below the agent's highest. */
  stale: (term: number, max: number) => `Refused: stale term ${term} < ${max}; nothing changed`,
  /** The same term from another monitor id than the one it was first seen from. */
  owned: (term: number, monitor: string) => `Refused: term ${term} belongs to monitor ${monitor}; nothing changed`,
  /** A state-changing command on a connection without the agent's current term. */
  follows: (max: number, monitor: string) =>
    `Refused: this agent follows term ${max} (monitor ${monitor}); send SET_TERM first; nothing changed`,
  /** The term could not be made durable: it is not taken. */
  notRecorded: (term: number, file: string, why: string) => `Could not record term ${term} in ${file}: ${why}; nothing changed`,
} as const;

export type TermRefusal =
  | { kind: 'stale'; term: number; max: number }
  | { kind: 'owned'; term: number; monitor: string }
  | { kind: 'follows'; max: number; monitor: string };

/** The term refusal an ERROR text is, or undefined (any other error). */
export function parseTermRefusal(message: string): TermRefusal | undefined {
  let m = /^Refused: stale term (\d+) < (\d+); nothing changed$/.exec(message);
  if (m) return { kind: 'stale', term: Number(m[1]), max: Number(m[2]) };
  m = /^Refused: term (\d+) belongs to monitor (.+); nothing changed$/.exec(message);
  if (m) return { kind: 'owned', term: Number(m[1]), monitor: m[2] };
  m = /^Refused: this agent follows term (\d+) \(monitor (.+)\); send SET_TERM first; nothing changed$/.exec(message);
  if (m) return { kind: 'follows', max: Number(m[1]), monitor: m[2] };
  return undefined;
}

/** The term of an `OK: Term <t> accepted` reply; ProtocolError for anything else. */
export function parseTermAccepted(r: AgentReply): number {
  if (!r.ok) throw new ProtocolError('PROTOCOL_INVALID', `SET_TERM reply: agent answered ERROR: ${r.message}`);
  const m = /^Term (\d+) accepted$/.exec(r.message);
  if (!m) throw new ProtocolError('PROTOCOL_INVALID', `SET_TERM reply: unexpected text '${r.message}'`);
  return Number(m[1]);
}
