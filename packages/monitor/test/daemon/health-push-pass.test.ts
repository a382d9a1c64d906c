// The monitor's loop with standing WATCH_HEALTH requests (fake agents on both connections, fake
// clock, a pass interval of 60 s, checks every 5 s with a 10 s trap): a pushed "stopped" runs the
// mysql check at once and wakes the loop, and the failover happens without waiting for a pass
// interval or trap_period. And the node-loss finding: a heartbeat to a cut writer no longer holds
// the loop for its 13 s bound, and the writer's unanswered standing request makes it unreachable,
// so the failover follows the writer lease.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { type AgentHealth, type AgentReply, type AgentRequest, type CheckName, encodeHealth, nullLogger } from '@mmm/common';
import { FakeClock } from '@mmm/common/testing';
import { AgentSet } from '../../src/agents/agent-set';
import type { PushClient } from '../../src/agents/health-push';
import type { CheckFunctions } from '../../src/checks';
import { Monitor } from '../../src/monitor';
import { makeConfig } from '../fixtures';
import { FAKE_ROLES as ROLES, FakeAgentBase } from './fake-agent';

const T0 = 1_700_000_000_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
async function until(ok: () => boolean, what: string, ms = 5000): Promise<void> {
  for (let waited = 0; !ok(); waited += 10) {
    if (waited >= ms) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(10);
  }
}

/** One node: its agent (both connections) and what the monitor's own checks see of it. */
class FakeNode extends FakeAgentBase {
  generation = 1;
  /** The node is cut off: nothing answers (requests wait until released at the end of the test). */
  cut = false;
  /** The cable goes just as the next SET_STATUS leaves. */
  cutAtStatus = false;
  readonly statuses: string[] = [];
  readonly hung: Array<() => void> = [];
  private standing?: { sent: number; resolve: (r: AgentReply) => void; reject: (e: Error) => void };

  answer(req: AgentRequest): Promise<AgentReply> {
    if (req.kind === 'SET_STATUS' && this.cutAtStatus) this.cut = true;
    if (this.cut) return new Promise((_res, rej) => this.hung.push(() => rej(new Error('no line within 13000 ms'))));
    const read = this.read(req);
    if (read) return Promise.resolve(read);
    if (req.kind === 'SET_STATUS') {
      this.take(req);
      this.statuses.push(`${this.state}|${this.roles}`);
      if (req.roles.some((r) => r.name === 'writer')) this.health = { ...this.health, writable: true };
      return Promise.resolve(this.ok('Status applied successfully!'));
    }
    return Promise.resolve(this.ok('OK'));
  }

  /** The second connection: WATCH_HEALTH waits for push()/cut, or answers at once for another generation. */
  readonly push: PushClient & { waiting: () => boolean; sent: number[] } = {
    sent: [],
    waiting: () => this.standing !== undefined,
    request: (req) => {
      const r = req as Extract<AgentRequest, { kind: 'WATCH_HEALTH' }>;
      this.push.sent.push(r.generation);
      if (r.generation !== this.generation && !this.cut) return Promise.resolve(this.ok('Returning health!', [encodeHealth(this.health), String(this.generation)]));
      return new Promise((resolve, reject) => (this.standing = { sent: r.generation, resolve, reject }));
    },
    close: () => {
      this.standing?.reject(new Error('connection destroyed'));
      this.standing = undefined;
    },
    reset: () => undefined,
  };

  /** The agent sees a change: its standing request is answered. */
  pushChange(h: AgentHealth): void {
    this.health = h;
    this.generation++;
    const s = this.standing!;
    this.standing = undefined;
    s.resolve(this.ok('Returning health!', [encodeHealth(h), String(this.generation)]));
  }

  /** The standing request's read timeout (bound + margin) expired. */
  pushTimeout(): void {
    const s = this.standing!;
    this.standing = undefined;
    s.reject(new Error('no line within 3000 ms'));
  }

  release(): void {
    for (const h of this.hung.splice(0)) h();
  }
}

