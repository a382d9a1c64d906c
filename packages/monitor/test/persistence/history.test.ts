// History: the query, paging newest first (also across one millisecond), the kinds shown, and
// reading the real audit log backwards across rotated files up to the bound.
import { expect } from 'chai';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DECISION_KINDS, type HistoryDocument, validateHistoryDocument } from '@mmm/common';
import {
  AuditHistory,
  AuditLog,
  type AuditEntry,
  HistoryPager,
  auditEntriesNewestFirst,
  defaultHistoryQuery,
  parseAuditLine,
  parseCursor,
  parseHistoryParams,
  toHistoryEntry,
} from '../../src/persistence';

const at = (s: number, ms = 0): string => new Date(Date.UTC(2026, 4, 1, 12, 0, s, ms)).toISOString();
const entry = (time: string, kind: AuditEntry['kind'], reason: string, blocked = false): AuditEntry => ({ time, kind, reason, blocked, host: 'db1' });

describe('history query', () => {
  it('defaults: 20 entries, the history kinds, no cursor', () => {
    const q = parseHistoryParams([]);
    expect(q.ok).to.equal(true);
    if (!q.ok) return;
    expect(q.query.limit).to.equal(20);
    expect(q.query.before).to.equal(undefined);
    expect([...q.query.kinds]).to.deep.equal(['state_change', 'failover', 'switchover', 'role_move', 'mode_change', 'fence', 'command']);
  });
  it('limit, before (a time or a page cursor), kind', () => {
    const q = parseHistoryParams([['limit', '5'], ['before', `${at(3)}~2`], ['kind', 'failover,fence']]);
    expect(q.ok && { limit: q.query.limit, before: q.query.before, kinds: [...q.query.kinds] }).to.deep.equal({
      limit: 5, before: { time: at(3), skip: 2 }, kinds: ['failover', 'fence'],
    });
    const all = parseHistoryParams([['kind', 'all'], ['before', at(1)]]);
    expect(all.ok && all.query.kinds.size).to.equal(DECISION_KINDS.length); // every decision kind, hook runs included
    expect(all.ok && all.query.before).to.deep.equal({ time: at(1), skip: Infinity });
  });
  const bad: Array<[Array<[string, string]>, RegExp]> = [
    [[['limit', '0']], /^limit must be a whole number from 1 to 500, not '0'$/],
    [[['limit', '501']], /not '501'/],
    [[['limit', '1e2']], /not '1e2'/],
    [[['limit', '']], /not ''/],
    [[['before', 'yesterday']], /^before must be an ISO 8601 UTC time/],
    [[['before', '2026-05-01T12:00:00.000Z~x']], /^before must be/],
    [[['before', '2026-13-01T12:00:00.000Z']], /^before must be/],
    [[['kind', 'failover,nonsense']], /unknown: nonsense$/],
    [[['kind', '']], /unknown: \(empty\)$/],
    [[['limit', '1'], ['limit', '2']], /^parameter limit given twice$/],
    [[['lmit', '1']], /^unknown parameter 'lmit' \(limit, before, kind\)$/],
  ];
  for (const [params, re] of bad) {
    it(`refuses ${params.map(([k, v]) => `${k}=${v}`).join('&')}`, () => {
      const q = parseHistoryParams(params);
      expect(q.ok).to.equal(false);
      if (!q.ok) expect(q.error).to.match(re);
    });
  }
  it('cursors: a bare time means older than it', () => {
    expect(parseCursor(at(2))).to.deep.equal({ time: at(2), skip: Infinity });
    expect(parseCursor(`${at(2)}~0`)).to.deep.equal({ time: at(2), skip: 0 });
    expect(parseCursor('2026-05-01T12:00:02Z')).to.deep.equal({ time: '2026-05-01T12:00:02Z', skip: Infinity });
    expect(parseCursor(`${at(2)}+01:00`)).to.equal(undefined);
  });
});

