// Reusable helpers for mmm_control tests: run the BUILT CLI as a child process, a PKI, client
// configs. Kept free of the fake monitor so the sandbox end-to-end test can reuse them.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createCa, issueCert, type CertKeyPair } from '@mmm/common';

export const BIN = path.resolve(__dirname, '..', 'bin', 'mmm_control.js');
export const HOST = '127.0.0.1';

export interface CliResult {
  stdout: string;
  stderr: string;
  status: number | null;
}

/** Runs `node bin/mmm_control.js args` (async: a fake monitor may live in this process). Bounded. */
export function runCli(args: string[], opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('MMM_')) env[k] = v;
  Object.assign(env, opts.env ?? {});
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd: opts.cwd ?? os.tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mmm_control ${args.join(' ')} did not finish within ${opts.timeoutMs ?? 30000} ms`));
    }, opts.timeoutMs ?? 30_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, status });
    });
  });
}

export interface Pki {
  ca: CertKeyPair;
  monitor: CertKeyPair;
  control: CertKeyPair;
  /** Another CA, and a monitor certificate it signed (for "certificate from another CA"). */
  otherCa: CertKeyPair;
  otherMonitor: CertKeyPair;
  /** Signed by `ca` but naming 127.0.0.2 only (identity mismatch). */
  wrongNameMonitor: CertKeyPair;
}

export async function makePki(): Promise<Pki> {
  const ca = await createCa({ commonName: 'mmm control test CA' });
  const otherCa = await createCa({ commonName: 'some other CA' });
  return {
    ca,
    otherCa,
    monitor: await issueCert({ ca, commonName: 'monitor', ips: [HOST], usage: 'both', role: 'monitor' }),
    control: await issueCert({ ca, commonName: 'operator', usage: 'client', role: 'control' }),
    otherMonitor: await issueCert({ ca: otherCa, commonName: 'monitor', ips: [HOST], usage: 'both' }),
    wrongNameMonitor: await issueCert({ ca, commonName: 'monitor', ips: ['127.0.0.2'], usage: 'both' }),
  };
}

export interface ClientFiles {
  dir: string;
  ca: string;
  cert: string;
  key: string;
}

/** Writes ca.crt, control.crt, control.key (0600) into a new temp dir. */
export async function writeClientFiles(pki: Pki): Promise<ClientFiles> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mmm-control-test-'));
  const f = { dir, ca: path.join(dir, 'ca.crt'), cert: path.join(dir, 'control.crt'), key: path.join(dir, 'control.key') };
  await fs.writeFile(f.ca, pki.ca.certPem, { mode: 0o600 });
  await fs.writeFile(f.cert, pki.control.certPem, { mode: 0o600 });
  await fs.writeFile(f.key, pki.control.keyPem, { mode: 0o600 });
  return f;
}

/** A small 2.x client config (etc/2.x/mmm_control.conf shape), mode 0600; returns its path. */
export async function writeClientConfig(f: ClientFiles, port: number, name = 'mmm_control.conf', extraSocket = ''): Promise<string> {
  const file = path.join(f.dir, name);
  const text = `<monitor>
    ip      ${HOST}
    port    ${port}
</monitor>

<socket>
    type                ssl
    client_cert_file    ${f.cert}
    client_key_file     ${f.key}
    ca_file             ${f.ca}
${extraSocket}</socket>
`;
  await fs.writeFile(file, text, { mode: 0o600 });
  await fs.chmod(file, 0o600);
  return file;
}

/** A PCP-style tls.conf, mode 0600. */
export async function writeTlsConf(f: ClientFiles, extra = ''): Promise<string> {
  const file = path.join(f.dir, 'tls.conf');
  await fs.writeFile(file, `tls-ca-cert-file = ${f.ca}\ntls-cert-file = ${f.cert}\ntls-key-file = ${f.key}\n${extra}`, { mode: 0o600 });
  await fs.chmod(file, 0o600);
  return file;
}
