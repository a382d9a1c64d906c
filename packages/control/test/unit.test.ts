// Pure parts of mmm_control, table-tested: exit codes, local usage checks, reasons, settings
// parsing, tls.conf, and the commands run against an injected `send`.
import { expect } from 'chai';
import {
  ConnectError,
  HELP_TEXT,
  TlsError,
  parseTlsConf,
  renderShowExtra,
  texts,
  validateStatusDocument,
  type StatusDocument,
} from '@mmm/common';
import { replyExitCode, unreachableOutput, validateCommandResult } from '../src/commands/output';
import { planCommand } from '../src/commands/plan';
import { describeUnreachable } from '../src/client/reasons';
import { parseMonitorAddress, parseSecureSockets } from '../src/client/settings';
import { moveProgress, moveReport } from '../src/commands/move-role';
import { findCommand, COMMANDS } from '../src/commands/registry';
import { execute } from '../src/commands/execute';
import type { CommandContext } from '../src/commands/types';
import { FakeMonitor, clusterDoc } from './fake-monitor';

// Literal MMM 2.2.1 replies from reference/mmm-wire.md §3.2.
const MMM_SHOW =
  '  db1(10.77.0.11) master/ONLINE. Roles: reader(10.77.0.103), writer(10.77.0.100)\n' +
  '  db2(10.77.0.12) master/ONLINE. Roles: reader(10.77.0.102)\n' +
  '  db3(10.77.0.13) slave/ONLINE. Roles: reader(10.77.0.101)\n';
const MMM_CHECK_ONE = 'db1  mysql  [last change: 2026/11/23 17:46:52]  OK';

function ctx(replies: Record<string, string | (() => string) | Error>, over: Partial<CommandContext> = {}): CommandContext & { sent: string[] } {
  const sent: string[] = [];
  let now = 0;
  return {
    sent,
    send: async (line) => {
      sent.push(line);
      const r = replies[line];
      if (r === undefined) throw new Error(`unexpected line ${line}`);
      if (r instanceof Error) throw r;
      return typeof r === 'function' ? r() : r;
    },
    json: false,
    wait: true,
    waitTimeoutMs: 60_000,
    pollIntervalMs: 200,
    now: () => now,
    sleep: async (ms) => void (now += ms),
    time: { timeZone: 'utc' },
    ...over,
  };
}

async function runLine(line: string, c: CommandContext) {
  const plan = planCommand(line.split(' '));
  if (plan.kind !== 'run') throw new Error(`not runnable: ${line}`);
  return execute(plan.spec, plan.command, plan.line, c);
}

describe('mmm_control: exit status of a reply', () => {
  const table: [string, number][] = [
    ['OK: Pinged successfully!', 0],
    ['ACTIVE', 0],
    [MMM_SHOW, 0],
    [MMM_CHECK_ONE, 0],
    ["ERROR: Unknown host name 'dbX'!", 1],
    ["ERROR: Host 'db3' can't handle role 'writer'. Only following hosts could: db1, db2", 1],
    ['ERROR: This command is not allowed in passive mode', 1],
    ['Error: Role writer has no IP.', 1],
    ['# --- Monitor is in PASSIVE MODE ---\n', 0],
  ];
  for (const [reply, code] of table) it(`${JSON.stringify(reply.slice(0, 40))} → ${code}`, () => expect(replyExitCode(reply)).to.equal(code));
});

