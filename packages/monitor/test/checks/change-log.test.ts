import { expect } from 'chai';
import { checkChangeLine } from '../../src/checks/change-log';
import type { RawCheckResult } from '../../src/checks/types';

const raw = (over: Partial<RawCheckResult>): RawCheckResult => ({ host: 'db2', check: 'mysql', status: 'OK', message: 'OK', startedAt: 0, finishedAt: 0, ...over });

describe('checks: the line for a changed check', () => {
  it('a failure (trap_period passed) is a warning', () => {
    expect(checkChangeLine(raw({ status: 'ERROR', message: 'ERROR: Connect error (connect ECONNREFUSED)' }), false)).to.deep.equal({
      level: 'warn',
      message: 'check mysql on db2: ERROR: Connect error (connect ECONNREFUSED)',
      meta: { host: 'db2', check: 'mysql' },
    });
  });

  it('a recovery is info', () => {
    expect(checkChangeLine(raw({ check: 'rep_threads' }), true)).to.include({ level: 'info', message: 'check rep_threads on db2: OK' });
  });

  it('the level follows the reported status, not the raw one (UNKNOWN after a failure still reads failed)', () => {
    expect(checkChangeLine(raw({ status: 'UNKNOWN', message: 'UNKNOWN: x' }), false).level).to.equal('warn');
  });
});
