// mmmd_mon with monitor HA against an in-memory coordinator and fake agents: a follower observes
// but sends nothing that changes anything and refuses state changes naming the leader; once
// elected it takes over the stored state, writes its state to etcd before each step it sends,
// journals a switch, and stops at once when deposed. An MMM 2.x agent stops the start.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { type AgentReply, type AgentRequest, type CheckName, type ControlCommand, LogLimiter, nullLogger, parseControlCommand, texts } from '@mmm/common';
import { FakeClock } from '@mmm/common/testing';
import { AgentSet } from '../../src/agents/agent-set';
import type { CheckFunctions } from '../../src/checks';
import { runCommand } from '../../src/control/run-command';
import { MonitorHa, readHaOp, readHaState } from '../../src/ha/monitor-ha';
import { Monitor } from '../../src/monitor';
import { makeConfig } from '../fixtures';
import { FAKE_ROLES as ROLES, FakeAgentBase } from './fake-agent';
import { FakeCoordinator } from '../ha/fake-coordinator';

const T0 = 1_700_000_000_000;
const OTHER = { monitor: 'mon1', control: '127.0.0.1:9988', since: new Date(T0).toISOString(), term: 7 };

class FakeAgent extends FakeAgentBase {
  legacy = false;
  constructor(name: string, private readonly log: string[]) {
    super(name);
  }
  answer(req: AgentRequest): Promise<AgentReply> {
    if (this.legacy && req.kind === 'GET_HEALTH') return Promise.resolve({ ok: false, message: "Invalid command 'GET_HEALTH'!", fields: [] });
    const read = this.read(req);
    if (read) return Promise.resolve(read);
    switch (req.kind) {
      case 'SET_STATUS':
        this.log.push(`SET_STATUS ${this.name} ${req.roles.map((r) => r.name).sort().join(',')}`);
        this.take(req);
        this.health = { ...this.health, writable: req.roles.some((r) => r.name === 'writer') };
        return Promise.resolve(this.ok('Status applied successfully!'));
      case 'CLEAR_BAD_ROLES': this.log.push(`CLEAR_BAD_ROLES ${this.name}`); return Promise.resolve(this.ok('OK'));
      case 'WAIT_GTID': this.log.push(`WAIT_GTID ${this.name}`); return Promise.resolve(this.ok('OK'));
      default: return Promise.resolve(this.ok('OK'));
    }
  }
}

function rig(o: { legacy?: string; noPrefer?: boolean } = {}) {
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'mon-ha-'));
  const statusPath = join(dir, 'mmm_mond.status');
  fs.writeFileSync(statusPath, Object.entries(ROLES).map(([h, r]) => `${h}|ONLINE|${r}\n`).join(''));
  const config = makeConfig({ writerLease: 3 }, { statusPath, pingIps: [] });
  if (o.noPrefer) delete (config.roles.writer as { prefer?: string }).prefer;
  const clock = new FakeClock(T0);
  const log: string[] = [];
  const agents = Object.fromEntries(Object.keys(config.hosts).map((h) => [h, new FakeAgent(h, log)])) as Record<string, FakeAgent>;
  if (o.legacy) agents[o.legacy]!.legacy = true;
  const coordinator = new FakeCoordinator('mon2');
  // every etcd write lands in the same log as the agents' commands: the order is what is tested
  const write = coordinator.writeState.bind(coordinator);
  coordinator.writeState = async (t, s) => { await write(t, s); log.push(`etcd state@${t}`); };
  const writeOp = coordinator.writeOp.bind(coordinator);
  coordinator.writeOp = async (t, op) => { await writeOp(t, op); log.push(`etcd op@${t}:${op === null ? 'null' : (op as { step: string }).step}`); };
  const ha = new MonitorHa({ coordinator, monitorId: 'mon2', cluster: 'default', logger: nullLogger });
  const check = (name: CheckName): CheckFunctions[CheckName] => async () => ({ status: 'OK', message: 'OK', ...(name === 'rep_backlog' ? { lagSeconds: 0 } : {}) });
  const checkFns = { ping: check('ping'), mysql: check('mysql'), rep_threads: check('rep_threads'), rep_backlog: check('rep_backlog') } as CheckFunctions;
  const set = new AgentSet({
    config, clock, logger: nullLogger, material: () => undefined,
    clientFor: (h) => ({ request: (req: AgentRequest) => agents[h]!.answer(req), close: () => undefined, reset: () => undefined }),
    watchClientFor: null,
    mayChange: () => coordinator.isLeader(),
  });
  const monitor = new Monitor({ config, logger: nullLogger, clock, agents: set, auditFile: null, checkFns, passIntervalMs: 60_000, ha });
  const command = async (line: string): Promise<string> => {
    const p = parseControlCommand(line);
    if (!p.ok) throw new Error(line);
    const peer = { address: '127.0.0.1:1', cn: 'control', role: 'control' as const, fingerprint: '' } as unknown as Parameters<typeof runCommand>[1];
    return (await runCommand({ logger: nullLogger, target: monitor, mutex: monitor.mutex, refusals: new LogLimiter(nullLogger) }, peer, p.command as Exclude<ControlCommand, { kind: 'quit' }>, line, 'control')).reply;
  };
  const pass = () => monitor.mutex.run(() => monitor.pass());
  const cleanup = async (): Promise<void> => {
    await monitor.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { monitor, agents, coordinator, ha, log, command, pass, statusPath, cleanup };
}

