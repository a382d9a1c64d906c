// pid files: written whole, refused while a live process holds one, a stale one replaced, removed
// only while it still names us, and never written through a symlink planted in the folder.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MmmError } from '../src/errors';
import { acquirePidFile, readPidFile } from '../src/pid-file';

describe('pid file', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mmm-pid-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes "PID\\n", making the folder; release removes it only while it names us', () => {
    const f = path.join(dir, 'run', 'x.pid');
    const p = acquirePidFile(f, { program: 'mmmd_mon', pid: 4242, exists: () => false });
    expect(fs.readFileSync(f, 'utf8')).to.equal('4242\n');
    fs.writeFileSync(f, '777\n'); // someone else's now
    p.release();
    expect(readPidFile(f)).to.equal(777);
  });

  it('a live holder: ALREADY_RUNNING, the file untouched; a dead one: replaced and reported', () => {
    const f = path.join(dir, 'x.pid');
    fs.writeFileSync(f, '999\n');
    const e = (() => {
      try {
        acquirePidFile(f, { program: 'mmmd_agent', pid: 1000, exists: (p) => p === 999 });
      } catch (err) {
        return err;
      }
    })();
    expect(e).to.be.instanceOf(MmmError);
    expect((e as MmmError).code).to.equal('ALREADY_RUNNING');
    expect(fs.readFileSync(f, 'utf8')).to.equal('999\n');
    const stale: number[] = [];
    acquirePidFile(f, { program: 'mmmd_agent', pid: 1000, exists: () => false, onStale: (o) => stale.push(o) });
    expect(stale).to.deep.equal([999]);
    expect(fs.readFileSync(f, 'utf8')).to.equal('1000\n');
  });

  it('garbage in the file is not a PID', () => {
    const f = path.join(dir, 'x.pid');
    fs.writeFileSync(f, '12abc\n');
    expect(readPidFile(f)).to.equal(undefined);
  });

  it('never writes through a symlink planted at its temp name (root agent, folder writable by mmm)', () => {
    const f = path.join(dir, 'x.pid');
    const victim = path.join(dir, 'victim');
    fs.writeFileSync(victim, 'precious\n');
    fs.symlinkSync(victim, path.join(dir, '.x.pid.1000.tmp'));
    let code: string | undefined;
    try {
      acquirePidFile(f, { program: 'mmmd_agent', pid: 1000, exists: () => false });
    } catch (err) {
      code = (err as MmmError).code;
    }
    expect(code).to.equal('PID_FILE');
    expect(fs.readFileSync(victim, 'utf8')).to.equal('precious\n');
  });
});