describe('mmm_control: commands checked locally (exit 2, MMM text)', () => {
  it("no command at all: MMM's pointer to help, exit 2", () => {
    const p = planCommand([]);
    expect(p.kind).to.equal('usage');
    if (p.kind !== 'usage') return;
    expect(p.output).to.deep.equal({ stdout: '', stderr: "See 'mmm_control help' for usage information\n", exitCode: 2 });
  });
  const usage = ['foo', 'move_role writer', 'move_role --force', 'move_role a b c', 'set_online', 'set_online db1 db2', 'checks a b c', 'set_ip 10.0.0.1', 'mode x', 'history 0', 'history x', 'history 1 2', 'quit'];
  for (const line of usage) {
    it(`'${line}' is refused with MMM's Invalid command text`, () => {
      const p = planCommand(line === '' ? [] : line.split(' '));
      expect(p.kind).to.equal('usage');
      if (p.kind !== 'usage') return;
      expect(p.output.exitCode).to.equal(2);
      expect(p.output.stdout).to.equal(`${texts.invalidCommand(line)}\n`);
      expect(p.output.stdout).to.include(HELP_TEXT);
    });
  }
  const ok: [string[], boolean, string, string | undefined][] = [
    [['ping'], false, 'ping', undefined],
    [['@c2', 'show'], false, 'show', 'c2'],
    [['checks'], false, 'checks', undefined],
    [['checks', 'db1', 'mysql'], false, 'checks db1 mysql', undefined],
    [['move_role', 'writer', 'db2'], false, 'move_role writer db2', undefined],
    [['move_role', 'writer', 'db2'], true, 'move_role --force writer db2', undefined],
    [['set_ip', '10.77.0.101', 'db2'], false, 'set_ip 10.77.0.101 db2', undefined],
    [['status_json'], false, 'status_json', undefined],
    [['history'], false, 'history', undefined],
    [['history', '5'], false, 'history 5', undefined],
  ];
  for (const [words, force, line, cluster] of ok) {
    it(`${words.join(' ')}${force ? ' --force' : ''} → '${line}'`, () => {
      const p = planCommand(words, force);
      expect(p.kind).to.equal('run');
      if (p.kind !== 'run') return;
      expect(p.line).to.equal(line);
      expect(p.cluster).to.equal(cluster);
    });
  }
  it('--force with another command is refused', () => expect(planCommand(['set_online', 'db1'], true).kind).to.equal('usage'));
  it('every command of the help text has a spec', () => {
    for (const name of ['help', 'ping', 'show', 'checks', 'set_online', 'set_offline', 'mode', 'set_active', 'set_manual', 'set_passive', 'move_role', 'set_ip', 'status_json', 'ack_failover', 'history'] as const) {
      expect(findCommand(name), name).to.not.equal(undefined);
    }
    expect(COMMANDS.length).to.equal(15);
  });
});

describe('mmm_control: why the monitor is unreachable', () => {
  const errno = (code: string) => Object.assign(new Error(code), { code });
  const table: [Error, string, RegExp][] = [
    [new ConnectError('127.0.0.1:1: ECONNREFUSED', { cause: errno('ECONNREFUSED') }), 'refused', /connection refused/],
    [new ConnectError('x: no TLS connection within 10 ms', { code: 'TIMEOUT' }), 'timeout', /timeout/],
    [new TlsError('TLS_AUTH_FAILED', 'x: server certificate refused: UNABLE_TO_VERIFY_LEAF_SIGNATURE', { cause: errno('UNABLE_TO_VERIFY_LEAF_SIGNATURE') }), 'other_ca', /not signed by our CA/],
    [new TlsError('TLS_AUTH_FAILED', 'x: server certificate refused: SELF_SIGNED_CERT_IN_CHAIN', { cause: errno('SELF_SIGNED_CERT_IN_CHAIN') }), 'other_ca', /not signed by our CA/],
    [new TlsError('TLS_AUTH_FAILED', 'x: server certificate refused: CERT_HAS_EXPIRED', { cause: errno('CERT_HAS_EXPIRED') }), 'server_cert', /expired/],
    [new TlsError('TLS_IDENTITY', 'x: server certificate SAN (IP Address:127.0.0.2) does not name 127.0.0.1'), 'identity', /identity mismatch/],
    [new TlsError('TLS_AUTH_FAILED', 'x closed the connection before the first reply: it refused our client certificate'), 'client_cert_refused', /refused our certificate/],
    [new TlsError('TLS_AUTH_FAILED', 'x: refused by the server: ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', { cause: errno('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA') }), 'client_cert_refused', /refused our certificate/],
    [new ConnectError('x closed the connection without a reply'), 'closed', /closed/],
  ];
  for (const [e, kind, re] of table) {
    it(`${e.message.slice(0, 60)} → ${kind}`, () => {
      const u = describeUnreachable(e);
      expect(u.kind).to.equal(kind);
      expect(u.reason).to.match(re);
    });
  }
  it("prints MMM's line, then the reason as a '# ' line, exit 3", () => {
    expect(unreachableOutput('ping', 'connection refused: x', false)).to.deep.equal({
      stdout: "ERROR: Can't connect to monitor daemon!\n# connection refused: x\n",
      stderr: '',
      exitCode: 3,
    });
    const j = JSON.parse(unreachableOutput('ping', 'r', true).stdout) as Record<string, unknown>;
    expect(j).to.deep.equal({ command: 'ping', ok: false, reply: "ERROR: Can't connect to monitor daemon!", reason: 'r' });
  });
});