describe('monitor HA: a follower observes, the leader acts (in-memory coordinator, fake agents)', () => {
  it('a follower sends no state change, refuses set_offline with the leader\'s address, and `show` names the leader', async () => {
    const r = rig();
    r.coordinator.leaderInfo = OTHER;
    try {
      await r.monitor.start();
      await r.pass();
      await r.pass();
      expect(r.log.filter((l) => !l.startsWith('etcd')), 'nothing sent that changes anything').to.deep.equal([]);
      expect(r.coordinator.writes, 'nothing written to etcd by a follower, not even history').to.deep.equal([]);
      expect(await r.command('set_offline db3')).to.equal(texts.notLeader('mon2', OTHER, ''));
      expect(await r.command('move_role writer db2')).to.match(/^ERROR: Not the leader: .* at 127\.0\.0\.1:9988 \(term 7\)/);
      const show = await r.command('show');
      expect(show).to.include("# Monitor HA: mon1 at 127.0.0.1:9988 leads, term 7; this monitor (mon2) follows and refuses state changes\n");
      expect(show).to.match(/# Monitors: mon1 leader at 127\.0\.0\.1:9988, mon2 \(this one\) follower at /);
      expect(await r.command('ping')).to.equal(texts.pingOk());
      expect(r.monitor.agents.obs.db1!.reachable, 'it reads the agents like a leader').to.equal(true);
    } finally {
      await r.cleanup();
    }
  });

  it('no leader anywhere (etcd unreachable, the last leader not named): the refusal says why; the follower follows the watched state into its status file', async () => {
    const r = rig();
    try {
      await r.monitor.start();
      r.coordinator.health = { reachable: false, error: 'connect ECONNREFUSED' };
      r.coordinator.leaderInfo = OTHER; // last seen before etcd went away: not named any more
      expect(await r.command('set_online db3')).to.equal(texts.notLeader('mon2', undefined, 'etcd unreachable: connect ECONNREFUSED'));
      expect(await r.command('show')).to.include('# Monitor HA: no monitor leads; this monitor (mon2) follows\n');
      const stored = structuredClone(r.monitor.state);
      stored.hosts.db3!.state = 'ADMIN_OFFLINE';
      stored.roles = stored.roles.filter((x) => x.host !== 'db3');
      r.coordinator.state = { monitor: 'mon1', state: stored, lastMove: null };
      await r.pass();
      expect(r.monitor.state.hosts.db3!.state).to.equal('ADMIN_OFFLINE');
      expect(fs.readFileSync(r.statusPath, 'utf8')).to.match(/db3\|ADMIN_OFFLINE\|/);
    } finally {
      await r.cleanup();
    }
  });

  it('elected: takes over the stored state (a decision says so), writes its state to etcd before the first status it sends', async () => {
    const r = rig();
    r.coordinator.leaderInfo = OTHER;
    try {
      await r.monitor.start();
      const stored = structuredClone(r.monitor.state);
      stored.hosts.db4!.state = 'ADMIN_OFFLINE';
      stored.roles = stored.roles.filter((x) => x.host !== 'db4');
      r.coordinator.state = { monitor: 'mon1', state: stored, lastMove: null };
      r.coordinator.elect(12);
      await r.pass();
      expect(r.monitor.state.hosts.db4!.state, 'the old leader\'s set_offline stands').to.equal('ADMIN_OFFLINE');
      const first = r.log.findIndex((l) => l.startsWith('SET_STATUS') || l.startsWith('CLEAR_BAD_ROLES'));
      expect(first, r.log.join('\n')).to.be.above(0);
      expect(r.log.slice(0, first)).to.include('etcd state@12');
      expect(r.monitor.statusDocument().decisions.some((d) => d.kind === 'mode_change' && /^monitor HA: mon2 leads \(term 12\); it continues from the state mon1 stored$/.test(d.reason))).to.equal(true);
      expect(await r.command('set_offline db3')).to.equal(texts.setOfflineOk('db3'));
      await new Promise((res) => setTimeout(res, 20)); // the history is appended in the background
      expect(r.coordinator.history.some((h) => /^set_offline: db3 ONLINE -> ADMIN_OFFLINE/.test((h as { reason: string }).reason) && (h as { monitor: string }).monitor === 'mon2'), JSON.stringify(r.coordinator.history)).to.equal(true);
      expect(r.coordinator.state && readHaState(r.coordinator.state, ['db1', 'db2', 'db3', 'db4'])!.state.hosts.db3!.state).to.equal('ADMIN_OFFLINE');
      expect(r.ha.termRequest('db1')).to.deep.equal({ kind: 'SET_TERM', host: 'db1', cluster: 'default', term: 12, monitor: 'mon2', etcdClusterId: 'cdf818194e3a8c32' });
    } finally {
      await r.cleanup();
    }
  });

  it('a planned move as leader: the journal is written before the demotion and the promotion, and cleared after', async () => {
    const r = rig({ noPrefer: true });
    try {
      r.coordinator.elect(3);
      await r.monitor.start();
      await r.pass();
      r.log.length = 0;
      expect(await r.command('move_role writer db2')).to.equal(texts.moveRoleOk('writer', 'db1', 'db2'));
      const steps = r.log.filter((l) => /^etcd op|^SET_STATUS db[12]|^WAIT_GTID/.test(l));
      const at = (s: string): number => steps.indexOf(s);
      expect(at('etcd op@3:demote'), steps.join('\n')).to.be.below(at('SET_STATUS db1 reader'));
      expect(at('etcd op@3:promote')).to.be.above(at('WAIT_GTID db2'));
      expect(at('etcd op@3:promote')).to.be.below(at('SET_STATUS db2 reader,writer'));
      expect(steps.at(-1)).to.equal('etcd op@3:null');
      expect(r.coordinator.op).to.equal(undefined);
    } finally {
      await r.cleanup();
    }
  });

  it('a new leader continues from a half-done switch\'s journal (promote step: db2 is the writer)', async () => {
    const r = rig({ noPrefer: true });
    r.coordinator.leaderInfo = OTHER;
    try {
      await r.monitor.start();
      // the old leader demoted db1 and died before db2 confirmed its promotion
      r.agents.db1!.roles = 'reader(10.0.0.101)';
      r.agents.db1!.health = { ...r.agents.db1!.health, writable: false, lease: 'none' };
      const s = structuredClone(r.monitor.state);
      s.roles = s.roles.map((x) => (x.role === 'writer' ? { ...x, host: 'db2' } : x));
      r.coordinator.op = { monitor: 'mon1', kind: 'switchover', from: 'db1', to: 'db2', step: 'promote', state: s };
      expect(readHaOp(r.coordinator.op, ['db1', 'db2', 'db3', 'db4'])?.step).to.equal('promote');
      r.coordinator.elect(9);
      await r.pass();
      expect(r.monitor.currentWriter()).to.equal('db2');
      expect(r.coordinator.op, 'the journal is cleared once taken over').to.equal(undefined);
      expect(r.monitor.statusDocument().decisions.some((d) => /continues from the journal of a switchover db1 -> db2 that mon1 left at its step 'promote'/.test(d.reason))).to.equal(true);
    } finally {
      await r.cleanup();
    }
  });

  it('deposed: nothing more is sent; a state that cannot be written to etcd is not acted on', async () => {
    const r = rig();
    try {
      r.coordinator.elect(4);
      await r.monitor.start();
      await r.pass();
      r.coordinator.failWrites = true;
      r.log.length = 0;
      expect(await r.command('set_offline db3')).to.match(/^OK: /);
      expect(r.log.filter((l) => l.startsWith('SET_STATUS')), 'the etcd write failed: no status sent').to.deep.equal([]);
      r.coordinator.failWrites = false;
      r.coordinator.follow(OTHER);
      await r.pass();
      expect(r.log.filter((l) => l.startsWith('SET_STATUS') || l.startsWith('CLEAR_BAD_ROLES'))).to.deep.equal([]);
      expect(r.ha.termRequest('db1'), 'no SET_TERM once deposed').to.equal(undefined);
      // a status still on its way out when leadership went (a pass in flight): not sent
      expect(await r.monitor.agents.setStatus('db3', 'ONLINE', [], 'db1', 1000)).to.equal(undefined);
      expect(r.log.filter((l) => l.startsWith('SET_STATUS db3'))).to.deep.equal([]);
      expect(r.monitor.agents.obs.db3!.reachable, 'not sending is no news about the agent').to.equal(true);
      expect(r.ha.leaderStatus()).to.deep.equal({ leader: false, reason: 'follower: the leader is mon1 at 127.0.0.1:9988 (term 7)' });
    } finally {
      await r.cleanup();
    }
  });

  it('an MMM 2.x agent stops the start with HA: it cannot take a term', async () => {
    const r = rig({ legacy: 'db3' });
    try {
      let err: unknown;
      await r.monitor.start().catch((e) => (err = e));
      expect(String(err)).to.match(/<monitor_ha>: db3 runs an MMM 2\.x agent, which cannot take a term \(SET_TERM\): upgrade it to mmmd_agent/);
    } finally {
      await r.monitor.stop().catch(() => undefined);
    }
  });
});
