// <status_path>.state.json: our state next to MMM's status file (the last failover), format, parse,
// and what the monitor writes and reads back after a restart.
import { expect } from 'chai';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nullLogger } from '@mmm/common';
import { FakeClock } from '@mmm/common/testing';
import type { FailoverRecord } from '../../src/analysis/snapshot';
import { StateFileError, formatStateFile, parseStateFile, readStateFile, stateFilePath, writeStateFile } from '../../src/persistence';
import { type AgentReply, type AgentRequest } from '@mmm/common';
import { AgentSet } from '../../src/agents/agent-set';
import { Monitor } from '../../src/monitor';
import { type StartupDeps, runStartup } from '../../src/startup-sequence';
import { checks } from '../fixtures';
import { T0, buildConfig, buildSnapshot, initialState, loadScenarios } from '../scenarios/golden';

const REC: FailoverRecord = { at: T0, from: 'db1', to: 'db2', automatic: true, lostAtLeast: ['0-1-44..0-1-45'], lostAtLeastCount: 2, positionAt: T0 - 800 };

describe('state file (<status_path>.state.json)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mmm-state-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips a failover record with ISO times; no record is null', async () => {
    const p = stateFilePath(join(dir, 'mmm_mond.status'));
    expect(p).to.equal(join(dir, 'mmm_mond.status.state.json'));
    await writeStateFile(p, { lastWriter: 'db2', lastFailover: { ...REC, acknowledgedAt: T0 + 5000, lostOnReturn: ['0-1-45'] } });
    const text = await readFile(p, 'utf8');
    expect(JSON.parse(text).lastFailover).to.deep.include({ at: new Date(T0).toISOString(), acknowledgedAt: new Date(T0 + 5000).toISOString() });
    expect(await readStateFile(p)).to.deep.equal({ lastWriter: 'db2', lastFailover: { ...REC, acknowledgedAt: T0 + 5000, lostOnReturn: ['0-1-45'] } });
    expect(parseStateFile(formatStateFile({}), p)).to.deep.equal({});
    expect(await readStateFile(join(dir, 'none.json'))).to.equal(undefined);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['not JSON', '{', /not JSON/],
    ['another version', '{"version":2}', /version 2, expected 1/],
    ['a record without a time', '{"version":1,"lastFailover":{"from":"db1","to":"db2","automatic":true}}', /lastFailover\.at: expected an ISO 8601 time/],
    ['automatic not a boolean', `{"version":1,"lastFailover":{"at":"${new Date(T0).toISOString()}","from":"db1","to":"db2","automatic":"yes"}}`, /automatic: expected true or false/],
    ['GTIDs not strings', `{"version":1,"lastFailover":{"at":"${new Date(T0).toISOString()}","from":"db1","to":"db2","automatic":true,"lostAtLeast":[1]}}`, /lostAtLeast: expected a list/],
  ];
  for (const [what, text, msg] of bad) {
    it(`refuses ${what}, naming the file`, () => {
      expect(() => parseStateFile(text, '/x/s.state.json')).to.throw(StateFileError, msg).with.property('message').that.match(/^\/x\/s\.state\.json: /);
    });
  }

  it('the monitor writes the writer, then the failover (the MMM status file keeps its format)', async () => {
    const statusPath = join(dir, 'mmm_mond.status');
    const { snap } = loadScenarios(join(__dirname, '../scenarios')).find((x) => x.name === 'failover-cooldown')!;
    const config = buildConfig({ ...snap.config, monitor: { statusPath } });
    const clock = new FakeClock(T0);
    const agents = new AgentSet({
      config, clock, logger: nullLogger, material: () => undefined,
      clientFor: () => ({ request: async (req: AgentRequest): Promise<AgentReply> => ({ ok: true, message: req.kind === 'SET_STATUS' ? 'Status applied successfully!' : 'OK', fields: [], uptime: 1 }), close: () => undefined, reset: () => undefined }),
    });
    const steady = { hosts: {} };
    let observed = buildSnapshot(steady, T0);
    const m = new Monitor({ config, logger: nullLogger, clock, agents, auditFile: null, observe: () => observed });
    m.state = initialState(snap, config).state;
    await m.pass();
    expect((await readdir(dir)).sort()).to.deep.equal(['mmm_mond.status', 'mmm_mond.status.state.json']);
    expect(await readStateFile(stateFilePath(statusPath))).to.deep.equal({ lastWriter: 'db1' });
    clock.set(T0 + 1000);
    observed = buildSnapshot(snap.steps[0], T0 + 1000);
    await m.pass();
    expect((await readdir(dir)).sort()).to.deep.equal(['mmm_mond.status', 'mmm_mond.status.state.json']);
    expect((await readFile(statusPath, 'utf8')).split('\n')[0]).to.equal('db1|HARD_OFFLINE|');
    const after = (await readStateFile(stateFilePath(statusPath)))!;
    expect(after.lastWriter).to.equal('db2');
    expect(after.lastFailover).to.deep.include({ from: 'db1', to: 'db2', automatic: true, at: T0 + 1000 });
    await m.stop();
  });

  it('a restarted monitor resumes the cooldown and the old writer from it; an unreadable one is ignored with a warning', async () => {
    const statusPath = join(dir, 'mmm_mond.status');
    const config = buildConfig({ monitor: { statusPath } });
    const hosts = Object.keys(config.hosts);
    const deps = (warnings: Map<string, string>) => ({
      config, logger: nullLogger, clock: new FakeClock(T0), warnings,
      checks: { complete: () => true, of: () => checks() },
      network: { ready: true, ok: true },
      agents: { hosts, obs: Object.fromEntries(hosts.map((h) => [h, { reachable: true, uptime: 100 }])), agentStatus: async () => undefined, system: async () => undefined, health: async () => undefined },
      decisions: { record: () => undefined },
      execute: async () => undefined,
    });
    await writeStateFile(stateFilePath(statusPath), { lastWriter: 'db1', lastFailover: REC });
    const state = await runStartup(deps(new Map()) as unknown as StartupDeps);
    expect(state.lastFailover).to.deep.equal(REC);
    // nobody holds the writer role at startup (no vote): the last writer is the old writer of the next promotion
    expect(state.lastWriter).to.equal('db1');
    await writeFile(stateFilePath(statusPath), '{"version":1,"lastFailover":7}');
    const warnings = new Map<string, string>();
    const again = await runStartup(deps(warnings) as unknown as StartupDeps);
    expect([again.lastFailover, again.lastWriter]).to.deep.equal([undefined, '']);
    expect(warnings.get('state_file')).to.match(/^state file ignored: .*lastFailover: expected an object or null/);
  });
});
