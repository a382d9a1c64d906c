// One MariaDB instance: my.cnf, datadir initialisation, start (detached, optionally inside a
// network namespace), readiness by a real query, stop by PID.
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { isRoot, processAlive, run, SandboxError, stopPid, waitFor } from './exec';
import type { NodeFiles } from './paths';
import { query } from './sql';

export const INSTALL_HINT = 'apt-get install mariadb-server mariadb-client';

/** Absolute path of `bin` (looked up in PATH, then /usr/sbin, /usr/bin); clear error naming the apt packages. */
export function findBinary(bin: string): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];
  for (const d of dirs.filter(Boolean)) {
    const p = join(d, bin);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  throw new SandboxError('NOT_INSTALLED', `${bin} not found in PATH or /usr/sbin: install MariaDB with \`${INSTALL_HINT}\``);
}

export interface InstanceSpec {
  files: NodeFiles;
  serverId: number;
  bindAddress: string;
  port: number;
  /** Namespace to run mariadbd in (netns mode). */
  netns?: string;
  /** TLS: ssl_cert, ssl_key, ssl_ca (the server then offers TLS; have_ssl=YES). */
  tls?: { certFile: string; keyFile: string; caFile: string };
}

/** The my.cnf of one node: small buffers, GTID binlog, read-only at start, fast failure detection. */
export function myCnf(spec: InstanceSpec): string {
  const f = spec.files;
  return [
    '[mariadbd]',
    ...(isRoot() ? ['user=root'] : []),
    `datadir=${f.datadir}`,
    `tmpdir=${f.tmpdir}`, // private: parallel servers delete each other's #sql files in a shared tmpdir
    `socket=${f.socket}`,
    `pid-file=${f.pidFile}`,
    `log-error=${f.errorLog}`,
    `bind-address=${spec.bindAddress}`,
    `port=${spec.port}`,
    `server_id=${spec.serverId}`,
    'log_bin=mysql-bin',
    'log_slave_updates=ON',
    'binlog_format=ROW',
    'gtid_domain_id=0',
    'gtid_strict_mode=ON',
    'read_only=ON', // nodes start read-only; only the agent makes the writer writable
    'skip-name-resolve',
    'slave_net_timeout=4', // replicas notice a lost master within seconds
    'performance_schema=OFF',
    'innodb_buffer_pool_size=16M',
    'innodb_log_file_size=8M',
    'key_buffer_size=1M',
    'max_connections=50',
    ...(spec.tls ? [`ssl_cert=${spec.tls.certFile}`, `ssl_key=${spec.tls.keyFile}`, `ssl_ca=${spec.tls.caFile}`] : []),
    '',
    '[client]',
    `socket=${f.socket}`,
    'user=root',
    '',
  ].join('\n');
}

/** Writes my.cnf and runs mariadb-install-db (bounded). */
export async function initInstance(spec: InstanceSpec): Promise<void> {
  const f = spec.files;
  for (const d of [f.dir, f.datadir, f.tmpdir]) mkdirSync(d, { recursive: true });
  writeFileSync(f.cnf, myCnf(spec), { mode: 0o644 });
  const installDb = findBinary('mariadb-install-db');
  const res = await run(
    installDb,
    [`--defaults-file=${f.cnf}`, '--auth-root-authentication-method=normal', '--skip-test-db'],
    { timeoutMs: 60_000, allowFail: true },
  );
  writeFileSync(join(f.dir, 'install.log'), res.stdout + res.stderr);
  if (res.code !== 0) {
    throw new SandboxError('COMMAND', `mariadb-install-db for ${f.dir} failed (exit ${res.code}); see ${join(f.dir, 'install.log')}: ${tail(res.stderr + res.stdout)}`);
  }
}

function tail(text: string, lines = 5): string {
  return text.trim().split('\n').slice(-lines).join(' | ');
}

function errorLogTail(f: NodeFiles): string {
  try {
    return tail(readFileSync(f.errorLog, 'utf8'));
  } catch {
    return '(no error log)';
  }
}

/**
 * Starts mariadbd detached in its own session (inside `spec.netns` through `ip netns exec`),
 * waits until it answers a real query on its socket (mariadb-admin ping answers before the server
 * is usable) and returns its PID from the pid-file. On failure the process is stopped.
 */
export async function startInstance(spec: InstanceSpec, timeoutMs = 30_000): Promise<number> {
  const f = spec.files;
  const mariadbd = findBinary('mariadbd');
  rmSync(f.pidFile, { force: true }); // left behind by a crash: must not be mistaken for the new PID
  const argv = [mariadbd, `--defaults-file=${f.cnf}`];
  // detached: the child calls setsid(), so it outlives us and gets no signals from our terminal.
  const [cmd, ...args] = spec.netns ? ['ip', 'netns', 'exec', spec.netns, ...argv] : argv;
  const child = spawn(cmd!, args, { detached: true, stdio: 'ignore' });
  let exited: string | undefined;
  child.on('exit', (code, sig) => (exited = `exited (${sig ?? code})`));
  child.on('error', (err) => (exited = `failed to start: ${err.message}`));
  child.unref();
  const readPid = (): number | undefined => {
    try {
      const pid = Number(readFileSync(f.pidFile, 'utf8').trim());
      return pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  };
  try {
    await waitFor(
      `mariadbd in ${f.dir} answering on ${f.socket}`,
      async () => {
        if (exited) throw new SandboxError('COMMAND', `mariadbd for ${f.dir} ${exited}`);
        await query(f, 'SELECT 1');
        return readPid() ?? false;
      },
      { timeoutMs, intervalMs: 50 },
    );
  } catch (err) {
    const pid = readPid() ?? child.pid;
    if (pid) await stopPid(pid, { graceMs: 5_000, mustContain: f.cnf });
    const why = err instanceof Error ? err.message : String(err);
    throw new SandboxError('SANDBOX', `${why} (error log ${f.errorLog}: ${errorLogTail(f)})`, { cause: err });
  }
  return readPid()!;
}

/**
 * Stops a mariadbd by PID (SIGTERM, bounded wait, SIGKILL; `kill`: SIGKILL at once, like a crash),
 * only if its command line names `cnf`.
 */
export async function stopInstance(pid: number, cnf: string, opts: { graceMs?: number; kill?: boolean } = {}): Promise<void> {
  if (!processAlive(pid)) return;
  const gone = await stopPid(pid, { graceMs: opts.graceMs ?? 15_000, mustContain: cnf, kill: opts.kill ?? false });
  if (!gone) throw new SandboxError('SANDBOX', `mariadbd PID ${pid} (${cnf}) did not stop even after SIGKILL`);
}
