// Planned writer switch against scripted agents: the order of requests, the GTID bound, and
// abort + restore with the reason.
import { expect } from 'chai';
import { type AgentReply, type AgentRequest, encodeAgentRequest, encodeHealth, nullLogger } from '@mmm/common';
import { FakeClock } from '@mmm/common/testing';
import { AgentSet } from '../../src/agents/agent-set';
import { switchWriter } from '../../src/actions/switch-writer';
import { planSwitch } from '../../src/analysis/planned-switch';
import { NOT_FLAPPING } from '../../src/analysis/flapping';
import type { MonitorState } from '../../src/analysis/snapshot';
import { DecisionLog } from '../../src/decision-log';
import { AuditLog } from '../../src/persistence/audit-log';
import { normalizeAssignments } from '../../src/analysis/roles/role-table';
import { makeConfig } from '../fixtures';

type Script = (req: AgentRequest) => AgentReply | 'timeout';

function rig(script: Script) {
  const config = makeConfig();
  const log: string[] = [];
  const clock = new FakeClock();
  const agents = new AgentSet({
    config, clock, logger: nullLogger, material: () => undefined,
    clientFor: () => ({
      request: async (req: AgentRequest) => {
        if (req.kind !== 'GET_HEALTH') log.push(encodeAgentRequest(req)); // the divergence check's reads
        const r = script(req);
        if (r === 'timeout') throw Object.assign(new Error('no line within bound'), { code: 'TIMEOUT' });
        return r;
      },
      close: () => undefined,
      reset: () => undefined,
    }),
  });
  const h = { state: 'ONLINE' as const, since: 0, lastUptime: 0, flap: { ...NOT_FLAPPING } };
  let state: MonitorState = {
    mode: 'MANUAL', modeSince: 0, lastWriter: 'db1', hosts: { db1: h, db2: h, db3: h, db4: h },
    roles: normalizeAssignments(config.roles, [{ role: 'writer', ip: '10.0.0.100', host: 'db1' }, { role: 'reader', ip: '10.0.0.101', host: 'db1' }, { role: 'reader', ip: '10.0.0.102', host: 'db2' }]),
  };
  const audit = new AuditLog();
  let move: unknown;
  const deps = {
    config, agents, clock, decisions: new DecisionLog(audit, nullLogger), setStatusTimeoutMs: 5000,
    getState: () => state, setState: (s: MonitorState) => (state = s), setLastMove: (m: unknown) => (move = m),
  };
  // the move as analysis (or move_role) plans it, on the state before the move
  const run = (from: string, to: string) => switchWriter(deps as never, planSwitch(config, state, from, to, 'test'));
  return { deps, run, log, audit, state: () => state, move: () => move };
}

const ok = (message = 'Status applied successfully!'): AgentReply => ({ ok: true, message, fields: [], uptime: 1 });
const err = (message: string): AgentReply => ({ ok: false, message, fields: [], uptime: 1 });

const healthOf = (gtidBinlogState: string, serverId: string): AgentReply =>
  ({ ok: true, message: 'Returning health!', fields: [encodeHealth({ mysqld: 'running', answering: true, lease: 'none', gtidBinlogState, serverId })], uptime: 1 });

describe('planned writer switch', () => {
  it('refuses a candidate with transactions the writer lacks before touching the writer', async () => {
    const r = rig((req) => {
      if (req.kind === 'GET_HEALTH') return req.host === 'db2' ? healthOf('0-1-7,0-2-8', '2') : healthOf('0-2-7,0-1-9', '1');
      return ok();
    });
    const out = await r.run('db1', 'db2');
    expect(out.ok).to.equal(false);
    if (out.ok) return;
    expect(out.reason).to.match(/^refused before anything changed: db2 has transactions the writer db1 lacks \(0-2-8\)/);
    expect(r.log, 'no SET_STATUS, GET_GTID or WAIT_GTID sent').to.deep.equal([]);
    expect(r.state().roles.find((a) => a.role === 'writer')!.host).to.equal('db1');
    expect(r.move()).to.include({ outcome: 'aborted' });
  });

  it('goes ahead when the candidate has nothing the writer lacks', async () => {
    const r = rig((req) => {
      if (req.kind === 'GET_HEALTH') return req.host === 'db2' ? healthOf('0-1-9,0-2-7', '2') : healthOf('0-2-7,0-1-9', '1');
      return req.kind === 'GET_GTID' ? ok('0-1-9') : ok();
    });
    expect((await r.run('db1', 'db2')).ok).to.equal(true);
  });

  it('demotes, reads the GTID, waits on the candidate, then promotes', async () => {
    const r = rig((req) => (req.kind === 'GET_GTID' ? ok('0-1-42') : ok()));
    const out = await r.run('db1', 'db2');
    expect(out.ok).to.equal(true);
    expect(r.log).to.deep.equal([
      'SET_STATUS|1|db1|ONLINE|reader(10.0.0.101)|',
      'GET_GTID|1|db1',
      'WAIT_GTID|1|db2|0-1-42|10000',
      'SET_STATUS|1|db2|ONLINE|reader(10.0.0.102),writer(10.0.0.100)|db2',
    ]);
    expect(r.state().lastWriter).to.equal('db2');
    expect(r.move()).to.include({ from: 'db1', to: 'db2', outcome: 'done' });
  });

  it('aborts at the GTID bound and restores the old writer, saying why', async () => {
    const r = rig((req) => (req.kind === 'GET_GTID' ? ok('0-1-42') : req.kind === 'WAIT_GTID' ? err('GTID 0-1-42 not executed: timeout') : ok()));
    const out = await r.run('db1', 'db2');
    expect(out.ok).to.equal(false);
    if (out.ok) return;
    expect(out.restored).to.equal(true);
    expect(out.reason).to.match(/^db2 did not reach db1's GTID 0-1-42 within switch_timeout \(10 s\): .*; db1 restored as writer$/);
    expect(r.log.at(-1)).to.equal('SET_STATUS|1|db1|ONLINE|reader(10.0.0.101),writer(10.0.0.100)|db1');
    expect(r.log.some((l) => l.startsWith('SET_STATUS|1|db2'))).to.equal(false);
    expect(r.state().roles.find((a) => a.role === 'writer')!.host).to.equal('db1');
    expect(r.move()).to.include({ outcome: 'aborted' });
    expect(r.audit.recent().at(-1)).to.include({ kind: 'switchover', blocked: true });
  });

  it('never promotes when the old writer does not confirm its demotion', async () => {
    const r = rig((req) => (req.kind === 'SET_STATUS' && req.host === 'db1' && !req.roles.some((x) => x.name === 'writer') ? err('Status not fully applied: failed: read_only=1 (denied)') : ok()));
    const out = await r.run('db1', 'db2');
    expect(out.ok).to.equal(false);
    expect(r.log.filter((l) => l.includes('|db2|'))).to.deep.equal([]);
    expect(r.log.some((l) => l.startsWith('GET_GTID'))).to.equal(false);
  });

  it('takes the role back from a candidate that fails its promotion', async () => {
    const r = rig((req) => (req.kind === 'GET_GTID' ? ok('0-1-1') : req.kind === 'SET_STATUS' && req.host === 'db2' && req.roles.some((x) => x.name === 'writer') ? err('catch up: timeout') : ok()));
    const out = await r.run('db1', 'db2');
    expect(out.ok).to.equal(false);
    expect(r.log.slice(-2)).to.deep.equal(['SET_STATUS|1|db2|ONLINE|reader(10.0.0.102)|', 'SET_STATUS|1|db1|ONLINE|reader(10.0.0.101),writer(10.0.0.100)|db1']);
  });
});
