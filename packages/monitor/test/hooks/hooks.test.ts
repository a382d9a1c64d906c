// The Hooks facade with a fake runner (FakeClock): what pre_failover_command's runs leave for the
// analysis, the veto reason, the audit entries, and which events reach post_failover_command and
// notify_command with which environment.
import { expect } from 'chai';
import { FakeClock, MemoryLogger } from '@mmm/common/testing';
import type { AuditInput } from '../../src/persistence/audit-log';
import { Hooks, vetoReason } from '../../src/hooks/hooks';
import type { HookRun, RunHookOptions } from '../../src/hooks/run-hook';
import { makeConfig } from '../fixtures';

const run0 = (over: Partial<HookRun> = {}): HookRun => ({ exitCode: 0, signal: null, timedOut: false, stdout: '', stderr: '', startedAt: 0, durationMs: 12, ...over });

function setup(monitor: Record<string, unknown>, answer: (cmd: string, env: Record<string, string>) => HookRun | Promise<HookRun> = () => run0(), queueMax?: number) {
  const clock = new FakeClock();
  const audit: AuditInput[] = [];
  const calls: { cmd: string; env: Record<string, string>; o: RunHookOptions }[] = [];
  let passes = 0;
  const hooks = new Hooks({
    config: makeConfig({}, monitor), logger: new MemoryLogger(), clock, audit: { record: (e) => audit.push(e) }, cluster: 'c1', queueMax,
    triggerPass: () => void passes++,
    run: async (cmd, env, o) => {
      calls.push({ cmd, env, o });
      return answer(cmd, env);
    },
  });
  return { hooks, clock, audit, calls, passes: () => passes };
}

