// MMM 2.x status file: format, parse, atomic replace.
import { expect } from 'chai';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type StatusEntry,
  StatusFileError,
  formatStatusFile,
  parseStatusFile,
  readStatusFile,
  writeFileAtomic,
  writeStatusFile,
} from '../../src/persistence';

const entries: StatusEntry[] = [
  { host: 'db2', state: 'ONLINE', roles: [{ name: 'reader', ip: '10.0.0.102' }] },
  {
    host: 'db1',
    state: 'ONLINE',
    roles: [
      { name: 'writer', ip: '10.0.0.100' },
      { name: 'reader', ip: '10.0.0.101' },
    ],
  },
  { host: 'db3', state: 'HARD_OFFLINE', roles: [] },
];

describe('status file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mmm-status-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes MMM 2.x lines: hosts and roles sorted, empty role list allowed", () => {
    expect(formatStatusFile(entries)).to.equal(
      'db1|ONLINE|reader(10.0.0.101),writer(10.0.0.100)\n' + 'db2|ONLINE|reader(10.0.0.102)\n' + 'db3|HARD_OFFLINE|\n',
    );
  });

  it('round-trips through the file', async () => {
    const p = join(dir, 'mmm_mond.status');
    await writeStatusFile(p, entries);
    const back = await readStatusFile(p);
    expect(formatStatusFile(back!)).to.equal(formatStatusFile(entries));
    expect(back!.find((e) => e.host === 'db1')!.roles).to.have.length(2);
    expect(await readdir(dir)).to.deep.equal(['mmm_mond.status']);
  });

  it('reads a file written by MMM 2.2 (blank lines and CRLF tolerated)', () => {
    const text = 'db1|ONLINE|writer(192.168.0.100)\r\n\ndb2|AWAITING_RECOVERY|\n';
    expect(parseStatusFile(text, 'f')).to.deep.equal([
      { host: 'db1', state: 'ONLINE', roles: [{ name: 'writer', ip: '192.168.0.100' }] },
      { host: 'db2', state: 'AWAITING_RECOVERY', roles: [] },
    ]);
  });

  it('a missing file reads as undefined (first start)', async () => {
    expect(await readStatusFile(join(dir, 'nope'))).to.equal(undefined);
  });

  const bad: [string, number, RegExp][] = [
    ['db1|ONLINE\n', 1, /expected 'host\|STATE\|roles'/],
    ['db1|ONLINE|\ndb2|ONLINE|writer(1.2.3.4)|x\n', 2, /expected/],
    ['db1|DEAD|\n', 1, /unknown state 'DEAD'/],
    ['db1|ONLINE|\n\ndb2|ONLINE|writer\n', 3, /invalid role list 'writer'/],
    ['db1|ONLINE|\ndb1|HARD_OFFLINE|\n', 2, /listed twice/],
    ['|ONLINE|\n', 1, /invalid host name/],
  ];
  for (const [text, line, re] of bad) {
    it(`rejects ${JSON.stringify(text)} at line ${line}`, async () => {
      const p = join(dir, 'bad.status');
      await writeFile(p, text);
      let err: unknown;
      try {
        await readStatusFile(p);
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(StatusFileError);
      const e = err as StatusFileError;
      expect(e.file).to.equal(p);
      expect(e.line).to.equal(line);
      expect(e.message).to.match(new RegExp(`^${p.replace(/[.]/g, '\\.')}:${line}: `));
      expect(e.message).to.match(re);
      expect(e.code).to.equal('SYSTEM');
    });
  }

  for (const stage of ['open', 'write', 'sync', 'rename'] as const) {
    it(`a write that fails at ${stage} leaves the old file and no temp file`, async () => {
      const p = join(dir, 'mmm_mond.status');
      await writeStatusFile(p, entries);
      const old = await readFile(p, 'utf8');
      let err: unknown;
      try {
        await writeFileAtomic(p, 'db1|ONLINE|\n', {
          beforeStage: (s) => {
            if (s === stage) throw new Error(`injected ${s} failure`);
          },
        });
      } catch (e) {
        err = e;
      }
      expect((err as Error).message).to.match(new RegExp(`cannot write .*\\(${stage}\\): injected`));
      expect(await readFile(p, 'utf8')).to.equal(old);
      expect(await readdir(dir)).to.deep.equal(['mmm_mond.status']);
    });
  }

  it('a rename that the OS refuses (target is a folder) leaves no temp file', async () => {
    const p = join(dir, 'target');
    await mkdir(p);
    await writeFile(join(p, 'x'), 'keep');
    let err: unknown;
    try {
      await writeStatusFile(p, entries);
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string }).code).to.equal('SYSTEM');
    expect(await readdir(dir)).to.deep.equal(['target']);
    expect(await readFile(join(p, 'x'), 'utf8')).to.equal('keep');
  });

  it('refuses to write a host name it could not read back', async () => {
    let err: unknown;
    try {
      await writeStatusFile(join(dir, 's'), [{ host: 'a|b', state: 'ONLINE', roles: [] }]);
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string }).code).to.equal('INTERNAL');
    expect(await readdir(dir)).to.deep.equal([]);
  });
});
