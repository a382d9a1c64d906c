// The monitor's own observe step with fake agents (no injected snapshot): what each agent is
// asked, pass by pass. An MMM 2.x agent's `UP:` is the host's uptime, so a restart of the agent
// alone shows only in its state (UNKNOWN): the monitor asks GET_AGENT_STATUS when an agent answers
// again after a silence, and then sends CLEAR_BAD_ROLES after its first status (found by the
// mixed-cluster integration tests, test/upgrade). An agent learned to be MMM 2.x in a pass gets
// MMM's rhythm in that same pass: no GET_SYSTEM_STATUS unless the mysql check passes.
import { expect } from 'chai';
import { type AgentReply, type AgentRequest, nullLogger } from '@mmm/common';
import { FakeClock } from '@mmm/common/testing';
import { AgentSet } from '../../src/agents/agent-set';
import { Monitor } from '../../src/monitor';
import { NOT_FLAPPING } from '../../src/analysis/flapping';
import { normalizeAssignments } from '../../src/analysis/roles/role-table';
import type { CheckName } from '@mmm/common';
import { makeConfig } from '../fixtures';

const T0 = 1_700_000_000_000;
const reply = (ok: boolean, message: string, fields: string[] = []): AgentReply => ({ ok, message, fields, uptime: 5000 });

/** A fake MMM 2.2.1 agent: in-memory status, forgotten on restart(); `down` = no answer. */
class FakeLegacy {
  state = 'UNKNOWN';
  roles = '';
  master = '';
  down = false;
  /** Refuses this many more requests, then answers again (a restart finishing mid-pass). */
  refuseNext = 0;
  log: string[] = [];

  answer(req: AgentRequest): AgentReply {
    if (this.down) throw new Error('connect ECONNREFUSED');
    if (this.refuseNext > 0) {
      this.refuseNext--;
      throw new Error('connect ECONNREFUSED');
    }
    this.log.push(req.kind);
    switch (req.kind) {
      case 'PING': return reply(true, 'Pinged!');
      case 'GET_AGENT_STATUS': return reply(true, 'Returning status!', [this.state, this.roles, this.master]);
      case 'GET_SYSTEM_STATUS': return reply(true, 'Returning status!', ['', this.roles, '10.0.0.11']);
      case 'CLEAR_BAD_ROLES': return reply(true, 'Removed 0 roles');
      case 'SET_STATUS':
        this.state = req.state;
        this.roles = req.roles.map((r) => `${r.name}(${r.ip})`).join(',');
        this.master = req.activeMaster;
        return reply(true, 'Status applied successfully!');
      default: return reply(false, `Invalid command '${req.kind}'!`);
    }
  }

  restart(): void {
    this.state = 'UNKNOWN';
    this.roles = '';
    this.master = '';
  }
}

function rig() {
  const config = makeConfig();
  const clock = new FakeClock(T0);
  const fakes: Record<string, FakeLegacy> = Object.fromEntries(Object.keys(config.hosts).map((h) => [h, new FakeLegacy()]));
  const agents = new AgentSet({
    config, clock, logger: nullLogger, material: () => undefined,
    clientFor: (host) => ({ request: async (req: AgentRequest) => fakes[host].answer(req), close: () => undefined, reset: () => undefined }),
  });
  // the monitor's own MySQL probe: which servers answer it right now
  const answering: Record<string, boolean> = Object.fromEntries(Object.keys(config.hosts).map((h) => [h, true]));
  const probed: string[] = [];
  const no = async () => ({ ok: false as const, error: 'not in this test' });
  const probe = {
    answers: async (host: string) => {
      probed.push(host);
      return answering[host] ? { ok: true as const, value: undefined } : { ok: false as const, error: `${host}: cannot connect: ECONNREFUSED` };
    },
    writeState: no, position: no, replica: no, waitFor: no, seesAllThreads: no, close: async () => undefined,
  };
  const monitor = new Monitor({ config, logger: nullLogger, clock, agents, auditFile: null, probe });
  const roles = normalizeAssignments(config.roles, [
    { role: 'writer', ip: '10.0.0.100', host: 'db1' },
    { role: 'reader', ip: '10.0.0.101', host: 'db1' },
    { role: 'reader', ip: '10.0.0.102', host: 'db2' },
    { role: 'reader', ip: '10.0.0.103', host: 'db3' },
    { role: 'reader', ip: '10.0.0.104', host: 'db4' },
  ]);
  const online = { state: 'ONLINE' as const, since: T0 - 60_000, lastUptime: 4000, flap: { ...NOT_FLAPPING } };
  monitor.state = { mode: 'ACTIVE', modeSince: 0, roles, lastWriter: 'db1', hosts: { db1: online, db2: online, db3: online, db4: online } };
  const checksOk = (host: string, ok = true): void => {
    for (const check of ['ping', 'mysql', 'rep_threads', 'rep_backlog'] as CheckName[]) {
      const pass = ok || check !== 'mysql';
      monitor.checks.apply({ host, check, status: pass ? 'OK' : 'ERROR', message: pass ? 'OK' : 'ERROR: Connect error', startedAt: clock.now(), finishedAt: clock.now() });
    }
  };
  for (const h of Object.keys(config.hosts)) checksOk(h);
  const pass = async (): Promise<void> => {
    clock.advance(250);
    await monitor.pass();
  };
  return { monitor, fakes, pass, checksOk, agents, answering, probed };
}

