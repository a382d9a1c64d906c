// The standing WATCH_HEALTH loop (HealthPush) with fake clients, and what AgentSet makes of its
// answers: each answer's generation is passed with the next request (0 after a failure: a new
// connection), no answer means a capped backoff (never a tight loop), agents that may not be
// watched (MMM 2.x, unknown yet, refused it) get nothing, stop() leaves no loop, timer or socket.
import { expect } from 'chai';
import { type AgentReply, type AgentRequest, encodeHealth, nullLogger } from '@mmm/common';
import { FakeClock } from '@mmm/common/testing';
import { HealthPush, type PushClient, watchTimeoutFor } from '../../src/agents/health-push';
import { AgentSet, type PushedHealth, healthChanged } from '../../src/agents/agent-set';
import { makeConfig } from '../fixtures';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
async function until(ok: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await sleep(10);
  if (!ok()) throw new Error(`not within 5 s: ${what}`);
}

const running = encodeHealth({ mysqld: 'running', answering: true, writable: false, lease: 'none' });
const stopped = encodeHealth({ mysqld: 'stopped', answering: false, lease: 'none' });
const watchReply = (health: string, generation: number, uptime = 100): AgentReply => ({ ok: true, message: 'Returning health!', fields: [health, String(generation)], uptime });

type WatchReq = Extract<AgentRequest, { kind: 'WATCH_HEALTH' }>;

/** A scripted agent end of the second connection: each request waits for `answer` (or `fail`), or for close(). */
class FakePushClient implements PushClient {
  readonly sent: WatchReq[] = [];
  readonly timeouts: number[] = [];
  closed = false;
  private pending?: { resolve: (r: AgentReply) => void; reject: (e: Error) => void };

  request(req: AgentRequest, timeoutMs: number): Promise<AgentReply> {
    this.sent.push(req as WatchReq);
    this.timeouts.push(timeoutMs);
    if (this.closed) return Promise.reject(new Error('agent client is closed'));
    return new Promise((resolve, reject) => (this.pending = { resolve, reject }));
  }
  get waiting(): boolean {
    return this.pending !== undefined;
  }
  answer(r: AgentReply): void {
    const p = this.pending!;
    this.pending = undefined;
    p.resolve(r);
  }
  fail(message = 'no line within 3000 ms'): void {
    const p = this.pending!;
    this.pending = undefined;
    p.reject(new Error(message));
  }
  close(): void {
    this.closed = true;
    this.pending?.reject(new Error('connection destroyed'));
    this.pending = undefined;
  }
  reset(): void {}
}

describe('HealthPush: the standing WATCH_HEALTH loop', () => {
  it('passes each answer\'s generation with the next request, 0 after a failure; read timeout = bound + margin; stop() leaves nothing behind', async () => {
    await sleep(1);
    const before = timers();
    const c = new FakePushClient();
    const failures: string[] = [];
    const push = new HealthPush({
      hosts: ['db1'], clientFor: () => c, watchable: () => true, logger: nullLogger, timeoutMs: 2000, marginMs: 1000, backoffMs: 10,
      onReply: (_h, r) => Number(r.fields[1]),
      onNoReply: (_h, e) => failures.push(e),
    });
    push.start();
    await until(() => c.waiting, 'first request');
    expect(c.sent[0]).to.deep.equal({ kind: 'WATCH_HEALTH', host: 'db1', generation: 0, timeoutMs: 2000 });
    expect(c.timeouts[0]).to.equal(3000);
    c.answer(watchReply(running, 7));
    await until(() => c.sent.length === 2 && c.waiting, 'second request');
    expect(c.sent[1]!.generation, 'the answer\'s generation').to.equal(7);
    c.answer(watchReply(stopped, 8));
    await until(() => c.sent.length === 3 && c.waiting, 'third request');
    expect(c.sent[2]!.generation).to.equal(8);
    c.fail();
    await until(() => c.sent.length === 4 && c.waiting, 'after the backoff');
    expect(failures).to.deep.equal(['no line within 3000 ms']);
    expect(c.sent[3]!.generation, 'a new connection starts from 0').to.equal(0);
    await push.stop();
    expect(c.closed, 'its socket closed').to.equal(true);
    expect(c.sent).to.have.length(4);
    expect(timers(), `no timers left: ${process.getActiveResourcesInfo().join()}`).to.equal(before);
  });

  it('an agent that never answers: a backoff that doubles up to its cap, never a tight loop', async () => {
    let calls = 0;
    const push = new HealthPush({
      hosts: ['db1'], watchable: () => true, logger: nullLogger, backoffMs: 20, maxBackoffMs: 80,
      clientFor: () => ({ request: async () => (calls++, Promise.reject(new Error('connect ECONNREFUSED'))), close: () => undefined, reset: () => undefined }),
      onReply: () => 1, onNoReply: () => undefined,
    });
    push.start();
    await sleep(500);
    await push.stop();
    // 20 + 40 + 80 + 80 + … ms: at most 1 + 3 + (500 − 140) / 80 ≈ 8 tries in 0.5 s
    expect(calls).to.be.at.least(1);
    expect(calls).to.be.at.most(9);
  });

  it('an agent that answers at once without a change (it does not wait) gets the backoff too', async () => {
    let calls = 0;
    const push = new HealthPush({
      hosts: ['db1'], watchable: () => true, logger: nullLogger, backoffMs: 20, maxBackoffMs: 80, timeoutMs: 2000,
      clientFor: () => ({ request: async () => (calls++, watchReply(running, 5)), close: () => undefined, reset: () => undefined }),
      onReply: (_h, r) => Number(r.fields[1]), onNoReply: () => undefined,
    });
    push.start();
    await sleep(500);
    await push.stop();
    expect(calls).to.be.at.most(10);
  });

  it('sends nothing to an agent that may not be watched, until it may', async () => {
    const c = new FakePushClient();
    let may = false;
    const push = new HealthPush({ hosts: ['db1'], clientFor: () => c, watchable: () => may, logger: nullLogger, idleMs: 10, onReply: () => 1, onNoReply: () => undefined });
    push.start();
    await sleep(100);
    expect(c.sent).to.have.length(0);
    may = true;
    await until(() => c.waiting, 'a request once it may be watched');
    await push.stop();
  });
});

