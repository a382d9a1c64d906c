import { expect } from 'chai';
import {
  detectFlavor,
  dialectFor,
  mariadbDialect as maria,
  mysqlDialect as my,
  quoteIdent,
  quoteString,
  secondsFromMs,
} from '../../src/system/mysql-dialect';

describe('mysql-dialect', () => {
  const cm = { host: '10.0.0.12', port: 3306, user: 'repl', password: "p'w\\d" };

  it('detects the flavor from VERSION()', () => {
    expect(detectFlavor('10.11.19-MariaDB-0+deb12u1')).to.equal('mariadb');
    expect(detectFlavor('8.0.36')).to.equal('mysql');
    expect(detectFlavor('8.4.0-log')).to.equal('mysql');
    expect(dialectFor('mariadb')).to.equal(maria);
    expect(dialectFor('mysql')).to.equal(my);
  });

  it('quotes strings and identifiers', () => {
    expect(quoteString("it's")).to.equal("'it\\'s'");
    expect(quoteString('a\\b')).to.equal("'a\\\\b'");
    expect(quoteString('x\ny\0z\r\x1a')).to.equal("'x\\ny\\0z\\r\\Z'");
    expect(quoteString("'; DROP TABLE t; --")).to.equal("'\\'; DROP TABLE t; --'");
    expect(quoteIdent('we`ird')).to.equal('`we``ird`');
  });

  it('converts ms to seconds for the wait functions', () => {
    expect(secondsFromMs(1500)).to.equal('1.5');
    expect(secondsFromMs(250)).to.equal('0.25');
    expect(secondsFromMs(0)).to.equal('0');
    expect(secondsFromMs(-5)).to.equal('0');
  });

  it('read_only get/set (same on both)', () => {
    for (const d of [maria, my]) {
      expect(d.selectReadOnly).to.equal('SELECT @@global.read_only AS read_only');
      expect(d.setReadOnly(true)).to.equal('SET GLOBAL read_only = 1');
      expect(d.setReadOnly(false)).to.equal('SET GLOBAL read_only = 0');
    }
  });

  it('processlist and KILL', () => {
    expect(maria.selectProcesslist).to.equal(
      'SELECT ID AS id, USER AS user, HOST AS host, DB AS db, COMMAND AS command, STATE AS state FROM information_schema.PROCESSLIST',
    );
    expect(my.killConnection(42)).to.equal('KILL CONNECTION 42');
    expect(() => maria.killConnection(1.5)).to.throw(RangeError);
    expect(() => maria.killConnection(-1)).to.throw(RangeError);
  });

  it('replication status and GTID positions', () => {
    expect(maria.slaveStatus).to.equal('SHOW ALL SLAVES STATUS');
    expect(my.slaveStatus).to.equal('SHOW REPLICA STATUS');
    expect(maria.selectGtidPositions).to.equal(
      'SELECT @@global.gtid_binlog_pos AS binlog_pos, @@global.gtid_binlog_state AS binlog_state, @@global.gtid_current_pos AS current_pos, @@global.gtid_slave_pos AS slave_pos, @@global.server_id AS server_id',
    );
    expect(my.selectGtidPositions).to.equal('SELECT @@global.gtid_executed AS executed, @@global.server_uuid AS server_id');
  });

  it('GTID waits', () => {
    expect(maria.waitGtid('0-1-7,1-2-3', 2500)).to.equal("SELECT MASTER_GTID_WAIT('0-1-7,1-2-3', 2.5) AS result");
    expect(my.waitGtid('3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5', 1000)).to.equal(
      "SELECT WAIT_FOR_EXECUTED_GTID_SET('3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5', 1) AS result",
    );
    expect(maria.waitGtidReached(0)).to.equal(true);
    expect(maria.waitGtidReached(-1)).to.equal(false);
    expect(my.waitGtidReached('0')).to.equal(true);
    expect(my.waitGtidReached(1)).to.equal(false);
  });

  it('CHANGE MASTER with GTID, MariaDB', () => {
    expect(maria.changeMaster(cm)).to.equal(
      "CHANGE MASTER TO MASTER_HOST='10.0.0.12', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD='p\\'w\\\\d', " +
        'MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1, MASTER_HEARTBEAT_PERIOD=1',
    );
  });

  it('CHANGE REPLICATION SOURCE with auto position, MySQL 8', () => {
    expect(my.changeMaster({ ...cm, connectRetry: 2, heartbeatPeriod: 3 })).to.equal(
      "CHANGE REPLICATION SOURCE TO SOURCE_HOST='10.0.0.12', SOURCE_PORT=3306, SOURCE_USER='repl', SOURCE_PASSWORD='p\\'w\\\\d', " +
        'SOURCE_AUTO_POSITION=1, SOURCE_CONNECT_RETRY=2, SOURCE_HEARTBEAT_PERIOD=3',
    );
    expect(() => my.changeMaster({ ...cm, port: 3306.5 })).to.throw(RangeError);
  });

  it('CHANGE MASTER over TLS: the source verified against the CA and its name, both flavors', () => {
    const ssl = { caFile: "/etc/mmm/ca's.crt" };
    expect(maria.changeMaster({ ...cm, ssl })).to.equal(
      "CHANGE MASTER TO MASTER_HOST='10.0.0.12', MASTER_PORT=3306, MASTER_USER='repl', MASTER_PASSWORD='p\\'w\\\\d', " +
        "MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1, MASTER_HEARTBEAT_PERIOD=1, MASTER_SSL=1, MASTER_SSL_CA='/etc/mmm/ca\\'s.crt', MASTER_SSL_VERIFY_SERVER_CERT=1",
    );
    expect(my.changeMaster({ ...cm, ssl })).to.match(/, SOURCE_SSL=1, SOURCE_SSL_CA='\/etc\/mmm\/ca\\'s\.crt', SOURCE_SSL_VERIFY_SERVER_CERT=1$/);
    // without TLS the statement names no SSL option: settings made by hand stay
    expect(maria.changeMaster(cm)).to.not.match(/SSL/);
  });

  it('start/stop replication', () => {
    expect([maria.stopSlave, maria.startSlave, maria.stopSlaveIoThread, maria.startSlaveIoThread]).to.deep.equal([
      'STOP SLAVE',
      'START SLAVE',
      'STOP SLAVE IO_THREAD',
      'START SLAVE IO_THREAD',
    ]);
    expect([my.stopSlave, my.startSlave, my.stopSlaveIoThread, my.startSlaveIoThread]).to.deep.equal([
      'STOP REPLICA',
      'START REPLICA',
      'STOP REPLICA IO_THREAD',
      'START REPLICA IO_THREAD',
    ]);
  });
});
