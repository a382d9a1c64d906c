// Who may do what over mutual TLS (DESIGN §4 authorization).
export const PEER_ROLES = ['monitor', 'control', 'agent', 'viewer'] as const;
export type PeerRole = (typeof PEER_ROLES)[number];

export function isPeerRole(s: string): s is PeerRole {
  return (PEER_ROLES as readonly string[]).includes(s);
}

/** SAN URI that `mmm_tls issue --role` writes. */
export const ROLE_URI_PREFIX = 'urn:mmm:role:';
