// CheckRunner with fake check functions: concurrency across pairs, none within a pair, clean stop.
import { expect } from 'chai';
import type { CheckResult, RawCheckResult } from '../../src/checks';
import { CheckRunner } from '../../src/checks';
import { checkConfig, hostConfig } from './fixtures';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('CheckRunner', () => {
  const hosts = [hostConfig({ name: 'db1' }), hostConfig({ name: 'db2', ip: '127.0.0.2' })];

  it('runs every check on every host, never overlapping a pair, and stops cleanly', async () => {
    await sleep(1); // let mocha arm its own test timer first
    const before = timers();
    const active = new Map<string, number>();
    let maxPerPair = 0;
    let maxTotal = 0;
    const results: RawCheckResult[] = [];
    const fake = async (name: string, hostName: string): Promise<CheckResult> => {
      const key = `${hostName}/${name}`;
      active.set(key, (active.get(key) ?? 0) + 1);
      maxPerPair = Math.max(maxPerPair, active.get(key)!);
      maxTotal = Math.max(maxTotal, [...active.values()].reduce((a, b) => a + b, 0));
      await sleep(Math.random() * 80); // sometimes longer than the 50 ms period
      active.set(key, active.get(key)! - 1);
      return { status: 'OK', message: 'OK' };
    };
    const runner = new CheckRunner({
      hosts,
      checks: [checkConfig('ping', { checkPeriod: 0.05 }), checkConfig('mysql', { checkPeriod: 0.05 })],
      fns: { ping: (h) => fake('ping', h.name), mysql: (h) => fake('mysql', h.name) },
      onResult: (r) => results.push(r),
    });
    runner.start();
    await sleep(400);
    await runner.stop();
    const count = results.length;
    await sleep(150);
    expect(results.length, 'nothing emitted after stop').to.equal(count);
    expect(maxPerPair).to.equal(1);
    expect(maxTotal).to.be.greaterThan(1);
    for (const h of ['db1', 'db2'])
      for (const c of ['ping', 'mysql']) {
        expect(results.filter((r) => r.host === h && r.check === c).length, `${h}/${c}`).to.be.at.least(2);
      }
    for (const r of results) expect(r.finishedAt).to.be.at.least(r.startedAt);
    expect(runner.running).to.equal(false);
    expect(timers(), `no timers left: ${process.getActiveResourcesInfo().join()}`).to.equal(before);
  });

  it('a check that ignores its timeout: ERROR: Timeout, no second run while it hangs, bounded stop', async () => {
    const results: RawCheckResult[] = [];
    let calls = 0;
    let release!: () => void;
    const hung = new Promise<CheckResult>((r) => (release = () => r({ status: 'OK', message: 'OK' })));
    const runner = new CheckRunner({
      hosts: [hosts[0]!],
      checks: [checkConfig('mysql', { checkPeriod: 0.01, timeout: 0.05 })],
      fns: { mysql: () => (calls++, hung) },
      onResult: (r) => results.push(r),
      graceMs: 20,
    });
    runner.start();
    await sleep(250);
    expect(calls).to.equal(1);
    expect(results.map((r) => r.message)).to.deep.equal(['ERROR: Timeout']);
    release();
    await sleep(30);
    expect(calls).to.be.at.least(2);
    await runner.stop();
  });

  it('a check that throws: UNKNOWN, and the runner goes on', async () => {
    const results: RawCheckResult[] = [];
    const runner = new CheckRunner({
      hosts: [hosts[0]!],
      checks: [checkConfig('ping', { checkPeriod: 0.02 })],
      fns: {
        ping: () => {
          throw new Error('bug');
        },
      },
      onResult: (r) => results.push(r),
    });
    runner.start();
    await sleep(100);
    await runner.stop();
    expect(results.length).to.be.at.least(2);
    expect(results[0]).to.include({ host: 'db1', check: 'ping', status: 'UNKNOWN', message: 'UNKNOWN: check failed: bug' });
  });

  it('stop before start and twice is harmless; a throwing handler does not stop the runner', async () => {
    let n = 0;
    const runner = new CheckRunner({
      hosts: [hosts[0]!],
      checks: [checkConfig('ping', { checkPeriod: 0.01 })],
      fns: { ping: async () => ({ status: 'OK', message: 'OK' }) },
      onResult: () => {
        n++;
        throw new Error('handler bug');
      },
    });
    runner.start();
    await sleep(80);
    await runner.stop();
    await runner.stop();
    expect(n).to.be.at.least(2);
    const idle = new CheckRunner({ hosts, checks: [], fns: {}, onResult: () => undefined });
    await idle.stop();
    idle.start();
    expect(idle.running).to.equal(false);
  });
  it('stop() closes check functions that own resources (the ping check\'s pingers), once, after runs in flight', async () => {
    const events: string[] = [];
    const ping = Object.assign(async (): Promise<CheckResult> => ({ status: 'OK', message: 'OK' }), {
      close: async () => {
        events.push('close');
      },
    });
    const runner = new CheckRunner({
      hosts,
      checks: [checkConfig('ping', { checkPeriod: 0.02 })],
      fns: { ping },
      onResult: () => events.push('result'),
    });
    runner.start();
    await sleep(60);
    await runner.stop();
    await runner.stop();
    expect(events.filter((e) => e === 'close')).to.have.length(1);
    expect(events[events.length - 1]).to.equal('close');
  });

  it('runNow(): a run at once instead of at the next period, never beside the run in flight', async () => {
    await sleep(1);
    const before = timers();
    const results: RawCheckResult[] = [];
    let active = 0;
    let maxActive = 0;
    let hangNext = false;
    let release: (() => void) | undefined;
    let status: CheckResult['status'] = 'OK';
    const runner = new CheckRunner({
      hosts: [hosts[0]!],
      checks: [checkConfig('mysql', { checkPeriod: 60, timeout: 1 })],
      fns: {
        mysql: async () => {
          active++;
          maxActive = Math.max(maxActive, active);
          const seen = status; // what the server looked like when the run started
          if (hangNext) {
            hangNext = false;
            await new Promise<void>((r) => (release = r));
          }
          active--;
          return { status: seen, message: seen };
        },
      },
      onResult: (r) => results.push(r),
    });
    runner.start();
    while (results.length < 1) await sleep(5); // the first run, at start
    status = 'ERROR';
    await runner.runNow('db1', 'mysql'); // with a period of 60 s, only runNow starts this one
    expect(results.map((r) => r.status)).to.deep.equal(['OK', 'ERROR']);
    // a run in flight that began before the news: runNow waits for it, runs again, and resolves on that run
    hangNext = true;
    status = 'OK';
    const first = runner.runNow('db1', 'mysql');
    while (!release) await sleep(5);
    status = 'ERROR';
    const second = runner.runNow('db1', 'mysql');
    release();
    await first;
    expect(results.map((r) => r.status), 'the run in flight').to.deep.equal(['OK', 'ERROR', 'OK']);
    await second;
    expect(results.map((r) => r.status), 'a run begun after the second runNow').to.deep.equal(['OK', 'ERROR', 'OK', 'ERROR']);
    expect(maxActive, 'never two runs of a pair at once').to.equal(1);
    await runner.runNow('db1', 'nosuch'); // an unknown pair: nothing to do
    await runner.stop();
    await runner.runNow('db1', 'mysql'); // stopped: resolves at once
    expect(results).to.have.length(4);
    expect(timers(), `no timers left: ${process.getActiveResourcesInfo().join()}`).to.equal(before);
  });
});
