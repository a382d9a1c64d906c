// writeFileDurably: the order of the calls (fsync of the file before the rename, of the folder
// after it), and a failure at each step: the old content stays (before the rename) and no temp
// file is left. Against the real file system in a temp folder, through a recording port.
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { type DurableFs, MmmError, nodeDurableFs, writeFileDurably } from '../src';

type Call = string;

/** The real calls, recorded; `fail` throws (an errno error) instead of the call it names. */
function recording(dir: string, fail?: { call: string; code: string }): { fs: DurableFs; calls: Call[] } {
  const calls: Call[] = [];
  const rel = (p: string) => (p === dir ? '<dir>' : path.basename(p).replace(/tmp-.*$/, 'tmp'));
  const maybeFail = (call: string) => {
    calls.push(call);
    if (fail?.call === call) throw Object.assign(new Error(`${fail.code}: injected`), { code: fail.code });
  };
  const port: DurableFs = {
    async open(p, flags, mode) {
      maybeFail(`open ${rel(p)} ${flags}`);
      const fh = await nodeDurableFs.open(p, flags, mode);
      return {
        writeFile: async (d, enc) => (maybeFail(`write ${rel(p)}`), fh.writeFile(d, enc)),
        sync: async () => (maybeFail(`fsync ${rel(p)}`), fh.sync()),
        close: async () => (calls.push(`close ${rel(p)}`), fh.close()),
      };
    },
    rename: async (a, b) => (maybeFail(`rename ${rel(a)} ${rel(b)}`), fsp.rename(a, b)),
    unlink: async (p) => (calls.push(`unlink ${rel(p)}`), fsp.unlink(p)),
  };
  return { fs: port, calls };
}

describe('durable-file: writeFileDurably', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(tmpdir(), 'mmm-durable-'));
    file = path.join(dir, 'state.json');
    fs.writeFileSync(file, 'old\n');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes a temp file, fsyncs it, renames it over the file, then fsyncs the folder', async () => {
    const r = recording(dir);
    await writeFileDurably(file, 'new\n', { fs: r.fs, mode: 0o644 });
    expect(r.calls).to.deep.equal([
      'open .state.json.tmp wx', 'write .state.json.tmp', 'fsync .state.json.tmp', 'close .state.json.tmp',
      'rename .state.json.tmp state.json',
      'open <dir> r', 'fsync <dir>', 'close <dir>',
    ]);
    expect(fs.readFileSync(file, 'utf8')).to.equal('new\n');
    expect(fs.statSync(file).mode & 0o777).to.equal(0o644);
    expect(fs.readdirSync(dir)).to.deep.equal(['state.json']);
  });

  for (const call of ['open .state.json.tmp wx', 'write .state.json.tmp', 'fsync .state.json.tmp', 'rename .state.json.tmp state.json']) {
    it(`a failure at '${call}': the old content stays, no temp file is left, the error names the file and the step`, async () => {
      const r = recording(dir, { call, code: 'EIO' });
      const e = await writeFileDurably(file, 'new\n', { fs: r.fs }).then(() => undefined, (x: unknown) => x);
      expect(e).to.be.instanceOf(MmmError);
      expect((e as MmmError).message).to.include(`cannot write ${file}`).and.to.include('EIO');
      expect(fs.readFileSync(file, 'utf8')).to.equal('old\n');
      expect(fs.readdirSync(dir)).to.deep.equal(['state.json']);
    });
  }

  it('a folder fsync the file system does not support (EINVAL) is not an error; an I/O error is', async () => {
    await writeFileDurably(file, 'a\n', { fs: recording(dir, { call: 'fsync <dir>', code: 'EINVAL' }).fs });
    expect(fs.readFileSync(file, 'utf8')).to.equal('a\n');
    const e = await writeFileDurably(file, 'b\n', { fs: recording(dir, { call: 'fsync <dir>', code: 'EIO' }).fs }).then(() => undefined, (x: unknown) => x);
    expect((e as Error).message).to.match(/\(sync folder\): EIO/);
  });

  it('a missing folder: an error naming the file, nothing created', async () => {
    const missing = path.join(dir, 'no', 'such', 'x.json');
    const e = await writeFileDurably(missing, 'x').then(() => undefined, (x: unknown) => x);
    expect((e as Error).message).to.match(new RegExp(`cannot write ${missing} \\(open\\): .*ENOENT`));
    expect(fs.existsSync(path.join(dir, 'no'))).to.equal(false);
  });
});
