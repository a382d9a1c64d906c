// Pure parts of the sandbox's monitor HA (`up --netns --monitors N`): names, addresses and ports
// derived from DIR, monitor K's config as the real loader reads it, the etcd members' flags, what
// `show` says about the leader, the monitor account at every monitor's address, and the 127.0.0.1
// forwarder on loopback. The real cluster: monitor-ha.test.ts.
import { expect } from 'chai';
import { once } from 'node:events';
import { createServer, connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseConfigText } from '@mmm/common';
import {
  ETCD_ELECTION_MS, ETCD_HEARTBEAT_MS, MAX_MONITORS, SANDBOX_LEASE_TTL, commonConf, controlConf, etcdMemberArgs, generateCredentials, haControlPort, haHttpPort,
  haMonConf, haMonitorIp, initialCluster, leaderInShow, loopbackAgentPort, loopbackHealthPort, monitorNs, nodeFiles, nodeIp, nodeName, nodePort, planHa,
  sandboxNames, startForwarder, switchNsOf, userStatements, type DbNode, type SandboxLayout,
} from '../src';

function netnsLayout(dir: string): SandboxLayout {
  const names = sandboxNames(dir);
  const nodes: DbNode[] = [1, 2, 3].map((i) => {
    const f = nodeFiles(names, nodeName(i));
    return {
      name: nodeName(i), index: i, mode: i <= 2 ? 'master' : 'slave', ip: nodeIp(names, i, true), port: nodePort(names, i, true),
      socket: f.socket, dir: f.dir, datadir: f.datadir, cnf: f.cnf, pidFile: f.pidFile, errorLog: f.errorLog, netns: `${names.prefix}-${nodeName(i)}`,
    };
  });
  return { names, network: 'netns', vipMethod: 'netns', nodes, credentials: generateCredentials() };
}

