import { expect } from 'chai';
import { combineGtidPositions, describeGtidGaps, gtidsBeyond, gtidsMissingOnWriter, parseMariadbGtidList } from '../../src/model/gtid';

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

describe('gtidsBeyond (what one host received that another lacks)', () => {
  const u = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
  const cases: Array<[string, string[], string[], string[] | undefined]> = [
    // [what, ahead positions, behind positions, gap texts]
    ['same position', ['0-1-45'], ['0-1-45'], []],
    ['behind is ahead', ['0-1-40'], ['0-1-45'], []],
    ['db3 received 0-1-44 and 0-1-45, db2 only up to 0-1-43', ['0-1-45', '0-1-40'], ['0-1-43'], ['0-1-44..0-1-45']],
    ['one transaction', ['0-1-44'], ['0-1-43'], ['0-1-44']],
    ['the highest of io, slave and binlog positions counts on both sides', ['0-1-43', '0-1-41', ''], ['0-1-40', '0-1-43', '0-2-7'], []],
    ['another server continued the domain: numbered per domain', ['0-2-50'], ['0-1-48'], ['0-2-49..0-2-50']],
    ['several domains', ['0-1-45,1-1-9'], ['0-1-45,1-1-7'], ['1-1-8..1-1-9']],
    ['a domain behind has never seen', ['0-1-3'], [''], ['0-1-1..0-1-3']],
    ['unreadable', ['0-1-x'], ['0-1-3'], undefined],
    ['MySQL set difference', [`${u}:1-45`], [`${u}:1-43`], [`${u}:44-45`]],
    ['MySQL union of retrieved and executed', [`${u}:1-40`, `${u}:41-45`], [`${u}:1-44`], [`${u}:45`]],
    ['MySQL holes', [`${u}:1-10`], [`${u}:1-3:5-8`], [`${u}:4`, `${u}:9-10`]],
    ['MariaDB against MySQL cannot be compared', ['0-1-3'], [`${u}:1-3`], undefined],
  ];
  for (const [what, ahead, behind, want] of cases) {
    it(what, () => {
      const got = gtidsBeyond(ahead, behind);
      expect(got?.map((g) => g.text)).to.deep.equal(want);
    });
  }

  it('counts the transactions and describes a list', () => {
    const g = gtidsBeyond(['0-1-45,1-1-9'], ['0-1-43,1-1-8'])!;
    expect(g.map((x) => x.count)).to.deep.equal([2, 1]);
    expect(describeGtidGaps(g)).to.equal('0-1-44..0-1-45, 1-1-9 (3 transactions)');
    expect(describeGtidGaps(g, 1)).to.equal('0-1-44..0-1-45, … (3 transactions)');
  });
});

describe('combineGtidPositions', () => {
  it('MariaDB: the highest GTID per domain', () => {
    expect(combineGtidPositions(['0-1-45,1-2-3', '0-1-43', '1-2-9', ''])).to.equal('0-1-45,1-2-9');
  });
  it('MySQL: the union, merged', () => {
    const u = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
    expect(combineGtidPositions([`${u}:1-5`, `${u}:6-9:12`])).to.equal(`${u}:1-9:12`);
  });
  it('unreadable', () => expect(combineGtidPositions(['x'])).to.equal(undefined));
});
