// The I/O half of `mmm_tls verify`: load the config and every file it names, so that the
// checks (verify-checks.ts) are a pure function of what was read.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { describeCrl, errorMessage, formatIssue, readConfig, type CrlDescription, type MmmConfig, type Program } from '@mmm/common';
import { fail, type Finding } from './findings';
import { TlsToolError } from './errors';

export type TlsFileKey = 'cert_file' | 'key_file' | 'ca_file' | 'crl_file' | 'client_cert_file' | 'client_key_file';

export interface FileFact {
  key: TlsFileKey;
  path: string;
  /** Private keys: the permission rule applies. */
  secret: boolean;
  exists: boolean;
  /** Readable by the user running verify (run it as the daemon's user). */
  readable: boolean;
  mode?: number;
  text?: string;
  error?: string;
}

export interface VerifyMaterial {
  program: Program;
  configFile: string;
  config: MmmConfig;
  files: Partial<Record<TlsFileKey, FileFact>>;
  crl?: { description?: CrlDescription; error?: string };
  now: number;
}

/** agent / monitor / control from the config file name (mmm_agent*.conf, mmm_mon*.conf, mmm_control*.conf). */
export function detectProgram(file: string): Program | undefined {
  const base = path.basename(file).toLowerCase();
  if (base.includes('agent')) return 'agent';
  if (base.includes('control')) return 'control';
  if (base.includes('mon')) return 'monitor';
  return undefined;
}

export function parseProgram(s: string | undefined, file: string): Program {
  const p = s ?? detectProgram(file);
  if (p === 'agent' || p === 'monitor' || p === 'control') return p;
  if (s !== undefined) throw new TlsToolError(`--program ${s}: must be agent, monitor or control`);
  throw new TlsToolError(`cannot tell the program from the file name ${path.basename(file)}: pass --program agent|monitor|control`);
}

function fact(key: TlsFileKey, file: string, secret: boolean): FileFact {
  const f: FileFact = { key, path: file, secret, exists: false, readable: false };
  try {
    const st = statSync(file);
    f.exists = st.isFile();
    f.mode = st.mode & 0o7777;
  } catch (e) {
    f.error = (e as NodeJS.ErrnoException).code ?? errorMessage(e);
    return f;
  }
  try {
    accessSync(file, constants.R_OK);
    f.text = readFileSync(file, 'utf8');
    f.readable = true;
  } catch (e) {
    f.error = (e as NodeJS.ErrnoException).code ?? errorMessage(e);
  }
  return f;
}

export async function loadVerifyMaterial(
  configFile: string,
  program: Program,
  now = Date.now(),
): Promise<{ material?: VerifyMaterial; findings: Finding[] }> {
  const file = path.resolve(configFile);
  const r = readConfig(program, file);
  if (!r.loaded) {
    const issues = r.issues.length ? r.issues : [{ file, line: 0, message: 'cannot be loaded' }];
    return { findings: issues.map((i) => fail('config', formatIssue(i))) };
  }
  const { config } = r.loaded;
  const s = config.socket;
  const files: VerifyMaterial['files'] = {};
  const add = (key: TlsFileKey, p: string | undefined, secret: boolean): void => {
    if (p !== undefined) files[key] = fact(key, p, secret);
  };
  add('cert_file', s.certFile, false);
  add('key_file', s.keyFile, true);
  add('ca_file', s.caFile, false);
  add('crl_file', s.crlFile, false);
  add('client_cert_file', s.clientCertFile, false);
  add('client_key_file', s.clientKeyFile, true);
  const m: VerifyMaterial = { program, configFile: file, config, files, now };
  const crlText = files.crl_file?.text;
  if (crlText !== undefined) {
    try {
      m.crl = { description: await describeCrl(crlText, files.ca_file?.text) };
    } catch (e) {
      m.crl = { error: errorMessage(e) };
    }
  }
  return { material: m, findings: [] };
}
