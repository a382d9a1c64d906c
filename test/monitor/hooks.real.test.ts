// Issue 17's hooks with REAL parts: MariaDB (sandbox harness), the built mmmd_agent and mmmd_mon
// over mutual TLS, and hooks that are small shell scripts written here. kill -9 of the writer's
// mariadbd with pre_failover_command vetoing (the failover stays blocked with the hook's stderr,
// in status_json and `show`, asked again at most once per pre_failover_interval), then hanging
// (killed at hook_timeout with its child: a veto), then missing (not found: a veto), then
// approving: the failover proceeds while a notify_command run is still stuck, and
// post_failover_command and notify_command get the environment.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { StatusDocument } from '@mmm/common';
import { readOnly } from '../../packages/sandbox/src';
import { type Rig, startRig, until } from './helpers/rig';

// the timeout is longer than the interval: the notify run held below must outlast a veto interval
const CONTROL_BIN = resolve(__dirname, '../../packages/control/bin/mmm_control.js');
const INTERVAL_S = 1;
const TIMEOUT_S = 4;

/** Gone, or a zombie (PID 1 in some containers does not reap orphans). */
function gone(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] === 'Z';
  } catch {
    return true;
  }
}

describe('hooks with real MariaDB, agents and monitor: pre_failover_command vetoes, post_failover_command, notify_command', function () {
  this.timeout(300_000);
  let rig: Rig | undefined;
  const hooks = mkdtempSync(join(tmpdir(), 'mmm-hooks-'));
  const f = (name: string): string => join(hooks, name);
  const figures: Record<string, string> = {};
  const status = async (): Promise<StatusDocument> => JSON.parse(await rig!.control('status_json')) as StatusDocument;
  /** Every environment a hook wrote, oldest first: `pre`, `post` or `notify`. */
  const envs = (hook: string): Record<string, string>[] =>
    readdirSync(hooks)
      .filter((n) => n.startsWith(`${hook}-`) && n.endsWith('.env'))
      .sort()
      .map((n) => Object.fromEntries(readFileSync(f(n), 'utf8').split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])));
  const failoverReason = (s: StatusDocument): string => [...s.decisions].reverse().find((d) => d.kind === 'failover')?.reason ?? '';
  const writable = async (n: string): Promise<boolean> => !(await readOnly(rig!.cluster.node(n)).catch(() => true));
  /** The real mmm_control (its `# ` lines come from status_json). */
  const mmmControl = (...args: string[]): string => {
    const t = join(rig!.dir, 'tls');
    const conf = join(hooks, 'mmm_control.conf');
    writeFileSync(conf, ['<monitor>', '    ip 127.0.0.1', `    port ${rig!.controlPort}`, '</monitor>', '<socket>', '    type ssl',
      `    client_cert_file ${t}/control.crt`, `    client_key_file ${t}/control.key`, `    ca_file ${t}/ca.crt`, '</socket>', ''].join('\n'), { mode: 0o600 });
    const r = spawnSync(process.execPath, [CONTROL_BIN, '-c', conf, ...args], { encoding: 'utf8', timeout: 30_000 });
    return `${r.stdout}${r.stderr}`;
  };

  before(async () => {
    // each run writes its MMM_* environment to a file; pre.mode says how pre_failover_command answers
    const envLine = (name: string) => `env | grep '^MMM_' | sort > "${hooks}/${name}-$(date +%s%N).env"`;
    writeFileSync(f('pre.sh'), [
      '#!/bin/sh', envLine('pre'),
      `case "$(cat "${hooks}/pre.mode")" in`,
      '  veto) echo "maintenance window: no failover now" >&2; exit 1 ;;',
      `  hang) echo $$ > "${hooks}/hang.pid"; sleep 60 & echo $! > "${hooks}/hang.child"; wait ;;`,
      'esac', 'exit 0', '',
    ].join('\n'), { mode: 0o755 });
    writeFileSync(f('post.sh'), `#!/bin/sh\n${envLine('post')}\n`, { mode: 0o755 });
    // with notify.block, a run waits for notify.release (hook_timeout bounds it); notify.inflight while it waits
    writeFileSync(f('notify.sh'), [
      '#!/bin/sh', envLine('notify'),
      `if [ -e "${hooks}/notify.block" ] && [ ! -e "${hooks}/notify.release" ]; then`,
      `  touch "${hooks}/notify.inflight"`,
      `  while [ ! -e "${hooks}/notify.release" ]; do sleep 0.05; done`,
      `  rm -f "${hooks}/notify.inflight"`,
      'fi', '',
    ].join('\n'), { mode: 0o755 });
    writeFileSync(f('pre.mode'), 'ok');
    const t0 = Date.now();
    rig = await startRig({
      replicas: 1,
      monitorLines: [
        `pre_failover_command ${f('pre.sh')}`, `post_failover_command ${f('post.sh')}`, `notify_command ${f('notify.sh')}`,
        `hook_timeout ${TIMEOUT_S}`, `pre_failover_interval ${INTERVAL_S}`,
      ],
    });
    rig.startMonitor();
    await until('the monitor to answer ping', async () => (await rig!.control('ping', 2000)) === 'OK: Pinged successfully!');
    for (const h of ['db1', 'db2', 'db3']) await rig.control(`set_online ${h}`);
    await until('every host ONLINE, db1 the writer', async () => (await status()).hosts.every((h) => h.state === 'ONLINE') && (await writable('db1')));
    figures['rig and set_online'] = `${Date.now() - t0} ms`;
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && rig) process.stdout.write(`${rig.logTails(80)}\n`);
  });

  after(async () => {
    writeFileSync(f('notify.release'), ''); // a hook still waiting ends now
    await rig?.stop();
    rmSync(hooks, { recursive: true, force: true });
    process.stdout.write(`      figures: ${JSON.stringify(figures)}\n`);
  });

  it('the first writer is no failover: pre_failover_command did not run; notify_command saw the hosts come ONLINE', async () => {
    expect(envs('pre')).to.deep.equal([]);
    const online = await until('notify of db2 ONLINE', async () => envs('notify').find((e) => e.MMM_EVENT === 'state_change' && e.MMM_HOST === 'db2' && e.MMM_STATE_TO === 'ONLINE'));
    expect(online).to.include({ MMM_CLUSTER: '', MMM_TERM: '0', MMM_STATE_FROM: 'AWAITING_RECOVERY' });
  });

  it('kill -9 of db1: the veto blocks the failover with the hook’s stderr (status_json, show), asked again at most once per interval', async () => {
    writeFileSync(f('pre.mode'), 'veto');
    await rig!.cluster.stopNode('db1', { kill: true });
    const killedAt = Date.now();
    const s = await until('the failover blocked by the veto', async () => {
      const d = await status();
      return failoverReason(d).includes('vetoed the failover db1 -> db2: maintenance window: no failover now (exit status 1)') ? d : undefined;
    });
    figures['kill -> veto in status_json'] = `${Date.now() - killedAt} ms`;
    expect(s.decisions.some((d) => d.kind === 'failover' && d.blocked && /maintenance window/.test(d.reason))).to.equal(true);
    expect(s.diagnoses?.find((d) => d.code === 'FailoverVetoed')).to.deep.include({ host: 'db2' });
    expect(mmmControl('show')).to.match(/# Diagnosis FailoverVetoed on db2 .*maintenance window: no failover now/);
    expect(s.decisions.some((d) => d.kind === 'hook' && /^pre_failover_command vetoed the failover db1 -> db2: maintenance window/.test(d.reason))).to.equal(true);
    const pre = envs('pre')[0];
    expect(pre).to.include({ MMM_EVENT: 'failover', MMM_OLD_WRITER: 'db1', MMM_NEW_WRITER: 'db2', MMM_HOST: 'db2', MMM_REASON: 'db1 is HARD_OFFLINE', MMM_ROLE: 'writer', MMM_TERM: '0' });
    // not at pass rate (the loop runs every 200 ms): a run, then none before the interval has passed
    await until('a third run', async () => envs('pre').length >= 3, 30_000);
    const started = readdirSync(hooks).filter((n) => n.startsWith('pre-')).sort().map((n) => Number(n.slice(4, -4)) / 1e6);
    for (let i = 1; i < started.length; i++) expect(started[i] - started[i - 1], `run ${i} after run ${i - 1}`).to.be.at.least(INTERVAL_S * 1000);
    expect(await writable('db2')).to.equal(false);
  });

  it('a hook that hangs is killed at hook_timeout with its child, and that vetoes', async () => {
    writeFileSync(f('pre.mode'), 'hang');
    await until('the timeout as the veto', async () => failoverReason(await status()).includes(`did not finish within ${TIMEOUT_S} s (hook_timeout): killed`), 30_000);
    const pid = Number(readFileSync(f('hang.pid'), 'utf8'));
    const child = Number(readFileSync(f('hang.child'), 'utf8'));
    await until('the hook and its child gone', async () => gone(pid) && gone(child), 5000);
    expect(await writable('db2')).to.equal(false);
  });

  it('a hook that cannot be found vetoes with the shell’s reason; once it approves the failover proceeds while a notify run is still stuck; post and notify get the environment', async () => {
    renameSync(f('pre.sh'), f('pre.sh.away'));
    writeFileSync(f('pre.mode'), 'ok');
    writeFileSync(f('notify.block'), '');
    await until('not found as the veto', async () => /vetoed the failover db1 -> db2: .*pre\.sh: .*not found \(exit status 127\)/.test(failoverReason(await status())), 30_000);
    await until('a notify run stuck', async () => existsSync(f('notify.inflight')), 30_000);
    renameSync(f('pre.sh.away'), f('pre.sh'));
    const approvedAt = Date.now();
    await until('db2 writable', async () => writable('db2'), 30_000);
    figures['hook restored -> db2 writable'] = `${Date.now() - approvedAt} ms (pre_failover_interval ${INTERVAL_S} s)`;
    // the notify run that was stuck before the promotion is still stuck: the failover did not wait for it
    expect(existsSync(f('notify.inflight')), 'a notify_command run still waiting when db2 became writable').to.equal(true);
    writeFileSync(f('notify.release'), '');

    const post = await until('post_failover_command', async () => envs('post')[0]);
    expect(post).to.include({ MMM_EVENT: 'failover', MMM_OLD_WRITER: 'db1', MMM_NEW_WRITER: 'db2', MMM_HOST: 'db2', MMM_RESULT: 'success', MMM_ROLE: 'writer', MMM_CLUSTER: '', MMM_TERM: '0' });
    const notified = await until('notify of the failover and the writer role', async () => {
      const n = envs('notify');
      const failover = n.find((e) => e.MMM_EVENT === 'failover');
      const role = n.find((e) => e.MMM_EVENT === 'role_change' && e.MMM_NEW_WRITER === 'db2');
      return failover && role ? { n, failover, role } : undefined;
    });
    expect(notified.failover).to.include({ MMM_OLD_WRITER: 'db1', MMM_NEW_WRITER: 'db2', MMM_RESULT: 'success' });
    expect(notified.role).to.include({ MMM_HOST: 'db2', MMM_OLD_HOST: '' });
    expect(notified.role.MMM_ROLE).to.match(/^writer\(127\.0\.1\.\d+\)$/);
    expect(notified.n.some((e) => e.MMM_EVENT === 'state_change' && e.MMM_HOST === 'db1' && e.MMM_STATE_FROM === 'ONLINE' && e.MMM_STATE_TO === 'HARD_OFFLINE')).to.equal(true);
    expect(notified.n.some((e) => e.MMM_EVENT === 'blocked' && e.MMM_DECISION === 'failover' && /maintenance window: no failover now/.test(e.MMM_REASON))).to.equal(true);
    // in order: the events of one host come as they happened
    const db1 = notified.n.filter((e) => e.MMM_EVENT === 'state_change' && e.MMM_HOST === 'db1').map((e) => e.MMM_STATE_TO);
    expect(db1.indexOf('ONLINE')).to.be.below(db1.indexOf('HARD_OFFLINE'));
    const s = await status();
    expect(s.decisions.some((d) => d.kind === 'hook' && /^notify_command .*did not finish/.test(d.reason)), 'the stuck notify run was released, not killed').to.equal(false);
    expect(s.decisions.some((d) => d.kind === 'hook' && /^post_failover_command for the failover: exit status 0/.test(d.reason))).to.equal(true);
    expect(s.diagnoses?.some((d) => d.code === 'FailoverVetoed')).to.equal(false);
  });
});
