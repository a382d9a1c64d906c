// ping check with long-running pingers: the line parser (table), the freshness verdict with a
// fake clock, stand-in pingers (restart, fallback, stop by PID) and real iputils ping against
// 127.0.0.1 and against an address inside a network namespace this test creates and takes down.
// The pinger for the namespace runs INSIDE a second namespace of ours (`ip netns exec`), so
// nothing is ever sent from the root namespace and, once the target namespace is gone, the
// pinger's namespace has no route at all: no packet can leave the machine.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type PingLine,
  type PingerState,
  PingerPool,
  freshnessWindowMs,
  judgePing,
  makePingCheck,
  parsePingLine,
  pingerArgs,
  pingerIntervalS,
} from '../../src/checks';
import { checkConfig, hostConfig } from './fixtures';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('ping check (long-running pingers)', () => {
  describe('parsePingLine', () => {
    const table: Array<[string, PingLine]> = [
      ['64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.075 ms', { kind: 'reply', seq: 1, timeMs: 0.075 }],
      ['64 bytes from 10.231.7.2: icmp_seq=12345 ttl=63 time=12.5 ms', { kind: 'reply', seq: 12345, timeMs: 12.5 }],
      ['64 bytes from 127.0.0.1: icmp_seq=3 ttl=64 time=0.04 ms (DUP!)', { kind: 'reply', seq: 3, timeMs: 0.04 }],
      ['64 bytes from ::1: icmp_seq=2 ttl=64 time=0.030 ms', { kind: 'reply', seq: 2, timeMs: 0.03 }],
      ['8 bytes from 127.0.0.1: icmp_seq=9 ttl=64', { kind: 'reply', seq: 9 }],
      ['  64 bytes from 127.0.0.1: icmp_seq=4 ttl=64 time=1 ms\r', { kind: 'reply', seq: 4, timeMs: 1 }],
      ['no answer yet for icmp_seq=7', { kind: 'missed', seq: 7 }],
      ['From 10.0.0.1 icmp_seq=4 Destination Host Unreachable', { kind: 'error', seq: 4, text: 'Destination Host Unreachable' }],
      ['From 10.0.0.254 icmp_seq=1 Time to live exceeded', { kind: 'error', seq: 1, text: 'Time to live exceeded' }],
      ['PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.', { kind: 'other' }],
      ['--- 127.0.0.1 ping statistics ---', { kind: 'other' }],
      ['5 packets transmitted, 5 received, 0% packet loss, time 4093ms', { kind: 'other' }],
      ['rtt min/avg/max/mdev = 0.017/0.034/0.075/0.017 ms', { kind: 'other' }],
      ['', { kind: 'other' }],
      ['ping: sendmsg: Network is unreachable', { kind: 'other' }],
      ['64 bytes from 127.0.0.1: ttl=64 time=0.075 ms', { kind: 'other' }],
    ];
    for (const [line, want] of table) {
      it(JSON.stringify(line), () => expect(parsePingLine(line)).to.deep.equal(want));
    }
  });

  it('interval: the check period, ≥ 0.2 s unless root (iputils), ≥ 0.05 s as root; arguments', () => {
    expect(pingerIntervalS(1, false)).to.equal(1);
    expect(pingerIntervalS(0.25, false)).to.equal(0.25);
    expect(pingerIntervalS(0.1, false)).to.equal(0.2);
    expect(pingerIntervalS(0.1, true)).to.equal(0.1);
    expect(pingerIntervalS(0.01, true)).to.equal(0.05);
    expect(pingerArgs('10.0.0.1', 0.25, 1)).to.deep.equal(['-n', '-O', '-i', '0.25', '-W', '1', '10.0.0.1']);
    expect(freshnessWindowMs(1, 0.25)).to.equal(1300);
  });

  describe('judgePing (fake clock)', () => {
    const W = freshnessWindowMs(1, 1); // 2050 ms
    const st = (over: Partial<PingerState>): PingerState => ({ startedAt: 10_000, missed: 0, ...over });
    const cases: Array<[string, PingerState, number, string | undefined]> = [
      ['new pinger, nothing yet', st({}), 10_500, undefined],
      ['new pinger, window not over', st({}), 10_000 + W, undefined],
      ['new pinger, window over, no reply ever', st({ missed: 2 }), 10_000 + W + 1, `ERROR: no ICMP reply from 10.0.0.1 for ${W + 1} ms`],
      ['reply just now', st({ lastReplyAt: 10_100 }), 10_100, 'OK'],
      ['reply exactly one window ago', st({ lastReplyAt: 11_000 }), 11_000 + W, 'OK'],
      ['reply one window + 1 ms ago', st({ lastReplyAt: 11_000, missed: 2 }), 11_001 + W, `ERROR: no ICMP reply from 10.0.0.1 for ${W + 1} ms`],
      ['old reply, ICMP error seen', st({ lastReplyAt: 11_000, lastError: 'Destination Host Unreachable' }), 20_000, 'ERROR: no ICMP reply from 10.0.0.1 for 9000 ms (Destination Host Unreachable)'],
    ];
    for (const [name, s, now, want] of cases) {
      it(name, () => expect(judgePing('10.0.0.1', s, now, W)?.message).to.equal(want));
    }
  });

  describe('with stand-in ping programs', () => {
    let dir: string;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'mmm-pinger-'));
    });
    after(async () => {
      await rm(dir, { recursive: true, force: true });
    });
    async function script(name: string, body: string): Promise<string> {
      const p = join(dir, name);
      await writeFile(p, `#!/bin/sh\n${body}\n`);
      await chmod(p, 0o755);
      return p;
    }

    it('answers from the pinger state: OK after a reply, ERROR with the exact age once the window passed (fake clock)', async () => {
      // One reply, then "no answer yet" every 50 ms (real time) until killed.
      const bin = await script(
        'one-reply',
        'echo "PING $7 ($7) 56(84) bytes of data."; echo "64 bytes from $7: icmp_seq=1 ttl=64 time=0.1 ms"; i=2; while true; do sleep 0.05; echo "no answer yet for icmp_seq=$i"; i=$((i+1)); done',
      );
      let now = 1_000_000;
      const pool = new PingerPool({ pingBin: bin, pingClock: { now: () => now } });
      const check = checkConfig('ping', { checkPeriod: 1, timeout: 1 });
      try {
        expect(await pool.check('127.0.0.1', check)).to.deep.equal({ status: 'OK', message: 'OK' });
        expect(pool.pids).to.have.length(1);
        const W = freshnessWindowMs(1, 1);
        now += W;
        expect((await pool.check('127.0.0.1', check)).status).to.equal('OK');
        now += 1;
        await sleep(150); // a "no answer yet" line arrives at the new fake time: the pinger is talking
        expect(await pool.check('127.0.0.1', check)).to.deep.equal({ status: 'ERROR', message: `ERROR: no ICMP reply from 127.0.0.1 for ${W + 1} ms` });
        expect(pool.pids).to.have.length(1, 'still one pinger: checks never spawn');
      } finally {
        const pids = pool.pids;
        await pool.close();
        for (const pid of pids) expect(alive(pid), `pinger ${pid} stopped`).to.equal(false);
      }
    });

    it('a pinger that exits is restarted with backoff; close() stops it and every restart', async () => {
      const starts = join(dir, 'starts');
      const bin = await script('short', `echo x >> ${starts}; echo "64 bytes from $7: icmp_seq=1 ttl=64 time=0.1 ms"; sleep 0.1`);
      const pool = new PingerPool({ pingBin: bin, pingRestartMinMs: 20, pingRestartMaxMs: 100 });
      expect((await pool.check('127.0.0.1', checkConfig('ping', { checkPeriod: 1, timeout: 1 }))).status).to.equal('OK');
      await sleep(800);
      const n = (await readFile(starts, 'utf8')).split('\n').filter(Boolean).length;
      expect(n).to.be.at.least(3);
      await pool.close();
      const after = (await readFile(starts, 'utf8')).split('\n').filter(Boolean).length;
      await sleep(300);
      expect((await readFile(starts, 'utf8')).split('\n').filter(Boolean).length, 'no restart after close').to.equal(after);
      expect(pool.pids).to.deep.equal([]);
      expect((await pool.check('127.0.0.1', checkConfig('ping'))).status).to.equal('UNKNOWN');
    });

    it('a pinger that ignores SIGTERM is SIGKILLed by close() (bounded)', async () => {
      const bin = await script('stubborn', `trap '' TERM; echo "64 bytes from $7: icmp_seq=1 ttl=64 time=0.1 ms"; while true; do sleep 0.05; done`);
      const pool = new PingerPool({ pingBin: bin });
      expect((await pool.check('127.0.0.1', checkConfig('ping', { checkPeriod: 1, timeout: 1 }))).status).to.equal('OK');
      const [pid] = pool.pids;
      const t0 = Date.now();
      await pool.close();
      expect(Date.now() - t0).to.be.below(2500);
      expect(alive(pid!)).to.equal(false);
    });

    it('fallback to the one-shot ping: a ping that cannot run persistently (exit 1 / exit 2), a missing ping, invalid addresses', async () => {
      const marker = join(dir, 'ran');
      const rec = await script('record', `touch ${marker}`);
      for (const ip of ['999.1.1.1', 'db1.example.invalid', '', '127.0.0.1; true']) {
        const check = makePingCheck({ pingBin: rec });
        expect((await check(hostConfig({ ip }), checkConfig('ping'))).message).to.match(/^ERROR: Invalid IP address/);
        await check.close();
      }
      expect(spawnSync('test', ['-e', marker]).status, 'ping never run for a non-literal address').to.equal(1);

      const exit1 = makePingCheck({ pingBin: await script('noreply', 'exit 1'), pingRestartMinMs: 10_000 });
      expect(await exit1(hostConfig({ ip: '127.0.0.1' }), checkConfig('ping'))).to.deep.equal({ status: 'ERROR', message: 'ERROR: Could not ping 127.0.0.1' });
      await exit1.close();

      const exit2 = makePingCheck({ pingBin: await script('fail', 'echo "ping: boom" >&2; exit 2'), pingRestartMinMs: 10_000 });
      const r2 = await exit2(hostConfig({ ip: '127.0.0.1' }), checkConfig('ping'));
      expect(r2.status).to.equal('ERROR');
      expect(r2.message).to.contain('ping: boom');
      await exit2.close();

      const missing = makePingCheck({ pingBin: join(dir, 'missing'), pingRestartMinMs: 10_000 });
      const r3 = await missing(hostConfig(), checkConfig('ping'));
      expect(r3.status).to.equal('UNKNOWN');
      expect(r3.message).to.match(/not found/);
      await missing.close();
    });

    it('a silent pinger (no line at all) is not trusted: killed, restarted, one-shot ERROR within the bound', async () => {
      const bin = await script('hang', 'exec sleep 30');
      let now = 5_000;
      const pool = new PingerPool({ pingBin: bin, pingClock: { now: () => now }, pingRestartMinMs: 10_000 });
      const check = checkConfig('ping', { checkPeriod: 0.2, timeout: 0.2 });
      // The fake clock does not move during the first call's bounded wait: stop waiting via a real timer.
      const first = pool.check('127.0.0.1', check);
      const tick = setInterval(() => (now += 50), 20);
      try {
        expect((await first).status).to.equal('UNKNOWN');
        now += 10_000;
        const t0 = Date.now();
        const r = await pool.check('127.0.0.1', check);
        expect(r.status).to.equal('ERROR');
        expect(Date.now() - t0).to.be.below(1500);
      } finally {
        clearInterval(tick);
        await pool.close();
      }
    });
  });

  describe('with the real iputils ping', function () {
    const hasPing = spawnSync('ping', ['-V']).status === 0;
    const root = process.getuid?.() === 0;

    it('127.0.0.1: OK, one process for many checks, none left after close()', async function () {
      if (!hasPing) this.skip();
      const check = makePingCheck();
      const cfg = checkConfig('ping', { checkPeriod: 0.25, timeout: 1 });
      const pool = (check as unknown as { pool: PingerPool }).pool;
      try {
        for (let i = 0; i < 5; i++) {
          expect(await check(hostConfig({ ip: '127.0.0.1' }), cfg)).to.deep.equal({ status: 'OK', message: 'OK' });
          await sleep(100);
        }
        expect(pool.pids).to.have.length(1);
      } finally {
        const pids = pool.pids;
        await check.close();
        for (const pid of pids) expect(alive(pid)).to.equal(false);
      }
    });

    describe('an address in a network namespace that is then taken down', () => {
      const tag = `${process.pid % 100_000}`;
      const nsPinger = `mmmpt-p${tag}`;
      const nsTarget = `mmmpt-t${tag}`;
      const octet = 1 + (process.pid % 250);
      const pingerIp = `10.231.${octet}.1`;
      const targetIp = `10.231.${octet}.2`;
      let dir: string;
      let made: string[] = [];
      const ipCmd = (...args: string[]) => {
        const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
        if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
      };

      before(async function () {
        if (!hasPing || !root) return this.skip();
        const existing = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
        if (existing.includes(nsPinger) || existing.includes(nsTarget)) return this.skip();
        dir = await mkdtemp(join(tmpdir(), 'mmm-pinger-ns-'));
        ipCmd('netns', 'add', nsPinger);
        made.push(nsPinger);
        ipCmd('netns', 'add', nsTarget);
        made.push(nsTarget);
        ipCmd('link', 'add', 'mmmpta', 'netns', nsPinger, 'type', 'veth', 'peer', 'name', 'mmmptb', 'netns', nsTarget);
        ipCmd('-n', nsPinger, 'addr', 'add', `${pingerIp}/30`, 'dev', 'mmmpta');
        ipCmd('-n', nsTarget, 'addr', 'add', `${targetIp}/30`, 'dev', 'mmmptb');
        for (const [ns, dev] of [[nsPinger, 'mmmpta'], [nsTarget, 'mmmptb'], [nsPinger, 'lo'], [nsTarget, 'lo']] as const) {
          ipCmd('-n', ns, 'link', 'set', dev, 'up');
        }
      });

      after(async () => {
        for (const ns of made.reverse()) spawnSync('ip', ['netns', 'del', ns], { timeout: 10_000 });
        made = [];
        if (dir) await rm(dir, { recursive: true, force: true });
      });

      it('OK while the namespace is up, ERROR no ICMP reply after it is deleted; the pinger is stopped by PID', async () => {
        // The pinger runs inside our pinger namespace (ip netns exec execs ping: same PID).
        const bin = join(dir, 'ping-in-ns');
        await writeFile(bin, `#!/bin/sh\nexec ip netns exec ${nsPinger} ping "$@"\n`);
        await chmod(bin, 0o755);
        const check = makePingCheck({ pingBin: bin });
        const pool = (check as unknown as { pool: PingerPool }).pool;
        const cfg = checkConfig('ping', { checkPeriod: 0.2, timeout: 0.5 });
        const host = hostConfig({ ip: targetIp });
        try {
          let r = await check(host, cfg);
          for (let i = 0; i < 20 && r.status !== 'OK'; i++) {
            await sleep(100);
            r = await check(host, cfg);
          }
          expect(r).to.deep.equal({ status: 'OK', message: 'OK' });
          const [pid] = pool.pids;
          // Take the target down: its namespace (and the veth pair) disappears.
          spawnSync('ip', ['netns', 'del', nsTarget], { timeout: 10_000 });
          made = made.filter((n) => n !== nsTarget);
          const t0 = Date.now();
          do {
            await sleep(100);
            r = await check(host, cfg);
          } while (r.status === 'OK' && Date.now() - t0 < 5000);
          expect(r.status).to.equal('ERROR');
          expect(r.message).to.match(new RegExp(`^ERROR: no ICMP reply from ${targetIp.replace(/\./g, '\\.')} for \\d+ ms`));
          expect(pool.pids, 'the same pinger, never a new process per check').to.deep.equal([pid]);
        } finally {
          const pids = pool.pids;
          await check.close();
          for (const pid of pids) expect(alive(pid)).to.equal(false);
        }
      });
    });
  });
});
