// Loopback mode as a new user meets it: the BUILT mmm_sandbox binary, real MariaDB, agents and the
// monitor. A client (the sandbox's app user, mysql2) connects to the writer VIP and gets the
// writer's mariadbd, before and after a planned switch and after a crash; each reader VIP gets its
// holder. `stop NODE` / `start NODE` take one mariadbd down and back, the monitor sees it, and
// `down` leaves no mariadbd of the sandbox (restarted ones included). Every wait is bounded;
// after() runs down, then stopDbCluster as a fallback.
import { expect } from 'chai';
import mysql from 'mysql2/promise';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive, readDbClusterState, roleIps, sandboxNames, sleep, statusJson as monitorStatus, type SandboxStatus } from '../src';
import { cleanup, CONTROL_BIN, expectNothingLeft, freshDir, node, sandbox, statusJson } from './sandbox-cli-helpers';

interface Answer {
  serverId: number;
  port: number;
  hostname: string;
  readOnly: boolean;
}

describe('mmm_sandbox loopback mode: VIPs a client can use; stop/start NODE', function () {
  this.timeout(240_000);
  let dir = '';
  let app = { user: '', password: '' };
  let vipPort = 0;
  let ips: { writer: string; readers: string[] } = { writer: '', readers: [] };
  /** Every mariadbd PID seen, to check after down (restarted ones too). */
  const seenPids = new Set<number>();
  const opened: mysql.Connection[] = [];

  const connectVip = async (vip: string): Promise<mysql.Connection> => {
    const c = await mysql.createConnection({ host: vip, port: vipPort, user: app.user, password: app.password, database: 'mmm_test', connectTimeout: 5_000 });
    opened.push(c);
    return c;
  };
  const whoIs = async (c: mysql.Connection): Promise<Answer> => {
    const [rows] = await c.query('SELECT @@server_id AS id, @@port AS port, @@hostname AS host, @@read_only AS ro');
    const r = (rows as Array<Record<string, unknown>>)[0]!;
    return { serverId: Number(r.id), port: Number(r.port), hostname: String(r.host), readOnly: Number(r.ro) === 1 };
  };
  /** One new connection to `vip`: who answers. */
  const ask = async (vip: string): Promise<Answer> => {
    const c = await connectVip(vip);
    try {
      return await whoIs(c);
    } finally {
      await c.end().catch(() => c.destroy());
    }
  };
  const control = async (cmd: string): Promise<string> => {
    const r = await node(CONTROL_BIN, ['-c', join(dir, 'mmm_control.conf'), ...cmd.split(' ')], 30_000);
    expect(r.code, `mmm_control ${cmd}: ${r.stdout}${r.stderr}`).to.equal(0);
    return r.stdout;
  };
  const record = (s: SandboxStatus): SandboxStatus => {
    for (const n of s.nodes) if (n.mariadbd_pid !== null) seenPids.add(n.mariadbd_pid);
    return s;
  };
  /**
   * Polls (bounded) until the monitor reports `want` and the sandbox's status shows the writer VIP
   * on `writer` (its agent's hook ran); returns that status.
   */
  const settle = async (what: string, writer: string, want: (hosts: Record<string, string>) => boolean, ms = 45_000): Promise<SandboxStatus> => {
    const deadline = Date.now() + ms;
    let last = '';
    for (;;) {
      try {
        const doc = await monitorStatus({ config: join(dir, 'mmm_control.conf') }, 5_000);
        const hosts = Object.fromEntries(doc.hosts.map((h) => [h.name, h.state]));
        const holder = doc.roles.find((r) => r.activeMaster)?.ips.map((i) => i.assignedTo).filter(Boolean) ?? [];
        last = `${JSON.stringify(hosts)} writer on ${holder.join(',') || 'nobody'}`;
        if (want(hosts) && holder.length === 1 && holder[0] === writer) {
          const s = record(await statusJson(dir));
          const onWriter = s.nodes.find((n) => n.name === writer)!.vips.includes(ips.writer);
          const elsewhere = s.nodes.filter((n) => n.name !== writer && n.vips.includes(ips.writer));
          if (onWriter && !elsewhere.length) return s;
          last += `; writer VIP on ${s.nodes.filter((n) => n.vips.includes(ips.writer)).map((n) => n.name).join(',') || 'nobody'}`;
        }
      } catch (e) {
        last = (e as Error).message;
      }
      if (Date.now() >= deadline) throw new Error(`${what}: not reached within ${ms} ms (last: ${last})`);
      await sleep(200);
    }
  };
  const allOnline = (h: Record<string, string>): boolean => Object.values(h).every((s) => s === 'ONLINE');
  const nodeOf = (s: SandboxStatus, name: string) => s.nodes.find((n) => n.name === name)!;
  const idOf = (name: string): number => Number(name.slice(2));

  /** Every VIP answers as the node status --json says holds it. */
  const expectVipsFollowHolders = async (s: SandboxStatus): Promise<void> => {
    const held = s.nodes.flatMap((n) => n.vips.map((v) => [v, n] as const));
    expect(held.map(([v]) => v).sort(), 'every VIP held by one node').to.deep.equal([ips.writer, ...ips.readers].sort());
    for (const [vip, n] of held) {
      const a = await ask(vip);
      expect([a.serverId, a.port], `${vip} (held by ${n.name})`).to.deep.equal([idOf(n.name), n.mysql_port]);
    }
  };

  before(async function () {
    dir = freshDir('vip');
    rmSync(dir, { recursive: true, force: true }); // up creates it
    const t0 = Date.now();
    const r = await sandbox(['up', '--dir', dir]);
    console.log(`      up exited ${r.code} in ${Date.now() - t0} ms`);
    if (r.code !== 0) throw new Error(`up failed: ${r.stderr}`);
    app = readDbClusterState(dir)!.credentials.app;
    const s = record(await statusJson(dir));
    vipPort = s.vip_port!;
    ips = roleIps(sandboxNames(dir), 3, 'loopback');
    expect(r.stdout).to.include(`mariadb -h ${ips.writer} -P ${vipPort} -u${app.user} -p${app.password} mmm_test`);
  });

  after(async function () {
    for (const c of opened) c.destroy();
    await cleanup(dir);
  });

  it('status --json names the VIP port and a running forwarder; the writer VIP answers as db1, writable, and takes writes', async () => {
    const s = record(await statusJson(dir));
    expect(s.vip_port).to.be.a('number');
    expect(s.vip_proxy?.running, 'VIP forwarder running').to.equal(true);
    const a = await ask(ips.writer);
    expect(a.serverId).to.equal(1);
    expect(a.port).to.equal(nodeOf(s, 'db1').mysql_port);
    expect(a.hostname).to.be.a('string').and.not.equal('');
    expect(a.readOnly).to.equal(false);
    const c = await connectVip(ips.writer);
    await c.query("INSERT INTO t (token, origin) VALUES ('through the writer VIP', 'vip-test')");
    await c.end();
  });

  it('every reader VIP answers as the node that holds it', async () => {
    await expectVipsFollowHolders(record(await statusJson(dir)));
  });

  it('a planned switch (set_manual, move_role writer db2) takes the writer VIP to db2 and ends the connection opened through it before', async () => {
    const before = await connectVip(ips.writer);
    expect((await whoIs(before)).serverId).to.equal(1);
    await control('set_manual');
    expect(await control('move_role writer db2')).to.match(/^OK/);
    await settle('writer on db2', 'db2', allOnline);
    const a = await ask(ips.writer);
    expect([a.serverId, a.readOnly]).to.deep.equal([2, false]);
    const err = await whoIs(before).then(() => undefined, (e: Error) => e);
    expect(err, 'the connection made through the VIP to db1 is gone').to.be.instanceOf(Error);
    // Back to db1: active mode returns the role to its preferred host.
    await control('set_active');
    await settle('writer back on db1', 'db1', allOnline);
    expect((await ask(ips.writer)).serverId).to.equal(1);
  });

  it('after the writer\'s mariadbd is killed (PID from status --json) the writer VIP leads to db2; start db1 brings db1 back', async () => {
    const s0 = record(await statusJson(dir));
    const pid = nodeOf(s0, 'db1').mariadbd_pid!;
    expect(processAlive(pid)).to.equal(true);
    process.kill(pid, 'SIGKILL');
    const s1 = await settle('db1 HARD_OFFLINE, writer on db2', 'db2', (h) => h.db1 === 'HARD_OFFLINE');
    expect(nodeOf(s1, 'db1').mariadbd_running).to.equal(false);
    const a = await ask(ips.writer);
    expect([a.serverId, a.readOnly]).to.deep.equal([2, false]);
    const st = await sandbox(['start', 'db1', '--dir', dir], 60_000);
    expect(st.code, st.stderr).to.equal(0);
    expect(st.stdout).to.match(/^db1: mariadbd started \(pid \d+\)/);
    const s2 = record(await statusJson(dir));
    const newPid = nodeOf(s2, 'db1').mariadbd_pid!;
    expect(newPid).to.not.equal(pid);
    expect(processAlive(newPid)).to.equal(true);
    // db1 comes back ONLINE (short outage) and, preferred, takes the writer role back.
    const s3 = await settle('db1 ONLINE with the writer', 'db1', allOnline);
    expect((await ask(ips.writer)).serverId).to.equal(1);
    await expectVipsFollowHolders(s3);
  });

  it('stop db3: status shows it stopped, the monitor HARD_OFFLINE, its reader VIP moves; start db3: ONLINE again', async () => {
    const s0 = record(await statusJson(dir));
    const pid = nodeOf(s0, 'db3').mariadbd_pid!;
    const r = await sandbox(['stop', 'db3', '--dir', dir], 60_000);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal(`db3: mariadbd stopped (pid ${pid}, SIGTERM)`);
    expect(processAlive(pid)).to.equal(false);
    const again = await sandbox(['stop', 'db3', '--dir', dir], 30_000);
    expect([again.code, again.stdout.trim()]).to.deep.equal([0, 'db3: mariadbd was not running']);
    const s1 = await settle('db3 HARD_OFFLINE', 'db1', (h) => h.db3 === 'HARD_OFFLINE' && h.db1 === 'ONLINE' && h.db2 === 'ONLINE');
    expect(nodeOf(s1, 'db3')).to.deep.include({ mariadbd_pid: null, mariadbd_running: false });
    const table = await sandbox(['status', '--dir', dir], 30_000);
    expect(table.stdout).to.match(/^db3\s+slave\s+\S+\s+\d+\s+stopped\s/m);
    // The monitor takes the reader role off db3; wait (bounded) until its hook gave the VIP up.
    let s2 = s1;
    for (let i = 0; i < 150 && nodeOf(s2, 'db3').vips.length; i++) {
      await sleep(200);
      s2 = record(await statusJson(dir));
    }
    expect(nodeOf(s2, 'db3').vips, 'db3 holds no VIP while stopped').to.deep.equal([]);
    // its reader VIP goes to another node a pass after db3 confirmed dropping it (never on two at once)
    const all = [ips.writer, ...ips.readers].length;
    for (let i = 0; i < 150 && s2.nodes.flatMap((n) => n.vips).length < all; i++) {
      await sleep(200);
      s2 = record(await statusJson(dir));
    }
    await expectVipsFollowHolders(s2);

    const st = await sandbox(['start', 'db3', '--dir', dir], 60_000);
    expect(st.code, st.stderr).to.equal(0);
    const s3 = await settle('db3 ONLINE again', 'db1', allOnline);
    expect(processAlive(nodeOf(s3, 'db3').mariadbd_pid!)).to.equal(true);
    const twice = await sandbox(['start', 'db3', '--dir', dir], 30_000);
    expect([twice.code, twice.stdout.trim()]).to.deep.equal([0, `db3: mariadbd is already running (pid ${nodeOf(s3, 'db3').mariadbd_pid})`]);
  });

  it('stop/start of an unknown node exits 1 and names the nodes', async () => {
    const r = await sandbox(['stop', 'db9', '--dir', dir], 30_000);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.include('no node db9').and.include('db1, db2, db3');
  });

  it('down leaves no mariadbd of the sandbox (the restarted ones included), no agent, monitor, forwarder, VIP or DIR', async () => {
    const before = record(await statusJson(dir));
    const r = await sandbox(['down', '--dir', dir], 60_000);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.include('VIP forwarder stopped');
    expect(seenPids.size, 'mariadbd PIDs seen: 3 first, db1 and db3 restarted').to.equal(5);
    await expectNothingLeft(dir, before, [...seenPids]);
  });
});
