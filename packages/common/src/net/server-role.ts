// Clients check the server's role too (DESIGN §4): mmm_control wants `monitor`, the monitor wants
// `agent`. Without it, any CA-signed certificate naming the address (an agent's, a viewer's) could
// pose as the monitor and read the operator's commands, or as an agent and be told its state.
// Same rule as the listener's: a role URI decides, peer_role only for certificates without one.
import type { PeerRoleRule } from '../config/types';
import type { PeerRole } from '../model/peer-role';
import type { CertDescription } from '../tls/describe';

export type ServerRoleVerdict =
  | { ok: true; unchecked?: string }
  | { ok: false; reason: string };

/**
 * Does the server's certificate carry `expected`? `unchecked` is set when there is no role
 * information anywhere (no URI, no peer_role at all): accepted, and the caller warns once.
 */
export function checkServerRole(cert: CertDescription, rules: readonly PeerRoleRule[], expected: PeerRole): ServerRoleVerdict {
  const who = `server certificate CN=${cert.cn}`;
  const reissue = `re-issue it with mmm_tls issue --role ${expected}`;
  if (cert.roleProblem !== undefined) return { ok: false, reason: `${who}: ${cert.roleProblem}; expected role ${expected} (${reissue})` };
  if (cert.role !== undefined) {
    return cert.role === expected
      ? { ok: true }
      : { ok: false, reason: `${who} has role ${cert.role} (urn:mmm:role:${cert.role}), expected ${expected}` };
  }
  const rule = rules.find((r) => r.match === cert.cn || cert.sans.includes(r.match));
  if (rule) {
    return rule.role === expected
      ? { ok: true }
      : { ok: false, reason: `${who} has no role URI and peer_role ${rule.match} gives it role ${rule.role}, expected ${expected}` };
  }
  if (rules.length > 0) {
    return {
      ok: false,
      reason: `${who} has no urn:mmm:role URI and matches no peer_role rule, expected role ${expected} (add 'peer_role ${cert.cn} ${expected}' or ${reissue})`,
    };
  }
  return { ok: true, unchecked: `${who} carries no role (no urn:mmm:role URI, no peer_role configured): not checked that it is the ${expected}` };
}
