// One throw-away MariaDB for the check tests: private datadir and tmpdir, 127.0.0.1 on a free
// port plus a socket, small buffers. Stopped by PID and removed by stop(), even after failures.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { freePort } from '../../../../test/helpers/free-port';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as mysql from 'mysql2/promise';

export const MARIADBD = '/usr/sbin/mariadbd';
const INSTALL_DB = '/usr/bin/mariadb-install-db';

/** Why the MariaDB tests cannot run here, or undefined when they can. */
export function mariadbMissing(): string | undefined {
  if (!existsSync(MARIADBD)) return `${MARIADBD} not found (apt-get install mariadb-server)`;
  if (!existsSync(INSTALL_DB)) return `${INSTALL_DB} not found (apt-get install mariadb-server)`;
  return undefined;
}

export { freePort } from '../../../../test/helpers/free-port';

export class TestMariadb {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private admin?: mysql.Connection;

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly socket: string,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** `tls`: PEM files for ssl_cert, ssl_key, ssl_ca (the server then offers TLS). */
  static async start(opts: { tls?: { cert: string; key: string; ca: string }; bindAddress?: string } = {}): Promise<TestMariadb> {
    const dir = await mkdtemp(join(tmpdir(), 'mmm-checks-'));
    const db = new TestMariadb(dir, await freePort(), join(dir, 'mysqld.sock'));
    try {
      await db.boot(opts.tls, opts.bindAddress);
      return db;
    } catch (e) {
      await db.stop();
      throw e;
    }
  }

  private async boot(tls?: { cert: string; key: string; ca: string }, bindAddress = '127.0.0.1'): Promise<void> {
    const cnf = join(this.dir, 'my.cnf');
    await mkdir(join(this.dir, 'tmp'));
    await writeFile(
      cnf,
      [
        '[mariadbd]',
        'user=root',
        `datadir=${join(this.dir, 'data')}`,
        `tmpdir=${join(this.dir, 'tmp')}`,
        `port=${this.port}`,
        `bind-address=${bindAddress}`,
        `socket=${this.socket}`,
        `pid-file=${join(this.dir, 'mysqld.pid')}`,
        `log-error=${join(this.dir, 'error.log')}`,
        'server_id=1',
        'skip-name-resolve',
        'skip-slave-start',
        'performance_schema=OFF',
        'innodb_buffer_pool_size=16M',
        'innodb_log_file_size=8M',
        'key_buffer_size=1M',
        'max_connections=50',
        ...(tls ? [`ssl_cert=${tls.cert}`, `ssl_key=${tls.key}`, `ssl_ca=${tls.ca}`] : []),
        '',
      ].join('\n'),
    );
    await run(INSTALL_DB, [`--defaults-file=${cnf}`, '--auth-root-authentication-method=normal', '--skip-test-db']);
    this.child = spawn(MARIADBD, [`--defaults-file=${cnf}`], { stdio: 'ignore' });
    this.exited = new Promise((resolve) => this.child!.once('exit', () => resolve()));
    let exitedEarly = false;
    void this.exited.then(() => (exitedEarly = true));
    for (let i = 0; i < 300 && !exitedEarly; i++) {
      try {
        this.admin = await mysql.createConnection({ socketPath: this.socket, user: 'root' });
        await this.admin.query('SELECT 1');
        return;
      } catch {
        await this.admin?.destroy();
        this.admin = undefined;
        await sleep(100);
      }
    }
    const log = await readFile(join(this.dir, 'error.log'), 'utf8').catch(() => '');
    throw new Error(`mariadbd did not start (exited: ${exitedEarly}); error.log tail:\n${log.slice(-2000)}`);
  }

  /** Runs SQL as root over the socket. */
  async query<T = Record<string, unknown>[]>(sql: string): Promise<T> {
    if (!this.admin) throw new Error('mariadb is not running');
    const [rows] = await this.admin.query(sql);
    return rows as T;
  }

  async stop(): Promise<void> {
    await this.admin?.end().catch(() => undefined);
    this.admin = undefined;
    const child = this.child;
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const gone = await Promise.race([this.exited!.then(() => true), sleep(15000).then(() => false)]);
      if (!gone) {
        child.kill('SIGKILL');
        await this.exited;
      }
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

function run(bin: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: 60000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${bin} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve();
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
