// kill_host_bin hook with stand-in scripts.
import { expect } from 'chai';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runKillHost } from '../../src/hooks/kill-host';

describe('kill_host_bin hook', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mmm-kill-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function script(name: string, body: string): Promise<string> {
    const p = join(dir, name);
    await writeFile(p, `#!/bin/sh\n${body}\n`);
    await chmod(p, 0o755);
    return p;
  }

  it('exit 0 = fenced; gets <host> <ping 1|0>', async () => {
    const out = join(dir, 'args');
    const bin = await script('ok', `echo "$@" > ${out}; echo fenced`);
    const r = await runKillHost(bin, 'db1', false, { timeoutMs: 5000 });
    expect(r).to.include({ fenced: true, exitCode: 0, timedOut: false });
    expect(r.output).to.equal('fenced\n');
    expect(await readFile(out, 'utf8')).to.equal('db1 0\n');
    await runKillHost(bin, 'db2', true, { timeoutMs: 5000 });
    expect(await readFile(out, 'utf8')).to.equal('db2 1\n');
  });

  it('non-zero exit = not fenced', async () => {
    const r = await runKillHost(await script('no', 'exit 3'), 'db1', true, { timeoutMs: 5000 });
    expect(r).to.include({ fenced: false, exitCode: 3, error: 'exit status 3' });
  });

  it('a hook that hangs is killed with its children at the bound', async () => {
    const pidFile = join(dir, 'child.pid');
    const bin = await script('hang', `sleep 30 & echo $! > ${pidFile}; wait`);
    const r = await runKillHost(bin, 'db1', true, { timeoutMs: 300 });
    expect(r).to.include({ fenced: false, timedOut: true });
    const grandchild = Number((await readFile(pidFile, 'utf8')).trim());
    await new Promise((res) => setTimeout(res, 100));
    // Dead means gone or a zombie (PID 1 in some containers does not reap orphans).
    let alive = true;
    try {
      alive = (await readFile(`/proc/${grandchild}/stat`, 'utf8')).split(' ')[2] !== 'Z';
    } catch {
      alive = false;
    }
    expect(alive, 'the hook\'s own children are killed too').to.equal(false);
  });

  it('a missing program = not fenced, with the reason', async () => {
    const r = await runKillHost(join(dir, 'missing'), 'db1', true, { timeoutMs: 1000 });
    expect(r.fenced).to.equal(false);
    expect(r.error).to.match(/cannot run/);
  });
});
