// Who may do what over mutual TLS (DESIGN §4 authorization).
export const PEER_ROLES = ['monitor', 'control', 'agent', 'viewer'] as const;
export type PeerRole = (typeof PEER_ROLES)[number];

export function isPeerRole(s: string): s is PeerRole {
  return (PEER_ROLES as readonly string[]).includes(s);
}

/** SAN URI that `mmm_tls issue --role` writes. */
export const ROLE_URI_PREFIX = 'urn:mmm:role:';

/**
 * `mmm_tls issue --role etcd` writes `urn:mmm:role:etcd`: etcd members need both EKUs, so the claim
 * is what keeps such a certificate from ever being an mmm peer (a peer_role rule on its IP would
 * otherwise match it). Not a PeerRole: it has no rights at mmm listeners.
 */
export const ETCD_ROLE = 'etcd';

/**
 * What a certificate's `urn:mmm:role:` URIs say. A claim the CA wrote decides, so one we cannot
 * read must not fall through to peer_role (a viewer certificate with CN=monitor would borrow the
 * monitor's rights): an unknown role or two different roles are `invalid` and get no rights.
 */
export type RoleClaim =
  | { kind: 'none' }
  | { kind: 'role'; role: PeerRole }
  | { kind: 'invalid'; reason: string };

/** Reads the role claim of a certificate's SAN URIs. URN prefixes are case-insensitive (RFC 8141). */
export function roleClaim(uris: readonly string[]): RoleClaim {
  const claimed = uris.filter((u) => u.toLowerCase().startsWith(ROLE_URI_PREFIX)).map((u) => u.slice(ROLE_URI_PREFIX.length));
  if (claimed.length === 0) return { kind: 'none' };
  if (claimed.includes(ETCD_ROLE)) return { kind: 'invalid', reason: `an etcd certificate (urn:mmm:role:${ETCD_ROLE}): for etcd members and clients, not for mmm links` };
  const unknown = claimed.filter((r) => !isPeerRole(r));
  if (unknown.length > 0) {
    return { kind: 'invalid', reason: `unknown role ${unknown.map((r) => `'${r}'`).join(', ')} in its urn:mmm:role URI (known: ${PEER_ROLES.join(', ')})` };
  }
  const distinct = [...new Set(claimed)] as PeerRole[];
  if (distinct.length > 1) return { kind: 'invalid', reason: `conflicting urn:mmm:role URIs (${distinct.join(', ')})` };
  return { kind: 'role', role: distinct[0]! };
}