describe('mmm_sandbox monitor HA: plan and configs', () => {
  it('derives monitors mon1…monN from DIR: own namespace, address .50+K on the bridge, 127.0.0.1 ports in the block that clash with nothing', () => {
    const names = sandboxNames('/tmp/sbx-ha-unit');
    const ha = planHa(names, 3);
    expect(ha.monitors.map((m) => m.id)).to.deep.equal(['mon1', 'mon2', 'mon3']);
    expect(ha.monitors.map((m) => m.netns)).to.deep.equal([1, 2, 3].map((k) => monitorNs(names, k)));
    expect(ha.monitors[1]!.ip).to.equal(`${names.netns.subnet}.52`);
    expect(ha.monitors[1]!.control).to.equal(`127.0.0.1:${names.loopback.portBase + 62}`);
    expect(ha.monitors[1]!.controlAddress).to.equal(`${names.netns.subnet}.52:9988`);
    expect(ha.monitors[1]!.httpAddress).to.equal(`${names.netns.subnet}.52:9990`);
    // etcd member K lives in monitor K's namespace, so cutting that namespace's link cuts both
    expect(ha.etcd.map((e) => e.netns)).to.deep.equal(ha.monitors.map((m) => m.netns));
    expect(ha.etcd[2]!.endpoint).to.equal(`https://${names.netns.subnet}.53:2379`);
    expect(ha.dataRoot).to.match(/^\/dev\/shm\/mmm-[0-9a-f]{12}-etcd$/);
    expect([ha.leaseTtl, ha.heartbeatMs, ha.electionMs]).to.deep.equal([SANDBOX_LEASE_TTL, ETCD_HEARTBEAT_MS, ETCD_ELECTION_MS]);
    // the setLink helper of the nodes works for a monitor too (its switch-side end is monK)
    expect(switchNsOf({ name: 'mon2', netns: monitorNs(names, 2), ip: '' })).to.equal(names.netns.switchNs);
    const ports = [
      ...Array.from({ length: MAX_MONITORS }, (_, i) => [haControlPort(names, i + 1), haHttpPort(names, i + 1)]).flat(),
      ...Array.from({ length: 20 }, (_, i) => [loopbackAgentPort(names, i + 1), loopbackHealthPort(names, i + 1), nodePort(names, i + 1, false)]).flat(),
      names.loopback.portBase + 80, names.loopback.portBase + 81, names.loopback.portBase + 82, names.loopback.portBase + 90,
    ];
    expect(new Set(ports).size, 'no two uses of one port').to.equal(ports.length);
    expect(Math.max(...ports)).to.be.below(names.loopback.portBase + 100);
    const ips = [...Array.from({ length: MAX_MONITORS }, (_, i) => haMonitorIp(names, i + 1)), ...Array.from({ length: 20 }, (_, i) => nodeIp(names, i + 1, true)), `${names.netns.subnet}.10`];
    expect(new Set(ips).size, 'monitors, nodes and the veth on distinct addresses').to.equal(ips.length);
  });

  it('writes monitor K a config the loader accepts: its namespace address, its own status file, <monitor_ha> with every member and its own etcd certificate', () => {
    const l = netnsLayout('/tmp/sbx-ha-unit');
    const d = l.names.dir;
    const ha = planHa(l.names, 3);
    const file = join(d, 'mon2', 'mmm_mon.conf');
    const text = haMonConf(l, ha, 2);
    const mon = parseConfigText('monitor', { [join(d, 'mmm_common.conf')]: commonConf(l), [file]: text }, file);
    expect(mon.issues, JSON.stringify(mon.issues)).to.deep.equal([]);
    const m = mon.loaded!.config;
    expect(m.monitor!.ip).to.equal(ha.monitors[1]!.ip);
    expect(m.monitor!.port).to.equal(9988);
    expect(m.monitor!.statusPath).to.equal(join(d, 'mon2', 'mmm_mond.status'));
    expect(m.monitorHa).to.deep.include({
      etcdEndpoints: ha.etcd.map((e) => e.endpoint), etcdCa: join(d, 'tls', 'etcd', 'ca.crt'),
      etcdCert: join(d, 'tls', 'etcd', 'mon2-etcd.crt'), etcdKey: join(d, 'tls', 'etcd', 'mon2-etcd.key'), leaseTtl: 3, monitorId: 'mon2',
    });
    expect(text).to.match(/^ {4}control_address\s+\S+\.52:9988$/m);
    const ctl = parseConfigText('control', { [join(d, 'mmm_control.conf')]: controlConf(l, haControlPort(l.names, 1)) }, join(d, 'mmm_control.conf'));
    expect(ctl.loaded!.config.monitor).to.deep.include({ ip: '127.0.0.1', port: haControlPort(l.names, 1) });
  });

  it('starts an etcd member on mutual TLS only, with the sandbox timing', () => {
    const m = { name: 'etcd1', dataDir: '/dev/shm/x/etcd1', clientUrl: 'https://10.1.2.51:2379', peerUrl: 'https://10.1.2.51:2380', certFile: '/t/etcd1.crt', keyFile: '/t/etcd1.key', caFile: '/t/ca.crt' };
    const initial = initialCluster([m, { name: 'etcd2', peerUrl: 'https://10.1.2.52:2380' }]);
    expect(initial).to.equal('etcd1=https://10.1.2.51:2380,etcd2=https://10.1.2.52:2380');
    const args = etcdMemberArgs(m, { initial, token: 't' });
    expect(args).to.include.members(['--client-cert-auth', '--peer-client-cert-auth', '--trusted-ca-file=/t/ca.crt', '--peer-trusted-ca-file=/t/ca.crt',
      '--heartbeat-interval=100', '--election-timeout=1000', '--listen-client-urls=https://10.1.2.51:2379', `--initial-cluster=${initial}`]);
    expect(args.filter((a) => a.includes('http://')), 'no plaintext URL').to.deep.equal([]);
  });

  it('reads who leads from `show`', () => {
    expect(leaderInShow('# Monitor HA: this monitor (mon2) leads, term 49\n# Monitors: …')).to.deep.equal({ self: true, id: 'mon2' });
    expect(leaderInShow('x\n# Monitor HA: mon3 at 10.1.2.53:9988 leads, term 7; this monitor (mon1) follows and refuses state changes')).to.deep.equal({ self: false, id: 'mon3' });
    expect(leaderInShow('# Monitor HA: no monitor leads; this monitor (mon1) follows')).to.equal(undefined);
    expect(leaderInShow('  db1(10.1.2.11) master/ONLINE.')).to.equal(undefined);
  });

  it('creates the monitor account at each monitor\'s address', () => {
    const sql = userStatements(generateCredentials(), { monitor: ['10.1.2.51', '10.1.2.52'], replication: '10.1.2.%', tls: true }).join('\n');
    expect(sql).to.include("GRANT SLAVE MONITOR ON *.* TO 'mmm_monitor'@'10.1.2.51'");
    expect(sql).to.include("GRANT SLAVE MONITOR ON *.* TO 'mmm_monitor'@'10.1.2.52'");
    expect(sql).to.include("CREATE USER 'mmm_monitor'@'10.1.2.52' IDENTIFIED BY");
  });
});

describe('mmm_sandbox monitor forwarder (127.0.0.1 → a monitor in its namespace)', () => {
  it('passes bytes both ways per route, and closes a client whose upstream is gone', async () => {
    const upstream = createServer((s) => s.on('data', (b: Buffer) => s.write(`echo:${b.toString()}`)));
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const target = { host: '127.0.0.1', port: (upstream.address() as AddressInfo).port };
    const probe = createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const logs: string[] = [];
    const fwd = await startForwarder({ routes: [{ name: 'mon1 control', listen: { host: '127.0.0.1', port }, target }] }, (l) => logs.push(l));
    try {
      expect(logs.join('\n')).to.include(`127.0.0.1:${port} -> 127.0.0.1:${target.port} (mon1 control)`);
      const c = connect({ host: '127.0.0.1', port });
      c.write('ping');
      const [data] = (await once(c, 'data')) as [Buffer];
      expect(data.toString()).to.equal('echo:ping');
      c.destroy();
      await new Promise<void>((r) => upstream.close(() => r()));
      const d = connect({ host: '127.0.0.1', port });
      d.on('error', () => undefined);
      await Promise.race([once(d, 'close'), new Promise((_, rej) => setTimeout(() => rej(new Error('not closed within 5 s')), 5_000))]);
    } finally {
      await fwd.close();
    }
  });
});
