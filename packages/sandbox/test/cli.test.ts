// mmm_sandbox as users run it: the BUILT binary as a child process, real MariaDB, agents and the
// monitor over mutual TLS. up/status/down in loopback and (root) netns mode, the status --json
// shape key by key, two sandboxes side by side, a failing up that cleans up, and `down` leaving
// nothing behind. Every step is bounded; after() calls down, then stopDbCluster as a fallback.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  controlPort, healthAddress, monitorHttpAddress, netnsSupport, processAlive, readOnly, roleIps, run, sandboxNames, slaveStatus, stopDbCluster,
  type SandboxStatus,
} from '../src';
import {
  BIN, CONTROL_BIN, cleanup, expectNothingLeft, freshDir, loAddresses, node, ROOT, sandbox, statusJson, type Ran,
} from './sandbox-cli-helpers';

function sandboxSuite(netns: boolean): void {
  const mode = netns ? 'netns' : 'loopback';
  describe(`mmm_sandbox up/status/down (${mode})`, function () {
    this.timeout(180_000);
    let dir = '';
    let upRun: Ran | undefined;
    let st: SandboxStatus | undefined;

    before(async function () {
      if (netns) {
        const ok = await netnsSupport();
        if (ok !== true) {
          console.log(`      skipping netns mode: ${ok}`);
          return this.skip();
        }
      }
      dir = freshDir(mode);
      rmSync(dir, { recursive: true, force: true }); // up creates it
      const t0 = Date.now();
      upRun = await sandbox(['up', '--dir', dir, ...(netns ? ['--netns'] : [])]);
      console.log(`      up exited ${upRun.code} in ${Date.now() - t0} ms`);
      if (upRun.code !== 0) console.log(upRun.stderr);
    });

    after(async function () {
      await cleanup(dir);
    });

    it('up exits 0, shows progress on stderr and prints `mmm_control show` and the commands to use the cluster', () => {
      const r = upRun!;
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.match(/starting MariaDB db1, db2, db3/);
      expect(r.stderr).to.match(/agents up/);
      expect(r.stderr).to.match(/waiting for ONLINE/);
      expect(r.stdout).to.match(/db1\(\S+\) master\/ONLINE\. Roles: .*writer\(/);
      expect(r.stdout).to.match(/db2\(\S+\) master\/ONLINE/);
      expect(r.stdout).to.match(/db3\(\S+\) slave\/ONLINE/);
      expect(r.stdout).to.include(`mmm_control -c ${join(dir, 'mmm_control.conf')} show`);
      expect(r.stdout).to.include(`mariadb --defaults-file=${join(dir, 'db1', 'my.cnf')}`);
      expect(r.stdout).to.include(`mmm_sandbox down --dir ${dir}`);
    });

    it('status --json has the DESIGN §6 shape, key by key, with live PIDs and VIPs', async () => {
      st = await statusJson(dir);
      expect(st.dir).to.equal(dir);
      expect(st.monitor).to.include.all.keys('pid', 'config', 'control', 'http');
      expect(st.monitor.http).to.equal(monitorHttpAddress(sandboxNames(dir), netns));
      expect(st.monitor.pid).to.be.a('number');
      expect(processAlive(st.monitor.pid!)).to.equal(true);
      expect(st.monitor.config).to.equal(join(dir, 'mmm_mon.conf'));
      expect(st.monitor.control).to.equal(`127.0.0.1:${controlPort(sandboxNames(dir))}`);
      expect(st.certs).to.deep.include({
        ca: join(dir, 'tls', 'ca.crt'),
        control_cert: join(dir, 'tls', 'control.crt'),
        control_key: join(dir, 'tls', 'control.key'),
        viewer_cert: join(dir, 'tls', 'viewer.crt'),
        viewer_key: join(dir, 'tls', 'viewer.key'),
      });
      // the viewer certificate is read-only: role viewer, clientAuth only
      const viewer = new X509Certificate(readFileSync(st.certs.viewer_cert!));
      expect(viewer.subjectAltName ?? '').to.include('urn:mmm:role:viewer');
      for (const f of Object.values(st.certs)) expect(existsSync(f!), String(f)).to.equal(true);
      expect(st.nodes.map((n) => n.name)).to.deep.equal(['db1', 'db2', 'db3']);
      expect(st.nodes.map((n) => n.mode)).to.deep.equal(['master', 'master', 'slave']);
      const ips = roleIps(sandboxNames(dir), 3, netns ? 'netns' : 'loopback');
      for (const n of st.nodes) {
        expect(n).to.include.all.keys('name', 'mode', 'ip', 'mysql_port', 'socket', 'mariadbd_pid', 'agent_pid', 'netns', 'config', 'vips');
        expect(n.ip).to.match(netns ? /^10\.\d+\.\d+\.\d+$/ : /^127\.0\.0\.\d+$/);
        expect(n.mysql_port).to.be.a('number');
        if (netns) expect(n.mysql_port).to.equal(3306);
        expect(n.socket).to.equal(join(dir, n.name, 'mysqld.sock'));
        expect(processAlive(n.mariadbd_pid!), `${n.name} mariadbd`).to.equal(true);
        expect(processAlive(n.agent_pid!), `${n.name} agent`).to.equal(true);
        expect(n.netns).to.equal(netns ? `${sandboxNames(dir).prefix}-${n.name}` : null);
        expect(n.config).to.equal(join(dir, n.name, 'mmm_agent.conf'));
        expect(n.vips).to.be.an('array');
        for (const v of n.vips) expect([ips.writer, ...ips.readers]).to.include(v);
        expect(n.health, `${n.name} health endpoint`).to.equal(healthAddress(sandboxNames(dir), { index: Number(n.name.slice(2)), ip: n.ip }, netns ? 'netns' : 'loopback'));
      }
      expect(st.writer_vip).to.equal(ips.writer);
      expect(st.nodes[0]!.vips, 'writer VIP on db1').to.include(ips.writer);
      const all = st.nodes.flatMap((n) => n.vips).sort();
      expect(all, 'every VIP on exactly one node').to.deep.equal([ips.writer, ...ips.readers].sort());
      if (!netns) {
        const lo = await loAddresses();
        if (process.getuid?.() === 0) expect(all.filter((v) => !lo.includes(v)), 'VIPs on lo').to.deep.equal([]);
      }
    });

    if (!netns) {
      // From the root namespace only loopback addresses may be reached: netns mode's endpoints are the HAProxy test's.
      it('the agents\' health endpoints answer over mutual TLS: /writer 200 on db1 only, /health 200 everywhere', async () => {
        const s = st ?? (await statusJson(dir));
        const get = (addr: string, path: string): Promise<number> =>
          new Promise((resolve, reject) => {
            const [host, port] = [addr.slice(0, addr.lastIndexOf(':')), Number(addr.slice(addr.lastIndexOf(':') + 1))];
            const req = request({
              host, port, path, agent: false, timeout: 10_000,
              ca: readFileSync(s.certs.ca), cert: readFileSync(s.certs.control_cert), key: readFileSync(s.certs.control_key),
            }, (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            });
            req.on('error', reject);
            req.on('timeout', () => req.destroy(new Error('timeout')));
            req.end();
          });
        const writer = await Promise.all(s.nodes.map((n) => get(n.health!, '/writer')));
        expect(writer).to.deep.equal([200, 503, 503]);
        expect(await Promise.all(s.nodes.map((n) => get(n.health!, '/health')))).to.deep.equal([200, 200, 200]);
      });
    }

    it('db1 is the only writable node and replication runs everywhere', async () => {
      const s = st ?? (await statusJson(dir));
      const ro = await Promise.all(s.nodes.map((n) => readOnly(n)));
      expect(ro).to.deep.equal([false, true, true]);
      for (const n of s.nodes) {
        const ss = await slaveStatus(n);
        expect([ss?.Slave_IO_Running, ss?.Slave_SQL_Running], n.name).to.deep.equal(['Yes', 'Yes']);
      }
    });

    it('writes configs and keys with mode 600 that every daemon accepts (--check-config)', async () => {
      const s = st ?? (await statusJson(dir));
      const confs = [join(dir, 'mmm_common.conf'), s.monitor.config, join(dir, 'mmm_control.conf'), ...s.nodes.map((n) => n.config)];
      for (const f of [...confs, s.certs.control_key, join(dir, 'sandbox.json')]) {
        expect(statSync(f).mode & 0o777, f).to.equal(0o600);
      }
      const checks: Array<[string, string]> = [
        [join(ROOT, 'packages/monitor/bin/mmmd_mon.js'), s.monitor.config],
        [CONTROL_BIN, join(dir, 'mmm_control.conf')],
        ...s.nodes.map((n): [string, string] => [join(ROOT, 'packages/agent/bin/mmmd_agent.js'), n.config]),
      ];
      for (const [bin, conf] of checks) {
        const r = await node(bin, ['--check-config', '-c', conf], 30_000);
        expect(r.code, `${bin} --check-config -c ${conf}: ${r.stdout}${r.stderr}`).to.equal(0);
      }
    });

    it('mmm_control -c DIR/mmm_control.conf show works from a plain shell elsewhere', async () => {
      const r = await node(CONTROL_BIN, ['-c', join(dir, 'mmm_control.conf'), 'show'], 30_000, tmpdir());
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/db1\(\S+\) master\/ONLINE/);
    });

    it('status without --json prints a table; a second up on the same DIR is refused and changes nothing', async () => {
      const t = await sandbox(['status', '--dir', dir], 30_000);
      expect(t.code).to.equal(0);
      expect(t.stdout).to.match(/^db1\s+master\s+/m);
      expect(t.stdout).to.include(`sandbox ${dir}`);
      const again = await sandbox(['up', '--dir', dir], 30_000);
      expect(again.code).to.equal(1);
      expect(again.stderr).to.match(/already holds a sandbox/);
      const s = await statusJson(dir);
      expect(processAlive(s.monitor.pid!)).to.equal(true);
      expect(s.nodes.every((n) => processAlive(n.agent_pid!) && processAlive(n.mariadbd_pid!))).to.equal(true);
    });

    it('down stops everything and leaves no process, namespace, veth, VIP or DIR', async () => {
      const before = st ?? (await statusJson(dir));
      const r = await sandbox(['down', '--dir', dir], 60_000);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr.indexOf('monitor stopped')).to.be.lessThan(r.stderr.indexOf('agents stopped'));
      await expectNothingLeft(dir, before);
      const st2 = await sandbox(['status', '--dir', dir], 30_000);
      expect(st2.code).to.equal(1);
      expect(st2.stderr).to.match(/no sandbox in/);
    });
  });
}