describe('history paging (pure)', () => {
  // newest first, as the reader feeds them; three share one millisecond
  const feed: AuditEntry[] = [
    entry(at(9), 'state_change', 'e9'),
    entry(at(8), 'role_assign', 'assign (not shown)'),
    entry(at(7), 'failover', 'e7a'),
    entry(at(7), 'diagnosis', 'diagnosis (not shown)'),
    entry(at(7), 'command', 'e7c'),
    entry(at(7), 'diagnosis', 'blocked diagnosis is shown', true),
    entry(at(5), 'switchover', 'e5'),
    entry(at(1), 'mode_change', 'e1'),
  ];
  const page = (limit: number, before?: string) => {
    const q = { ...defaultHistoryQuery(limit), ...(before ? { before: parseCursor(before)! } : {}) };
    const p = new HistoryPager(q);
    for (const e of feed) if (!p.feed(e)) break;
    return { reasons: p.entries.map((e) => e.reason), next: p.next(false) };
  };

  it('pages of 2 walk every shown entry once, also across the millisecond shared by four', () => {
    const seen: string[] = [];
    let next: string | undefined;
    const cursors: string[] = [];
    for (let i = 0; i < 10; i++) {
      const p = page(2, next);
      seen.push(...p.reasons);
      if (p.next === null) break;
      cursors.push(p.next);
      next = p.next;
    }
    expect(seen).to.deep.equal(['e9', 'e7a', 'e7c', 'blocked diagnosis is shown', 'e5', 'e1']);
    expect(cursors).to.deep.equal([`${at(7)}~1`, `${at(7)}~4`]);
  });
  it('the last page has no next; a full page with nothing older has none either', () => {
    expect(page(6)).to.deep.equal({ reasons: ['e9', 'e7a', 'e7c', 'blocked diagnosis is shown', 'e5', 'e1'], next: null });
    expect(page(5).next).to.equal(`${at(5)}~1`);
  });
  it('before a bare time: strictly older', () => {
    expect(page(10, at(7)).reasons).to.deep.equal(['e5', 'e1']);
    expect(page(10, at(6)).reasons).to.deep.equal(['e5', 'e1']);
    expect(page(10, at(0)).reasons).to.deep.equal([]);
  });
  it('entries recorded after the first page do not shift the next one', () => {
    const first = page(2);
    feed.unshift(entry(at(10), 'state_change', 'new'));
    try {
      expect(page(2, first.next!).reasons).to.deep.equal(['e7c', 'blocked diagnosis is shown']);
    } finally {
      feed.shift();
    }
  });
  it('an entry: timing from details.durationMs, null otherwise', () => {
    expect(toHistoryEntry({ ...entry(at(1), 'switchover', 'x'), details: { durationMs: 812, from: 'db1' } })).to.deep.equal({
      time: at(1), kind: 'switchover', host: 'db1', role: null, reason: 'x', blocked: false, durationMs: 812, details: { durationMs: 812, from: 'db1' },
    });
    expect(toHistoryEntry({ ...entry(at(1), 'fence', 'y'), details: { durationMs: 'long' } }).durationMs).to.equal(null);
  });
  it('audit lines: torn, foreign or malformed lines are skipped', () => {
    expect(parseAuditLine(JSON.stringify(entry(at(1), 'fence', 'z')))).to.deep.equal(entry(at(1), 'fence', 'z'));
    for (const l of ['', '{"time":"2026-05-01T12:00:01.000Z","kind":"fence","rea', 'not json', '{"time":"x","kind":"fence","reason":"r"}', '{"time":"2026-05-01T12:00:01.000Z","kind":"boom","reason":"r"}', '[1]']) {
      expect(parseAuditLine(l), l).to.equal(undefined);
    }
  });
});