describe('mmm_control: settings parsing', () => {
  const ok: [string, string, number][] = [
    ['127.0.0.1:9988', '127.0.0.1', 9988],
    ['127.0.0.1', '127.0.0.1', 9988],
    ['monitor.example:19988', 'monitor.example', 19988],
    ['[::1]:9000', '::1', 9000],
    ['::1', '::1', 9988],
  ];
  for (const [s, host, port] of ok) it(`--monitor ${s}`, () => expect(parseMonitorAddress(s)).to.deep.equal({ host, port }));
  for (const s of ['', ':9988', '127.0.0.1:x', '127.0.0.1:0', '127.0.0.1:70000', 'a:b:c']) {
    it(`--monitor '${s}' is a usage error`, () => expect(() => parseMonitorAddress(s)).to.throw(/invalid monitor address/));
  }
  it('MMM_SECURE_SOCKETS', () => {
    expect(parseSecureSockets(undefined)).to.equal(undefined);
    expect(parseSecureSockets('enforce')).to.equal('enforce');
    expect(parseSecureSockets('relaxed')).to.equal('relaxed');
    expect(() => parseSecureSockets('off')).to.throw(/enforce or relaxed/);
  });
});

describe('tls.conf (PCP style)', () => {
  it('reads the keys and resolves relative paths against its folder', () => {
    const r = parseTlsConf('tls-ca-cert-file = ca.crt\ntls-cert-file = /x/c.crt\ntls-key-file = /x/c.key\n', '/etc/mmm/tls.conf');
    expect(r.issues).to.deep.equal([]);
    expect(r.conf).to.deep.equal({ file: '/etc/mmm/tls.conf', caCertFile: '/etc/mmm/ca.crt', certFile: '/x/c.crt', keyFile: '/x/c.key' });
  });
  it('client cert/key alone are enough', () => {
    const r = parseTlsConf('tls-ca-cert-file=/ca\ntls-client-cert-file=/c\ntls-client-key-file=/k\n', '/t.conf');
    expect(r.issues).to.deep.equal([]);
  });
  it('unknown keys and sections are errors (unlike PCP), with a hint and a line', () => {
    const r = parseTlsConf('tls-ca-cert-file = /ca\ntls-cert-file = /c\ntls-key-file = /k\ntls-verify-client = 1\n[pmcd]\nx = 1\n', '/t.conf');
    expect(r.conf).to.equal(undefined);
    expect(r.issues.map((i) => `${i.line}: ${i.message}`)).to.deep.equal(["4: unknown key 'tls-verify-client'", '5: section [pmcd] is not allowed']);
  });
  it('missing keys are named', () => {
    const r = parseTlsConf('tls-cert-file = /c\n', '/t.conf');
    expect(r.issues.map((i) => i.message)).to.deep.equal(['tls-ca-cert-file is required', 'tls-key-file (or tls-client-key-file) is required']);
  });
});

describe('mmm_control: commands against an injected monitor', () => {
  const doc = clusterDoc();
  const json = JSON.stringify(doc);

  it('show prints MMM text unchanged + "\\n", then the # lines from status_json', async () => {
    const out = await runLine('show', ctx({ show: MMM_SHOW, status_json: json }));
    expect(out.exitCode).to.equal(0);
    expect(out.stdout).to.equal(`${MMM_SHOW}\n${renderShowExtra(doc, { timeZone: 'utc' })}`);
    const added = out.stdout.slice(MMM_SHOW.length + 1).split('\n').filter((l) => l !== '');
    expect(added.length).to.be.greaterThan(0);
    for (const l of added) expect(l).to.match(/^# /);
    expect(out.stdout).to.include('# Host db3: ONLINE since 2026/11/23 17:46:52; replication lag 2 s; read-only');
    expect(out.stdout).to.include('# Role writer on db1: startup vote: writable, IP configured');
  });
  it('show against an MMM monitor (no status_json) still prints MMM text, then one # line', async () => {
    const out = await runLine('show', ctx({ show: MMM_SHOW, status_json: texts.invalidCommand('status_json') }));
    expect(out.exitCode).to.equal(0);
    expect(out.stdout).to.match(new RegExp(`^${MMM_SHOW.replace(/[()]/g, '\\$&')}\\n# No details: .*status_json`));
  });
  it('show --json prints the validated document', async () => {
    const out = await runLine('show', ctx({ status_json: json }, { json: true }));
    expect(out.exitCode).to.equal(0);
    expect(validateStatusDocument(JSON.parse(out.stdout))).to.deep.equal([]);
  });
  it('an invalid status_json is exit 1 with the problems', async () => {
    const out = await runLine('status_json', ctx({ status_json: JSON.stringify({ ...doc, mode: 'X' }) }));
    expect(out.exitCode).to.equal(1);
    expect(out.stdout).to.equal('');
    expect(out.stderr).to.include('$.mode: expected one of ACTIVE, MANUAL, WAIT, PASSIVE');
  });
  it('checks db1 mysql: MMM text (no terminator) + "\\n"', async () => {
    const out = await runLine('checks db1 mysql', ctx({ 'checks db1 mysql': MMM_CHECK_ONE }));
    expect(out).to.deep.equal({ stdout: `${MMM_CHECK_ONE}\n`, stderr: '', exitCode: 0 });
  });
  it('an ERROR reply is exit 1; --json gives {command, ok, reply}', async () => {
    const reply = texts.cantHandle('db3', 'writer', ['db1', 'db2']);
    const out = await runLine('move_role writer db3', ctx({ 'move_role writer db3': reply }));
    expect(out).to.deep.equal({ stdout: `${reply}\n`, stderr: '', exitCode: 1 });
    const j = await runLine('move_role writer db3', ctx({ 'move_role writer db3': reply }, { json: true }));
    expect(JSON.parse(j.stdout)).to.deep.equal({ command: 'move_role writer db3', ok: false, reply });
    expect(validateCommandResult(JSON.parse(j.stdout))).to.deep.equal([]);
  });
  it('a connection failure becomes exit 3', async () => {
    const e = new ConnectError('127.0.0.1:1: ECONNREFUSED', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) });
    const out = await runLine('ping', ctx({ ping: e }));
    expect(out.exitCode).to.equal(3);
    expect(out.stdout).to.match(/^ERROR: Can't connect to monitor daemon!\n# connection refused/);
  });
});

