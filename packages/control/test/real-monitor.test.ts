// The BUILT mmm_control (node bin/mmm_control.js, a child process) against the REAL monitor of ONE
// loopback sandbox (`mmm_sandbox up`: real MariaDB, agents and mmmd_mon over mutual TLS): every
// command's text and exit status, the `# ` lines, --json validated against the schema, options before
// and after the command, usage errors (exit 2, nothing sent), an unreachable monitor and a monitor
// certificate from another CA (exit 3 with the reason), tls.conf + MMM_TLSCONF_PATH, certificates
// without the control role refused for state changes, and --check-config on the sandbox's config.
// Build first: npx tsc --build. after() runs `mmm_sandbox down`, then stopDbCluster as a fallback.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promises as fs, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tls from 'node:tls';
import { HELP_TEXT, issueCert, texts, validateStatusDocument, type StatusDocument } from '@mmm/common';
import { stopDbCluster } from '@mmm/sandbox';
import { makePki, runCli, type CliResult } from './helpers';

const ROOT = resolve(__dirname, '../../..');
const SANDBOX_BIN = join(ROOT, 'packages/sandbox/bin/mmm_sandbox.js');

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function sandbox(args: string[], timeoutMs: number): Promise<Ran> {
  return new Promise((res) => {
    execFile(process.execPath, [SANDBOX_BIN, ...args], { cwd: tmpdir(), timeout: timeoutMs, maxBuffer: 8 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 99) : 0;
      res({ code, stdout, stderr });
    });
  });
}

interface SandboxInfo {
  monitor: { control: string }; // 127.0.0.1:PORT
  certs: { ca: string; control_cert: string; control_key: string };
  nodes: Array<{ name: string; ip: string }>;
}

