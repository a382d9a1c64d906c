// The start-up warning for an unreadable mysql_pidfile (MMM's default applies when it is not set).
import { expect } from 'chai';
import { DEFAULT_MYSQL_PIDFILE, mysqlPidfileWarning } from '../src/agent-parts';

describe('mysql_pidfile at start', () => {
  const enoent = () => {
    throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
  };
  it("not set: MMM's default is used and named when it cannot be read", () => {
    expect(DEFAULT_MYSQL_PIDFILE).to.equal('/var/run/mysqld/mysqld.pid');
    expect(mysqlPidfileWarning(undefined, enoent)).to.equal(
      "mysql_pidfile is not set and MMM's default /var/run/mysqld/mysqld.pid cannot be read (ENOENT): a hung mysqld cannot be killed by this agent, so an isolated hung writer waits for the writer lease; set mysql_pidfile to the server's pid-file (SELECT @@pid_file)",
    );
  });
  it('set and readable: no warning; set and unreadable: named', () => {
    expect(mysqlPidfileWarning('/run/mysqld/mysqld.pid', () => '123\n')).to.equal(undefined);
    expect(mysqlPidfileWarning('/srv/db/x.pid', enoent)).to.match(/^mysql_pidfile \/srv\/db\/x\.pid cannot be read \(ENOENT\)/);
  });
});
