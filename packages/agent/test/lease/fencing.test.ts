import { expect } from 'chai';
import { fenceWriter } from '../../src/lease/fencing';
import { FakeLocalMysql, FakeVipManager } from '../../src/testing';

describe('lease/fencing: fenceWriter', () => {
  it('read-only, clients ended, VIP gone', async () => {
    const mysql = new FakeLocalMysql();
    mysql.readOnly = false;
    const vips = new FakeVipManager('eth0', ['10.0.0.100']);
    await fenceWriter({ mysql, vips }, ['10.0.0.100']);
    expect(mysql.readOnly).to.equal(true);
    expect(mysql.clients).to.equal(0);
    expect(vips.ips.size).to.equal(0);
  });

  it('mysqld down: still removes the VIP, then throws so the guard retries', async () => {
    const mysql = new FakeLocalMysql();
    mysql.answering = false;
    const vips = new FakeVipManager('eth0', ['10.0.0.100']);
    let err: { code?: string } | undefined;
    await fenceWriter({ mysql, vips }, ['10.0.0.100']).catch((e) => (err = e));
    expect(err?.code).to.equal('SYSTEM');
    expect(vips.ips.size).to.equal(0);
  });
});