function rig() {
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'push-pass-'));
  const statusPath = join(dir, 'mmm_mond.status');
  fs.writeFileSync(statusPath, Object.entries(ROLES).map(([h, r]) => `${h}|ONLINE|${r}\n`).join(''));
  const config = makeConfig({ writerLease: 3 }, { statusPath, pingIps: [] });
  const clock = new FakeClock(T0);
  const nodes = Object.fromEntries(Object.keys(config.hosts).map((h) => [h, new FakeNode(h)])) as Record<string, FakeNode>;
  const checked: string[] = [];
  const check = (name: CheckName): CheckFunctions[CheckName] => async (h) => {
    checked.push(`${h.name}/${name}`);
    const n = nodes[h.name]!;
    if (n.cut) return { status: 'ERROR', message: 'ERROR: Connect error (timeout)' };
    if (name === 'mysql' && n.health.mysqld === 'stopped') return { status: 'ERROR', message: 'ERROR: Connect error (ECONNREFUSED)', refused: true };
    return { status: 'OK', message: 'OK', ...(name === 'rep_backlog' ? { lagSeconds: 0 } : {}) };
  };
  const checkFns = { ping: check('ping'), mysql: check('mysql'), rep_threads: check('rep_threads'), rep_backlog: check('rep_backlog') } as CheckFunctions;
  const agents = new AgentSet({
    config, clock, logger: nullLogger, material: () => undefined,
    clientFor: (h) => ({ request: (req: AgentRequest) => nodes[h]!.answer(req), close: () => undefined, reset: () => undefined }),
    watchClientFor: (h) => nodes[h]!.push,
  });
  const monitor = new Monitor({ config, logger: nullLogger, clock, agents, auditFile: null, checkFns, passIntervalMs: 60_000 });
  const cleanup = async (): Promise<void> => {
    for (const n of Object.values(nodes)) n.release();
    await monitor.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { monitor, nodes, clock, checked, cleanup };
}

describe('monitor: standing WATCH_HEALTH requests wake the pass loop', () => {
  it('a pushed "stopped" of the writer: its mysql check runs at once, a pass follows, db2 is promoted (no pass interval, no trap_period)', async () => {
    const r = rig();
    try {
      await r.monitor.start();
      const { db1, db2 } = r.nodes;
      await until(() => db1!.push.waiting() && db1!.push.sent.length >= 2, 'db1 holds a standing request with its generation');
      expect(r.monitor.currentWriter()).to.equal('db1');
      const mysqlChecks = r.checked.filter((c) => c === 'db1/mysql').length;
      // kill -9 of db1's mysqld: its agent drops the writer VIP and answers the standing request
      db1!.pushChange({ mysqld: 'stopped', answering: false, lease: 'held', leaseLeftMs: 8000 });
      await until(() => r.monitor.currentWriter() === 'db2', 'db2 is the writer');
      expect(r.checked.filter((c) => c === 'db1/mysql').length, 'the mysql check of db1 ran again at once').to.be.above(mysqlChecks);
      expect(r.monitor.state.hosts.db1!.state).to.equal('HARD_OFFLINE');
      expect(db2!.statuses.at(-1), 'the writer role').to.match(/^ONLINE\|.*writer\(10\.0\.0\.100\)/);
      expect(r.clock.now(), 'no time passed on the monitor\'s clock: trap_period (10 s) was not waited for').to.equal(T0);
    } finally {
      await r.cleanup();
    }
  });

  it('node loss: the heartbeat to the cut writer does not hold the loop for 13 s; its unanswered standing request makes it unreachable; failover after the lease', async () => {
    const r = rig();
    try {
      await r.monitor.start();
      const { db1 } = r.nodes;
      await until(() => db1!.push.waiting() && db1!.push.sent.length >= 2, 'db1 holds a standing request');
      db1!.cutAtStatus = true; // the cable goes as the next heartbeat SET_STATUS leaves (bound: 13 s)
      const passDone = r.monitor.mutex.run(() => r.monitor.pass());
      await until(() => db1!.hung.length >= 1, 'the heartbeat to db1 is in flight');
      db1!.pushTimeout(); // 3 s later: the standing request's read timeout
      let passEnded = false;
      void passDone.then(() => (passEnded = true));
      await until(() => passEnded, 'the pass ends without waiting for the status of the cut writer (before: its 13 s bound)');
      expect(r.monitor.agents.obs.db1!.reachable, 'its standing request went unanswered').to.equal(false);
      expect(db1!.hung.length, 'the heartbeat is still in flight').to.be.at.least(1);
      // the replicas lost it too; the monitor's checks of db1 fail for trap_period
      for (const n of ['db2', 'db3', 'db4']) r.nodes[n]!.health = { ...r.nodes[n]!.health, ioConnected: false };
      const fail = (): void => {
        for (const check of ['ping', 'mysql'] as CheckName[]) r.monitor.checks.apply({ host: 'db1', check, status: 'ERROR', message: 'ERROR: timeout', startedAt: r.clock.now(), finishedAt: r.clock.now() });
      };
      fail();
      r.clock.advance(11_000);
      fail();
      // the next passes skip db1's observation (busy with the heartbeat): the standing request's word stands
      await r.monitor.mutex.run(() => r.monitor.pass());
      await r.monitor.mutex.run(() => r.monitor.pass());
      expect(r.monitor.currentWriter(), 'lease (3 s) + margin (2 s) passed since the last contact').to.equal('db2');
    } finally {
      await r.cleanup();
    }
  });
});
