// The term file on a real file system (temp folder): missing → no term; saved → loaded by the
// next start; a write that fails leaves the old file; --reset-term's removal.
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expect } from 'chai';
import { FileTermStore, type TermRecord, resetTermFile } from '../../src/term/index';

const R = (term: number, monitor = 'monA'): TermRecord => ({ schema: 1, cluster: 'default', etcdClusterId: 'aa11', term, monitor, at: '2026-12-10T10:00:00.000Z' });

describe('term/term-file', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(tmpdir(), 'ha-agent-term-'));
    file = path.join(dir, 'mmmd_agent.db1.term.json');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('no file: no term; a saved record is what a new store (the next start) loads', async () => {
    expect(new FileTermStore(file).load()).to.equal(undefined);
    await new FileTermStore(file).save(R(5));
    await new FileTermStore(file).save(R(6, 'monB'));
    expect(new FileTermStore(file).load()).to.deep.equal(R(6, 'monB'));
    expect(fs.readdirSync(dir)).to.deep.equal(['mmmd_agent.db1.term.json']);
    expect(fs.statSync(file).mode & 0o777).to.equal(0o644);
  });

  it('a file that is not a term record: an error naming the file', () => {
    fs.writeFileSync(file, 'garbage');
    expect(() => new FileTermStore(file).load()).to.throw(new RegExp(`term file ${file} is malformed`));
    fs.rmSync(file);
    fs.mkdirSync(file);
    expect(() => new FileTermStore(file).load()).to.throw(new RegExp(`term file ${file} cannot be read`));
  });

  it('a save that cannot be done (folder gone) throws naming the file; a read-only folder keeps the old record', async () => {
    const gone = new FileTermStore(path.join(dir, 'nowhere', 't.json'));
    const e = await gone.save(R(5)).then(() => undefined, (x: unknown) => x);
    expect((e as Error).message).to.match(/cannot write .*nowhere\/t\.json \(open\)/);
    if (process.getuid?.() === 0) return; // root writes into a 0555 folder anyway
    await new FileTermStore(file).save(R(5));
    fs.chmodSync(dir, 0o555);
    try {
      const e2 = await new FileTermStore(file).save(R(6)).then(() => undefined, (x: unknown) => x);
      expect((e2 as Error).message).to.match(/EACCES/);
      expect(new FileTermStore(file).load()).to.deep.equal(R(5));
    } finally {
      fs.chmodSync(dir, 0o755);
    }
  });

  it('--reset-term: removes a record, a malformed file too; nothing there is not an error', async () => {
    expect(resetTermFile(file)).to.deep.equal({ removed: false });
    await new FileTermStore(file).save(R(5));
    expect(resetTermFile(file)).to.deep.equal({ removed: true, held: R(5) });
    expect(fs.existsSync(file)).to.equal(false);
    fs.writeFileSync(file, '{"schema":1');
    const r = resetTermFile(file);
    expect(r.removed).to.equal(true);
    expect(r.malformed).to.match(/malformed/);
    expect(fs.existsSync(file)).to.equal(false);
  });
});
