import { expect } from 'chai';
import * as path from 'node:path';
import { dirname, resolve } from '../../src/config/posix-path';

describe('config posix-path (node:path without node:path, for the pure config core)', () => {
  const paths = ['', '/', '//', 'a', '/a', '/a/', '/a//b', 'a/b/', '/a/b/c', './a', '../a', '/a/./b/../c', 'a/../..', '/..', '/a/b/../../..'];
  it('dirname answers as path.posix.dirname', () => {
    for (const p of paths) expect(dirname(p), p).to.equal(path.posix.dirname(p));
  });
  it('resolve answers as path.posix.resolve when a segment is absolute', () => {
    const cases: string[][] = [
      ['/etc/mmm', 'common.conf'], ['/etc/mmm/', '../x.conf'], ['/t', '/abs/x'], ['/t', 'a/./b//c/'], ['/', '..', 'x'],
      ['/etc/mmm/mmm_mon.conf'], ['/a/b', '', 'c'], ['/a', 'b', '/c', 'd/../e'],
    ];
    for (const c of cases) expect(resolve(...c), c.join(' ')).to.equal(path.posix.resolve(...c));
  });
  it('keeps relative input relative (never reads the current directory), normalized as path.posix.resolve would below it', () => {
    const cases: string[][] = [['mmm.conf'], ['conf', 'inc.conf'], ['.', 'a/../b'], ['a', '../../b'], ['a', '..'], ['']];
    const expected = ['mmm.conf', 'conf/inc.conf', 'b', '../b', '.', '.'];
    cases.forEach((c, i) => {
      const r = resolve(...c);
      expect(r, c.join(' ')).to.equal(expected[i]);
      expect(path.posix.resolve('/x/y/z', r)).to.equal(path.posix.resolve('/x/y/z', ...c));
    });
  });
});
