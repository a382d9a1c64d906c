// Why the monitor could not be reached, as the one line mmm_control prints under MMM's
// "ERROR: Can't connect to monitor daemon!". Pure: table-tested.
import { ConnectError, MmmError, TimeoutError, TlsError, errorMessage } from '@mmm/common';

export type UnreachableKind =
  | 'refused' // nothing listens there
  | 'timeout'
  | 'other_ca' // the monitor certificate does not chain to our CA
  | 'server_cert' // the monitor certificate is refused for another reason (expired, revoked…)
  | 'identity' // the monitor certificate does not name the monitor address
  | 'server_role' // the certificate there is not the monitor's (an agent's, a viewer's…)
  | 'client_cert_refused' // the monitor refused our certificate
  | 'closed' // closed without a reply (not TLS, or not a monitor)
  | 'network';

export interface Unreachable {
  kind: UnreachableKind;
  /** One line for operators. */
  reason: string;
}

const OTHER_CA_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
]);

const SERVER_CERT_TEXT: Record<string, string> = {
  CERT_HAS_EXPIRED: 'the monitor certificate has expired',
  CERT_NOT_YET_VALID: 'the monitor certificate is not valid yet',
  CERT_REVOKED: 'the monitor certificate is revoked (crl_file)',
};

function causeCode(e: unknown): string {
  let c: unknown = e;
  for (let i = 0; i < 4 && c instanceof Error; i++) {
    const code = (c as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && !(c instanceof MmmError)) return code;
    c = (c as Error & { cause?: unknown }).cause;
  }
  return '';
}

/** True for an error that means the monitor could not be reached (or its certificate, or ours, was refused). */
export function isUnreachable(e: unknown): boolean {
  if (e instanceof TlsError) return e.code === 'TLS_AUTH_FAILED' || e.code === 'TLS_IDENTITY' || e.code === 'TLS_ROLE';
  return e instanceof ConnectError || e instanceof TimeoutError;
}

/** Classifies an error thrown by connect()/exchange(). */
export function describeUnreachable(e: unknown): Unreachable {
  const msg = errorMessage(e);
  const code = causeCode(e);
  const mmm = e instanceof MmmError ? e.code : '';
  if (mmm === 'TLS_IDENTITY') return { kind: 'identity', reason: `identity mismatch: ${msg}` };
  if (mmm === 'TLS_ROLE') return { kind: 'server_role', reason: `not the monitor: ${msg}` };
  if (mmm === 'TLS_AUTH_FAILED') {
    if (OTHER_CA_CODES.has(code)) {
      return { kind: 'other_ca', reason: `the monitor certificate is not signed by our CA (ca_file): ${code}` };
    }
    if (SERVER_CERT_TEXT[code]) return { kind: 'server_cert', reason: `${SERVER_CERT_TEXT[code]}: ${code}` };
    if (/server certificate refused/.test(msg)) return { kind: 'server_cert', reason: `the monitor certificate is refused: ${code || msg}` };
    return { kind: 'client_cert_refused', reason: `the monitor refused our certificate: ${msg}` };
  }
  if (mmm === 'TIMEOUT' || code === 'ETIMEDOUT') return { kind: 'timeout', reason: `timeout: ${msg}` };
  if (code === 'ECONNREFUSED') return { kind: 'refused', reason: `connection refused: ${msg}` };
  if (/closed/.test(msg)) return { kind: 'closed', reason: `closed without a reply: ${msg}` };
  return { kind: 'network', reason: msg };
}