describe('monitor observe: MMM 2.x agents', () => {
  it('an agent that answers again after a silence is asked GET_AGENT_STATUS first; a restart (UNKNOWN) gets CLEAR_BAD_ROLES after its first status', async () => {
    const r = rig();
    await r.pass(); // learns db3 is MMM 2.x, sends it its status
    await r.pass();
    expect(r.agents.obs.db3.legacy).to.equal(true);
    const db3 = r.fakes.db3;
    expect(db3.roles).to.equal('reader(10.0.0.103)');
    db3.down = true;
    await r.pass();
    expect(r.agents.obs.db3.reachable).to.equal(false);
    db3.restart();
    db3.down = false;
    db3.log = [];
    await r.pass(); // a silent agent is probed in the background (monitor.ts probeBack): the pass does not wait
    await r.pass();
    expect(db3.log[0], 'its state before anything else').to.equal('GET_AGENT_STATUS');
    expect(r.agents.obs.db3.restartedAt, 'restart noticed').to.be.a('number');
    await r.pass();
    const firstStatus = db3.log.indexOf('SET_STATUS');
    expect(firstStatus).to.be.at.least(0);
    expect(db3.log.indexOf('CLEAR_BAD_ROLES'), 'CLEAR_BAD_ROLES after its first status').to.be.above(firstStatus);
    const before = db3.log.filter((k) => k === 'CLEAR_BAD_ROLES').length;
    await r.pass();
    await r.pass();
    expect(db3.log.filter((k) => k === 'CLEAR_BAD_ROLES').length, 'once per restart').to.equal(before);
  });

  it('a restarted agent that answers again between a pass\'s observe and its statuses is asked its state before the status', async () => {
    const r = rig();
    await r.pass();
    await r.pass();
    const db3 = r.fakes.db3;
    db3.down = true;
    await r.pass();
    db3.restart();
    db3.down = false;
    db3.refuseNext = 1; // this pass's GET_AGENT_STATUS in observe fails; its SET_STATUS finds the agent up
    db3.log = [];
    await r.pass();
    await r.pass();
    expect(db3.log[0]).to.equal('GET_AGENT_STATUS');
    expect(db3.log.indexOf('SET_STATUS'), 'a status once it answered its state').to.be.above(0);
    expect(r.agents.obs.db3.restartedAt, 'restart noticed').to.be.a('number');
    await r.pass();
    expect(db3.log, 'CLEAR_BAD_ROLES after its first status').to.include('CLEAR_BAD_ROLES');
  });

  it('an agent still silent gets one request per status, not two (a dead old writer must not lengthen the pass)', async () => {
    const r = rig();
    await r.pass();
    let tries = 0;
    const db1 = r.fakes.db1;
    db1.down = true;
    const answer = db1.answer.bind(db1);
    db1.answer = (req) => {
      tries++;
      return answer(req);
    };
    await r.pass(); // observe: PING/GET_HEALTH fail; the statuses find it unreachable
    tries = 0;
    const applied = await r.agents.setStatus('db1', 'ONLINE', [], 'db1', 5000);
    expect(applied).to.equal(undefined);
    expect(tries, 'GET_AGENT_STATUS only').to.equal(1);
  });

  it('a silent agent does not hold the pass: it is probed in the background, one probe at a time', async () => {
    const r = rig();
    await r.pass();
    await r.pass();
    const db1 = r.fakes.db1;
    db1.down = true;
    await r.pass(); // its requests fail: silent from now on
    expect(r.agents.silent('db1')).to.equal(true);
    // a cut-off host: every request waits (its connect timeout) until released
    const held: Array<() => void> = [];
    const answer = db1.answer.bind(db1);
    db1.answer = (req) => {
      held.push(() => undefined);
      return answer(req);
    };
    let release!: () => void;
    const gate = new Promise<void>((res) => (release = res));
    const slow = r.agents as unknown as { clients: Record<string, { request: (q: AgentRequest) => Promise<AgentReply> }> };
    slow.clients.db1 = { ...slow.clients.db1, request: async (req) => { await gate; return db1.answer(req); } };
    let passed = 0;
    await Promise.race([
      (async () => {
        await r.pass();
        await r.pass();
        passed = 2;
      })(),
      new Promise((res) => setTimeout(res, 5_000)),
    ]);
    expect(passed, 'two passes ran while db1 did not answer').to.equal(2);
    expect(held, 'no request reached db1 yet (one probe waiting)').to.have.length(0);
    db1.down = false;
    release();
    await new Promise((res) => setTimeout(res, 20));
    expect(held.length, 'one probe, not one per pass').to.equal(1);
    expect(r.agents.obs.db1.reachable, 'the probe found it back').to.equal(true);
    expect(r.agents.silent('db1')).to.equal(false);
  });

  it('an agent back after a silence that kept its state is not taken for restarted', async () => {
    const r = rig();
    await r.pass();
    await r.pass();
    r.fakes.db3.down = true;
    await r.pass();
    r.fakes.db3.down = false;
    r.fakes.db3.log = [];
    await r.pass();
    await r.pass();
    expect(r.agents.obs.db3.restartedAt).to.equal(undefined);
    expect(r.fakes.db3.log).to.not.include('CLEAR_BAD_ROLES');
  });

  it('no GET_SYSTEM_STATUS to an MMM 2.x agent whose server does not answer the monitor right now, even while its mysql check still passes (the check lags a crash)', async () => {
    const r = rig();
    await r.pass();
    await r.pass();
    expect(r.fakes.db3.log, 'asked while its server answers').to.include('GET_SYSTEM_STATUS');
    r.answering.db3 = false; // mysqld just died; the mysql check has not run since
    r.fakes.db3.log = [];
    r.probed.length = 0;
    for (let i = 0; i < 30; i++) await r.pass(); // 7.5 s: past the 5 s period
    expect(r.probed, 'the monitor asked the server itself').to.include('db3');
    expect(r.fakes.db3.log).to.not.include('GET_SYSTEM_STATUS');
    expect(r.fakes.db4.log, 'our check of another legacy host goes on').to.include('GET_SYSTEM_STATUS');
    r.answering.db3 = true;
    for (let i = 0; i < 2; i++) await r.pass();
    expect(r.fakes.db3.log).to.include('GET_SYSTEM_STATUS');
  });

  it('an agent learned to be MMM 2.x in this pass gets no GET_SYSTEM_STATUS while its mysql check fails', async () => {
    const r = rig();
    r.checksOk('db3', false);
    r.checksOk('db3', false);
    await r.pass();
    await r.pass();
    expect(r.agents.obs.db3.legacy).to.equal(true);
    expect(r.fakes.db3.log).to.not.include('GET_SYSTEM_STATUS');
    // and after a silence and a restart (re-learned), still none
    r.fakes.db3.down = true;
    await r.pass();
    r.fakes.db3.restart();
    r.fakes.db3.down = false;
    await r.pass();
    await r.pass();
    expect(r.fakes.db3.log).to.not.include('GET_SYSTEM_STATUS');
    expect(r.fakes.db1.log, 'a legacy agent whose mysql passes is asked').to.include('GET_SYSTEM_STATUS');
  });
});
