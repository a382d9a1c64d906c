// system/ip.ts with the real `ip` and `arping`, inside a network namespace this test creates.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { MemoryLogger } from '@mmm/common/testing';
import type { NetworkInterfaceInfo } from 'node:os';
import { IpVipManager, arpApplies, interfaceAddresses, parseAddrList, parseLinkFlags } from '../../src/system/ip';
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

const info = (address: string, family: 'IPv4' | 'IPv6' = 'IPv4'): NetworkInterfaceInfo =>
  family === 'IPv4'
    ? { address, family, netmask: '255.255.255.255', mac: '00:00:00:00:00:00', internal: false, cidr: `${address}/32` }
    : { address, family, netmask: 'ffff:ffff:ffff:ffff::', mac: '00:00:00:00:00:00', internal: false, cidr: `${address}/64`, scopeid: 2 };

describe('system/ip in-process address list (interfaceAddresses)', () => {
  const cases: Array<{ what: string; list: NodeJS.Dict<NetworkInterfaceInfo[]>; want: string[] | undefined }> = [
    { what: 'the interface and its labels', list: { lo: [info('127.0.0.1')], eth0: [info('10.0.0.1'), info('fe80::1', 'IPv6')], 'eth0:1': [info('10.0.0.100')] }, want: ['10.0.0.1', 'fe80::1', '10.0.0.100'] },
    { what: 'another interface whose name starts the same is not a label', list: { eth0: [info('10.0.0.1')], eth01: [info('10.0.0.9')] }, want: ['10.0.0.1'] },
    { what: 'not listed (down, no carrier or no address): unknown, never "none"', list: { lo: [info('127.0.0.1')] }, want: undefined },
    { what: 'only a label listed: unknown (the interface itself must be listed)', list: { 'eth0:1': [info('10.0.0.100')] }, want: undefined },
  ];
  for (const c of cases) it(c.what, () => expect(interfaceAddresses(c.list, 'eth0')).to.deep.equal(c.want));

  it('IpVipManager reads in-process when the interface is listed, else asks ip addr', async () => {
    const calls: string[] = [];
    const run: Runner = (file, args) => {
      calls.push([file, ...args].join(' '));
      return Promise.resolve({ stdout: '2: eth0    inet 10.0.0.1/24 scope global eth0\\\n2: eth0    inet 10.0.0.100/32 scope global eth0\\\n', stderr: '' });
    };
    let list: NodeJS.Dict<NetworkInterfaceInfo[]> = { eth0: [info('10.0.0.1'), info('10.0.0.100')] };
    const vips = new IpVipManager({ iface: 'eth0', run, interfaces: () => list });
    expect(await vips.has('10.0.0.100')).to.equal(true);
    expect(await vips.has('10.0.0.101')).to.equal(false);
    expect(calls).to.deep.equal([]);
    list = {}; // the link went down: the VIP is still configured, and `ip addr` says so
    expect(await vips.has('10.0.0.100')).to.equal(true);
    expect(calls).to.deep.equal(['ip -o addr show dev eth0']);
    calls.length = 0;
    // A custom runner without `interfaces`: never this process's interfaces (maybe another netns).
    expect(await new IpVipManager({ iface: 'eth0', run }).list()).to.deep.equal(['10.0.0.1', '10.0.0.100']);
    expect(calls).to.deep.equal(['ip -o addr show dev eth0']);
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
  // os.networkInterfaces() as a process INSIDE the namespace sees it (the agent runs there).
  const nsInterfaces = (): NodeJS.Dict<NetworkInterfaceInfo[]> =>
    JSON.parse(execFileSync('ip', ['netns', 'exec', ns, process.execPath, '-e', 'process.stdout.write(JSON.stringify(require("os").networkInterfaces()))'], { timeout: 10_000 }).toString()) as NodeJS.Dict<NetworkInterfaceInfo[]>;
  const ipAddrs = (dev: string): string[] => parseAddrList(sh('-n', ns, '-o', 'addr', 'show', 'dev', dev).toString());

  it('in-process list: the same addresses as ip addr while the link is up; unknown (so ip addr) when down or without carrier', async () => {
    sh('-n', ns, 'addr', 'add', '10.199.0.110/32', 'dev', 'va');
    sh('-n', ns, 'addr', 'add', '10.199.0.111/32', 'dev', 'va', 'label', 'va:1');
    try {
      expect(interfaceAddresses(nsInterfaces(), 'va')?.sort()).to.deep.equal(ipAddrs('va').sort());
      expect(ipAddrs('va')).to.include.members(['10.199.0.110', '10.199.0.111']);
      // The peer down: va has no carrier (not RUNNING), its addresses are still configured.
      sh('-n', ns, 'link', 'set', 'vb', 'down');
      expect(interfaceAddresses(nsInterfaces(), 'va')).to.equal(undefined);
      const vips = new IpVipManager({ iface: 'va', run, interfaces: nsInterfaces });
      calls.length = 0;
      expect(await vips.has('10.199.0.110')).to.equal(true); // never "absent" while configured
      expect(calls).to.deep.equal(['ip -o addr show dev va']);
      sh('-n', ns, 'link', 'set', 'va', 'down');
      expect(interfaceAddresses(nsInterfaces(), 'va')).to.equal(undefined);
      expect(await vips.has('10.199.0.111')).to.equal(true);
    } finally {
      for (const l of ['va', 'vb']) sh('-n', ns, 'link', 'set', l, 'up');
      sh('-n', ns, 'addr', 'del', '10.199.0.110/32', 'dev', 'va');
      sh('-n', ns, 'addr', 'del', '10.199.0.111/32', 'dev', 'va');
    }
  });
});
