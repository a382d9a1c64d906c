// What `mmm_tls verify` reports: one finding per check, printed `OK|WARN|FAIL <check>: <reason>`.
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

/** 0 all OK, 1 some warnings, 2 any failure (pcp verify's convention). */
export function exitCodeFor(findings: readonly Finding[]): 0 | 1 | 2 {
  if (findings.some((f) => f.verdict === 'FAIL')) return 2;
  if (findings.some((f) => f.verdict === 'WARN')) return 1;
  return 0;
}
