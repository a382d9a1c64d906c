import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bounded } from '../../src/bounded';
import { MmmError } from '../../src/errors';
import { ReopenableFile } from '../../src/log-file';
import { createLogger } from '../../src/logger';

const read = (f: string): string => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : '');

/** Polls (bounded) until `f` holds `text`. */
async function waitForText(f: string, text: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!read(f).includes(text)) {
    if (Date.now() > end) throw new Error(`${f} did not get "${text}" within ${ms} ms: ${read(f)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function endFile(s: ReopenableFile): Promise<void> {
  const r = await bounded(new Promise<void>((resolve) => s.end(() => resolve())), 5000);
  expect(r.kind).to.equal('value');
}

describe('logging: --log-file and its reopen', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mmm-logfile-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('logrotate: after a rename and reopen(), new lines go to a fresh file at the path', async () => {
    const f = path.join(dir, 'mmmd_mon.log');
    const log = createLogger({ file: f, format: 'json', program: 'mmmd_mon' });
    log.info('before the rotation');
    await waitForText(f, 'before the rotation');
    fs.renameSync(f, `${f}.1`);
    log.child({ part: 'checks' }).reopen();
    log.info('after the rotation');
    await log.close();
    expect(read(`${f}.1`)).to.include('before the rotation').and.not.include('after the rotation');
    const fresh = read(f).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(fresh.map((l) => l.message)).to.deep.equal(['log file reopened', 'after the rotation']);
    expect(fresh[0]).to.include({ file: f });
    expect(fresh[1]).to.include({ program: 'mmmd_mon', level: 'info', priority: 6, hostname: os.hostname() });
  });

  it('close() writes the pending repeat counts to the file before it ends', async () => {
    const f = path.join(dir, 'a.log');
    const log = createLogger({ file: f });
    for (let i = 0; i < 10; i++) log.error('same');
    await log.close();
    const lines = read(f).trim().split('\n');
    expect(lines).to.have.length(2);
    expect(lines[1]).to.match(/ERROR: message repeated 9 times in the last 1 s: same repeated=9$/);
  });

  it('a reopen that fails is logged in the old file, and logging goes on there', async () => {
    const sub = path.join(dir, 'logs');
    fs.mkdirSync(sub);
    const log = createLogger({ file: path.join(sub, 'x.log') });
    log.info('first');
    await waitForText(path.join(sub, 'x.log'), 'first');
    fs.renameSync(sub, path.join(dir, 'moved')); // the path's folder is gone: open fails
    log.reopen();
    log.info('still here');
    await log.close();
    const lines = read(path.join(dir, 'moved', 'x.log')).trim().split('\n');
    expect(lines).to.have.length(3);
    expect(lines[1]).to.match(/ERROR: cannot reopen log file .*x\.log, still writing to the old one: ENOENT/);
    expect(lines[2]).to.match(/INFO: still here$/);
  });

  it('ReopenableFile returns the reopen failure and keeps the old file', async () => {
    const sub = path.join(dir, 'logs');
    fs.mkdirSync(sub);
    const s = new ReopenableFile(path.join(sub, 'x.log'));
    fs.renameSync(sub, path.join(dir, 'moved'));
    expect(s.reopen()).to.match(/^cannot reopen log file .*x\.log, still writing to the old one: ENOENT/);
    s.write('kept\n');
    await endFile(s);
    expect(read(path.join(dir, 'moved', 'x.log'))).to.equal('kept\n');
  });

  it('a log file that cannot be opened is a start-up error (typed)', () => {
    const f = path.join(dir, 'no', 'such', 'dir', 'x.log');
    expect(() => createLogger({ file: f })).to.throw(MmmError, /cannot open log file .*x\.log: ENOENT/);
  });

  it('the file is created 0640 (not world-readable)', async () => {
    const f = path.join(dir, 'mode.log');
    const s = new ReopenableFile(f);
    await endFile(s);
    expect(fs.statSync(f).mode & 0o777 & ~0o640).to.equal(0);
  });
});
