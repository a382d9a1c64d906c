// A real mmmd_agent (the built binary, no MySQL behind it) and its logs: SIGHUP reopens
// --log-file after a logrotate-style rename, and a stderr that is the journal (JOURNAL_STREAM)
// gets syslog priority prefixes. Processes are stopped by PID; every wait is bounded.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeTestCluster, type TestCluster } from '../tls/helpers/cluster';
import { AGENT_BIN } from '../tls/helpers/agent-process';

const read = (f: string): string => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');

async function waitForFile(child: ChildProcess, f: string, re: RegExp, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!re.test(read(f))) {
    if (child.exitCode !== null) throw new Error(`mmmd_agent exited (${child.exitCode}) before ${f} matched ${String(re)}:\n${read(f)}`);
    if (Date.now() > end) throw new Error(`${f} did not match ${String(re)} within ${ms} ms:\n${read(f)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** SIGTERM to the PID we started, SIGKILL at 5 s; resolves with the exit code. */
async function stopByPid(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  process.kill(child.pid!, 'SIGTERM');
  const killer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
  }, 5000);
  const code = await exited;
  clearTimeout(killer);
  return code;
}

describe('logs: a real mmmd_agent', function () {
  this.timeout(60_000);
  let cluster: TestCluster;
  const started: ChildProcess[] = [];

  before(async () => {
    cluster = await makeTestCluster();
  });
  afterEach(async () => {
    for (const c of started.splice(0)) await stopByPid(c);
  });
  after(() => {
    if (cluster) fs.rmSync(cluster.dir, { recursive: true, force: true });
  });

  it('SIGHUP after a rename (logrotate postrotate): the next lines go to a fresh --log-file', async () => {
    const f = path.join(cluster.dir, 'mmmd_agent.log');
    const child = spawn(process.execPath, [AGENT_BIN, '-c', cluster.hosts.db1.conf, '--log-file', f, '--log-level', 'debug'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    started.push(child);
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    await waitForFile(child, f, /mmmd_agent for db1 listening on/); // the last start-up line
    fs.renameSync(f, `${f}.1`);
    process.kill(child.pid!, 'SIGHUP');
    await waitForFile(child, f, /INFO: log file reopened[\s\S]*SIGHUP: TLS material reloaded/);
    expect(read(`${f}.1`)).to.match(/listening on/).and.not.match(/log file reopened/);
    expect(read(f)).to.not.match(/listening on/);
    const code = await stopByPid(started.pop()!);
    expect(code, stderr).to.equal(0);
    expect(read(f), 'the stop is logged in the fresh file, flushed before exit').to.match(/SIGTERM: stopping/);
    expect(stderr, 'nothing on stderr with --log-file').to.equal('');
  });

  it('stderr that is the journal stream (JOURNAL_STREAM = its device:inode): every line starts with <N>', async () => {
    const errFile = path.join(cluster.dir, 'journal-stand-in.log');
    const fd = fs.openSync(errFile, 'w', 0o600);
    const st = fs.fstatSync(fd, { bigint: true });
    const child = spawn(process.execPath, [AGENT_BIN, '-c', cluster.hosts.db1.conf, '--log-format', 'json', '--log-level', 'debug'], {
      stdio: ['ignore', 'ignore', fd],
      env: { ...process.env, JOURNAL_STREAM: `${st.dev}:${st.ino}` },
    });
    fs.closeSync(fd);
    started.push(child);
    await waitForFile(child, errFile, /listening on/);
    await stopByPid(started.pop()!);
    const lines = read(errFile).trim().split('\n');
    expect(lines.length).to.be.greaterThan(1);
    for (const l of lines) {
      const m = /^<([3467])>(\{.*\})$/.exec(l);
      expect(m, l).to.not.equal(null);
      const o = JSON.parse(m![2]) as Record<string, unknown>;
      expect(o.priority, l).to.equal(Number(m![1]));
      expect(o.program).to.equal('mmmd_agent');
      expect(o.hostname).to.be.a('string');
    }
  });
});
