// An agent restarted on a node that still looks like the writer takes up the lease (so it still
// fences itself when cut off); anything else, or unreadable state, adopts nothing.
import { expect } from 'chai';
import { FakeClock, MemoryLogger } from '@mmm/common/testing';
import { adoptWriterLease } from '../../src/lease/adoption';
import { LeaseGuard } from '../../src/lease/lease-guard';
import { FakeLocalMysql, FakeVipManager } from '../../src/testing';

describe('lease/adoption: the writer lease after an agent restart', () => {
  function setup() {
    const mysql = new FakeLocalMysql();
    const vips = new FakeVipManager('eth0');
    const lease = new LeaseGuard({ leaseMs: 3000, clock: new FakeClock(), probePeer: async () => false, fence: async () => undefined });
    const logger = new MemoryLogger();
    return { mysql, vips, lease, logger, ctx: { mysql, vips, lease, logger, writerIps: ['10.0.0.100'] } };
  }

  it('writable: holds the lease', async () => {
    const { mysql, lease, logger, ctx } = setup();
    mysql.readOnly = false;
    await adoptWriterLease(ctx);
    expect(lease.status().status).to.equal('held');
    expect(logger.messages('warn').some((m) => /looks like the writer/.test(m))).to.equal(true);
  });

  it('read-only but holding the writer VIP: holds the lease', async () => {
    const { vips, lease, ctx } = setup();
    vips.ips.add('10.0.0.100');
    await adoptWriterLease(ctx);
    expect(lease.status().status).to.equal('held');
  });

  it('read-only without the writer VIP: nothing to adopt', async () => {
    const { vips, lease, ctx } = setup();
    vips.ips.add('10.0.0.101');
    await adoptWriterLease(ctx);
    expect(lease.status().status).to.equal('none');
  });

  it('unreadable state: nothing to adopt', async () => {
    const { mysql, vips, lease, ctx } = setup();
    mysql.readOnly = false; // it would be adopted if it could be read
    mysql.answering = false;
    vips.failList = true;
    await adoptWriterLease(ctx);
    expect(lease.status().status).to.equal('none');
  });
});
