// `mmm_tls verify -c CONFIG [--secure]`: static checks of the TLS material a config names, then
// (with --secure) live handshakes. Findings in order; the caller prints them and exits 0/1/2.
import type { Program } from '@mmm/common';
import { errorMessage } from '@mmm/common';
import { checkMaterial } from './verify-checks';
import { checkLive } from './verify-live';
import { checkMysqlLinks } from './verify-mysql';
import { exitCodeFor, fail, type Finding, type VerifyExitCode } from './findings';
import { loadVerifyMaterial, parseProgram } from './verify-material';

export interface VerifyOptions {
  config: string;
  program?: string;
  secure?: boolean;
  timeoutMs?: number; // 5000
  now?: number;
}

export interface VerifyResult {
  program: Program;
  findings: Finding[];
  exitCode: VerifyExitCode;
}

export async function verify(o: VerifyOptions): Promise<VerifyResult> {
  const program = parseProgram(o.program, o.config);
  const { material, findings } = await loadVerifyMaterial(o.config, program, o.now);
  if (material) {
    findings.push(...checkMaterial(material));
    if (o.secure && material.config.socket.type === 'ssl') {
      // Live checks need the files; with a failed static check they would only repeat it.
      const canConnect = !findings.some((f) => f.verdict === 'FAIL' && /^(file|config|key match|tls context)/.test(f.check));
      if (canConnect) {
        try {
          findings.push(...(await checkLive(program, material.config, o.timeoutMs ?? 5000)));
        } catch (e) {
          findings.push(fail('live', errorMessage(e)));
        }
      } else {
        findings.push(fail('live', 'skipped: the material above cannot make a TLS connection'));
      }
    }
    // MySQL links are TLS of their own (mysql_ssl), checked whatever the socket type.
    if (o.secure) {
      try {
        findings.push(...(await checkMysqlLinks(program, material.config, o.timeoutMs ?? 5000)));
      } catch (e) {
        findings.push(fail('mysql', errorMessage(e)));
      }
    }
  }
  return { program, findings, exitCode: exitCodeFor(findings) };
}
