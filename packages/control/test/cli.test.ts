// The BUILT mmm_control (node bin/mmm_control.js, a child process) against a FAKE monitor: a real
// mutual-TLS listener from common with test certificates, answering MMM 2.x texts and status_json.
// Build first: npx tsc --build.
import { expect } from 'chai';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { HELP_TEXT, renderChecks, renderShow, texts, validateStatusDocument } from '@mmm/common';
import { FakeMonitor, clusterDoc } from './fake-monitor';
import { HOST, makePki, runCli, writeClientConfig, writeClientFiles, writeTlsConf, type ClientFiles, type Pki } from './helpers';

describe('mmm_control CLI against a fake mutual-TLS monitor', function () {
  this.timeout(60_000);
  let pki: Pki;
  let files: ClientFiles;
  let mon: FakeMonitor;
  let conf: string;
  const extra: FakeMonitor[] = [];

  before(async () => {
    pki = await makePki();
    files = await writeClientFiles(pki);
    mon = await FakeMonitor.start({ pair: pki.monitor, clientCa: pki.ca });
    conf = await writeClientConfig(files, mon.port);
  });
  after(async () => {
    await mon?.stop();
    for (const m of extra) await m.stop();
    if (files) await fs.rm(files.dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    mon.doc = clusterDoc();
  });

  const cli = (...args: string[]) => runCli(['-c', conf, ...args]);

  it('--help shows the usage, every command, the exit codes and the settings', async () => {
    const r = await runCli(['--help']);
    expect(r.status).to.equal(0);
    expect(r.stdout).to.include('Usage: mmm_control');
    for (const c of ['ping', 'show', 'checks', 'set_online', 'set_offline', 'move_role', 'set_ip', 'mode', 'set_active', 'set_manual', 'set_passive', 'status_json']) {
      expect(r.stdout).to.include(`  ${c} `);
    }
    expect(r.stdout).to.include('Exit status:');
    expect(r.stdout).to.include('MMM_TLSCONF_PATH');
    expect(r.stdout).to.include('--monitor');
  });

  it('help prints MMM help text without a monitor', async () => {
    const r = await runCli(['help']);
    expect(r).to.deep.equal({ stdout: `${HELP_TEXT}\n`, stderr: '', status: 0 });
  });

  it('every command: MMM text unchanged + "\\n", exit 0 or 1', async () => {
    const table: [string[], string, number][] = [
      [['ping'], texts.pingOk(), 0],
      [['mode'], 'ACTIVE', 0],
      [['checks'], renderChecks(clusterDoc(), 'all', 'all', { timeZone: 'utc' }), 0],
      [['checks', 'db1'], renderChecks(clusterDoc(), 'db1', 'all', { timeZone: 'utc' }), 0],
      [['checks', 'db1', 'mysql'], 'db1  mysql  [last change: 2026/11/23 17:46:52]  OK', 0],
      [['checks', 'dbX'], "ERROR: Unknown host name 'dbX'!", 1],
      [['checks', 'db1', 'nosuch'], "ERROR: Unknown check 'nosuch'!", 1],
      [['set_online', 'db1'], 'OK: This host is already ONLINE. Skipping command.', 0],
      [['set_offline', 'db3'], "OK: State of 'db3' changed to ADMIN_OFFLINE. Now you can wait some time and check all roles!", 0],
      [['set_online', 'db3'], "OK: State of 'db3' changed to ONLINE. Now you can wait some time and check its new roles!", 0],
      [['set_online', 'dbX'], "ERROR: Unknown host name 'dbX'!", 1],
      [['move_role', 'writer', 'db3'], "ERROR: Host 'db3' can't handle role 'writer'. Only following hosts could: db1, db2", 1],
      [['move_role', 'writer', 'db1'], "OK: Role is on 'db1' already. Skipping command.", 0],
      [['set_ip', '10.77.0.101', 'db2'], 'ERROR: This command is only allowed in passive mode', 1],
      [['set_passive'], 'OK: Switched into passive mode.', 0],
      [['mode'], 'PASSIVE', 0],
      [['move_role', 'writer', 'db2'], 'ERROR: This command is not allowed in passive mode', 1],
      [['set_ip', '10.77.0.101', 'db2'], "OK: Set role 'reader(10.77.0.101)' to host 'db2'.", 0],
      [['set_manual'], 'OK: Switched into manual mode.', 0],
      [['set_manual'], 'OK: Already in manual mode.', 0],
      [['set_active'], 'OK: Switched into active mode.', 0],
    ];
    for (const [args, reply, status] of table) {
      const r = await cli(...args);
      expect({ args, stdout: r.stdout, status: r.status }).to.deep.equal({ args, stdout: `${reply}\n`, status });
    }
  });

  it("show: MMM's text, then '# ' lines (lag, last state change, why each role is where it is)", async () => {
    const r = await cli('show');
    expect(r.status).to.equal(0);
    const mmm = renderShow(clusterDoc());
    expect(r.stdout.startsWith(`${mmm}\n`)).to.equal(true);
    const added = r.stdout.slice(mmm.length + 1).trimEnd().split('\n');
    expect(added.length).to.equal(5);
    for (const l of added) expect(l).to.match(/^# /);
    expect(added.join('\n')).to.match(/# Host db3: ONLINE since \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d; replication lag 2 s; read-only/);
    expect(added.join('\n')).to.include('# Role writer on db1: startup vote: writable, IP configured');
  });

  it('show --json and status_json: the validated document', async () => {
    for (const args of [['show', '--json'], ['--json', 'show'], ['status_json']]) {
      const r = await cli(...args);
      expect(r.status, args.join(' ')).to.equal(0);
      expect(validateStatusDocument(JSON.parse(r.stdout))).to.deep.equal([]);
    }
  });

  it('status_json of 300 hosts: one reply line far over the 64 KiB protocol line limit, read whole', async () => {
    const base = mon.doc.hosts[2]!;
    for (let i = 4; i <= 300; i++) mon.doc.hosts.push({ ...base, name: `db${i}`, ip: `10.77.1.${i % 250}`, roles: [] });
    const r = await cli('status_json');
    expect(r.status, r.stderr).to.equal(0);
    expect(Buffer.byteLength(r.stdout)).to.be.greaterThan(65536);
    const doc = JSON.parse(r.stdout) as { hosts: unknown[] };
    expect(validateStatusDocument(doc)).to.deep.equal([]);
    expect(doc.hosts).to.have.length(300);
  });

  it('--json for other commands: {command, ok, reply}', async () => {
    const a = await cli('ping', '--json');
    expect(JSON.parse(a.stdout)).to.deep.equal({ command: 'ping', ok: true, reply: texts.pingOk() });
    const b = await cli('--json', 'checks', 'dbX');
    expect(b.status).to.equal(1);
    expect(JSON.parse(b.stdout)).to.deep.equal({ command: 'checks dbX', ok: false, reply: "ERROR: Unknown host name 'dbX'!" });
  });

  it('an invalid status_json from the monitor: exit 1 with the problems', async () => {
    const bad = await FakeMonitor.start({ pair: pki.monitor, clientCa: pki.ca, badStatusJson: true });
    extra.push(bad);
    const r = await runCli(['show', '--json', '--monitor', `${HOST}:${bad.port}`, '-c', conf]);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.include('$.schemaVersion: expected 1');
    expect(r.stderr).to.include('$.mode: expected one of');
  });

  it('options before and after the command', async () => {
    const variants = [
      ['-c', conf, 'checks', 'db1', 'mysql'],
      ['checks', 'db1', 'mysql', '-c', conf],
      ['checks', '-c', conf, 'db1', 'mysql'],
      ['--config', conf, '--timeout', '5', 'checks', 'db1', 'mysql'],
    ];
    for (const v of variants) {
      const r = await runCli(v);
      expect({ v, out: r.stdout, status: r.status }).to.deep.equal({ v, out: 'db1  mysql  [last change: 2026/11/23 17:46:52]  OK\n', status: 0 });
    }
  });

  it('move_role writer waits until the move is done and reports the time; --no-wait does not', async () => {
    const r = await cli('move_role', 'writer', 'db2');
    expect(r.status).to.equal(0);
    expect(r.stdout).to.match(
      /^OK: Role 'writer' has been moved from 'db1' to 'db2'\. Now you can wait some time and check new roles info!\n# Last move: role writer from db1 to db2 took 560 ms, started .*\n$/,
    );
    expect(mon.doc.roles.find((x) => x.name === 'writer')?.ips[0].assignedTo).to.equal('db2');
    const n = await cli('move_role', 'writer', 'db1', '--no-wait');
    expect(n.stdout).to.equal(`${texts.moveRoleOk('writer', 'db2', 'db1')}\n`);
    expect(n.status).to.equal(0);
  });

  it('move_role against an MMM 2.x monitor (no status_json): exit 0 on its OK, with a # note, as MMM mmm_control', async () => {
    const legacy = await FakeMonitor.start({ pair: pki.monitor, clientCa: pki.ca, mmm2x: true });
    extra.push(legacy);
    const r = await runCli(['-c', await writeClientConfig(files, legacy.port, 'legacy_control.conf'), 'move_role', 'writer', 'db2']);
    expect(r.stdout).to.equal(
      `${texts.moveRoleOk('writer', 'db1', 'db2')}\n# Not followed: the monitor does not know status_json (an MMM 2.x monitor?); its OK is all it reports\n`,
    );
    expect(r.status).to.equal(0);
    expect(legacy.lines).to.deep.equal(['move_role writer db2', 'status_json']);
    const show = await runCli(['-c', path.join(files.dir, 'legacy_control.conf'), 'show']);
    expect(show.stdout).to.match(/\n# No details: status_json is not valid \(.*an MMM 2\.x monitor\?\)\)\n$/);
    expect(show.status).to.equal(0);
  });

  it('move_role --force is sent as MMM writes it', async () => {
    const before = mon.lines.length;
    await cli('move_role', '--force', 'writer', 'db2', '--no-wait');
    expect(mon.lines.slice(before)).to.deep.equal(['move_role --force writer db2']);
  });

  it('usage errors: exit 2, MMM text and help, and no connection at all', async () => {
    const before = mon.connections;
    for (const args of [['foo'], ['move_role', 'writer'], ['set_online'], ['checks', 'a', 'b', 'c'], ['mode', 'x']]) {
      const r = await cli(...args);
      const line = args.join(' ');
      expect({ args, stdout: r.stdout, status: r.status }).to.deep.equal({ args, stdout: `${texts.invalidCommand(line)}\n`, status: 2 });
    }
    const none = await cli();
    expect(none).to.deep.include({ stdout: '', stderr: "See 'mmm_control help' for usage information\n", status: 2 });
    const u = await cli('ping', '--bogus');
    expect(u.status).to.equal(2);
    expect(u.stderr).to.include('--bogus');
    expect(mon.connections).to.equal(before);
  });

  it('unreachable monitor: exit 3, MMM text and the reason', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, HOST, () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const r = await cli('ping', '--monitor', `${HOST}:${port}`);
    expect(r.status).to.equal(3);
    expect(r.stdout).to.match(/^ERROR: Can't connect to monitor daemon!\n# connection refused: .*ECONNREFUSED\n$/);
  });

  it('silent monitor: exit 3 with a timeout reason', async () => {
    const sockets: net.Socket[] = [];
    const s = net.createServer((c) => void sockets.push(c));
    await new Promise<void>((resolve) => s.listen(0, HOST, () => resolve()));
    try {
      const r = await cli('ping', '--monitor', `${HOST}:${(s.address() as net.AddressInfo).port}`, '--timeout', '0.5');
      expect(r.status).to.equal(3);
      expect(r.stdout).to.match(/^ERROR: Can't connect to monitor daemon!\n# timeout: /);
    } finally {
      for (const c of sockets) c.destroy();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });

  it('verify_mode 1: a monitor certificate from another CA is refused, exit 3 with the reason', async () => {
    const rogue = await FakeMonitor.start({ pair: pki.otherMonitor, clientCa: pki.ca });
    extra.push(rogue);
    const r = await cli('ping', '--monitor', `${HOST}:${rogue.port}`);
    expect(r.status).to.equal(3);
    expect(r.stdout).to.match(/^ERROR: Can't connect to monitor daemon!\n# the monitor certificate is not signed by our CA/);
    expect(rogue.lines).to.deep.equal([]);
  });

  it('verify_mode 1: a monitor certificate for another name is refused (identity mismatch)', async () => {
    const wrong = await FakeMonitor.start({ pair: pki.wrongNameMonitor, clientCa: pki.ca });
    extra.push(wrong);
    const r = await cli('ping', '--monitor', `${HOST}:${wrong.port}`);
    expect(r.status).to.equal(3);
    expect(r.stdout).to.match(/\n# identity mismatch: .*127\.0\.0\.2/);
  });

  it('verify_mode 0: the same monitor is accepted (with a warning)', async () => {
    const wrong = await FakeMonitor.start({ pair: pki.wrongNameMonitor, clientCa: pki.ca });
    extra.push(wrong);
    const c0 = await writeClientConfig(files, wrong.port, 'verify0.conf', '    verify_mode         0\n');
    const r = await runCli(['-c', c0, 'ping']);
    expect(r.stdout).to.equal(`${texts.pingOk()}\n`);
    expect(r.status).to.equal(0);
    expect(r.stderr).to.include('verify_mode 0');
  });

  it('a monitor that refuses our certificate: exit 3, "refused our certificate"', async () => {
    const picky = await FakeMonitor.start({ pair: pki.monitor, clientCa: pki.otherCa });
    extra.push(picky);
    const r = await cli('ping', '--monitor', `${HOST}:${picky.port}`);
    expect(r.status).to.equal(3);
    expect(r.stdout).to.match(/^ERROR: Can't connect to monitor daemon!\n# the monitor refused our certificate/);
  });

  it('tls.conf named by MMM_TLSCONF_PATH, with --monitor or MMM_MONITOR and no MMM config', async () => {
    const tc = await writeTlsConf(files);
    const a = await runCli(['ping', '--monitor', `${HOST}:${mon.port}`], { env: { MMM_TLSCONF_PATH: tc } });
    expect(a).to.deep.equal({ stdout: `${texts.pingOk()}\n`, stderr: '', status: 0 });
    const b = await runCli(['mode'], { env: { MMM_TLSCONF_PATH: tc, MMM_MONITOR: `${HOST}:${mon.port}`, MMM_SECURE_SOCKETS: 'enforce' } });
    expect(b).to.deep.equal({ stdout: 'ACTIVE\n', stderr: '', status: 0 });
    // tls.conf for TLS, the client config for the address
    const c = await runCli(['-c', conf, 'ping'], { env: { MMM_TLSCONF_PATH: tc } });
    expect(c.status).to.equal(0);
  });

  it('tls.conf problems are settings errors (exit 2), unknown keys included', async () => {
    const tc = await writeTlsConf(files, 'tls-verify-clients = 1\n');
    const r = await runCli(['ping', '--monitor', `${HOST}:${mon.port}`], { env: { MMM_TLSCONF_PATH: tc } });
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/tls\.conf:4: unknown key 'tls-verify-clients'/);
    const s = await runCli(['ping', '--monitor', `${HOST}:${mon.port}`], { env: { MMM_TLSCONF_PATH: await writeTlsConf(files), MMM_SECURE_SOCKETS: 'maybe' } });
    expect(s.status).to.equal(2);
    expect(s.stderr).to.include('MMM_SECURE_SOCKETS');
  });

  it('--check-config: OK for a good client config, problems and exit 1 otherwise', async () => {
    const ok = await cli('--check-config');
    expect(ok.stdout).to.equal('OK\n');
    expect(ok.status).to.equal(0);
    const bad = await writeClientConfig({ ...files, cert: `${files.dir}/missing.crt` }, 1, 'bad.conf');
    const r = await runCli(['--check-config', '-c', bad]);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.include('missing.crt does not exist');
  });

  it('a missing config is a settings error (exit 2) naming the places searched', async () => {
    const r = await runCli(['ping', '-c', `${files.dir}/nope.conf`]);
    expect(r.status).to.equal(2);
    expect(r.stderr).to.include('nope.conf');
  });
});