describe('mmm_control: move_role writer waits for the move', () => {
  function monitorCtx(m: FakeMonitor, over: Partial<CommandContext> = {}) {
    const c = ctx({}, over);
    c.send = async (line) => {
      c.sent.push(line);
      return m.answer(line);
    };
    return c;
  }
  const fake = (o: { moveRunningPolls?: number; abortMove?: boolean } = {}) => FakeMonitor.detached(o);

  it('polls status_json until the writer is on the target and reports the time', async () => {
    const m = fake({ moveRunningPolls: 3 });
    const c = monitorCtx(m);
    const out = await runLine('move_role writer db2', c);
    expect(out.exitCode).to.equal(0);
    expect(out.stdout).to.match(/^OK: Role 'writer' has been moved from 'db1' to 'db2'\. Now you can wait some time and check new roles info!\n# Last move: role writer from db1 to db2 took 560 ms/);
    expect(c.sent.filter((l) => l === 'status_json').length).to.equal(4);
  });
  it('--no-wait prints only the reply', async () => {
    const m = fake();
    const c = monitorCtx(m, { wait: false });
    const out = await runLine('move_role writer db2', c);
    expect(out.stdout).to.equal(`${texts.moveRoleOk('writer', 'db1', 'db2')}\n`);
    expect(c.sent).to.deep.equal(['move_role writer db2']);
  });
  it('an aborted move is exit 1 with the reason', async () => {
    const m = fake({ abortMove: true });
    const out = await runLine('move_role writer db2', monitorCtx(m));
    expect(out.exitCode).to.equal(1);
    expect(out.stdout).to.include('# Last move: role writer from db1 to db2 aborted after 10.0 s');
    expect(out.stdout).to.include('did not catch up');
  });
  it('a move not complete within the bound is exit 1', async () => {
    const m = fake({ moveRunningPolls: 1_000_000 });
    const out = await runLine('move_role writer db2', monitorCtx(m, { waitTimeoutMs: 1000 }));
    expect(out.exitCode).to.equal(1);
    expect(out.stdout).to.match(/# Move of role writer to db2 not complete after 1\.0 s/);
  });
  it('a balanced role is not waited for', async () => {
    const m = fake();
    const c = monitorCtx(m);
    m.doc.roles[0].mode = 'balanced';
    const out = await runLine('move_role reader db2', c);
    expect(out.exitCode).to.equal(0);
  });
  const base = clusterDoc();
  const table: [string, (d: StatusDocument) => void, string][] = [
    ['unknown role', (d) => void (d.roles = d.roles.filter((r) => r.name !== 'writer')), 'no_wait'],
    ['not the active master', (d) => void (d.roles[1].activeMaster = false), 'no_wait'],
    ['still on db1, no move info', () => {}, 'running'],
    ['on db2, no move info', (d) => void (d.roles[1].ips[0].assignedTo = 'db2'), 'done'],
    ['on db2, move running', (d) => {
      d.roles[1].ips[0].assignedTo = 'db2';
      d.lastMove = { role: 'writer', from: 'db1', to: 'db2', startedAt: base.generatedAt, durationMs: null, outcome: 'running', reason: null };
    }, 'running'],
    ['move aborted', (d) => void (d.lastMove = { role: 'writer', from: 'db1', to: 'db2', startedAt: base.generatedAt, durationMs: 5, outcome: 'aborted', reason: 'x' }), 'aborted'],
  ];
  for (const [what, change, kind] of table) {
    it(`moveProgress: ${what} → ${kind}`, () => {
      const d = clusterDoc();
      change(d);
      expect(moveProgress(d, 'writer', 'db2').kind).to.equal(kind);
    });
  }
  it('moveReport: an MMM 2.x monitor (no status_json) is exit 0 with a note', () => {
    const r = moveReport({ kind: 'legacy' }, 'writer', 'db2', 10);
    expect(r.exitCode).to.equal(0);
    expect(r.extra).to.match(/^# Not followed: .*MMM 2\.x monitor/);
  });
  it('moveReport: lost contact is exit 3', () => {
    expect(moveReport({ kind: 'lost', why: 'connection refused' }, 'writer', 'db2', 10)).to.deep.equal({
      extra: '# Could not follow the move of role writer to db2: connection refused\n',
      exitCode: 3,
    });
  });
});

describe('mmm_control ack_failover', () => {
  it("prints the monitor's reply; exit 0, also when there is nothing to acknowledge", async () => {
    const okText = texts.ackFailoverOk('db1', 'db2', '2026-12-05T10:12:03.120Z');
    const r = await runLine('ack_failover', ctx({ ack_failover: okText }));
    expect([r.stdout, r.exitCode]).to.deep.equal([`${okText}\n`, 0]);
    const none = await runLine('ack_failover', ctx({ ack_failover: texts.nothingToAck() }, { json: true }));
    expect(JSON.parse(none.stdout)).to.deep.equal({ command: 'ack_failover', ok: true, reply: texts.nothingToAck() });
  });
  it('an MMM 2.x monitor does not know it: exit 1, ok false', async () => {
    const invalid = texts.invalidCommand('ack_failover');
    expect((await runLine('ack_failover', ctx({ ack_failover: invalid }))).exitCode).to.equal(1);
    const j = await runLine('ack_failover', ctx({ ack_failover: invalid }, { json: true }));
    expect([JSON.parse(j.stdout).ok, j.exitCode]).to.deep.equal([false, 1]);
  });
});

describe('mmm_control history', () => {
  const viaFake = (m: FakeMonitor, over: Partial<CommandContext> = {}) => {
    const c = ctx({}, { time: { timeZone: 'utc' }, ...over });
    c.send = async (line) => {
      c.sent.push(line);
      return m.answer(line);
    };
    return c;
  };
  it('prints one line per entry, newest first, with the timing; sends history N', async () => {
    const c = viaFake(FakeMonitor.detached());
    const r = await runLine('history 5', c);
    expect(c.sent).to.deep.equal(['history 5']);
    expect(r.exitCode).to.equal(0);
    expect(r.stdout).to.equal(
      '2026/11/23 17:46:50  command   db3  -       done  set_offline: db3 ONLINE -> ADMIN_OFFLINE by operator\n' +
        '2026/11/23 17:40:01  failover  db1  writer  done  writer db2 HARD_OFFLINE: failover to db1 (2.3 s)\n',
    );
  });
  it('--json prints the validated document; N bounds the entries', async () => {
    const r = await runLine('history 1', viaFake(FakeMonitor.detached(), { json: true }));
    const doc = JSON.parse(r.stdout);
    expect([r.exitCode, doc.schemaVersion, doc.entries.length, doc.entries[0].kind]).to.deep.equal([0, 1, 1, 'command']);
  });
  it('an MMM 2.x monitor does not know it: exit 1 and a clear message, nothing on stdout', async () => {
    const r = await runLine('history', viaFake(FakeMonitor.detached({ mmm2x: true })));
    expect(r).to.deep.equal({ stdout: '', stderr: 'mmm_control: the monitor does not know history (an MMM 2.x monitor?)\n', exitCode: 1 });
  });
  it('a document that is not valid is exit 1 naming the problem', async () => {
    const r = await runLine('history', ctx({ history: JSON.stringify({ schemaVersion: 1, entries: 'x' }) }));
    expect(r.exitCode).to.equal(1);
    expect(r.stderr).to.match(/history is not valid:\n {2}\$\.generatedAt: expected an ISO 8601 time\n {2}\$\.entries: expected an array/);
  });
  it('an empty history says so', async () => {
    const m = FakeMonitor.detached();
    m.history.entries = [];
    expect((await runLine('history', viaFake(m))).stdout).to.equal('# No history yet.\n');
  });
});
