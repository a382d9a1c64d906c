// `mmm_tls grants -c CONFIG`: log in to every server with the MySQL accounts the config gives its
// program, and report per server and account what is missing with the GRANT that fixes it.
// Needs no running daemon; changes nothing on the servers.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { formatIssue, readConfig, type Program } from '@mmm/common';
import { parseProgram } from '../tls/verify-material';
import { inspect } from './inspect';
import { type GrantFinding, formatGrantFinding, grantsExitCode, reportInspection } from './report';
import { grantTargets } from './targets';

export * from './targets';
export * from './inspect';
export * from './report';

export interface GrantsOptions {
  config: string;
  program?: string;
  /** Bound per login and per statement (ms). */
  timeoutMs?: number;
}

export interface GrantsResult {
  program: Program;
  findings: GrantFinding[];
  lines: string[];
  exitCode: 0 | 1 | 3;
}

function summary(findings: readonly GrantFinding[], accounts: number, code: 0 | 1 | 3): string {
  const count = (f: (x: GrantFinding) => boolean): number => new Set(findings.filter(f).map((x) => x.check)).size;
  if (code === 0) return `OK: every account has what mmm needs (${accounts} checked)`;
  if (code === 1) {
    return `FAIL: ${count((x) => x.failure === 'missing')} of ${accounts} accounts lack something: run each fix on the server it names (no restart needed: the monitor reconnects after a refusal)`;
  }
  return `FAIL: ${count((x) => x.verdict === 'FAIL')} of ${accounts} accounts could not be checked`;
}

export async function checkGrants(o: GrantsOptions): Promise<GrantsResult> {
  const program = parseProgram(o.program, o.config);
  const file = path.resolve(o.config);
  if (!existsSync(file)) {
    const findings: GrantFinding[] = [{ verdict: 'FAIL', check: 'config', reason: `${file}: config file not found`, failure: 'unchecked' }];
    return { program, findings, lines: findings.flatMap(formatGrantFinding), exitCode: 3 };
  }
  const r = readConfig(program, file);
  if (!r.loaded) {
    const issues = r.issues.length ? r.issues : [{ file, line: 0, message: 'cannot be loaded' }];
    const findings: GrantFinding[] = issues.map((i) => ({ verdict: 'FAIL', check: 'config', reason: formatIssue(i), failure: 'unchecked' }));
    return { program, findings, lines: findings.flatMap(formatGrantFinding), exitCode: 3 };
  }
  if (program === 'control') {
    const findings: GrantFinding[] = [{ verdict: 'FAIL', check: 'config', reason: 'mmm_control uses no MySQL account: give mmm_mon.conf (monitor account) or mmm_agent.conf (agent and replication accounts)', failure: 'unchecked' }];
    return { program, findings, lines: findings.flatMap(formatGrantFinding), exitCode: 3 };
  }
  const plan = grantTargets(program, r.loaded.config);
  const findings: GrantFinding[] = plan.unnamed.map((u) => ({
    verdict: 'FAIL' as const,
    check: `${u.account}@${u.host}`,
    reason: `${u.userKey} is not set for host ${u.host}`,
    fix: `set ${u.userKey} and its password in the config`,
    failure: 'missing' as const,
  }));
  const inspected = await Promise.all(plan.targets.map((t) => inspect(t, o.timeoutMs ?? 5000)));
  for (const i of inspected) findings.push(...reportInspection(i));
  const exitCode = grantsExitCode(findings);
  const lines = [...findings.flatMap(formatGrantFinding), summary(findings, plan.targets.length + plan.unnamed.length, exitCode)];
  return { program, findings, lines, exitCode };
}
