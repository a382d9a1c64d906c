import { expect } from 'chai';
import { SYSLOG_PRIORITY, stderrIsJournal, wantsPriorityPrefix, withPriorityPrefix } from '../../src/log-priority';

describe('logging: syslog priority prefixes', () => {
  it('uses the sd-daemon(3) priorities: err 3, warning 4, info 6, debug 7', () => {
    expect(SYSLOG_PRIORITY).to.deep.equal({ error: 3, warn: 4, info: 6, debug: 7 });
    expect(withPriorityPrefix('error', 'x')).to.equal('<3>x');
    expect(withPriorityPrefix('debug', 'x')).to.equal('<7>x');
  });

  it('prefixes every line of a multi-line entry (journald reads each line on its own)', () => {
    expect(withPriorityPrefix('warn', 'a\nb\nc')).to.equal('<4>a\n<4>b\n<4>c');
  });

  it('stderr is the journal only when JOURNAL_STREAM names its device and inode', () => {
    expect(stderrIsJournal('8:1234', { dev: 8, ino: 1234 })).to.equal(true);
    expect(stderrIsJournal('8:1234', { dev: 8n, ino: 1234n })).to.equal(true);
    expect(stderrIsJournal('8:9007199254740993', { dev: 8n, ino: 9007199254740993n }), 'inodes above 2^53').to.equal(true);
    expect(stderrIsJournal('8:1234', { dev: 8, ino: 99 }), 'inherited by a shell writing elsewhere').to.equal(false);
    expect(stderrIsJournal(undefined, { dev: 8, ino: 1234 })).to.equal(false);
    expect(stderrIsJournal('garbage', { dev: 8, ino: 1234 })).to.equal(false);
    expect(stderrIsJournal('8:1234', undefined)).to.equal(false);
  });

  it('the flag decides both ways; without it, on for a journal stderr and never for a --log-file', () => {
    const journal = { journalStream: '8:1', stderrStat: { dev: 8, ino: 1 } };
    expect(wantsPriorityPrefix({ flag: undefined, logFile: undefined, ...journal })).to.equal(true);
    expect(wantsPriorityPrefix({ flag: undefined, logFile: '/var/log/mmm.log', ...journal })).to.equal(false);
    expect(wantsPriorityPrefix({ flag: false, logFile: undefined, ...journal })).to.equal(false);
    expect(wantsPriorityPrefix({ flag: true, logFile: '/var/log/mmm.log', journalStream: undefined, stderrStat: undefined })).to.equal(true);
    expect(wantsPriorityPrefix({ flag: undefined, logFile: undefined, journalStream: undefined, stderrStat: { dev: 8, ino: 1 } })).to.equal(false);
  });
});
