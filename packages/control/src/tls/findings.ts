// What `mmm_tls verify` reports: one finding per check, printed `OK|WARN|FAIL <check>: <reason>`.
import { EXIT } from '@mmm/common';
export type Verdict = 'OK' | 'WARN' | 'FAIL';

export interface Finding {
  verdict: Verdict;
  check: string;
  reason: string;
}

export const ok = (check: string, reason: string): Finding => ({ verdict: 'OK', check, reason });
export const warn = (check: string, reason: string): Finding => ({ verdict: 'WARN', check, reason });
export const fail = (check: string, reason: string): Finding => ({ verdict: 'FAIL', check, reason });

export function formatFinding(f: Finding): string {
  return `${f.verdict} ${f.check}: ${f.reason}`;
}

/** The one exit-code table (common exit-codes.ts): 0 all OK, 1 any failure, 5 warnings only. */
export function exitCodeFor(findings: readonly Finding[]): VerifyExitCode {
  if (findings.some((f) => f.verdict === 'FAIL')) return EXIT.ERROR_REPLY;
  if (findings.some((f) => f.verdict === 'WARN')) return EXIT.WARNINGS;
  return EXIT.OK;
}

export type VerifyExitCode = typeof EXIT.OK | typeof EXIT.ERROR_REPLY | typeof EXIT.WARNINGS;