/** One raw control-protocol exchange (`<line>\nquit\n`, read to EOF), bypassing mmm_control. */
function rawExchange(host: string, port: number, files: { ca: string; cert: string; key: string }, line: string): Promise<string> {
  return new Promise((res, rej) => {
    const s = tls.connect({ host, port, ca: readFileSync(files.ca), cert: readFileSync(files.cert), key: readFileSync(files.key) });
    let data = '';
    const timer = setTimeout(() => {
      s.destroy();
      rej(new Error(`raw ${line}: no end of reply within 15 s`));
    }, 15_000);
    s.on('secureConnect', () => s.write(`${line}\nquit\n`));
    s.on('data', (c: Buffer) => (data += c.toString('utf8')));
    s.on('error', (e) => {
      clearTimeout(timer);
      rej(e);
    });
    s.on('close', () => {
      clearTimeout(timer);
      res(data);
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const TIME = String.raw`\d{4}/\d\d/\d\d \d\d:\d\d:\d\d`;

describe('mmm_control against the real monitor of a loopback sandbox', function () {
  this.timeout(120_000); // per test; each runs several CLIs, and a loaded CI machine is slow to start node
  let dir = '';
  let work = '';
  let info: SandboxInfo;
  let conf = '';
  let host = '';
  let port = 0;
  const ip: Record<string, string> = {};

  const cli = (...args: string[]): Promise<CliResult> => runCli(['-c', conf, ...args], { timeoutMs: 90_000 });

  async function statusDoc(): Promise<StatusDocument> {
    const r = await cli('status_json');
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    return JSON.parse(r.stdout) as StatusDocument;
  }

  /** Polls status_json until `pred` holds (bounded), returns that document. */
  async function waitFor(what: string, pred: (d: StatusDocument) => boolean, timeoutMs = 20_000): Promise<StatusDocument> {
    const end = Date.now() + timeoutMs;
    let last: StatusDocument | undefined;
    while (Date.now() < end) {
      last = await statusDoc();
      if (pred(last)) return last;
      await sleep(250);
    }
    throw new Error(`not within ${timeoutMs} ms: ${what}; last status: ${JSON.stringify(last?.hosts.map((h) => [h.name, h.state, h.roles]))}`);
  }

  const hostOf = (d: StatusDocument, name: string) => d.hosts.find((h) => h.name === name)!;
  const writerOn = (d: StatusDocument, name: string) => hostOf(d, name).roles.some((r) => r.name === 'writer');
  const readersBalanced = (d: StatusDocument) =>
    d.hosts.every((h) => h.state === 'ONLINE' && h.roles.filter((r) => r.name === 'reader').length === 1);

  /** Asserts stdout (MMM's text + "\n") and the exit status of one run. */
  async function expectReply(args: string[], reply: string, status: number): Promise<void> {
    const r = await cli(...args);
    expect({ args, stdout: r.stdout, status: r.status }).to.deep.equal({ args, stdout: `${reply}\n`, status });
  }

  /** The same for commands that change nothing (or are refused): run at once, the machine may be slow. */
  async function expectReplies(table: Array<[string[], string, number]>): Promise<void> {
    const got = await Promise.all(table.map(([args]) => cli(...args)));
    expect(got.map((r, i) => ({ args: table[i]![0], stdout: r.stdout, status: r.status }))).to.deep.equal(
      table.map(([args, reply, status]) => ({ args, stdout: `${reply}\n`, status })),
    );
  }

  before(async function () {
    this.timeout(180_000);
    dir = mkdtempSync(join(tmpdir(), 'mmm-ctl-real-'));
    rmSync(dir, { recursive: true, force: true }); // up creates it
    work = mkdtempSync(join(tmpdir(), 'mmm-ctl-real-work-'));
    const up = await sandbox(['up', '--dir', dir], 150_000);
    if (up.code !== 0) throw new Error(`mmm_sandbox up failed (${up.code}):\n${up.stderr}`);
    const st = await sandbox(['status', '--json', '--dir', dir], 30_000);
    expect(st.code, st.stderr).to.equal(0);
    info = JSON.parse(st.stdout) as SandboxInfo;
    conf = join(dir, 'mmm_control.conf');
    const control = info.monitor.control;
    [host, port] = [control.replace(/:\d+$/, ''), Number(control.replace(/^.*:/, ''))];
    for (const n of info.nodes) ip[n.name] = n.ip;
  });

  after(async function () {
    this.timeout(120_000);
    if (dir && existsSync(dir)) {
      const r = await sandbox(['down', '--dir', dir], 90_000);
      if (r.code !== 0) console.log(`      mmm_sandbox down failed: ${r.stderr}`);
      if (existsSync(join(dir, 'db-cluster.json'))) await stopDbCluster(dir).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  describe('help', () => {
    it('`help` prints MMM help text, the same text the monitor answers; --help documents every command and the exit codes', async () => {
      const files = { ca: info.certs.ca, cert: info.certs.control_cert, key: info.certs.control_key };
      const [r, h, rawHelp, rawFoo] = await Promise.all([cli('help'), runCli(['--help']), rawExchange(host, port, files, 'help'), rawExchange(host, port, files, 'foo')]);
      expect(r).to.deep.equal({ stdout: `${HELP_TEXT}\n`, stderr: '', status: 0 });
      expect(rawHelp).to.equal(HELP_TEXT);
      expect(rawFoo).to.equal(texts.invalidCommand('foo'));
      expect(h.status).to.equal(0);
      for (const c of ['help', 'ping', 'show', 'checks', 'set_online', 'set_offline', 'mode', 'set_active', 'set_manual', 'set_passive', 'move_role', 'set_ip', 'status_json']) {
        expect(h.stdout, c).to.match(new RegExp(`^  ${c} `, 'm'));
        expect(HELP_TEXT, c).to.match(new RegExp(`^    ${c} `, 'm'));
      }
      for (const code of [0, 1, 2, 3]) expect(h.stdout).to.match(new RegExp(`^  ${code}  \\S`, 'm'));
    });
  });

  describe('reading commands', () => {
    it('ping', async () => {
      const r = await cli('ping');
      expect(r).to.deep.equal({ stdout: 'OK: Pinged successfully!\n', stderr: '', status: 0 });
    });

    it("show: MMM's text unchanged (as the monitor sends it), then the `# ` lines", async () => {
      const raw = await rawExchange(host, port, { ca: info.certs.ca, cert: info.certs.control_cert, key: info.certs.control_key }, 'show');
      const r = await cli('show');
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout.startsWith(`${raw}\n`), `stdout:\n${r.stdout}\nraw:\n${raw}`).to.equal(true);
      const lines = r.stdout.split('\n');
      expect(lines.slice(0, 4)).to.deep.equal([
        `  db1(${ip.db1}) master/ONLINE. Roles: ${lines[0]!.replace(/^.*Roles: /, '')}`,
        `  db2(${ip.db2}) master/ONLINE. Roles: ${lines[1]!.replace(/^.*Roles: /, '')}`,
        `  db3(${ip.db3}) slave/ONLINE. Roles: ${lines[2]!.replace(/^.*Roles: /, '')}`,
        "# Role writer is assigned to it's preferred host db1.",
      ]);
      expect(lines[0]).to.match(/Roles: reader\(127\.0\.1\.\d+\), writer\(127\.0\.1\.\d+\)$/);
      expect(lines[1]).to.match(/Roles: reader\(127\.0\.1\.\d+\)$/);
      expect(lines[2]).to.match(/Roles: reader\(127\.0\.1\.\d+\)$/);
      expect(lines[4], 'the blank line: the reply ends with \\n and mmm_control adds one').to.equal('');
      const extra = lines.slice(5).filter((l) => l !== '');
      expect(extra.every((l) => l.startsWith('# ')), extra.join('\n')).to.equal(true);
      expect(r.stdout).to.match(new RegExp(`^# Host db1: ONLINE since ${TIME}; replication lag \\d+ s; writable$`, 'm'));
      expect(r.stdout).to.match(new RegExp(`^# Host db2: ONLINE since ${TIME}; replication lag \\d+ s; read-only$`, 'm'));
      expect(r.stdout).to.match(new RegExp(`^# Host db3: ONLINE since ${TIME}; replication lag \\d+ s; read-only$`, 'm'));
      expect(r.stdout).to.match(/^# Role reader on db1, db2, db3\b/m);
      expect(r.stdout).to.match(/^# Role writer on db1\b/m);
    });

    it('checks, checks all, checks db1, checks db1 mysql', async () => {
      const line = (h: string, c: string, pad: boolean) =>
        new RegExp(`^${h}  ${pad ? c.padEnd(11) : c}  \\[last change: ${TIME}\\]  OK(: .*)?$`);
      const [all, allWord, db1, one] = await Promise.all([cli('checks'), cli('checks', 'all'), cli('checks', 'db1'), cli('checks', 'db1', 'mysql')]);
      expect(all.status).to.equal(0);
      expect(all.stdout.endsWith('\n\n'), 'each line \\n-terminated, plus the \\n mmm_control adds').to.equal(true);
      const got = all.stdout.trimEnd().split('\n');
      const order = ['ping', 'mysql', 'rep_threads', 'rep_backlog'];
      expect(got).to.have.length(12);
      ['db1', 'db2', 'db3'].forEach((h, i) => order.forEach((c, j) => expect(got[i * 4 + j]).to.match(line(h, c, true))));
      expect(allWord.status).to.equal(0);
      expect(allWord.stdout.trimEnd().split('\n').map((l) => l.replace(/\[last change: [^\]]*\]/, ''))).to.deep.equal(got.map((l) => l.replace(/\[last change: [^\]]*\]/, '')));
      expect(db1.status).to.equal(0);
      const db1Lines = db1.stdout.trimEnd().split('\n');
      expect(db1Lines).to.have.length(4);
      order.forEach((c, j) => expect(db1Lines[j]).to.match(line('db1', c, true)));
      expect(one.status).to.equal(0);
      expect(one.stdout, 'no padding, and only the \\n mmm_control adds').to.match(new RegExp(`^db1  mysql  \\[last change: ${TIME}\\]  OK\\n$`));
    });

    it('unknown host and unknown check: ERROR text, exit 1', async () => {
      await expectReplies([
        [['checks', 'dbX'], "ERROR: Unknown host name 'dbX'!", 1],
        [['checks', 'db1', 'nosuch'], "ERROR: Unknown check 'nosuch'!", 1],
        [['set_offline', 'dbX'], "ERROR: Unknown host name 'dbX'!", 1],
      ]);
    });

    it('mode', async () => {
      await expectReply(['mode'], 'ACTIVE', 0);
    });
  });

  describe('--json', () => {
    it('show --json and status_json print the status document, valid against the schema', async () => {
      const argsList = [['show', '--json'], ['status_json'], ['--json', 'status_json']];
      const runs = await Promise.all(argsList.map((a) => cli(...a)));
      for (const [i, args] of argsList.entries()) {
        const r = runs[i]!;
        expect(r.status, `${args.join(' ')}: ${r.stderr}`).to.equal(0);
        const doc = JSON.parse(r.stdout) as StatusDocument;
        expect(validateStatusDocument(doc), args.join(' ')).to.deep.equal([]);
        expect(doc.mode).to.equal('ACTIVE');
        expect(doc.hosts.map((h) => [h.name, h.ip, h.state])).to.deep.equal([['db1', ip.db1, 'ONLINE'], ['db2', ip.db2, 'ONLINE'], ['db3', ip.db3, 'ONLINE']]);
        expect(writerOn(doc, 'db1')).to.equal(true);
      }
    });

    it('other commands: {command, ok, reply}', async () => {
      const [p, e] = await Promise.all([cli('--json', 'ping'), cli('checks', 'dbX', '--json')]);
      expect(p.status).to.equal(0);
      expect(JSON.parse(p.stdout)).to.deep.equal({ command: 'ping', ok: true, reply: 'OK: Pinged successfully!' });
      expect(e.status).to.equal(1);
      expect(JSON.parse(e.stdout)).to.deep.equal({ command: 'checks dbX', ok: false, reply: "ERROR: Unknown host name 'dbX'!" });
    });
  });

  describe('state changes', () => {
    it('in active mode: Already/Skipping texts, MMM errors for move_role and set_ip', async () => {
      await expectReplies([
        [['set_active'], 'OK: Already in active mode.', 0],
        [['set_online', 'db1'], 'OK: This host is already ONLINE. Skipping command.', 0],
        [['move_role', 'writer', 'db2'], "ERROR: Role 'writer' is assigned to preferred host 'db1'. Can't move it!", 1],
        [['move_role', 'writer', 'db3'], "ERROR: Host 'db3' can't handle role 'writer'. Only following hosts could: db1, db2", 1],
        [['move_role', 'writer', 'db1'], "OK: Role is on 'db1' already. Skipping command.", 0],
        [['move_role', 'foo', 'db1'], "ERROR: Unknown role name 'foo'!", 1],
        [['move_role', 'writer', 'dbX'], "ERROR: Unknown host name 'dbX'!", 1],
        [['set_ip', '127.0.1.1', 'db2'], 'ERROR: This command is only allowed in passive mode', 1],
      ]);
    });

    it('move_role reader <host>: the balanced role is removed from it (and rebalanced)', async () => {
      await expectReply(['move_role', 'reader', 'db3'], "OK: Balanced role reader has been removed from host 'db3'. Now you can wait some time and check new roles info!", 0);
      await waitFor('readers balanced again', readersBalanced);
    });

    it('set_offline db3, then set_online db3', async () => {
      await expectReply(['set_offline', 'db3'], "OK: State of 'db3' changed to ADMIN_OFFLINE. Now you can wait some time and check all roles!", 0);
      await expectReply(['set_offline', 'db3'], 'OK: This host is already ADMIN_OFFLINE. Skipping command.', 0);
      await waitFor('db3 ADMIN_OFFLINE without roles', (d) => hostOf(d, 'db3').state === 'ADMIN_OFFLINE' && hostOf(d, 'db3').roles.length === 0);
      const s = await cli('show');
      expect(s.stdout).to.include(`  db3(${ip.db3}) slave/ADMIN_OFFLINE. Roles: \n`);
      expect(s.stdout).to.match(new RegExp(`^# Host db3: ADMIN_OFFLINE since ${TIME}; `, 'm'));
      await expectReply(['set_online', 'db3'], "OK: State of 'db3' changed to ONLINE. Now you can wait some time and check its new roles!", 0);
      await expectReply(['set_online', 'db3'], 'OK: This host is already ONLINE. Skipping command.', 0);
      await waitFor('db3 ONLINE with a reader again', readersBalanced);
    });

    it('set_manual, move_role writer db2 (waits, `# ` duration line), --json move_role writer db1, set_active', async function () {
      this.timeout(120_000);
      await expectReply(['set_manual'], 'OK: Switched into manual mode.', 0);
      await expectReply(['set_manual'], 'OK: Already in manual mode.', 0);
      await expectReply(['mode'], 'MANUAL', 0);
      const m = await cli('move_role', 'writer', 'db2');
      expect(m.status, m.stdout + m.stderr).to.equal(0);
      const [first, second, ...rest] = m.stdout.split('\n');
      expect(first).to.equal("OK: Role 'writer' has been moved from 'db1' to 'db2'. Now you can wait some time and check new roles info!");
      expect(second).to.match(new RegExp(`^# Last move: role writer from db1 to db2 took \\S+ m?s, started ${TIME}: `));
      expect(rest).to.deep.equal(['']);
      // The wait ended when the move was done: no polling needed here.
      const doc = await statusDoc();
      expect(writerOn(doc, 'db2')).to.equal(true);
      expect(doc.lastMove).to.include({ role: 'writer', from: 'db1', to: 'db2', outcome: 'done' });
      const s = await cli('show');
      expect(s.stdout).to.match(/^ {2}db2\(\S+\) master\/ONLINE\. Roles: .*writer\(/m);
      expect(s.stdout).to.include("# Role writer has db1 configured as it's preferred host but is assigned to db2 at the moment.\n");
      expect(s.stdout).to.match(new RegExp(`^# Host db2: ONLINE since ${TIME}; replication lag \\d+ s; writable$`, 'm'));
      expect(s.stdout).to.match(new RegExp(`^# Last move: role writer from db1 to db2 took `, 'm'));

      const back = await cli('--json', 'move_role', 'writer', 'db1');
      expect(back.status, back.stdout + back.stderr).to.equal(0);
      const j = JSON.parse(back.stdout) as { command: string; ok: boolean; reply: string; wait: string; waitedMs: number; move: { from: string; to: string; outcome: string; durationMs: number } };
      expect(j).to.include({ command: 'move_role writer db1', ok: true, reply: "OK: Role 'writer' has been moved from 'db2' to 'db1'. Now you can wait some time and check new roles info!", wait: 'done' });
      expect(j.waitedMs).to.be.a('number');
      expect(j.move).to.include({ from: 'db2', to: 'db1', outcome: 'done' });
      expect(writerOn(await statusDoc(), 'db1')).to.equal(true);
      await expectReply(['set_active'], 'OK: Switched into active mode.', 0);
    });

    it('set_passive: PASSIVE header in show, move_role refused, set_ip works only here; set_active', async () => {
      await expectReply(['set_passive'], 'OK: Switched into passive mode.', 0);
      await expectReply(['set_passive'], 'OK: Already in passive mode.', 0);
      await expectReply(['mode'], 'PASSIVE', 0);
      const s = await cli('show');
      expect(s.status).to.equal(0);
      expect(s.stdout.startsWith('# --- Monitor is in PASSIVE MODE ---\n# Cause: Admin switched to passive mode.\n  db1(')).to.equal(true);
      await expectReply(['move_role', 'writer', 'db2'], 'ERROR: This command is not allowed in passive mode', 1);
      const doc = await statusDoc();
      const db3Reader = hostOf(doc, 'db3').roles.find((r) => r.name === 'reader')!.ip;
      const writerIp = hostOf(doc, 'db1').roles.find((r) => r.name === 'writer')!.ip;
      await expectReply(['set_ip', db3Reader, 'db2'], `OK: Set role 'reader(${db3Reader})' to host 'db2'.`, 0);
      await expectReplies([
        [['set_ip', '192.0.2.1', 'db2'], "ERROR: Unknown ip '192.0.2.1'!", 1],
        [['set_ip', writerIp, 'db3'], "ERROR: Host 'db3' can't handle role 'writer'. Following hosts could: db1, db2", 1],
      ]);
      const after = await statusDoc();
      expect(hostOf(after, 'db2').roles.map((r) => r.ip)).to.include(db3Reader);
      await expectReply(['set_active'], 'OK: Switched into active mode.', 0);
      await waitFor('readers balanced after leaving passive mode', readersBalanced);
      await expectReply(['mode'], 'ACTIVE', 0);
    });
  });

  describe('options, settings and errors', () => {
    it('options before and after the command give the same result', async () => {
      const argsList = [['ping', '-c', conf], ['-c', conf, '--timeout', '5', 'ping'], ['ping', '--timeout', '5', '--config', conf]];
      const [a, b, ...pings] = await Promise.all([
        runCli(['--json', '-c', conf, 'checks', 'db1', 'mysql']),
        runCli(['checks', 'db1', 'mysql', '-c', conf, '--json']),
        ...argsList.map((args) => runCli(args)),
      ]);
      expect(pings.map((r, i) => ({ args: argsList[i], r }))).to.deep.equal(
        argsList.map((args) => ({ args, r: { stdout: 'OK: Pinged successfully!\n', stderr: '', status: 0 } })),
      );
      expect(a.status).to.equal(0);
      expect(b).to.deep.equal(a);
      expect(JSON.parse(a.stdout)).to.include({ command: 'checks db1 mysql', ok: true });
    });

    it("the monitor's own config works too (-c DIR/mmm_mon.conf)", async () => {
      const r = await runCli(['-c', join(dir, 'mmm_mon.conf'), 'mode']);
      expect(r).to.deep.equal({ stdout: 'ACTIVE\n', stderr: '', status: 0 });
    });

    it('usage errors exit 2 with MMM\'s text and the help, without connecting', async () => {
      let connections = 0;
      const server = net.createServer((s) => {
        connections++;
        s.destroy();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const mon = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
      try {
        const cases: [string[], string][] = [
          [['foo'], 'foo'],
          [['move_role', 'writer'], 'move_role writer'],
          [['set_online'], 'set_online'],
          [['checks', 'db1', 'mysql', 'extra'], 'checks db1 mysql extra'],
          [['set_ip', '127.0.1.1'], 'set_ip 127.0.1.1'],
        ];
        const runs = await Promise.all(cases.flatMap(([args]) => [runCli(['--monitor', mon, '-c', conf, ...args]), runCli([...args, '-c', conf, '--monitor', mon])]));
        expect(runs.map((r, i) => ({ args: cases[i >> 1]![0], stdout: r.stdout, status: r.status }))).to.deep.equal(
          cases.flatMap(([args, line]) => [0, 1].map(() => ({ args, stdout: `${texts.invalidCommand(line)}\n`, status: 2 }))),
        );
        const opt = await runCli(['--monitor', mon, '-c', conf, '--bogus', 'ping']);
        expect(opt.status).to.equal(2);
        expect(opt.stderr).to.match(/unknown option '--bogus'/);
        expect(connections, 'connections made by usage errors').to.equal(0);
      } finally {
        server.close();
      }
    });

    it('unreachable monitor (nothing listening): exit 3, MMM\'s line and the reason', async () => {
      const server = net.createServer();
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const free = (server.address() as net.AddressInfo).port;
      await new Promise<void>((r) => server.close(() => r()));
      const [r, j] = await Promise.all([
        runCli(['-c', conf, '--monitor', `127.0.0.1:${free}`, 'ping']),
        runCli(['-c', conf, '--monitor', `127.0.0.1:${free}`, 'set_passive', '--json']),
      ]);
      expect(r.status).to.equal(3);
      expect(r.stdout).to.equal(`ERROR: Can't connect to monitor daemon!\n# connection refused: 127.0.0.1:${free}: ECONNREFUSED\n`);
      expect(j.status).to.equal(3);
      expect(JSON.parse(j.stdout)).to.deep.equal({
        command: 'set_passive', ok: false, reply: "ERROR: Can't connect to monitor daemon!", reason: `connection refused: 127.0.0.1:${free}: ECONNREFUSED`,
      });
    });

    it('a monitor certificate from another CA under verify_mode 1: exit 3 with the reason; nothing changed', async () => {
      const pki = await makePki();
      const otherCa = join(work, 'other-ca.crt');
      await fs.writeFile(otherCa, pki.otherCa.certPem, { mode: 0o600 });
      const text = readFileSync(conf, 'utf8').replace(info.certs.ca, otherCa);
      expect(text).to.match(/verify_mode\s+1/);
      const other = join(work, 'other-ca.conf');
      await fs.writeFile(other, text, { mode: 0o600 });
      const tlsConf = join(work, 'tls-other.conf');
      await fs.writeFile(tlsConf, `tls-ca-cert-file = ${otherCa}\ntls-cert-file = ${info.certs.control_cert}\ntls-key-file = ${info.certs.control_key}\n`, { mode: 0o600 });
      const [t, ...rs] = await Promise.all([
        runCli(['--monitor', info.monitor.control, 'ping'], { env: { MMM_TLSCONF_PATH: tlsConf } }),
        runCli(['-c', other, 'ping']),
        runCli(['-c', other, 'set_passive']),
      ]);
      for (const r of rs) {
        expect(r.status, r.stdout + r.stderr).to.equal(3);
        expect(r.stdout).to.match(/^ERROR: Can't connect to monitor daemon!\n# the monitor certificate is not signed by our CA \(ca_file\): [A-Z_]+\n$/);
      }
      await expectReply(['mode'], 'ACTIVE', 0);
      // tls.conf: verification is always on.
      expect(t.status).to.equal(3);
      expect(t.stdout).to.match(/not signed by our CA/);
    });

    it('tls.conf + MMM_TLSCONF_PATH (and MMM_SECURE_SOCKETS, MMM_MONITOR) work against the real monitor', async () => {
      const tlsConf = join(work, 'tls.conf');
      await fs.writeFile(tlsConf, `tls-ca-cert-file = ${info.certs.ca}\ntls-cert-file = ${info.certs.control_cert}\ntls-key-file = ${info.certs.control_key}\n`, { mode: 0o600 });
      const [s, p, c] = await Promise.all([
        runCli(['--monitor', info.monitor.control, 'show'], { env: { MMM_TLSCONF_PATH: tlsConf, MMM_SECURE_SOCKETS: 'enforce' } }),
        runCli(['ping'], { env: { MMM_TLSCONF_PATH: tlsConf, MMM_MONITOR: info.monitor.control } }),
        runCli(['--check-config', '--monitor', info.monitor.control], { env: { MMM_TLSCONF_PATH: tlsConf } }),
      ]);
      expect(s.status, s.stdout + s.stderr).to.equal(0);
      expect(s.stdout).to.match(/^ {2}db1\(\S+\) master\/ONLINE\. Roles: .*writer\(/);
      expect(s.stdout).to.match(/^# Host db1: ONLINE since /m);
      expect(p).to.deep.equal({ stdout: 'OK: Pinged successfully!\n', stderr: '', status: 0 });
      expect(c).to.deep.include({ stdout: 'OK\n', status: 0 });
    });

    it('agent and viewer certificates may read but not change state (exit 1, ERROR:)', async () => {
      const ca = { certPem: readFileSync(info.certs.ca, 'utf8'), keyPem: readFileSync(join(dir, 'tls', 'ca.key'), 'utf8') };
      const viewer = await issueCert({ ca, commonName: 'readonly-operator', usage: 'client', role: 'viewer' });
      await fs.writeFile(join(work, 'viewer.crt'), viewer.certPem, { mode: 0o600 });
      await fs.writeFile(join(work, 'viewer.key'), viewer.keyPem, { mode: 0o600 });
      const base = readFileSync(conf, 'utf8');
      const confs = {
        agent: base.replace(info.certs.control_cert, join(dir, 'tls', 'db1.crt')).replace(info.certs.control_key, join(dir, 'tls', 'db1.key')),
        viewer: base.replace(info.certs.control_cert, join(work, 'viewer.crt')).replace(info.certs.control_key, join(work, 'viewer.key')),
      };
      const writes = [['set_offline', 'db3'], ['set_passive'], ['move_role', 'reader', 'db1'], ['set_online', 'db1']];
      await Promise.all(
        Object.entries(confs).map(async ([who, text]) => {
          const f = join(work, `${who}.conf`);
          await fs.writeFile(f, text, { mode: 0o600 });
          const [read, show, ...refused] = await Promise.all([
            runCli(['-c', f, 'checks', 'db1', 'mysql']),
            runCli(['-c', f, 'show']),
            ...writes.map((cmd) => runCli(['-c', f, ...cmd])),
          ]);
          expect(read.status, `${who}: ${read.stdout}`).to.equal(0);
          expect(show.status, `${who}: ${show.stdout}`).to.equal(0);
          expect(show.stdout).to.match(/^# Host db1: /m);
          refused.forEach((r, i) => {
            expect({ who, cmd: writes[i], status: r.status }).to.deep.equal({ who, cmd: writes[i], status: 1 });
            expect(r.stdout, `${who} ${writes[i]!.join(' ')}`).to.match(/^ERROR: Not authorized: .*\n$/);
          });
        }),
      );
      const d = await statusDoc();
      expect(d.mode).to.equal('ACTIVE');
      expect(d.hosts.map((h) => h.state)).to.deep.equal(['ONLINE', 'ONLINE', 'ONLINE']);
      expect(readersBalanced(d)).to.equal(true);
    });

    it("the monitor's own certificate may change state: mmm_control -c mmm_mon.conf on the monitor host, as in MMM", async () => {
      const mon = join(dir, 'mmm_mon.conf');
      const off = await runCli(['-c', mon, 'set_offline', 'db3']);
      expect(off).to.deep.equal({ stdout: "OK: State of 'db3' changed to ADMIN_OFFLINE. Now you can wait some time and check all roles!\n", stderr: '', status: 0 });
      await waitFor('db3 ADMIN_OFFLINE without roles', (d) => hostOf(d, 'db3').state === 'ADMIN_OFFLINE' && hostOf(d, 'db3').roles.length === 0);
      const on = await runCli(['-c', mon, 'set_online', 'db3']);
      expect(on).to.deep.equal({ stdout: "OK: State of 'db3' changed to ONLINE. Now you can wait some time and check its new roles!\n", stderr: '', status: 0 });
      await waitFor('db3 ONLINE with a reader again', readersBalanced);
    });

    it("--check-config: OK on the sandbox's config", async () => {
      const [r, r2] = await Promise.all([runCli(['--check-config', '-c', conf]), runCli(['-c', conf, '--check-config'])]);
      expect(r).to.deep.include({ stdout: 'OK\n', status: 0 });
      expect(r2).to.deep.include({ stdout: 'OK\n', status: 0 });
    });
  });
});
