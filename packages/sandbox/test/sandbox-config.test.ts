// Pure parts of mmm_sandbox: generated configs load with the real loader for each program, the VIP
// record replays per node, and the recording hook (not-root form) appends what it is told.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText } from '@mmm/common';
import {
  NETNS_HEALTH_PORT, agentConf, commonConf, controlConf, generateCredentials, healthAddress, loopbackHealthPort, monConf, nodeFiles, nodeIp, nodeName, nodePort,
  parseMonitorOption, parseSandboxChecks, replayVipEvents, roleIps, sandboxNames, vipHookScript, type DbNode, type SandboxLayout, type VipMethod,
} from '../src';

function layout(dir: string, vipMethod: VipMethod): SandboxLayout {
  const names = sandboxNames(dir);
  const netns = vipMethod === 'netns';
  const nodes: DbNode[] = [1, 2, 3].map((i) => {
    const f = nodeFiles(names, nodeName(i));
    return {
      name: nodeName(i), index: i, mode: i <= 2 ? 'master' : 'slave', ip: nodeIp(names, i, netns), port: nodePort(names, i, netns),
      socket: f.socket, dir: f.dir, datadir: f.datadir, cnf: f.cnf, pidFile: f.pidFile, errorLog: f.errorLog,
      ...(netns ? { netns: `${names.prefix}-${nodeName(i)}` } : {}),
    };
  });
  return { names, network: netns ? 'netns' : 'loopback', vipMethod, nodes, credentials: generateCredentials() };
}

