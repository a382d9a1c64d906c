// Audit log: JSON lines on disk, the last N in memory.
import { expect } from 'chai';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog, Ring } from '../../src/persistence';

const clock = { now: () => Date.UTC(2025, 0, 2, 3, 4, 5) };

describe('audit log', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mmm-audit-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('appends one JSON object per line, in order, across reopen', async () => {
    const file = join(dir, 'audit.jsonl');
    const log = new AuditLog({ file, clock });
    await log.open();
    const e = log.record({ kind: 'role_move', host: 'db2', role: 'writer', reason: 'db1 is HARD_OFFLINE' });
    expect(e).to.deep.equal({
      time: '2025-01-02T03:04:05.000Z',
      kind: 'role_move',
      host: 'db2',
      role: 'writer',
      reason: 'db1 is HARD_OFFLINE',
      blocked: false,
    });
    for (let i = 0; i < 50; i++) log.record({ kind: 'state_change', host: `db${i}`, reason: `r${i}`, details: { i } });
    await log.close();
    const again = new AuditLog({ file, clock });
    await again.open();
    again.record({ kind: 'role_move', role: 'writer', reason: 'lease not expired', blocked: true });
    await again.close();
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).to.have.length(52);
    expect(lines[0]).to.deep.equal(e);
    expect(lines.slice(1, 51).map((l) => (l.details as { i: number }).i)).to.deep.equal([...Array(50).keys()]);
    expect(lines[51]).to.include({ blocked: true, reason: 'lease not expired' });
  });

  it('keeps the last N decisions in memory, oldest first', () => {
    const log = new AuditLog({ keep: 3, clock });
    for (let i = 0; i < 5; i++) log.record({ kind: 'command', reason: `r${i}` });
    expect(log.recent().map((e) => e.reason)).to.deep.equal(['r2', 'r3', 'r4']);
    expect(log.recent(2).map((e) => e.reason)).to.deep.equal(['r3', 'r4']);
  });

  it('an unopenable file is a typed startup error', async () => {
    const log = new AuditLog({ file: join(dir, 'no', 'such', 'dir', 'a.jsonl') });
    let err: unknown;
    try {
      await log.open();
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string }).code).to.equal('SYSTEM');
  });

  it('Ring refuses a zero capacity and wraps', () => {
    expect(() => new Ring(0)).to.throw(RangeError);
    const r = new Ring<number>(2);
    [1, 2, 3].forEach((n) => r.push(n));
    expect(r.toArray()).to.deep.equal([2, 3]);
    expect(r.size).to.equal(2);
  });
});
