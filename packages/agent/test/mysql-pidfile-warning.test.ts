// The start-up warning for an unreadable mysql_pidfile (MMM's default applies when it is not set).
import { expect } from 'chai';
import type { HostConfig } from '@mmm/common';
import { DEFAULT_MYSQL_PIDFILE, mysqlPidfileWarning, mysqlSocketWarning } from '../src/agent-parts';

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

describe('mysql_socket at start', () => {
  const host = (mysqlSocket?: string): HostConfig => ({ name: 'db1', ip: '10.0.0.1', mode: 'master', agentPort: 9989, mysqlPort: 3306, ...(mysqlSocket ? { mysqlSocket } : {}) });
  const enoent = (): boolean => {
    throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
  };
  it('not set: the default socket is named when it is missing', () => {
    expect(mysqlSocketWarning(host(), enoent)).to.equal(
      "mysql_socket is not set and the default /run/mysqld/mysqld.sock is missing (ENOENT): unless mysqld is down, set mysql_socket to the server's socket (SELECT @@socket), or 'none' for TCP to 127.0.0.1",
    );
  });
  it('a socket: no warning; a plain file: named; none: no socket to look for', () => {
    expect(mysqlSocketWarning(host('/srv/db/my.sock'), () => true)).to.equal(undefined);
    expect(mysqlSocketWarning(host('/srv/db/my.sock'), () => false)).to.match(/^mysql_socket \/srv\/db\/my\.sock is not a socket/);
    expect(mysqlSocketWarning(host('none'), enoent)).to.equal(undefined);
  });
});