describe('mmm_sandbox CLI', function () {
  this.timeout(180_000);

  it('status on a DIR without a sandbox exits 1 with a clear message; down there is a no-op', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmm-sbx-none-'));
    try {
      const r = await sandbox(['status', '--json', '--dir', dir], 30_000);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.include(`no sandbox in ${dir}`);
      const d = await sandbox(['down', '--dir', dir], 30_000);
      expect(d.code).to.equal(0);
      expect(existsSync(dir), 'down never removes a DIR that holds no sandbox').to.equal(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  sandboxSuite(false);
  sandboxSuite(true);

  describe('two sandboxes side by side', function () {
    this.timeout(240_000);
    const dirs: string[] = [];
    after(async () => {
      for (const d of dirs) await cleanup(d);
    });

    it('run at once with distinct addresses and ports; down of one leaves the other working', async () => {
      const netns = (await netnsSupport()) === true;
      dirs.push(freshDir('a'));
      dirs.push(freshDir('b', [dirs[0]!]));
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
      // A in loopback mode (the Quick-start kind), B in netns mode when we can (a test's kind).
      const [a, b] = await Promise.all([
        sandbox(['up', '--dir', dirs[0]!]),
        sandbox(['up', '--dir', dirs[1]!, ...(netns ? ['--netns'] : [])]),
      ]);
      expect(a.code, a.stderr).to.equal(0);
      expect(b.code, b.stderr).to.equal(0);
      const [sa, sb] = await Promise.all(dirs.map(statusJson));
      expect(sa!.monitor.control).to.not.equal(sb!.monitor.control);
      const endpoints = (s: SandboxStatus) => s.nodes.map((n) => `${n.netns ?? ''}${n.ip}:${n.mysql_port}`);
      expect(endpoints(sa!).filter((e) => endpoints(sb!).includes(e))).to.deep.equal([]);
      const down = await sandbox(['down', '--dir', dirs[0]!], 60_000);
      expect(down.code, down.stderr).to.equal(0);
      await expectNothingLeft(dirs[0]!, sa!);
      const show = await node(CONTROL_BIN, ['-c', join(dirs[1]!, 'mmm_control.conf'), 'show'], 30_000);
      expect(show.code, show.stderr).to.equal(0);
      expect(show.stdout.match(/\/ONLINE\./g)?.length).to.equal(3);
      const sb2 = await statusJson(dirs[1]!);
      expect(sb2.nodes.every((n) => processAlive(n.agent_pid!) && processAlive(n.mariadbd_pid!))).to.equal(true);
      const downB = await sandbox(['down', '--dir', dirs[1]!], 60_000);
      expect(downB.code, downB.stderr).to.equal(0);
      await expectNothingLeft(dirs[1]!, sb2);
    });
  });

  describe('not root (run as nobody): VIP steps go through the recording hook', function () {
    this.timeout(180_000);
    let base = '';
    let dir = '';
    const asNobody = (args: string[], timeoutMs = 150_000): Promise<Ran> =>
      new Promise((res) => {
        execFile('runuser', ['-u', 'nobody', '--', process.execPath, BIN, ...args], { cwd: base, timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
          res({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 99) : 0, stdout, stderr });
        });
      });
    before(async function () {
      const ok = process.getuid?.() === 0 && (await run('runuser', ['-u', 'nobody', '--', 'test', '-r', BIN], { allowFail: true })).code === 0;
      if (!ok) {
        console.log('      skipping: needs root, runuser and a user `nobody` that can read the repository');
        return this.skip();
      }
      base = mkdtempSync(join(tmpdir(), 'mmm-sbx-nobody-'));
      await run('chown', ['nobody', base]);
      dir = join(base, 'sbx');
    });
    after(async () => {
      if (dir && existsSync(dir)) await asNobody(['down', '--dir', dir], 60_000);
      if (dir && existsSync(join(dir, 'db-cluster.json'))) await stopDbCluster(dir).catch(() => undefined);
      if (base) rmSync(base, { recursive: true, force: true });
    });

    it('up, VIPs recorded in DIR/vip-events.log and shown, nothing put on lo, down leaves nothing', async () => {
      const up = await asNobody(['up', '--dir', dir]);
      expect(up.code, up.stderr).to.equal(0);
      expect(up.stdout).to.match(/db1\(\S+\) master\/ONLINE\. Roles: .*writer\(/);
      const r = await asNobody(['status', '--json', '--dir', dir], 30_000);
      expect(r.code, r.stderr).to.equal(0);
      const s = JSON.parse(r.stdout) as SandboxStatus;
      expect(s.vip_method).to.equal('hook-record');
      const ips = roleIps(sandboxNames(dir), 3, 'loopback');
      expect(s.nodes[0]!.vips).to.include(ips.writer);
      expect(s.nodes.flatMap((n) => n.vips).sort()).to.deep.equal([ips.writer, ...ips.readers].sort());
      const lo = await loAddresses();
      expect([ips.writer, ...ips.readers].filter((v) => lo.includes(v)), 'nothing on lo when not root').to.deep.equal([]);
      expect(s.nodes.map((n) => n.mariadbd_pid).every((p) => p !== null && processAlive(p))).to.equal(true);
      const d = await asNobody(['down', '--dir', dir], 60_000);
      expect(d.code, d.stderr).to.equal(0);
      await expectNothingLeft(dir, s);
    });
  });

  describe('up --no-agents, up --no-monitor: only what runs is offered', function () {
    this.timeout(180_000);
    const dirs: string[] = [];
    after(async () => {
      for (const d of dirs) await cleanup(d);
    });

    it('--no-agents: MariaDB only (replicating, over TLS with its certificates), no mmm configs or daemons; the accounts printed; down leaves nothing', async () => {
      const dir = freshDir('noagents');
      dirs.push(dir);
      rmSync(dir, { recursive: true, force: true });
      const r = await sandbox(['up', '--dir', dir, '--no-agents']);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.match(/replication verified on 3 nodes/);
      expect(r.stderr).to.not.match(/agents up|monitor up/);
      expect(r.stdout).to.include('MariaDB only (up --no-agents)');
      expect(r.stdout).to.not.include('mmm_control');
      expect(r.stdout).to.not.include('Logs:');
      const db = JSON.parse(readFileSync(join(dir, 'db-cluster.json'), 'utf8')) as { credentials: Record<string, { user: string; password: string }> };
      for (const k of ['agent', 'monitor', 'replication']) expect(r.stdout).to.include(`${db.credentials[k]!.user} / ${db.credentials[k]!.password}`);
      // MariaDB keeps its TLS (the CA and the servers' certificates); nothing of mmm's own
      expect(existsSync(join(dir, 'tls', 'ca.crt')), 'tls/ca.crt').to.equal(true);
      for (const f of ['mmm_common.conf', 'mmm_mon.conf', 'mmm_control.conf', join('db1', 'mmm_agent.conf')]) {
        expect(existsSync(join(dir, f)), f).to.equal(false);
      }
      const st = await statusJson(dir);
      expect(st.monitor.pid).to.equal(null);
      expect(st.nodes.map((n) => n.agent_pid)).to.deep.equal([null, null, null]);
      expect(st.nodes.every((n) => n.mariadbd_running)).to.equal(true);
      const s3 = await slaveStatus(st.nodes[2]!);
      expect([s3?.Slave_IO_Running, s3?.Slave_SQL_Running]).to.deep.equal(['Yes', 'Yes']);
      const text = await sandbox(['status', '--dir', dir], 30_000);
      expect(text.stdout).to.include('monitor  none (up --no-agents: MariaDB only)');
      expect(text.stdout).to.not.match(/mmm_control:|certs:/);
      const d = await sandbox(['down', '--dir', dir], 60_000);
      expect(d.code, d.stderr).to.equal(0);
      await expectNothingLeft(dir, st);
    });

    it('--no-monitor: the agents run, no mmm_control commands (no monitor answers them), how to start one instead', async () => {
      const dir = freshDir('nomon');
      dirs.push(dir);
      rmSync(dir, { recursive: true, force: true });
      const r = await sandbox(['up', '--dir', dir, '--no-monitor']);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.match(/agents up/);
      expect(r.stdout).to.include(`No monitor (up --no-monitor)`);
      expect(r.stdout).to.include(`mmmd_mon -c ${join(dir, 'mmm_mon.conf')}`);
      expect(r.stdout).to.not.include('set_offline');
      expect(r.stdout).to.match(/Logs: \S+db1\/mmmd_agent\.log/);
      expect(r.stdout).to.not.include('mmmd_mon.log');
      const st = await statusJson(dir);
      expect(st.nodes.every((n) => n.agent_running)).to.equal(true);
      const text = await sandbox(['status', '--dir', dir], 30_000);
      expect(text.stdout).to.include('monitor  none (up --no-monitor)');
      const d = await sandbox(['down', '--dir', dir], 60_000);
      expect(d.code, d.stderr).to.equal(0);
      await expectNothingLeft(dir, st);
    });
  });

  describe('a failing up', function () {
    this.timeout(180_000);
    let dir = '';
    let blocker: Server | undefined;
    after(async () => {
      blocker?.close();
      await cleanup(dir);
    });

    it('cleans up everything it started and names what failed, with the log tail', async () => {
      dir = freshDir('fail');
      rmSync(dir, { recursive: true, force: true });
      // Someone else holds the monitor's control port: the monitor cannot listen.
      blocker = createServer();
      await new Promise<void>((r) => blocker!.listen(controlPort(sandboxNames(dir)), '127.0.0.1', r));
      const r = await sandbox(['up', '--dir', dir, '--timeout', '40']);
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/up failed: .*monitor/);
      expect(r.stderr).to.include(`last lines of ${join(dir, 'monitor', 'mmmd_mon.log')}`);
      expect(existsSync(dir), 'DIR removed').to.equal(false);
      const pids = [...r.stderr.matchAll(/(?:db\d=|pid )(\d+)/g)].map((m) => Number(m[1]));
      expect(pids.length).to.be.greaterThan(3);
      expect(pids.filter((p) => processAlive(p)), 'PIDs left').to.deep.equal([]);
    });
  });
});
