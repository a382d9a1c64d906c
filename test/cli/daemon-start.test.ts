// The daemons' shared start-up (common runDaemon) with the real built binaries: pid files as MMM
// writes them (refused while a live process holds one, replaced when stale, removed on exit),
// the start refusing what --check-config refuses, and the exit-code table (2 usage, 4 already running).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeTestCluster, type TestCluster } from '../tls/helpers/cluster';
import { AGENT_BIN, MONITOR_BIN, startAgent, type AgentProcess } from '../tls/helpers/agent-process';

function run(args: string[], bin = AGENT_BIN): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('daemon start-up: pid file, start check, exit codes (real mmmd_agent; mmmd_mon for the start check)', function () {
  this.timeout(120_000);
  let cluster: TestCluster;
  let agent: AgentProcess | undefined;
  let pidFile: string;
  let conf: string;

  before(async () => {
    cluster = await makeTestCluster();
    pidFile = path.join(cluster.dir, 'run', 'mmmd_agent.pid');
    conf = path.join(cluster.dir, 'agent-pid.conf');
    const text = fs.readFileSync(cluster.hosts.db1.conf, 'utf8');
    fs.writeFileSync(conf, `${text}<host db1>\n    pid_path ${pidFile}\n</host>\n`, { mode: 0o600 });
  });
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
  });
  after(() => fs.rmSync(cluster.dir, { recursive: true, force: true }));

  it('writes its PID to pid_path (making the folder), refuses a second start with exit 4, removes the file on SIGTERM', async () => {
    agent = await startAgent(conf);
    expect(fs.readFileSync(pidFile, 'utf8')).to.equal(`${agent.pid}\n`);
    const second = run(['-c', conf]);
    expect(second.status).to.equal(4);
    expect(second.stderr).to.equal(
      `mmmd_agent: ${pidFile} names PID ${agent.pid}, which is running: another mmmd_agent uses this pid_path (stop it first; if PID ${agent.pid} is not mmmd_agent, remove ${pidFile})\n`,
    );
    expect(fs.readFileSync(pidFile, 'utf8')).to.equal(`${agent.pid}\n`);
    await agent.stop();
    agent = undefined;
    expect(fs.existsSync(pidFile)).to.equal(false);
  });

  it('replaces a pid file left by a dead process, with a warning', async () => {
    // A PID that cannot be running: above the kernel's pid_max.
    const pidMax = Number(fs.readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
    fs.mkdirSync(path.dirname(pidFile), { recursive: true });
    fs.writeFileSync(pidFile, `${pidMax + 1}\n`);
    agent = await startAgent(conf);
    expect(fs.readFileSync(pidFile, 'utf8')).to.equal(`${agent.pid}\n`);
    expect(agent.log()).to.include(`pid file ${pidFile} named PID ${pidMax + 1}, which is not running: replaced`);
    // Stopped right after it said "listening": a SIGTERM at any time of the start-up is a clean stop.
    const a = agent;
    await a.stop();
    agent = undefined;
    expect({ code: a.child.exitCode, signal: a.child.signalCode }).to.deep.equal({ code: 0, signal: null });
    expect(fs.existsSync(pidFile)).to.equal(false);
  });

  it('refuses to start on what --check-config refuses (a world-readable key or config), exit 1, the same lines', () => {
    expect(fs.existsSync(pidFile), 'the previous agent removed its pid file').to.equal(false);
    const key = path.join(cluster.dir, 'db1.key');
    for (const [file, what] of [[key, /private key .*db1\.key is readable by other users \(mode 0644\)/], [conf, /agent-pid\.conf:0: config file is readable by other users \(mode 0644\)/]] as const) {
      fs.chmodSync(file, 0o644);
      try {
        const check = run(['-c', conf, '--check-config']);
        const start = run(['-c', conf]);
        expect(check.status).to.equal(1);
        expect(start.status).to.equal(1);
        expect(check.stdout).to.match(what);
        expect(start.stderr.trim()).to.equal(check.stdout.trim());
        expect(fs.existsSync(pidFile)).to.equal(false);
      } finally {
        fs.chmodSync(file, 0o600);
      }
    }
  });

  it('mmmd_mon refuses to start on a world-readable key or config too: exit 1, the --check-config lines, nothing listens', () => {
    const conf = cluster.monitor.conf;
    const key = path.join(cluster.dir, 'monitor.key');
    for (const [file, what] of [[key, /private key .*monitor\.key is readable by other users \(mode 0644\)/], [conf, /mmm_mon\.conf:0: config file is readable by other users \(mode 0644\)/]] as const) {
      fs.chmodSync(file, 0o644);
      try {
        const check = run(['-c', conf, '--check-config'], MONITOR_BIN);
        const start = run(['-c', conf], MONITOR_BIN);
        expect(check.status, check.stdout + check.stderr).to.equal(1);
        expect(start.status, start.stdout + start.stderr).to.equal(1);
        expect(check.stdout).to.match(what);
        expect(check.stdout).to.match(/chmod 600/);
        expect(start.stderr.trim()).to.equal(check.stdout.trim());
        expect(start.stderr).to.not.match(/listening on/);
      } finally {
        fs.chmodSync(file, 0o600);
      }
    }
  });

  it('usage errors exit 2: an unknown option, @cluster together with -c, an unknown --user', () => {
    const bogus = run(['--bogus']);
    expect(bogus.status).to.equal(2);
    expect(bogus.stderr).to.match(/unknown option '--bogus'/);
    const both = run(['@east', '-c', conf]);
    expect(both).to.deep.include({ status: 2, stdout: '' });
    expect(both.stderr).to.equal(`mmmd_agent: @east selects the cluster's config file by name, and -c ${conf} names one: give one of them\n`);
    const user = run(['-c', conf, '--check-config', '--user', 'no-such-user-mmm']);
    expect(user).to.deep.include({ status: 2, stderr: 'mmmd_agent: --user no-such-user-mmm: no such user in /etc/passwd\n' });
  });

  it('--check-config --user checks readability as that user: the root-only config first, then its key, with the ownership rule as hint', () => {
    const r = run(['-c', conf, '--check-config', '--user', 'nobody']);
    expect(r.status).to.equal(1);
    const lines = r.stdout.split('\n').filter(Boolean);
    // The config file itself comes first: the daemon would not get past reading it.
    expect(lines[0]).to.match(/^(\S+):0: config file cannot be read by nobody: (not readable by nobody|folder .* is not searchable by nobody) \(the agent runs as root: chown root:root \1; chmod 600 \1\)$/);
    expect(lines[0]!.startsWith(`${conf}:0: `)).to.equal(true);
    expect(r.stdout).to.match(/key_file .*db1\.key cannot be read by nobody: (not readable by nobody|folder .* is not searchable by nobody) \(the agent runs as root: chown root:root .*; chmod 600 .*\)/);
  });

  it('--check-config --user checks every included file too: a main file that user owns, including a root-only one (root only)', function () {
    if (process.getuid?.() !== 0) {
      console.log('      skipping: not root (chown to nobody needs root)');
      return this.skip();
    }
    // A searchable folder, so that only the files' own modes decide.
    const dir = fs.mkdtempSync(path.join(path.dirname(cluster.dir), 'mmm-include-'));
    try {
      fs.chmodSync(dir, 0o755);
      const common = path.join(dir, 'common.conf');
      const main = path.join(dir, 'agent.conf');
      fs.writeFileSync(common, '# root only\n', { mode: 0o600 });
      // The cluster's TLS files stay where they are (paths are relative to the config's folder).
      const text = fs.readFileSync(conf, 'utf8').replace(/^(\s*(?:cert|key|ca)_file\s+)(\S+)/gm, (_, k: string, f: string) => `${k}${path.resolve(cluster.dir, f)}`);
      fs.writeFileSync(main, `include common.conf\n${text}`, { mode: 0o600 });
      const nobody = spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).stdout.trim();
      fs.chownSync(main, Number(nobody), 0);
      const r = run(['-c', main, '--check-config', '--user', 'nobody']);
      expect(r.status).to.equal(1);
      const lines = r.stdout.split('\n').filter(Boolean);
      expect(lines[0]).to.equal(`${common}:0: config file cannot be read by nobody: not readable by nobody (the agent runs as root: chown root:root ${common}; chmod 600 ${common})`);
      expect(lines.filter((l) => l.startsWith(`${main}:0: config file`)), 'the main file is readable by its owner').to.deep.equal([]);
      // As root (no --user) the same files are fine.
      const asRoot = run(['-c', main, '--check-config']);
      expect(asRoot, asRoot.stdout).to.deep.include({ status: 0, stdout: 'OK\n' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
