// The agent's watch over its own mysqld: crashed vs hung, the writer VIP, and killing a hung writer.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import { join } from 'node:path';
import { FakeClock, MemoryLogger } from '@mmm/common/testing';
import { HealthWatch } from '../../src/health/health-watch';
import { mysqldRunning } from '../../src/health/health';
import { FakeLocalMysql, FakeVipManager } from '../../src/testing';

/** Bounded wait for a condition (5 s). */
async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!ok()) throw new Error('condition not reached within 5 s');
}

/** A pid no process has: pid files naming it say the server is gone. */
function deadPid(): number {
  for (let p = 4_000_000; p > 1000; p -= 7919) if (!fs.existsSync(`/proc/${p}`)) return p;
  throw new Error('no free pid found');
}

describe('mysqldRunning: stopped only when certain', () => {
  const rows: Array<[boolean, boolean | undefined, Parameters<typeof mysqldRunning>[2], boolean | undefined, string]> = [
    [true, false, undefined, true, 'answers: running, whatever a stale pid file says'],
    [false, true, undefined, true, 'process alive, not answering: running (hung)'],
    [false, false, 'refused', false, 'pid gone and port refused: stopped'],
    [false, undefined, 'refused', false, 'no pid file, port refused: stopped'],
    [false, false, 'silent', true, 'pid file gone but the port accepts and stays silent: hung'],
    [false, undefined, 'silent', true, 'no pid file, silent port: hung'],
    [false, undefined, 'error', undefined, 'nothing known: unknown'],
    [false, false, 'error', false, 'pid file says gone, probe inconclusive: stopped'],
  ];
  for (const [answering, proc, port, want, label] of rows) it(label, () => expect(mysqldRunning(answering, proc, port)).to.equal(want));
});

