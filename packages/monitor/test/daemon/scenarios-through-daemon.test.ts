// Proof that the daemon runs what analysis decides: every golden scenario folder, step by step,
// through the Monitor class (fake agents, fake clock, the step's observations). After one pass,
// the SET_STATUS lines each fake agent received — host by host, in order — equal the Action list
// analyze() returned for that step, and the monitor's state equals analysis's.
import { expect } from 'chai';
import { type AgentReply, type AgentRequest, encodeAgentRequest, encodeHealth, nullLogger } from '@mmm/common';
import { FakeClock } from '@mmm/common/testing';
import { AgentSet } from '../../src/agents/agent-set';
import { analyze } from '../../src/analysis/analyze';
import type { Action, StatusLine } from '../../src/analysis/result';
import type { ClusterSnapshot } from '../../src/analysis/snapshot';
import { Monitor } from '../../src/monitor';
import { type J, T0, buildConfig, buildSnapshot, initialState, loadScenarios, stateAfterStep } from '../scenarios/golden';

const ok = (message: string, fields: string[] = []): AgentReply => ({ ok: true, message, fields, uptime: 1 });
const statusLine = (l: StatusLine): string => encodeAgentRequest({ kind: 'SET_STATUS', host: l.host, state: l.state, roles: l.roles, activeMaster: l.activeMaster });

/** What each agent must receive when the loop executes `actions` (a failing planned move restores the old writer). */
function expectedLines(actions: readonly Action[], switchFails: boolean): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const push = (l: StatusLine) => (out[l.host] ??= []).push(statusLine(l));
  for (const a of actions) {
    if (a.kind === 'set_status') push(a);
    else if (a.kind === 'switch_writer') {
      push(a.demote);
      push(switchFails ? a.restore : a.promote);
    }
  }
  return out;
}

function rig(config: ReturnType<typeof buildConfig>) {
  const received: Record<string, string[]> = {};
  let failWait = false;
  const reply = (req: AgentRequest): AgentReply => {
    switch (req.kind) {
      case 'SET_STATUS':
        (received[req.host] ??= []).push(encodeAgentRequest(req));
        return ok('Status applied successfully!');
      case 'GET_HEALTH':
        return ok('Returning health!', [encodeHealth({ mysqld: 'running', answering: true, lease: 'none' })]);
      case 'GET_GTID':
        return ok('0-1-7');
      case 'WAIT_GTID':
        return failWait ? { ok: false, message: 'GTID 0-1-7 not executed: timeout', fields: [], uptime: 1 } : ok('GTID reached');
      default:
        return ok('OK');
    }
  };
  const clock = new FakeClock(T0);
  const agents = new AgentSet({
    config, clock, logger: nullLogger, material: () => undefined,
    clientFor: () => ({ request: async (req: AgentRequest) => reply(req), close: () => undefined, reset: () => undefined }),
  });
  let observed: ClusterSnapshot = { networkOk: true, hosts: {} };
  const monitor = new Monitor({
    config, logger: nullLogger, clock, agents, auditFile: null,
    observe: () => observed,
    killHost: async () => ({ fenced: true, exitCode: 0, signal: null, output: '', durationMs: 0, timedOut: false }),
  });
  return {
    monitor,
    clock,
    received,
    observe: (s: ClusterSnapshot) => (observed = s),
    failWaits: (f: boolean) => (failWait = f),
  };
}

describe('golden scenarios through the Monitor daemon', () => {
  for (const { name, snap } of loadScenarios()) {
    it(`${name}: each pass sends exactly the statuses analysis returned`, async () => {
      const config = buildConfig(snap.config);
      const r = rig(config);
      let state = initialState(snap, config).state;
      r.monitor.state = state;
      const steps: J[] = snap.steps ?? [];
      for (const [i, step] of steps.entries()) {
        const now = T0 + (step.at ?? 0);
        r.clock.set(now);
        const snapshot = buildSnapshot(step, now);
        const decided = analyze(snapshot, state, config, now);
        for (const h of Object.keys(r.received)) delete r.received[h];
        r.observe(snapshot);
        r.failWaits(!!step.switchFails);
        await r.monitor.pass();
        const want = expectedLines(decided.actions, !!step.switchFails);
        expect(r.received, `step ${i}: SET_STATUS lines per agent`).to.deep.equal(want);
        expect(r.monitor.state, `step ${i}: monitor state`).to.deep.equal(stateAfterStep(decided, step, config, now));
        state = r.monitor.state;
      }
      await r.monitor.stop();
    });
  }

  it('a scenario with statuses and one with a planned move are among them (the proof is not vacuous)', () => {
    const all = loadScenarios().flatMap(({ snap }) => {
      const config = buildConfig(snap.config);
      let state = initialState(snap, config).state;
      return (snap.steps ?? []).map((step: J) => {
        const now = T0 + (step.at ?? 0);
        const d = analyze(buildSnapshot(step, now), state, config, now);
        state = stateAfterStep(d, step, config, now);
        return d.actions.map((a) => a.kind);
      });
    });
    expect(all.some((k: string[]) => k.includes('set_status'))).to.equal(true);
    expect(all.some((k: string[]) => k.includes('switch_writer'))).to.equal(true);
  });

  it('show tells the truth after a failover (writer-crash): the move with its cause, the writer line, the dead host unknown', async () => {
    const { snap } = loadScenarios().find((x) => x.name === 'writer-crash')!;
    const config = buildConfig(snap.config);
    const r = rig(config);
    r.monitor.state = initialState(snap, config).state;
    const step = snap.steps[0];
    r.clock.set(T0 + 1500);
    const snapshot = buildSnapshot(step, T0 + 1500);
    r.observe(snapshot);
    await r.monitor.pass();
    const doc = r.monitor.statusDocument();
    expect(doc.lastMove).to.deep.include({ role: 'writer', from: 'db1', to: 'db2', outcome: 'done' });
    expect(doc.lastMove!.reason).to.match(/^failover from db1 \(HARD_OFFLINE\): db2 may become writable: /);
    expect(doc.roles.find((x) => x.name === 'writer')!.reason).to.match(/^failover from db1 \(HARD_OFFLINE\)/);
    // db1's mysqld is down: whether it is writable is not known (not its last value)
    expect(doc.hosts.find((h) => h.name === 'db1')!.writable).to.equal(null);
    await r.monitor.stop();
  });
});
