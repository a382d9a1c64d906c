// Semi-sync SQL per flavor and the parse of SHOW GLOBAL VARIABLES / STATUS rows (pure). The
// MariaDB rows are the ones 10.11 printed (the real test runs them); the MySQL 8 names and
// statements come from the MySQL 8.0.26+ manual, untested (no MySQL server here).
import { expect } from 'chai';
import { mariadbDialect, mysqlDialect } from '../../src/system/mysql-dialect';
import { masterSideAsWanted, parseSemisync } from '../../src/system/semisync';

const rows = (o: Record<string, string>) => Object.entries(o).map(([Variable_name, Value]) => ({ Variable_name, Value }));

describe('system/semisync', () => {
  it('MariaDB statements: wait point and timeout before enabling; the replica side', () => {
    expect(mariadbDialect.semisyncMasterOn(30_000)).to.deep.equal([
      "SET GLOBAL rpl_semi_sync_master_wait_point = 'AFTER_SYNC'",
      'SET GLOBAL rpl_semi_sync_master_timeout = 30000',
      'SET GLOBAL rpl_semi_sync_master_enabled = 1',
    ]);
    expect(mariadbDialect.semisyncMasterOff).to.equal('SET GLOBAL rpl_semi_sync_master_enabled = 0');
    expect(mariadbDialect.semisyncSlave(true)).to.equal('SET GLOBAL rpl_semi_sync_slave_enabled = 1');
    expect(mariadbDialect.showSemisyncVariables).to.equal("SHOW GLOBAL VARIABLES LIKE 'rpl_semi_sync%'");
    expect(mariadbDialect.showSemisyncStatus).to.equal("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync%'");
  });

  it('MySQL 8 statements use the source/replica names (untested: from the manual)', () => {
    expect(mysqlDialect.semisyncMasterOn(1500)).to.deep.equal([
      "SET GLOBAL rpl_semi_sync_source_wait_point = 'AFTER_SYNC'",
      'SET GLOBAL rpl_semi_sync_source_timeout = 1500',
      'SET GLOBAL rpl_semi_sync_source_enabled = 1',
    ]);
    expect(mysqlDialect.semisyncMasterOff).to.equal('SET GLOBAL rpl_semi_sync_source_enabled = 0');
    expect(mysqlDialect.semisyncSlave(false)).to.equal('SET GLOBAL rpl_semi_sync_replica_enabled = 0');
    expect(mysqlDialect.stopSlaveIoThread).to.equal('STOP REPLICA IO_THREAD');
  });

  it('refuses a timeout that is not a whole non-negative number of ms', () => {
    expect(() => mariadbDialect.semisyncMasterOn(-1)).to.throw(RangeError);
    expect(() => mariadbDialect.semisyncMasterOn(Number.NaN)).to.throw(RangeError);
    expect(mariadbDialect.semisyncMasterOn(1234.4)[1]).to.equal('SET GLOBAL rpl_semi_sync_master_timeout = 1234');
  });

  it('parses MariaDB 10.11 rows (as SHOW GLOBAL … prints them)', () => {
    const vars = rows({
      rpl_semi_sync_master_enabled: 'ON', rpl_semi_sync_master_timeout: '30000', rpl_semi_sync_master_trace_level: '32',
      rpl_semi_sync_master_wait_no_slave: 'ON', rpl_semi_sync_master_wait_point: 'AFTER_SYNC', rpl_semi_sync_slave_delay_master: 'OFF',
      rpl_semi_sync_slave_enabled: 'ON', rpl_semi_sync_slave_kill_conn_timeout: '5', rpl_semi_sync_slave_trace_level: '32',
    });
    const status = rows({
      Rpl_semi_sync_master_clients: '2', Rpl_semi_sync_master_no_tx: '3', Rpl_semi_sync_master_status: 'ON',
      Rpl_semi_sync_master_yes_tx: '41', Rpl_semi_sync_slave_send_ack: '0', Rpl_semi_sync_slave_status: 'OFF',
    });
    const s = parseSemisync(vars, status, mariadbDialect.semisync);
    expect(s).to.deep.equal({
      masterEnabled: true, waitPoint: 'AFTER_SYNC', timeoutMs: 30_000, slaveEnabled: true,
      masterActive: true, masterClients: 2, masterYesTx: 41, masterNoTx: 3, slaveActive: false,
    });
    expect(masterSideAsWanted(s!, 30_000)).to.equal(true);
    expect(masterSideAsWanted(s!, 10_000)).to.equal(false);
    expect(masterSideAsWanted({ ...s!, waitPoint: 'AFTER_COMMIT' }, 30_000)).to.equal(false);
  });

  it('MySQL names, and information_schema-style upper-case columns', () => {
    const vars = [{ VARIABLE_NAME: 'RPL_SEMI_SYNC_SOURCE_ENABLED', VARIABLE_VALUE: 'OFF' }, { VARIABLE_NAME: 'RPL_SEMI_SYNC_REPLICA_ENABLED', VARIABLE_VALUE: 'ON' }];
    const status = rows({ Rpl_semi_sync_replica_status: 'ON' });
    expect(parseSemisync(vars, status, mysqlDialect.semisync)).to.deep.include({ masterEnabled: false, slaveEnabled: true, slaveActive: true, masterClients: undefined, waitPoint: '' });
  });

  it('no semi-sync variables at all (MySQL without the plugins): null', () => {
    expect(parseSemisync([], [], mysqlDialect.semisync)).to.equal(null);
    // a MariaDB server's rows read with MySQL's names are not semi-sync either
    expect(parseSemisync(rows({ rpl_semi_sync_master_enabled: 'ON' }), [], mysqlDialect.semisync)).to.equal(null);
  });
});
