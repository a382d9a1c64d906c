// MMM 2.x host states (reference/mmm.md §4.1). SCREAMING_SNAKE because they are wire tokens.
export const HOST_STATES = [
  'ONLINE',
  'ADMIN_OFFLINE',
  'HARD_OFFLINE',
  'AWAITING_RECOVERY',
  'REPLICATION_DELAY',
  'REPLICATION_FAIL',
] as const;
export type HostState = (typeof HOST_STATES)[number];

/** What an agent reports before any monitor told it a state (fresh start). */
export type AgentState = HostState | 'UNKNOWN';

export function isHostState(s: string): s is HostState {
  return (HOST_STATES as readonly string[]).includes(s);
}

export function isAgentState(s: string): s is AgentState {
  return s === 'UNKNOWN' || isHostState(s);
}

export type Mode = 'ACTIVE' | 'MANUAL' | 'WAIT' | 'PASSIVE';
