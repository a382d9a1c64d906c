// A PCP-style `tls.conf` for a remote operator (DESIGN §4, "remote operator"): mmm_control may take
// its TLS settings from the file named by MMM_TLSCONF_PATH instead of an MMM config. Flat
// `key = value` lines parsed with `ini`. Unlike PCP, unknown keys and sections are errors.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseIni } from 'ini';
import { ConfigError, type ConfigIssue } from '../errors';
import type { SocketConfig } from './types';
import { unsafeModeIssue } from './read';
import { didYouMean } from './suggest';

export const TLS_CONF_KEYS = [
  'tls-ca-cert-file',
  'tls-cert-file',
  'tls-key-file',
  'tls-client-cert-file',
  'tls-client-key-file',
] as const;
export type TlsConfKey = (typeof TLS_CONF_KEYS)[number];

/** File paths are absolute (relative ones resolve against the tls.conf folder). */
export interface TlsConf {
  file: string;
  caCertFile: string;
  certFile?: string;
  keyFile?: string;
  clientCertFile?: string;
  clientKeyFile?: string;
}

function lineOf(text: string, key: string): number {
  const lines = text.split(/\r?\n/);
  const i = lines.findIndex((l) => l.trim().startsWith(key));
  return i < 0 ? 0 : i + 1;
}

/** Pure: parses tls.conf text. `file` names it in issues and anchors relative paths. */
export function parseTlsConf(text: string, file: string): { conf?: TlsConf; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const issue = (line: number, message: string, hint?: string): void => void issues.push({ file, line, message, ...(hint ? { hint } : {}) });
  const raw = parseIni(text) as Record<string, unknown>;
  const values: Partial<Record<TlsConfKey, string>> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v === 'object' && v !== null) {
      issue(lineOf(text, `[${k}`), `section [${k}] is not allowed`, 'tls.conf is flat `key = value` lines');
      continue;
    }
    if (!(TLS_CONF_KEYS as readonly string[]).includes(k)) {
      issue(lineOf(text, k), `unknown key '${k}'`, didYouMean(k, TLS_CONF_KEYS));
      continue;
    }
    if (typeof v !== 'string' || v.trim() === '') {
      issue(lineOf(text, k), `${k} needs a file name`, `${k} = /path/to/file`);
      continue;
    }
    values[k as TlsConfKey] = path.resolve(path.dirname(file), v.trim());
  }
  if (!values['tls-ca-cert-file']) issue(0, 'tls-ca-cert-file is required', 'the CA that signed the monitor certificate');
  const cert = values['tls-client-cert-file'] ?? values['tls-cert-file'];
  const key = values['tls-client-key-file'] ?? values['tls-key-file'];
  if (!cert) issue(0, 'tls-cert-file (or tls-client-cert-file) is required', 'the certificate this client presents');
  if (!key) issue(0, 'tls-key-file (or tls-client-key-file) is required', 'the private key of that certificate');
  if (issues.length > 0) return { issues };
  return {
    issues,
    conf: {
      file,
      caCertFile: values['tls-ca-cert-file'] as string,
      ...(values['tls-cert-file'] ? { certFile: values['tls-cert-file'] } : {}),
      ...(values['tls-key-file'] ? { keyFile: values['tls-key-file'] } : {}),
      ...(values['tls-client-cert-file'] ? { clientCertFile: values['tls-client-cert-file'] } : {}),
      ...(values['tls-client-key-file'] ? { clientKeyFile: values['tls-client-key-file'] } : {}),
    },
  };
}

/** Reads and parses tls.conf (the permission rule applies); throws ConfigError with every issue. */
export function loadTlsConf(file: string): TlsConf {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(
      [{ file: abs, line: 0, message: `cannot read tls.conf (${code ?? 'error'})`, hint: 'check MMM_TLSCONF_PATH' }],
      code === 'ENOENT' ? 'CONFIG_NOT_FOUND' : 'CONFIG_INVALID',
    );
  }
  const unsafe = unsafeModeIssue(abs, 'tls.conf');
  const r = parseTlsConf(text, abs);
  const issues = [...(unsafe ? [unsafe] : []), ...r.issues];
  if (issues.length > 0 || !r.conf) throw new ConfigError(issues, unsafe ? 'CONFIG_UNSAFE_MODE' : 'CONFIG_INVALID');
  return r.conf;
}

/** The socket block a tls.conf stands for: TLS, verify_mode 1, `tls_connect` from MMM_SECURE_SOCKETS. */
export function tlsConfSocket(conf: TlsConf, tlsConnect: 'enforce' | 'relaxed' = 'enforce'): SocketConfig {
  return {
    type: 'ssl',
    caFile: conf.caCertFile,
    ...(conf.certFile ? { certFile: conf.certFile } : {}),
    ...(conf.keyFile ? { keyFile: conf.keyFile } : {}),
    ...(conf.clientCertFile ? { clientCertFile: conf.clientCertFile } : {}),
    ...(conf.clientKeyFile ? { clientKeyFile: conf.clientKeyFile } : {}),
    verifyMode: 1,
    tlsMinVersion: 'TLSv1.2',
    tlsListen: 'tls',
    tlsConnect,
    certExpiryWarnDays: 30,
    peerRoles: [],
  };
}
