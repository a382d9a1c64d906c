// Audit log rotation at a size: the file, then .1 (newest) … .N, each line whole in one file.
import { expect } from 'chai';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryLogger } from '@mmm/common/testing';
import { AuditLog } from '../../src/persistence';
import { AUDIT_KEEP_FILES, AUDIT_MAX_BYTES, needsRotation, rotationRenames } from '../../src/persistence/rotation';

const clock = { now: () => Date.UTC(2025, 0, 2, 3, 4, 5) };
const lines = async (f: string): Promise<Array<{ reason: string }>> =>
  (await readFile(f, 'utf8')).trimEnd().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { reason: string });

describe('audit log rotation', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mmm-audit-rot-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('defaults: 10 MiB, 5 rotated files', () => {
    expect(AUDIT_MAX_BYTES).to.equal(10 * 1024 * 1024);
    expect(AUDIT_KEEP_FILES).to.equal(5);
  });

  it('rotates before a batch would pass the limit; an empty file takes any batch', () => {
    expect(needsRotation(0, 500, 100)).to.equal(false);
    expect(needsRotation(60, 40, 100)).to.equal(false);
    expect(needsRotation(60, 41, 100)).to.equal(true);
  });

  it('shifts the names oldest first, so each rename has a free target and .N is dropped', () => {
    expect(rotationRenames('/s.audit.jsonl', 3)).to.deep.equal([
      ['/s.audit.jsonl.2', '/s.audit.jsonl.3'],
      ['/s.audit.jsonl.1', '/s.audit.jsonl.2'],
      ['/s.audit.jsonl', '/s.audit.jsonl.1'],
    ]);
    expect(rotationRenames('/a', 0), 'at least one kept').to.deep.equal([['/a', '/a.1']]);
  });

  it('with a small limit: whole lines, the newest in the file, then .1 … .N, older ones dropped; memory keeps its own', async () => {
    const file = join(dir, 'mmmd_mon.status.audit.jsonl');
    const log = new AuditLog({ file, clock, maxBytes: 400, keepFiles: 3, keep: 1000 });
    await log.open();
    const n = 40;
    for (let i = 0; i < n; i++) {
      log.record({ kind: 'state_change', host: 'db1', reason: `r${String(i).padStart(2, '0')}` });
      await log.flush(); // one entry per batch, so the rotation points are known
    }
    await log.close();
    expect((await readdir(dir)).sort()).to.deep.equal([
      'mmmd_mon.status.audit.jsonl',
      'mmmd_mon.status.audit.jsonl.1',
      'mmmd_mon.status.audit.jsonl.2',
      'mmmd_mon.status.audit.jsonl.3',
    ]);
    const files = [`${file}.3`, `${file}.2`, `${file}.1`, file];
    const kept: string[] = [];
    for (const f of files) {
      const text = await readFile(f, 'utf8');
      expect(Buffer.byteLength(text), f).to.be.at.most(400);
      kept.push(...(await lines(f)).map((l) => l.reason));
    }
    // contiguous and ending with the newest: nothing lost inside what is kept, nothing reordered
    const first = Number(kept[0].slice(1));
    expect(kept).to.deep.equal([...Array(n - first).keys()].map((i) => `r${String(first + i).padStart(2, '0')}`));
    expect(first, 'the oldest were dropped').to.be.greaterThan(0);
    expect(log.recent()).to.have.length(n);
  });

  it('a batch larger than the limit still goes to a file of its own', async () => {
    const file = join(dir, 'a.jsonl');
    const log = new AuditLog({ file, clock, maxBytes: 50 });
    await log.open();
    log.record({ kind: 'command', reason: 'first' });
    await log.flush();
    log.record({ kind: 'command', reason: 'x'.repeat(200) });
    await log.close();
    expect((await lines(`${file}.1`)).map((l) => l.reason)).to.deep.equal(['first']);
    expect((await lines(file)).map((l) => l.reason)).to.deep.equal(['x'.repeat(200)]);
  });

  it('counts the size of a file it appends to after a restart', async () => {
    const file = join(dir, 'a.jsonl');
    const one = new AuditLog({ file, clock, maxBytes: 300 });
    await one.open();
    for (let i = 0; i < 2; i++) one.record({ kind: 'command', reason: `before restart ${i}` });
    await one.close();
    const two = new AuditLog({ file, clock, maxBytes: 300 });
    await two.open();
    for (let i = 0; i < 2; i++) {
      two.record({ kind: 'command', reason: `after restart ${i}` });
      await two.flush();
    }
    await two.close();
    expect((await lines(`${file}.1`)).map((l) => l.reason)).to.include('before restart 0');
  });

  it('a rotation that cannot rename is logged and the writes go on to the same file', async () => {
    const file = join(dir, 'a.jsonl');
    // a non-empty folder where .1 should go: the rename fails, even for root
    await mkdir(join(`${file}.1`, 'x'), { recursive: true });
    const logger = new MemoryLogger();
    const log = new AuditLog({ file, clock, maxBytes: 100, keepFiles: 1, logger });
    await log.open();
    log.record({ kind: 'command', reason: 'a'.repeat(60) });
    await log.flush();
    log.record({ kind: 'command', reason: 'b'.repeat(60) });
    await log.flush();
    log.record({ kind: 'command', reason: 'c'.repeat(60) });
    await log.flush();
    expect(log.lastError, 'no decision was lost: not a write failure for status_json').to.equal(undefined);
    await log.close();
    expect(logger.messages('error'), 'tried again at the next batch').to.deep.equal(['audit log rotation failed', 'audit log rotation failed']);
    expect((await lines(file)).map((l) => l.reason[0])).to.deep.equal(['a', 'b', 'c']);
  });
});
