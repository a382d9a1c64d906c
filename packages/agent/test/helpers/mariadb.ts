// One throw-away MariaDB for tests (sandbox-facts.md §2): own datadir and tmpdir under a mkdtemp dir,
// user=root, socket + 127.0.0.1 on a free port, small buffers. Stopped by PID, dir removed.
import { spawn, execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from '../../../../test/helpers/free-port';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as mysql from 'mysql2/promise';

export const MARIADBD = '/usr/sbin/mariadbd';

export function mariadbAvailable(): string | undefined {
  if (!existsSync(MARIADBD)) return `${MARIADBD} is missing (apt-get install mariadb-server)`;
  if (process.getuid?.() !== 0) return 'not root (mariadbd runs with user=root here)';
  return undefined;
}

export { freePort } from '../../../../test/helpers/free-port';

export interface TestMariadb {
  dir: string;
  port: number;
  socket: string;
  pidfile: string;
  pid: number | undefined;
  root(): Promise<mysql.Connection>;
  sql(statement: string): Promise<unknown>;
  stop(): Promise<void>;
}

function run(file: string, args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(file, args, { timeout: timeoutMs }, (err, _o, stderr) => (err ? reject(new Error(`${file}: ${err.message} ${stderr}`)) : resolve())),
  );
}

/** `tls`: PEM files for ssl_cert, ssl_key, ssl_ca (the server then offers TLS). */
export async function startMariadb(serverId = 1, tls?: { cert: string; key: string; ca: string }): Promise<TestMariadb> {
  const dir = mkdtempSync(join(tmpdir(), 'mmmag-db-'));
  const port = await freePort();
  const socket = join(dir, 'mysqld.sock');
  const pidfile = join(dir, 'mysqld.pid');
  const cnf = join(dir, 'my.cnf');
  mkdirSync(join(dir, 'tmp'));
  writeFileSync(
    cnf,
    `[mariadbd]
user=root
datadir=${dir}/data
tmpdir=${dir}/tmp
port=${port}
bind-address=127.0.0.1
socket=${socket}
pid-file=${pidfile}
log-error=${dir}/error.log
server_id=${serverId}
log_bin=mysql-bin
log_slave_updates=ON
binlog_format=ROW
gtid_domain_id=0
gtid_strict_mode=ON
read_only=ON
skip-name-resolve
skip-slave-start
performance_schema=OFF
innodb_buffer_pool_size=16M
innodb_log_file_size=8M
key_buffer_size=1M
max_connections=50
${tls ? `ssl_cert=${tls.cert}\nssl_key=${tls.key}\nssl_ca=${tls.ca}\n` : ''}`,
  );
  const db: TestMariadb = {
    dir,
    port,
    socket,
    pidfile,
    pid: undefined,
    root: () => mysql.createConnection({ socketPath: socket, user: 'root', connectTimeout: 2000 }),
    async sql(statement: string) {
      const c = await db.root();
      try {
        const [rows] = await c.query(statement);
        await c.end(); // COM_QUIT: tests count the server's Aborted_clients
        return rows;
      } catch (e) {
        c.destroy();
        throw e;
      }
    },
    async stop() {
      const pid = db.pid;
      if (pid !== undefined) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
        for (let i = 0; i < 200 && alive(pid); i++) await sleep(50);
        if (alive(pid)) process.kill(pid, 'SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await run('mariadb-install-db', [`--defaults-file=${cnf}`, '--auth-root-authentication-method=normal', '--skip-test-db'], 60_000);
    const child = spawn(MARIADBD, [`--defaults-file=${cnf}`], { detached: true, stdio: 'ignore' });
    child.unref();
    db.pid = child.pid;
    for (let i = 0; ; i++) {
      try {
        await db.sql('SELECT 1');
        break;
      } catch (e) {
        if (i > 300) throw new Error(`mariadbd did not answer: ${String(e)}\n${readLog(dir)}`);
        await sleep(50);
      }
    }
  } catch (e) {
    await db.stop();
    throw e;
  }
  return db;
}

function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, 'error.log'), 'utf8').slice(-2000);
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