describe('mmm_sandbox configs and VIP hook', () => {
  for (const method of ['netns', 'hook-lo'] as const) {
    it(`generates 2.x configs the loader accepts for agent, monitor and control (${method})`, () => {
      const l = layout('/tmp/mmm-sbx-cfg', method);
      const d = l.names.dir;
      const common = { [join(d, 'mmm_common.conf')]: commonConf(l) };
      const agent = parseConfigText('agent', { ...common, [join(d, 'db1', 'mmm_agent.conf')]: agentConf(l, l.nodes[0]!) }, join(d, 'db1', 'mmm_agent.conf'));
      expect(agent.issues, JSON.stringify(agent.issues)).to.deep.equal([]);
      const a = agent.loaded!.config;
      expect(a.this).to.equal('db1');
      expect(a.writerLease).to.equal(3);
      expect(a.roles.writer!.ips).to.deep.equal([roleIps(l.names, 3, l.network).writer]);
      expect(a.hosts.db1!.ipAddCommand ?? null).to.equal(method === 'netns' ? null : `${join(d, 'vip-hook.sh')} add db1`);
      expect(a.hosts.db1!.clusterInterface).to.equal(method === 'netns' ? 'eth0' : 'sbx-db1');
      expect(a.hosts.db1!.termFile, 'each agent its own term file').to.equal(join(l.nodes[0]!.dir, 'mmmd_agent.term.json'));
      // netns: vip_reject unset, so on (the agent's default; the benchmarks measure it); the hook: off, said, no start warning
      expect(a.hosts.db1!.vipReject ?? null).to.equal(method === 'netns' ? null : false);
      const port = method === 'netns' ? NETNS_HEALTH_PORT : loopbackHealthPort(l.names, 1);
      expect(a.hosts.db1!.healthListen, 'health endpoints on the node ip').to.deep.equal({ ip: l.nodes[0]!.ip, port });
      expect(healthAddress(l.names, l.nodes[0]!, l.network)).to.equal(`${l.nodes[0]!.ip}:${port}`);
      expect(a.hosts.db1!.healthHttpListen ?? null, 'no plain HTTP').to.equal(null);
      const mon = parseConfigText('monitor', { ...common, [join(d, 'mmm_mon.conf')]: monConf(l) }, join(d, 'mmm_mon.conf'));
      expect(mon.issues, JSON.stringify(mon.issues)).to.deep.equal([]);
      const m = mon.loaded!.config;
      expect(m.monitor!.ip).to.equal('127.0.0.1');
      expect(m.monitor!.failoverCooldown, 'tests and benchmarks fail over repeatedly').to.equal(0);
      expect(m.roles.writer!.prefer).to.equal('db1');
      expect(m.roles.reader!.ips).to.have.length(3);
      expect(m.checks.mysql!.checkPeriod).to.equal(0.25);
      const ctl = parseConfigText('control', { [join(d, 'mmm_control.conf')]: controlConf(l) }, join(d, 'mmm_control.conf'));
      expect(ctl.issues, JSON.stringify(ctl.issues)).to.deep.equal([]);
      expect(ctl.loaded!.config.socket.clientCertFile).to.equal(join(d, 'tls', 'control.crt'));
    });
  }

  it('writes the check settings chosen with --checks (MMM 2.x defaults, explicit numbers) and refuses bad ones', () => {
    const l = layout('/tmp/mmm-sbx-cfg', 'netns');
    const d = l.names.dir;
    const load = (checks: string) => {
      const mon = parseConfigText('monitor', { [join(d, 'mmm_common.conf')]: commonConf(l), [join(d, 'mmm_mon.conf')]: monConf({ ...l, checks: parseSandboxChecks(checks) }) }, join(d, 'mmm_mon.conf'));
      expect(mon.issues, JSON.stringify(mon.issues)).to.deep.equal([]);
      return mon.loaded!.config;
    };
    const def = load('default');
    for (const c of ['ping', 'mysql', 'rep_threads', 'rep_backlog'] as const) {
      expect([def.checks[c]!.checkPeriod, def.checks[c]!.trapPeriod, def.checks[c]!.timeout]).to.deep.equal([5, 10, 2]);
    }
    const one = load('1/2');
    expect([one.checks.mysql!.checkPeriod, one.checks.mysql!.trapPeriod, one.checks.mysql!.timeout]).to.deep.equal([1, 2, 1]);
    expect(load('tuned').checks.rep_backlog!.checkPeriod).to.equal(0.5);
    for (const bad of ['fast', '1', '0/2', '1/2/3/4', '-1/2']) expect(() => parseSandboxChecks(bad), bad).to.throw(RangeError);
  });

  it('writes the <monitor> keys chosen with --monitor-option (failover_cooldown replaces the sandbox\'s 0) and refuses bad ones', () => {
    const l = layout('/tmp/mmm-sbx-cfg', 'netns');
    const d = l.names.dir;
    const opts = ['failover_cooldown=300', 'failover_max_lag=5', 'never_writer=db2'].map(parseMonitorOption);
    const text = monConf({ ...l, monitorOptions: opts });
    expect(text.match(/^\s*failover_cooldown\s/gm), 'one failover_cooldown line').to.have.length(1);
    const mon = parseConfigText('monitor', { [join(d, 'mmm_common.conf')]: commonConf(l), [join(d, 'mmm_mon.conf')]: text }, join(d, 'mmm_mon.conf'));
    expect(mon.issues, JSON.stringify(mon.issues)).to.deep.equal([]);
    const m = mon.loaded!.config.monitor!;
    expect([m.failoverCooldown, m.failoverMaxLag, m.neverWriter]).to.deep.equal([300, 5, ['db2']]);
    expect(parseMonitorOption('promotion_order= db2 ')).to.deep.equal(['promotion_order', 'db2']);
    for (const bad of ['failover_cooldown', 'failover_cooldown=', '=5', 'Bad-Key=1', 'never_writer=db2 # x', 'a=1\nmode passive']) {
      expect(() => parseMonitorOption(bad), bad).to.throw(RangeError);
    }
  });

  it('up --no-writer-vip: the writer keeps its address in the config, every agent moves VIPs through the hook (netns too)', () => {
    const l = { ...layout('/tmp/mmm-sbx-cfg', 'netns'), noWriterVip: true };
    const d = l.names.dir;
    const common = { [join(d, 'mmm_common.conf')]: commonConf(l) };
    for (const n of l.nodes) {
      const file = join(d, n.name, 'mmm_agent.conf');
      const agent = parseConfigText('agent', { ...common, [file]: agentConf(l, n) }, file);
      expect(agent.issues, JSON.stringify(agent.issues)).to.deep.equal([]);
      const c = agent.loaded!.config;
      expect(c.roles.writer!.ips, 'the monitor still has an address for the writer role').to.deep.equal([roleIps(l.names, 3, 'netns').writer]);
      expect(c.hosts[n.name]!.ipAddCommand).to.equal(`${join(d, 'vip-hook.sh')} add ${n.name}`);
      expect(c.hosts[n.name]!.clusterInterface, 'reader VIPs still on eth0').to.equal('eth0');
      expect(c.hosts[n.name]!.vipReject, 'the hook moves the VIPs: vip_reject no').to.equal(false);
    }
  });

  it('the --no-writer-vip hook only records the writer address, and puts the others on the interface', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmm-sbx-hook-'));
    try {
      const l = { ...layout(dir, 'netns'), noWriterVip: true };
      const ips = roleIps(l.names, 3, 'netns');
      const hook = join(dir, 'vip-hook.sh');
      writeFileSync(hook, vipHookScript(l), { mode: 0o700 });
      // The writer address never reaches `ip`: on an interface that does not exist it still succeeds.
      execFileSync(hook, ['add', 'db1', ips.writer, 'mmm-nosuch0']);
      execFileSync(hook, ['del', 'db1', ips.writer, 'mmm-nosuch0']);
      // A reader address is put on the interface: there is none by that name, so the hook fails.
      expect(() => execFileSync(hook, ['add', 'db1', ips.readers[0]!, 'mmm-nosuch0'], { stdio: 'ignore' })).to.throw();
      const lines = readFileSync(join(dir, 'vip-events.log'), 'utf8').trim().split('\n');
      expect(lines.map((x) => x.split(' ').slice(1).join(' '))).to.deep.equal([`db1 add ${ips.writer}`, `db1 del ${ips.writer}`, `db1 add ${ips.readers[0]!}`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('replays the VIP record per node (a node holds an IP from its add until its own del)', () => {
    const held = replayVipEvents([
      'T db1 add 127.0.1.5', 'T db1 add 127.0.1.6', 'T db2 add 127.0.1.6', 'T db1 del 127.0.1.6', 'garbage', '', 'T db3 add 127.0.1.7', 'T db3 del 127.0.1.7',
    ].join('\n'));
    expect(held).to.deep.equal({ db1: ['127.0.1.5'], db2: ['127.0.1.6'], db3: [] });
  });

  it('the not-root hook records `TIME NODE op IP` and refuses a bad op', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmm-sbx-hook-'));
    try {
      const l = layout(dir, 'hook-record');
      const hook = join(dir, 'vip-hook.sh');
      writeFileSync(hook, vipHookScript(l), { mode: 0o700 });
      execFileSync(hook, ['add', 'db2', '127.0.1.9', 'sbx-db2']);
      execFileSync(hook, ['del', 'db2', '127.0.1.9', 'sbx-db2']);
      expect(() => execFileSync(hook, ['move', 'db2', '127.0.1.9', 'sbx-db2'], { stdio: 'ignore' })).to.throw();
      const lines = readFileSync(join(dir, 'vip-events.log'), 'utf8').trim().split('\n');
      expect(lines).to.have.length(2);
      expect(lines[0]).to.match(/^\d{4}-\d\d-\d\dT[\d:.]+Z db2 add 127\.0\.1\.9$/);
      expect(lines[1]).to.match(/ db2 del 127\.0\.1\.9$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
