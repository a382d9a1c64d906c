import { expect } from 'chai';
import { formatMmmTime, renderChecks } from '../../src/render';
import { clusterDoc, T0 } from './fixtures';

const AT = '[last change: 2026/11/23 17:46:52]';

describe('render/checks', () => {
  it('formats times like Log4perl yyyy/MM/dd HH:mm:ss in local time', () => {
    expect(formatMmmTime(T0)).to.equal('2026/11/23 17:46:52');
    expect(formatMmmTime('2026-01-02T03:04:05.000Z', { timeZone: 'utc' })).to.equal('2026/01/02 03:04:05');
    expect(formatMmmTime(null, { timeZone: 'utc' })).to.equal('1970/01/01 00:00:00');
  });

  it('checks <host> <check>: one line, no padding, no newline (mmm-wire.md §3.2)', () => {
    expect(renderChecks(clusterDoc(), 'db1', 'mysql')).to.equal(`db1  mysql  ${AT}  OK`);
  });

  it('checks <host>: check names padded to 11, each line terminated', () => {
    expect(renderChecks(clusterDoc(), 'db3')).to.equal(
      `db3  ping         ${AT}  OK\n` +
        `db3  mysql        ${AT}  OK\n` +
        `db3  rep_threads  ${AT}  OK\n` +
        `db3  rep_backlog  ${AT}  OK: Backlog is null\n`,
    );
  });

  it('checks all: every host (sorted), all four checks in MMM order', () => {
    const out = renderChecks(clusterDoc());
    const lines = out.split('\n');
    expect(lines).to.have.length(13);
    expect(lines[12]).to.equal('');
    expect(lines[0]).to.equal(`db1  ping         ${AT}  OK`);
    expect(lines[8]).to.equal(`db3  ping         ${AT}  OK`);
    expect(lines[11]).to.equal(`db3  rep_backlog  ${AT}  OK: Backlog is null`);
    expect(renderChecks(clusterDoc(), 'all', 'all')).to.equal(out);
  });

  it('pads host names to the longest configured name', () => {
    const doc = clusterDoc();
    doc.hosts[0].name = 'db3-long';
    doc.hosts[0].checks[1] = { name: 'mysql', ok: false, message: 'ERROR: Connect error (host 10.77.0.13:3306)', lastChange: T0 };
    expect(renderChecks(doc, 'all', 'mysql')).to.equal(
      `db1       mysql  ${AT}  OK\n` +
        `db2       mysql  ${AT}  OK\n` +
        `db3-long  mysql  ${AT}  ERROR: Connect error (host 10.77.0.13:3306)\n`,
    );
  });

  it("answers unknown names with MMM's errors, the check first", () => {
    expect(renderChecks(clusterDoc(), 'dbX')).to.equal("ERROR: Unknown host name 'dbX'!");
    expect(renderChecks(clusterDoc(), 'db1', 'nosuch')).to.equal("ERROR: Unknown check 'nosuch'!");
    expect(renderChecks(clusterDoc(), 'dbX', 'nosuch')).to.equal("ERROR: Unknown check 'nosuch'!");
  });
});