describe('hooks', () => {
  it('veto reason: stderr first line and how it ended; a timeout and a start failure say so', () => {
    expect(vetoReason(run0({ exitCode: 1, stderr: '\nbackup running\nmore' }), 10_000)).to.equal('backup running (exit status 1)');
    expect(vetoReason(run0({ exitCode: 2, stdout: 'from stdout' }), 10_000)).to.equal('from stdout (exit status 2)');
    expect(vetoReason(run0({ exitCode: 3 }), 10_000)).to.equal('no output (exit status 3)');
    expect(vetoReason(run0({ exitCode: null, timedOut: true, signal: 'SIGKILL' }), 10_000)).to.equal('did not finish within 10 s (hook_timeout): killed');
    expect(vetoReason(run0({ exitCode: null, spawnError: 'spawn /bin/sh ENOENT' }), 10_000)).to.equal('could not be started: spawn /bin/sh ENOENT');
  });

  it('a pass’s run: running while it runs, then the veto recorded, audited, and a pass triggered', async () => {
    let release!: (r: HookRun) => void;
    const t = setup({ preFailoverCommand: '/hooks/pre', hookTimeout: 4 }, () => new Promise<HookRun>((r) => (release = r)));
    t.hooks.startPreFailover({ event: 'failover', from: 'db1', to: 'db2', why: 'db1 is HARD_OFFLINE' });
    t.hooks.startPreFailover({ event: 'failover', from: 'db1', to: 'db3' }); // one at a time
    expect(t.hooks.preFailover.running?.attempt.to).to.equal('db2');
    expect(t.calls).to.have.length(1);
    expect(t.calls[0].o.timeoutMs).to.equal(4000);
    expect(t.calls[0].env).to.include({ MMM_CLUSTER: 'c1', MMM_EVENT: 'failover', MMM_OLD_WRITER: 'db1', MMM_NEW_WRITER: 'db2', MMM_HOST: 'db2', MMM_REASON: 'db1 is HARD_OFFLINE', MMM_TERM: '0', MMM_ROLE: 'writer' });
    t.clock.advance(500);
    release(run0({ exitCode: 1, stderr: 'maintenance\n', durationMs: 500 }));
    await t.hooks.idle();
    expect(t.hooks.preFailover).to.deep.equal({ last: { attempt: { event: 'failover', from: 'db1', to: 'db2', why: 'db1 is HARD_OFFLINE' }, ok: false, reason: 'maintenance (exit status 1)', at: t.clock.now() } });
    expect(t.passes()).to.equal(1);
    expect(t.audit).to.have.length(1);
    expect(t.audit[0]).to.deep.include({ kind: 'hook', host: 'db2', reason: 'pre_failover_command vetoed the failover db1 -> db2: maintenance (exit status 1)' });
    expect(t.audit[0].details).to.deep.include({ hook: 'pre_failover_command', event: 'failover', exitCode: 1, timedOut: false, vetoed: true, durationMs: 500, stderr: 'maintenance\n' });
  });

  it('a command’s run is awaited and answers; an approval is used up by consumeApproval', async () => {
    const t = setup({ preFailoverCommand: '/hooks/pre' });
    expect(await t.hooks.preFailoverNow({ event: 'switchover', from: 'db1', to: 'db2' })).to.deep.equal({ ok: true });
    expect(t.hooks.preFailover.last).to.deep.include({ ok: true });
    expect(t.audit[0].reason).to.equal('pre_failover_command for the switchover db1 -> db2: exit status 0 in 12 ms');
    t.hooks.consumeApproval();
    expect(t.hooks.preFailover).to.deep.equal({});
    const none = setup({});
    expect(await none.hooks.preFailoverNow({ event: 'switchover', from: 'db1', to: 'db2' })).to.deep.equal({ ok: true });
    expect(none.calls).to.have.length(0);
  });

  it('afterMove: post_failover_command and notify_command, with the result', async () => {
    const t = setup({ postFailoverCommand: '/hooks/post', notifyCommand: '/hooks/notify' });
    t.hooks.afterMove({ event: 'switchover', from: 'db1', to: 'db2', ok: false, reason: 'db2 did not reach the GTID' });
    await t.hooks.idle();
    expect(t.calls.map((c) => c.cmd).sort()).to.deep.equal(['/hooks/notify', '/hooks/post']);
    for (const c of t.calls) expect(c.env).to.include({ MMM_EVENT: 'switchover', MMM_OLD_WRITER: 'db1', MMM_NEW_WRITER: 'db2', MMM_RESULT: 'failure', MMM_REASON: 'db2 did not reach the GTID' });
    expect(t.audit.map((a) => a.reason)).to.include('post_failover_command for the switchover: exit status 0 in 12 ms');
  });

  it('notify: blocked decisions and changes; not taken decisions, not without the hook', async () => {
    const t = setup({ notifyCommand: '/hooks/notify' });
    t.hooks.onDecision({ kind: 'failover', host: 'db2', role: 'writer', reason: 'db2 is not made writable yet: x', blocked: true });
    t.hooks.onDecision({ kind: 'role_move', host: 'db2', reason: 'taken', blocked: false });
    await t.hooks.idle();
    expect(t.calls).to.have.length(1);
    expect(t.calls[0].env).to.include({ MMM_EVENT: 'blocked', MMM_DECISION: 'failover', MMM_HOST: 'db2', MMM_ROLE: 'writer', MMM_REASON: 'db2 is not made writable yet: x' });
    const none = setup({});
    none.hooks.onDecision({ kind: 'failover', reason: 'x', blocked: true });
    await none.hooks.idle();
    expect(none.calls).to.have.length(0);
  });

  it('a dropped notify event is audited', async () => {
    let release!: () => void;
    const t = setup({ notifyCommand: '/hooks/notify' }, () => new Promise<HookRun>((r) => (release = () => r(run0()))), 1);
    for (const reason of ['a', 'b', 'c']) t.hooks.onDecision({ kind: 'fence', host: 'db1', reason, blocked: true });
    expect(t.audit).to.have.length(1);
    expect(t.audit[0]).to.deep.include({ kind: 'hook', host: 'db1', reason: 'notify_command: blocked event not run: queue full (1 waiting)' });
    release();
    await new Promise((r) => setImmediate(r));
    release();
    await t.hooks.idle();
  });
});