describe('HealthWatch', () => {
  let dir: string;
  let clock: FakeClock;
  let mysql: FakeLocalMysql;
  let vips: FakeVipManager;
  let log: MemoryLogger;
  let killed: number[];
  let writer: boolean;
  let name: string;

  const watch = () =>
    new HealthWatch({
      mysql,
      vips,
      pidfile: join(dir, 'mysqld.pid'),
      mysqlHost: '127.0.0.1',
      mysqlPort: 1,
      writerIps: ['10.0.0.100'],
      lease: () => ({ status: writer ? 'held' : 'none', msLeft: writer ? 1000 : undefined, action: 'none' }),
      holdsWriter: () => writer,
      hungKillMs: 2000,
      now: () => clock.now(),
      logger: log,
      exclusive: (fn) => fn(),
      kill: (pid) => killed.push(pid),
      processName: () => name,
    });

  beforeEach(() => {
    dir = fs.mkdtempSync(join(os.tmpdir(), 'mmm-hw-'));
    // a pid that certainly exists: this test process stands in for mysqld
    fs.writeFileSync(join(dir, 'mysqld.pid'), `${process.pid}\n`);
    clock = new FakeClock();
    mysql = new FakeLocalMysql();
    vips = new FakeVipManager('eth0', ['10.0.0.100']);
    log = new MemoryLogger();
    killed = [];
    writer = true;
    name = 'mariadbd';
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('recent(): reuses a young observation, refreshes an old one or one begun before notBefore', async () => {
    const w = watch();
    expect(w.last(), 'nothing collected yet').to.equal(undefined);
    expect((await w.recent(500, 300))?.ageMs, 'the first one is collected now').to.equal(0);
    const count = () => mysql.calls.filter((c) => c === 'isAnswering').length;
    await w.tick();
    const n0 = count();
    clock.advance(200);
    expect((await w.recent(500, 300))?.ageMs, 'young: reused').to.equal(200);
    expect(count()).to.equal(n0);
    clock.advance(400);
    expect((await w.recent(500, 300))?.ageMs, 'older than 0.5 s: refreshed').to.equal(0);
    expect(count()).to.equal(n0 + 1);
    expect((await w.recent(500, 300, clock.now() + 1))?.ageMs, 'begun before the last state change: refreshed').to.equal(0);
    expect(count()).to.equal(n0 + 2);
    mysql.readOnly = false;
    clock.advance(600);
    expect((await w.recent(500, 300))?.facts.writable, 'the refresh sees the change').to.equal(true);
  });

  it('a hung writer loses its VIP at once and is killed only after hungKillMs without an answer', async () => {
    const w = watch();
    await w.tick(); // answering: nothing to do
    mysql.answering = false;
    clock.advance(1000);
    await w.tick();
    expect([...vips.ips]).to.deep.equal([]);
    expect(killed).to.deep.equal([]);
    clock.advance(1500);
    await w.tick();
    expect(killed).to.deep.equal([process.pid]);
    expect(log.messages('error').some((m) => /fenced a hung writer/.test(m))).to.equal(true);
  });

  it('a hung writer is killed after hungKillMs even while its probe waits and a SET_STATUS holds the VIP lock', async () => {
    let releaseLock!: () => void;
    const lock = new Promise<void>((r) => (releaseLock = r));
    const w = new HealthWatch({
      mysql, vips, pidfile: join(dir, 'mysqld.pid'), mysqlHost: '127.0.0.1', mysqlPort: 1, writerIps: ['10.0.0.100'],
      lease: () => ({ status: 'held', msLeft: 1000, action: 'none' }), holdsWriter: () => true, hungKillMs: 2000,
      now: () => clock.now(), logger: log, exclusive: async (fn) => {
        await lock; // a SET_STATUS stuck on the hung server holds it
        return fn();
      },
      kill: (pid) => killed.push(pid), processName: () => name,
    });
    await w.tick(); // answering, pid known
    // the server hangs: every probe waits (never resolves until the end of the test)
    let unhang!: (v: boolean) => void;
    const hung = new Promise<boolean>((r) => (unhang = r));
    mysql.isAnswering = () => hung;
    clock.advance(500);
    void w.tick(); // starts a collection that waits
    clock.advance(1000);
    void w.tick();
    expect(killed, 'silent 1.5 s: not yet').to.deep.equal([]);
    clock.advance(600);
    void w.tick();
    expect(killed, 'silent 2.1 s, the probe waiting for 1.6 s: killed, lock or no lock').to.deep.equal([process.pid]);
    clock.advance(500);
    void w.tick();
    expect(killed, 'once per hang').to.deep.equal([process.pid]);
    unhang(false);
    releaseLock();
  });

  it('a hung writer without a known pid is reported once per hang, not on every tick', async () => {
    // A port that accepts and stays silent (a hung server), and no pid file at MMM's default path.
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      fs.rmSync(join(dir, 'mysqld.pid'));
      const w = new HealthWatch({
        mysql, vips, pidfile: join(dir, 'mysqld.pid'), pidfileConfigured: false,
        mysqlHost: '127.0.0.1', mysqlPort: (silent.address() as net.AddressInfo).port, writerIps: ['10.0.0.100'],
        lease: () => ({ status: 'held', msLeft: 1000, action: 'none' }), holdsWriter: () => true, hungKillMs: 2000,
        now: () => clock.now(), logger: log, exclusive: (fn) => fn(), kill: (pid) => killed.push(pid), processName: () => name,
      });
      mysql.answering = false;
      for (let i = 0; i < 5; i++) {
        clock.advance(1000);
        await w.tick();
      }
      const cannot = log.messages('error').filter((m) => /cannot fence it/.test(m));
      expect(cannot).to.have.length(1);
      expect(cannot[0]).to.match(/pid is unknown \(mysql_pidfile .*mysqld\.pid\): cannot fence it; set mysql_pidfile to the server's pid-file$/);
      expect(killed).to.deep.equal([]);
    } finally {
      silent.close();
    }
  });

  it('a writer whose socket is missing (mysql_socket wrong) is reported once, never killed', async () => {
    const w = new HealthWatch({
      mysql, vips, pidfile: join(dir, 'mysqld.pid'), mysqlHost: '127.0.0.1', mysqlPort: 1, socketPath: join(dir, 'nowhere.sock'),
      writerIps: ['10.0.0.100'], lease: () => ({ status: 'held', msLeft: 1000, action: 'none' }), holdsWriter: () => true,
      hungKillMs: 2000, now: () => clock.now(), logger: log, exclusive: (fn) => fn(), kill: (pid) => killed.push(pid), processName: () => name,
    });
    mysql.answering = false;
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      await w.tick();
    }
    expect(killed).to.deep.equal([]);
    expect([...vips.ips]).to.deep.equal([]); // it still must not attract writes
    const said = log.messages('error').filter((m) => /socket .*nowhere\.sock does not exist: not treating it as hung/.test(m));
    expect(said).to.have.length(1);
    // the socket exists (a hung server keeps it): the hang is fenced as before
    fs.writeFileSync(join(dir, 'nowhere.sock'), '');
    await w.tick();
    expect(killed).to.deep.equal([process.pid]);
  });

  it('never kills a host that is not the writer', async () => {
    writer = false;
    const w = watch();
    mysql.answering = false;
    clock.advance(10_000);
    await w.tick();
    expect(killed).to.deep.equal([]);
    expect([...vips.ips]).to.deep.equal(['10.0.0.100']);
  });

  it('does not kill a pid that is not mysqld (stale pid file)', async () => {
    name = 'bash';
    const w = watch();
    mysql.answering = false;
    clock.advance(10_000);
    await w.tick();
    expect(killed).to.deep.equal([]);
    expect(log.messages('error').some((m) => /not killing it/.test(m))).to.equal(true);
  });

  it('a dead writer: GET_HEALTH drops the writer VIP before it says stopped (the monitor promotes on that)', async () => {
    fs.writeFileSync(join(dir, 'mysqld.pid'), '999999999\n'); // pid gone
    mysql.answering = false;
    const w = watch();
    const f = await w.latest();
    expect(f.mysqldRunning).to.equal(false);
    expect([...vips.ips], 'VIP gone before the reply').to.deep.equal([]);
  });

  it('a dead writer whose VIP cannot be removed is reported unknown, not stopped', async () => {
    fs.writeFileSync(join(dir, 'mysqld.pid'), '999999999\n');
    mysql.answering = false;
    vips.failDel.add('10.0.0.100');
    const w = watch();
    expect((await w.latest()).mysqldRunning).to.equal(undefined);
    vips.failDel.clear();
    expect((await w.latest()).mysqldRunning).to.equal(false);
    writer = false; // not the writer: stopped is said as it is
    vips.failDel.add('10.0.0.100');
    expect((await w.latest()).mysqldRunning).to.equal(false);
  });

  it('answers GET_HEALTH with fresh facts, or with the last ones when collecting hangs', async () => {
    const w = watch();
    await w.tick();
    writer = false;
    expect(await w.latest()).to.include({ answering: true, lease: 'none' });
    // a hung server: each probe takes its whole timeout
    const isAnswering = mysql.isAnswering.bind(mysql);
    mysql.isAnswering = () => new Promise((r) => setTimeout(() => r(false), 2000));
    const f = await w.latest(100);
    expect(f).to.include({ answering: true }); // the last facts: waiting for the probe would say false
    mysql.isAnswering = isAnswering;
  });

  it('the sentinel session: opened while the server answers; its close makes the watch look again at once, until certain', async () => {
    const w = new HealthWatch({
      mysql, vips, pidfile: join(dir, 'mysqld.pid'), mysqlHost: '127.0.0.1', mysqlPort: 1, writerIps: ['10.0.0.100'],
      lease: () => ({ status: 'held', msLeft: 1000, action: 'none' }), holdsWriter: () => writer, hungKillMs: 60_000,
      now: () => clock.now(), logger: log, exclusive: (fn) => fn(), burstStepMs: 5, burstSteps: 400,
    });
    try {
      await w.tick();
      await until(() => w.watching);
      const g = w.events.current;
      const answered = w.events.wait(g, 60_000, 1, 'monitor');
      // mysqld dies: sessions close first; for a moment the pid still looks alive (not certain)
      mysql.answering = false;
      mysql.dropSessions();
      await until(() => w.events.current > g);
      expect(w.last()?.facts.mysqldRunning, 'pid still there: running, not answering').to.equal(true);
      fs.writeFileSync(join(dir, 'mysqld.pid'), `${deadPid()}\n`); // the process is gone now
      expect(await answered, 'the standing request is answered by the change').to.equal('changed');
      await until(() => w.last()?.facts.mysqldRunning === false);
      expect([...vips.ips], 'the writer VIP went with it').to.deep.equal([]);
      expect(w.watching).to.equal(false);
      // back: a new sentinel
      mysql.answering = true;
      await w.tick();
      await until(() => w.watching);
    } finally {
      await w.stop();
    }
    expect(mysql.openSessions, 'stop() closed the sentinel').to.equal(0);
  });

  it('a collection that was running when the sentinel closed does not end the quick looks (it began before the crash)', async () => {
    const w = new HealthWatch({
      mysql, vips, pidfile: join(dir, 'mysqld.pid'), mysqlHost: '127.0.0.1', mysqlPort: 1, writerIps: ['10.0.0.100'],
      lease: () => ({ status: 'none', msLeft: undefined, action: 'none' }), holdsWriter: () => false, hungKillMs: 60_000,
      now: () => clock.now(), logger: log, exclusive: (fn) => fn(), burstStepMs: 5, burstSteps: 400,
    });
    try {
      await w.tick();
      await until(() => w.watching);
      const g = w.events.current;
      // the periodic collection starts while the server still answers, and is slow to finish
      const isAnswering = mysql.isAnswering.bind(mysql);
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      mysql.isAnswering = async () => {
        const answered = await isAnswering();
        mysql.isAnswering = isAnswering;
        await gate;
        return answered;
      };
      const periodic = w.tick();
      clock.advance(10);
      mysql.answering = false; // the crash, while that collection runs
      mysql.dropSessions();
      release();
      await periodic;
      await until(() => w.last()?.facts.answering === false); // without a second look: never (no periodic timer here)
      expect(w.events.current).to.be.above(g);
    } finally {
      await w.stop();
    }
  });

  it('stop() answers every standing request', async () => {
    const w = watch();
    await w.tick();
    const pending = w.events.wait(w.events.current, 60_000, 1, 'monitor');
    await w.stop();
    expect(await pending).to.equal('stopping');
  });
});