describe('watchTimeoutFor: the bound asked of the agents', () => {
  const rows: Array<[number, number]> = [[0, 1000], [1, 1000], [3, 1500], [10, 5000], [20, 10_000], [600, 10_000]];
  for (const [lease, want] of rows) {
    it(`writer_lease ${lease} s ⇒ ${want} ms (+ 1 s margin: unreachable before lease + 2 s)`, () => {
      expect(watchTimeoutFor(lease)).to.equal(want);
      if (lease >= 2) expect(want + 1000).to.be.below(lease * 1000 + 2000);
    });
  }
});

describe('AgentSet: standing WATCH_HEALTH answers', () => {
  const NOW = 1_700_000_000_000;
  function rig() {
    const config = makeConfig();
    const clock = new FakeClock(NOW);
    const main: Record<string, (req: AgentRequest) => AgentReply | Promise<AgentReply>> = {};
    const push: Record<string, FakePushClient> = {};
    const answer = (host: string, req: AgentRequest): AgentReply | Promise<AgentReply> => {
      const f = main[host];
      if (f) return f(req);
      if (req.kind === 'GET_HEALTH') return { ok: true, message: 'Returning health!', fields: [running], uptime: 100 };
      return { ok: true, message: 'OK', fields: [], uptime: 100 };
    };
    const agents = new AgentSet({
      config, clock, logger: nullLogger, material: () => undefined,
      clientFor: (host) => ({ request: async (req: AgentRequest) => answer(host, req), close: () => undefined, reset: () => undefined }),
      watchClientFor: (host) => (push[host] = new FakePushClient()),
    });
    const news: Array<[string, PushedHealth]> = [];
    return { agents, clock, main, push, news, start: () => agents.startPush((h, p) => news.push([h, p])) };
  }

  it('first GET_HEALTH, then the standing request; a pushed stop is recorded like a GET_HEALTH reply and heard', async () => {
    const r = rig();
    r.start();
    await sleep(50);
    expect(r.push.db1!.sent, 'nothing before the agent answered GET_HEALTH').to.have.length(0);
    await r.agents.health('db1');
    await until(() => r.push.db1!.waiting, 'standing request');
    r.push.db1!.answer(watchReply(running, 3));
    await until(() => r.push.db1!.sent.length === 2, 're-issued');
    expect(r.news, 'no change: nothing heard').to.deep.equal([]);
    r.clock.advance(500);
    r.push.db1!.answer(watchReply(stopped, 4, 100.5));
    await until(() => r.news.length === 1, 'news');
    expect(r.news[0]![0]).to.equal('db1');
    expect(r.news[0]![1].stopped).to.equal(true);
    const o = r.agents.obs.db1!;
    expect(o.health).to.include({ mysqldRunning: false, answering: false });
    expect(o).to.include({ reachable: true, healthAt: NOW + 500, lastContact: NOW + 500, uptime: 100.5 });
    await r.agents.stopPush();
  });

  it('its silence past the bound counts as no reply: the agent is unreachable, even while a SET_STATUS to it is in flight', async () => {
    const r = rig();
    await r.agents.health('db1');
    r.start();
    await until(() => r.push.db1!.waiting, 'standing request');
    // the node is cut off: the status sent just then waits for its bound (13 s in the finding)…
    let release!: () => void;
    r.main.db1 = () => new Promise<AgentReply>((_res, rej) => (release = () => rej(new Error('no line within 13000 ms'))));
    const status = r.agents.setStatus('db1', 'ONLINE', [], 'db1', 13_000);
    await until(() => release !== undefined, 'the status is in flight');
    expect(r.agents.obs.db1!.reachable, 'its last answer was a moment ago').to.equal(true);
    // …and the standing request's read timeout (bound + margin) expires first
    r.push.db1!.fail('no line within 3000 ms from 10.0.0.11:9989');
    await until(() => r.agents.obs.db1!.reachable === false, 'unreachable');
    expect(r.agents.lastError.db1).to.match(/^WATCH_HEALTH: no reply: no line within 3000 ms/);
    release();
    expect(await status).to.equal(undefined);
    await r.agents.stopPush();
  });

  it('an agent back after a silence: its answer wakes the pass but does not make it reachable (the pass asks GET_AGENT_STATUS first: a restart shows there)', async () => {
    const r = rig();
    await r.agents.health('db1');
    r.start();
    await until(() => r.push.db1!.waiting, 'standing request');
    r.push.db1!.fail('connection closed before replying'); // the agent restarted
    await until(() => r.agents.obs.db1!.reachable === false && r.push.db1!.waiting, 'unreachable, asked again');
    r.push.db1!.answer(watchReply(running, 1, 100.2));
    await until(() => r.news.length === 1, 'the pass is woken');
    expect(r.news[0]![1]).to.deep.include({ back: true, stopped: false });
    expect(r.agents.obs.db1!.reachable, 'only the pass\'s own observation takes it back').to.equal(false);
    expect(r.agents.obs.db1!.uptime).to.equal(100.2);
    await r.agents.stopPush();
  });

  it("an agent that answers Invalid command 'WATCH_HEALTH' (an older agent of ours) is polled only: not marked MMM 2.x, not asked again until it restarts", async () => {
    const r = rig();
    await r.agents.health('db2');
    r.start();
    await until(() => r.push.db2!.waiting, 'standing request');
    r.push.db2!.answer({ ok: false, message: "Invalid command 'WATCH_HEALTH'!", fields: [], uptime: 100 });
    await sleep(1500); // past the backoff and an idle recheck
    expect(r.push.db2!.sent).to.have.length(1);
    expect(r.agents.watchRefused.has('db2')).to.equal(true);
    expect(r.agents.obs.db2!.legacy).to.equal(undefined);
    await r.agents.stopPush();
  });

  it('an MMM 2.x agent gets no standing request', async () => {
    const r = rig();
    r.main.db3 = (req) => ({ ok: req.kind !== 'GET_HEALTH', message: req.kind === 'GET_HEALTH' ? "Invalid command 'GET_HEALTH'!" : 'OK', fields: [], uptime: 100 });
    await r.agents.health('db3');
    expect(r.agents.obs.db3!.legacy).to.equal(true);
    r.start();
    await sleep(100);
    expect(r.push.db3!.sent).to.have.length(0);
    await r.agents.stopPush();
  });

  const rows: Array<[string, Parameters<typeof healthChanged>[1], boolean]> = [
    ['same', { mysqldRunning: true, answering: true, readOnly: true, lease: { held: false } }, false],
    ['stopped', { mysqldRunning: false, answering: false, lease: { held: false } }, true],
    ['hung', { mysqldRunning: true, answering: false, lease: { held: false } }, true],
    ['writable', { mysqldRunning: true, answering: true, readOnly: false, lease: { held: false } }, true],
    ['lease held', { mysqldRunning: true, answering: true, readOnly: true, lease: { held: true, remainingMs: 5 } }, true],
  ];
  for (const [what, next, want] of rows) {
    it(`healthChanged: ${what} ⇒ ${want}`, () => expect(healthChanged({ mysqldRunning: true, answering: true, readOnly: true, lease: { held: false } }, next)).to.equal(want));
  }
});
