// Who is on the other end: identity from the verified certificate, role from config or the cert.
import type { X509Certificate } from 'node:crypto';
import type { PeerRoleRule } from '../config/types';
import type { PeerRole } from '../model/peer-role';
import type { Logger } from '../logger';
import { describeX509, type CertDescription } from '../tls/describe';

/** 'any': no role information (no URI, no peer_role rules: MMM behaviour); null: no rights (rules
 *  exist and none matched, or an unknown/conflicting role URI). */
export type ResolvedRole = PeerRole | 'any' | null;

export interface PeerInfo {
  /** Certificate subject CN ('' for plain connections). */
  cn: string;
  sans: string[];
  role: ResolvedRole;
  fingerprint256?: string;
  /** True for a plain (non-TLS) connection: no identity at all. */
  plain: boolean;
  /** "ip:port" of the remote end. */
  address: string;
  cert?: CertDescription;
}

/**
 * DESIGN §4: a certificate's `urn:mmm:role:` URI decides, and peer_role rules (CN or any SAN
 * value) apply only to certificates without one, so a name can never lend a role the CA did not
 * write. An unknown or conflicting role URI gives no rights at all (null).
 */
export function resolveRole(d: { cn: string; sans: string[]; role?: PeerRole; roleProblem?: string }, rules: PeerRoleRule[]): ResolvedRole {
  if (d.roleProblem !== undefined) return null;
  if (d.role) return d.role;
  for (const r of rules) if (r.match === d.cn || d.sans.includes(r.match)) return r.role;
  return rules.length === 0 ? 'any' : null;
}

/** Why a peer resolved to no rights (role null), for logs and refusals. */
export function noRoleReason(p: Pick<PeerInfo, 'cn' | 'cert'>): string {
  return p.cert?.roleProblem ?? `CN=${p.cn} matches no peer_role rule and has no urn:mmm:role URI`;
}

export function remoteAddress(s: { remoteAddress?: string; remotePort?: number }): string {
  const a = s.remoteAddress ?? '?';
  return `${a.includes(':') ? `[${a}]` : a}:${s.remotePort ?? '?'}`;
}

export function peerFromCert(x: X509Certificate, rules: PeerRoleRule[], address: string): PeerInfo {
  const cert = describeX509(x);
  return {
    cn: cert.cn,
    sans: cert.sans,
    role: resolveRole(cert, rules),
    fingerprint256: cert.fingerprint256,
    plain: false,
    address,
    cert,
  };
}

/** A plain connection: MMM had no authentication, so it may do what MMM allowed (everything). */
export function plainPeer(address: string): PeerInfo {
  return { cn: '', sans: [], role: 'any', plain: true, address };
}

/** Warns once per certificate (fingerprint) that a peer's certificate is close to expiry. */
export function warnPeerExpiry(p: PeerInfo, warnDays: number, logger: Logger, seen: Set<string>): void {
  const c = p.cert;
  if (!c || c.daysLeft > warnDays || seen.has(c.fingerprint256)) return;
  seen.add(c.fingerprint256);
  logger.warn(`peer certificate CN=${c.cn} expires in ${c.daysLeft} days`, {
    peer: p.address,
    notAfter: c.notAfter.toISOString(),
  });
}
