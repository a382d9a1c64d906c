import { expect } from 'chai';
import { gtidsMissingOnWriter, parseMariadbGtidList } from '../../src/model/gtid';

describe('gtidsMissingOnWriter (has a host transactions the writer lacks?)', () => {
  const cases: Array<[string, string, string, string[] | undefined]> = [
    // [what, host gtid_binlog_state, writer gtid_binlog_state, missing]
    ['a replica that has all the writer sent', '0-1-7,0-2-9', '0-1-7,0-2-12', []],
    ['an equal state', '0-1-7,0-2-9', '0-2-9,0-1-7', []],
    ['the old writer committed 0-1-8 while cut off (e2e 03)', '0-2-5,0-1-8', '0-1-7,0-2-8', ['0-1-8']],
    ['several domains, one behind on the writer', '0-1-7,1-1-4', '0-1-7,1-1-3,0-2-20', ['1-1-4']],
    ['a source the writer has never binlogged is not judged (no history there)', '0-3-50', '0-1-7', []],
    ['an empty host state', '', '0-1-7', []],
    ['an unreadable list', '0-1-x', '0-1-7', undefined],
    ['MySQL: host inside the writer set', '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5', '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-9', []],
    ['MySQL: writer lacks 6-7', '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-7', '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:8-9', ['3e11fa47-71ca-11e1-9e33-c80aa9429562:6-7']],
    ['MySQL: unknown uuid is not judged', 'aaaaaaaa-71ca-11e1-9e33-c80aa9429562:1-7', '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5', []],
    ['MySQL: overlapping writer intervals cover', '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-10', '3e11fa47-71ca-11e1-9e33-c80aa9429562:6-10:1-7', []],
  ];
  for (const [what, host, writer, want] of cases) {
    it(what, () => {
      expect(gtidsMissingOnWriter(host, writer)).to.deep.equal(want);
    });
  }

  it("skips the writer's own source: a replica may hold what the writer committed after its list was read", () => {
    expect(gtidsMissingOnWriter('0-1-7,0-2-9', '0-1-7,0-2-8', '2')).to.deep.equal([]);
    expect(gtidsMissingOnWriter('0-1-8,0-2-9', '0-1-7,0-2-8', '2')).to.deep.equal(['0-1-8']);
    const u = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
    expect(gtidsMissingOnWriter(`${u}:1-9`, `${u}:1-5`, u.toUpperCase())).to.deep.equal([]);
  });

  it('parses MariaDB lists with spaces, refuses junk', () => {
    expect(parseMariadbGtidList(' 0-1-3, 1-2-9 ')).to.deep.equal([
      { domain: 0, server: 1, seq: 3n },
      { domain: 1, server: 2, seq: 9n },
    ]);
    expect(parseMariadbGtidList('0-1')).to.equal(undefined);
  });
});
