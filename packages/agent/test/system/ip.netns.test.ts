// system/ip.ts with the real `ip` and `arping`, inside a network namespace this test creates.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { MemoryLogger } from '@mmm/common/testing';
import { IpVipManager, arpApplies, parseAddrList, parseLinkFlags } from '../../src/system/ip';
import { type Runner, execRunner, netnsRunner } from '../../src/system/exec';

describe('system/ip parsing', () => {
  it('parses addresses and link flags', () => {
    const out =
      '2: va    inet 10.199.0.1/24 scope global va\\       valid_lft forever preferred_lft forever\n' +
      '2: va    inet 10.199.0.100/32 scope global va\\       valid_lft forever preferred_lft forever\n' +
      '2: va    inet6 fe80::1/64 scope link \\       valid_lft forever preferred_lft forever\n';
    expect(parseAddrList(out)).to.deep.equal(['10.199.0.1', '10.199.0.100', 'fe80::1']);
    expect(parseLinkFlags('1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536')).to.deep.equal(['LOOPBACK', 'UP', 'LOWER_UP']);
    expect(arpApplies(['LOOPBACK', 'UP'])).to.equal(false);
    expect(arpApplies(['BROADCAST', 'NOARP', 'UP'])).to.equal(false);
    expect(arpApplies(['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'])).to.equal(true);
  });
});

describe('system/ip in a network namespace', function () {
  this.timeout(30_000);
  const ns = `mmmag-${randomBytes(3).toString('hex')}`;
  let created = false;
  let dir: string;
  const calls: string[] = [];
  let run: Runner;
  const sh = (...args: string[]) => execFileSync('ip', args, { timeout: 5000, stdio: 'pipe' });

  before(function () {
    if (process.getuid?.() !== 0) {
      console.log('    skipped: not root (needs ip netns)');
      return this.skip();
    }
    sh('netns', 'add', ns);
    created = true;
    sh('-n', ns, 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb');
    for (const l of ['lo', 'va', 'vb']) sh('-n', ns, 'link', 'set', l, 'up');
    sh('-n', ns, 'addr', 'add', '10.199.0.1/24', 'dev', 'va');
    sh('-n', ns, 'addr', 'add', '10.199.0.2/24', 'dev', 'vb');
    const inner = netnsRunner(ns, execRunner);
    run = (file, args, t) => {
      calls.push([file, ...args].join(' '));
      return inner(file, args, t);
    };
    dir = mkdtempSync(join(tmpdir(), 'mmmag-ip-'));
  });

  after(() => {
    if (created) sh('netns', 'del', ns);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('adds a /32 VIP, announces it by gratuitous ARP in the background, removes it; both idempotent', async () => {
    const log = new MemoryLogger();
    const vips = new IpVipManager({ iface: 'va', run, logger: log });
    expect(await vips.list()).to.include('10.199.0.1');
    expect(await vips.has('10.199.0.100')).to.equal(false);
    calls.length = 0;
    await vips.add('10.199.0.100');
    expect(await vips.has('10.199.0.100')).to.equal(true);
    expect(sh('-n', ns, '-o', 'addr', 'show', 'dev', 'va').toString()).to.include('10.199.0.100/32');
    await vips.settle();
    expect(calls.some((c) => c.startsWith('arping -q -U -c 1 -I va -s 10.199.0.100 10.199.0.100'))).to.equal(true);
    expect(log.messages('warn')).to.deep.equal([]);
    await vips.add('10.199.0.100'); // already there
    await vips.del('10.199.0.100');
    expect(await vips.has('10.199.0.100')).to.equal(false);
    await vips.del('10.199.0.100'); // already gone
  });

  it('no gratuitous ARP on lo (LOOPBACK)', async () => {
    const vips = new IpVipManager({ iface: 'lo', run });
    calls.length = 0;
    await vips.add('127.0.1.5');
    await vips.settle();
    expect(await vips.has('127.0.1.5')).to.equal(true);
    expect(calls.filter((c) => c.startsWith('arping'))).to.deep.equal([]);
    await vips.del('127.0.1.5');
  });

  it('duplicate-address check refuses an address another host answers for', async () => {
    const vips = new IpVipManager({ iface: 'va', run, duplicateCheck: true });
    let err: { code?: string } | undefined;
    await vips.add('10.199.0.2').catch((e) => (err = e));
    expect(err?.code).to.equal('SYSTEM');
    expect(await vips.has('10.199.0.2')).to.equal(false);
    await vips.add('10.199.0.101'); // free: accepted
    expect(await vips.has('10.199.0.101')).to.equal(true);
    await vips.del('10.199.0.101');
  });

  it('ip_add_command / ip_del_command hooks replace ip addr, called with <ip> <interface>', async () => {
    const rec = join(dir, 'rec.log');
    const hook = join(dir, 'hook.sh');
    writeFileSync(hook, `#!/bin/sh\necho "$0 $*" >> ${rec}\n`);
    chmodSync(hook, 0o755);
    const vips = new IpVipManager({ iface: 'va', run, addCommand: `${hook} add`, delCommand: `${hook} del` });
    await vips.add('10.199.0.102');
    expect(await vips.has('10.199.0.102')).to.equal(true); // remembered even though not on a NIC here
    await vips.del('10.199.0.102');
    expect(await vips.has('10.199.0.102')).to.equal(false);
    expect(readFileSync(rec, 'utf8')).to.equal(`${hook} add 10.199.0.102 va\n${hook} del 10.199.0.102 va\n`);
  });

  it('a failing or hanging hook is an error, bounded', async () => {
    const hang = join(dir, 'hang.sh');
    writeFileSync(hang, '#!/bin/sh\nexec sleep 5\n');
    chmodSync(hang, 0o755);
    const vips = new IpVipManager({ iface: 'va', run: execRunner, addCommand: '/bin/false', delCommand: hang, timeoutMs: 300 });
    let err: { code?: string } | undefined;
    await vips.add('10.199.0.103').catch((e) => (err = e));
    expect(err?.code).to.equal('SYSTEM');
    let err2: { code?: string } | undefined;
    await vips.del('10.199.0.103').catch((e) => (err2 = e));
    expect(err2?.code).to.equal('TIMEOUT');
  });
});
