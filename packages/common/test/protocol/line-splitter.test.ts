import { expect } from 'chai';
import { LineSplitter, MAX_PROTOCOL_LINE_BYTES, type SplitResult } from '../../src/protocol';
import { ProtocolError } from '../../src/errors';

function lines(results: SplitResult[]): string[] {
  return results.map((r) => (r.kind === 'line' ? r.line : `!${r.error.code}`));
}

function feed(chunks: Buffer[], end = false): string[] {
  const s = new LineSplitter();
  const out: SplitResult[] = [];
  for (const c of chunks) out.push(...s.push(c));
  if (end) out.push(...s.end());
  return lines(out);
}

describe('protocol/line-splitter', () => {
  const text = 'PING|1|db1\nSET_STATUS|1|db1|ONLINE|reader(10.77.0.103),writer(10.77.0.100)|db1\r\n\nstatus é ✓\nquit\n';
  const expected = ['PING|1|db1', 'SET_STATUS|1|db1|ONLINE|reader(10.77.0.103),writer(10.77.0.100)|db1', '', 'status é ✓', 'quit'];
  const bytes = Buffer.from(text, 'utf8');

  it('splits a whole buffer', () => {
    expect(feed([bytes])).to.deep.equal(expected);
  });

  it('gives the same lines for a split at every byte offset (front, middle, end)', () => {
    for (let i = 0; i <= bytes.length; i++) {
      expect(feed([bytes.subarray(0, i), bytes.subarray(i)]), `split at ${i}`).to.deep.equal(expected);
    }
  });

  it('gives the same lines for every pair of split points', () => {
    for (let i = 0; i <= bytes.length; i += 3) {
      for (let j = i; j <= bytes.length; j += 2) {
        expect(feed([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)])).to.deep.equal(expected);
      }
    }
  });

  it('gives the same lines fed one byte at a time', () => {
    expect(feed([...bytes].map((b) => Buffer.from([b])))).to.deep.equal(expected);
  });

  it('returns a last line without newline only at end()', () => {
    const s = new LineSplitter();
    expect(lines(s.push(Buffer.from('ping\nsho')))).to.deep.equal(['ping']);
    expect(s.bufferedBytes).to.equal(3);
    expect(lines(s.end())).to.deep.equal(['sho']);
    expect(lines(s.end())).to.deep.equal([]);
  });

  it('accepts a line of exactly 64 KiB, also with \\r\\n', () => {
    const max = 'a'.repeat(MAX_PROTOCOL_LINE_BYTES);
    expect(feed([Buffer.from(`${max}\n`)])).to.deep.equal([max]);
    expect(feed([Buffer.from(`${max}\r\n`)])).to.deep.equal([max]);
  });

  it('reports a line over 64 KiB once, drops it and goes on with the next line', () => {
    const long = 'b'.repeat(MAX_PROTOCOL_LINE_BYTES + 1);
    expect(feed([Buffer.from(`${long}\nPING|1|db1\n`)])).to.deep.equal(['!PROTOCOL_LINE_TOO_LONG', 'PING|1|db1']);
  });

  it('does not buffer an endless line', () => {
    const s = new LineSplitter();
    const chunk = Buffer.alloc(4096, 0x41);
    const out: SplitResult[] = [];
    for (let i = 0; i < 100; i++) {
      out.push(...s.push(chunk));
      expect(s.bufferedBytes).to.be.at.most(MAX_PROTOCOL_LINE_BYTES + 1);
    }
    expect(lines(out)).to.deep.equal(['!PROTOCOL_LINE_TOO_LONG']);
    expect(s.bufferedBytes).to.equal(0);
    expect(lines(s.push(Buffer.from('AAA\nquit\n')))).to.deep.equal(['quit']);
    const err = out[0].kind === 'error' ? out[0].error : undefined;
    expect(err).to.be.instanceOf(ProtocolError);
  });

  it('honours a smaller configured limit', () => {
    const s = new LineSplitter({ maxLineBytes: 4 });
    expect(lines(s.push(Buffer.from('abcd\nabcde\nab')))).to.deep.equal(['abcd', '!PROTOCOL_LINE_TOO_LONG']);
    expect(lines(s.push(Buffer.from('cde\nok\n')))).to.deep.equal(['!PROTOCOL_LINE_TOO_LONG', 'ok']);
  });

  it('reports bytes that are not UTF-8 for that line only', () => {
    const bad = Buffer.concat([Buffer.from('PING|1|'), Buffer.from([0xff, 0xfe]), Buffer.from('\nPING|1|db1\n')]);
    expect(feed([bad])).to.deep.equal(['!PROTOCOL_NOT_UTF8', 'PING|1|db1']);
    // a multi-byte character cut between chunks is fine
    const e = Buffer.from('é\n');
    expect(feed([e.subarray(0, 1), e.subarray(1)])).to.deep.equal(['é']);
    // an overlong encoding and a lone surrogate are refused
    expect(feed([Buffer.from([0xc0, 0xaf, 0x0a])])).to.deep.equal(['!PROTOCOL_NOT_UTF8']);
    expect(feed([Buffer.from([0xed, 0xa0, 0x80, 0x0a])])).to.deep.equal(['!PROTOCOL_NOT_UTF8']);
  });
});