describe('history from the audit log files', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mmm-history-'));
    file = join(dir, 'mmm_mond.status.audit.jsonl');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const lines = (from: number, to: number): string => {
    let out = '';
    for (let i = from; i < to; i++) out += `${JSON.stringify(entry(at(0, i), 'state_change', `r${i}`))}\n`;
    return out;
  };
  const source = (keepFiles = 5, mem: AuditEntry[] = []) => ({ file, keepFiles, flush: async () => undefined, recent: () => mem });

  it('reads the current file, then .1, .2 … newest first, across chunk boundaries', async () => {
    // 3000 entries (~300 KB: several 64 KiB chunks per file) in 3 files; .3 is missing
    await writeFile(`${file}.2`, lines(0, 1000));
    await writeFile(`${file}.1`, lines(1000, 2000));
    await writeFile(file, lines(2000, 3000));
    const h = new AuditHistory(source());
    const all: string[] = [];
    let before: string | undefined;
    for (let i = 0; i < 10; i++) {
      const q = parseHistoryParams([['limit', '500'], ...(before ? [['before', before] as [string, string]] : [])]);
      if (!q.ok) throw new Error(q.error);
      const doc = await h.page(q.query);
      expect(validateHistoryDocument(doc)).to.deep.equal([]);
      expect(doc.truncated).to.equal(false);
      all.push(...doc.entries.map((e) => e.reason));
      if (!doc.next) break;
      before = doc.next;
    }
    expect(all.length).to.equal(3000);
    expect(all[0]).to.equal('r2999');
    expect(all[2999]).to.equal('r0');
    expect(new Set(all).size).to.equal(3000);
  });

  it('stops at the byte bound: truncated, and what was read is the newest', async () => {
    await writeFile(`${file}.1`, lines(0, 1000));
    await writeFile(file, lines(1000, 1010));
    const one = Buffer.byteLength(lines(0, 1));
    const h = new AuditHistory(source(), { maxBytes: one * 30 });
    const doc = await h.page(parseHistoryParams([['limit', '100']]).ok ? defaultHistoryQuery(100) : defaultHistoryQuery());
    expect(doc.truncated).to.equal(true);
    expect(doc.next).to.equal(null);
    expect(doc.entries[0]!.reason).to.equal('r1009');
    // 30 lines' worth of bytes: the 10 of the current file, then about 20 of .1 (a torn one dropped)
    expect(doc.entries.length).to.be.within(28, 30);
    expect(doc.entries.map((e) => e.reason)).to.include('r999');
    // a page filled before the bound is not truncated
    const small = await h.page(defaultHistoryQuery(5));
    expect([small.truncated, small.entries.length, small.next]).to.deep.equal([false, 5, `${at(0, 1005)}~1`]);
  });

  it('a file renamed by a rotation while read is not read twice (same inode)', async () => {
    await writeFile(file, lines(0, 3));
    const bound = { maxBytes: 1 << 20, hit: false };
    const seen: string[] = [];
    for await (const e of auditEntriesNewestFirst(file, 5, bound)) {
      seen.push(e.reason);
      if (seen.length === 1) {
        // the writer rotates now: file → file.1, a new empty file
        await rename(file, `${file}.1`);
        await writeFile(file, '');
      }
    }
    expect(seen).to.deep.equal(['r2', 'r1', 'r0']);
  });

  it('the real AuditLog: what was just recorded is read back (flushed first), rotated files included', async () => {
    const log = new AuditLog({ file, maxBytes: 400, keepFiles: 3 });
    await log.open();
    try {
      // one batch per record (rotation happens between batches)
      for (let i = 0; i < 12; i++) {
        log.record({ kind: 'command', host: 'db3', reason: `set_offline #${i}` });
        await log.flush();
      }
      log.record({ kind: 'command', host: 'db3', reason: 'set_offline #12, not flushed yet' });
      const doc: HistoryDocument = await new AuditHistory(log).page(defaultHistoryQuery(50));
      expect(doc.source).to.equal('audit_log');
      // 400-byte files keep ~2 entries each: the current file and 3 rotated ones hold the newest few
      expect(doc.entries[0]!.reason).to.equal('set_offline #12, not flushed yet');
      const nums = doc.entries.map((e) => Number(/#(\d+)/.exec(e.reason)![1]));
      expect(nums).to.deep.equal([...nums].sort((a, b) => b - a));
      expect(nums.length).to.be.greaterThan(4);
      expect(nums.length).to.be.lessThan(13); // the oldest were dropped by rotation
      expect((await readFile(`${file}.3`, 'utf8')).length).to.be.greaterThan(0);
    } finally {
      await log.close();
    }
  });

  it('without a file: the monitor memory, newest first', async () => {
    const log = new AuditLog({ keep: 3 });
    for (let i = 0; i < 5; i++) log.record({ kind: 'failover', reason: `f${i}` });
    const doc = await new AuditHistory(log).page(defaultHistoryQuery(10));
    expect([doc.source, doc.entries.map((e) => e.reason), doc.next, doc.truncated]).to.deep.equal(['memory', ['f4', 'f3', 'f2'], null, false]);
  });
});
