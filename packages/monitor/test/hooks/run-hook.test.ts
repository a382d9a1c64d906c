// The hook runner with real /bin/sh and small scripts: environment, exit status, bounded output,
// the timeout (the whole process group killed), a command that cannot be found, a shell that
// cannot be started, and nothing left running after the hook exits.
import { expect } from 'chai';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HOOK_OUTPUT_MAX, describeRun, firstLine, runHook } from '../../src/hooks/run-hook';

async function gone(pid: number): Promise<boolean> {
  await new Promise((r) => setTimeout(r, 100));
  try {
    // dead means gone or a zombie (PID 1 in some containers does not reap orphans)
    return (await readFile(`/proc/${pid}/stat`, 'utf8')).split(' ')[2] === 'Z';
  } catch {
    return true;
  }
}

describe('hook runner', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mmm-hook-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the command through /bin/sh -c with the MMM_* variables, no stdin; exit 0', async () => {
    const r = await runHook('echo "$MMM_EVENT $MMM_NEW_WRITER"; read x || echo "no stdin" >&2', { MMM_EVENT: 'failover', MMM_NEW_WRITER: 'db2' }, { timeoutMs: 5000 });
    expect(r).to.include({ exitCode: 0, timedOut: false, stdout: 'failover db2\n', stderr: 'no stdin\n' });
    expect(r.spawnError).to.equal(undefined);
  });

  it('a non-zero exit with its stderr; firstLine takes its first non-empty line', async () => {
    const r = await runHook('echo "\n  not now: backup running  \nsecond" >&2; exit 3', {}, { timeoutMs: 5000 });
    expect(r.exitCode).to.equal(3);
    expect(firstLine(r.stderr)).to.equal('not now: backup running');
    expect(describeRun(r, 5000)).to.equal('exit status 3');
  });

  it('output is bounded per stream', async () => {
    const r = await runHook('head -c 100000 /dev/zero | tr "\\0" a', {}, { timeoutMs: 5000 });
    expect(r.stdout.length).to.equal(HOOK_OUTPUT_MAX);
  });

  it('at the timeout the process group is killed, children too, and the run says so', async () => {
    const pidFile = join(dir, 'child.pid');
    await writeFile(join(dir, 'hang.sh'), `sleep 30 & echo $! > ${pidFile}; wait\n`);
    const r = await runHook(`sh ${join(dir, 'hang.sh')}`, {}, { timeoutMs: 300 });
    expect(r).to.include({ timedOut: true, exitCode: null, signal: 'SIGKILL' });
    expect(describeRun(r, 300)).to.equal('did not finish within 0.3 s (hook_timeout): killed');
    expect(await gone(Number((await readFile(pidFile, 'utf8')).trim())), 'the hook\'s child is killed').to.equal(true);
  });

  it('what a hook leaves running when it exits is killed with it', async () => {
    const pidFile = join(dir, 'bg.pid');
    const r = await runHook(`sleep 30 > /dev/null 2>&1 & echo $! > ${pidFile}; exit 0`, {}, { timeoutMs: 5000 });
    expect(r.exitCode).to.equal(0);
    expect(await gone(Number((await readFile(pidFile, 'utf8')).trim()))).to.equal(true);
  });

  it('a command that does not exist: the shell says so, exit 127', async () => {
    const r = await runHook(join(dir, 'missing-hook'), {}, { timeoutMs: 5000 });
    expect(r.exitCode).to.equal(127);
    expect(firstLine(r.stderr)).to.match(/missing-hook: .*not found/);
  });

  it('a shell that cannot be started: spawnError', async () => {
    const r = await runHook('true', {}, { timeoutMs: 5000, shell: join(dir, 'no-such-shell') });
    expect(r.spawnError).to.match(/ENOENT/);
    expect(describeRun(r, 5000)).to.match(/^could not be started: .*ENOENT/);
  });

  it('an abort (the monitor stops) kills the run', async () => {
    const ac = new AbortController();
    const p = runHook('sleep 30', {}, { timeoutMs: 10_000, signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    const r = await p;
    expect(r.spawnError).to.equal('the monitor stopped');
  });
});
