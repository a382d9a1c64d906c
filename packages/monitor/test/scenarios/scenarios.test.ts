// Golden scenarios, run through the pure analysis: every step's decisions, transitions, roles and
// actions must match expected.json. A regression costs one folder (see golden.ts).
import { expect } from 'chai';
import { type RoleIp, rolesToString } from '@mmm/common';
import { analyze } from '../../src/analysis/analyze';
import type { Action, AnalysisResult } from '../../src/analysis/result';
import { type J, T0, buildConfig, buildSnapshot, initialState, loadScenarios, roleMap, stateAfterStep } from './golden';

const actionLabel = (a: Action): string => (a.kind === 'switch_writer' ? `switch_writer ${a.from} -> ${a.to}` : `${a.kind} ${'host' in a ? a.host : ''}`.trim());

function checkStep(r: AnalysisResult, e: J) {
  if (e.transitions) expect(r.transitions.map((t) => `${t.host}: ${t.arrow}`)).to.deep.equal(e.transitions);
  if (e.roles) expect(roleMap(r)).to.include(e.roles);
  if (e.writer !== undefined) expect(r.state.lastWriter, 'lastWriter').to.equal(e.writer);
  if (e.mode) expect(r.mode).to.equal(e.mode);
  for (const d of e.diagnoses ?? []) expect(r.diagnoses.map((x) => `${x.code}@${x.host ?? ''}`)).to.include(d);
  for (const d of e.notDiagnoses ?? []) expect(r.diagnoses.map((x) => `${x.code}@${x.host ?? ''}`)).to.not.include(d);
  for (const want of e.decisions ?? []) {
    const hit = r.decisions.find((d) => d.kind === want.kind && (want.host === undefined || d.host === want.host) && (want.blocked === undefined || d.blocked === want.blocked) && (!want.reason || d.reason.includes(want.reason)));
    expect(hit, `decision ${JSON.stringify(want)} in ${JSON.stringify(r.decisions, null, 1)}`).to.not.equal(undefined);
  }
  for (const want of e.notDecisions ?? []) {
    const hit = r.decisions.find((d) => d.kind === want.kind && (want.host === undefined || d.host === want.host));
    expect(hit, `no decision ${JSON.stringify(want)}`).to.equal(undefined);
  }
  const sent = Object.fromEntries(r.actions.flatMap((a) => (a.kind === 'set_status' ? [[a.host, a]] : [])));
  for (const [h, roles] of Object.entries<string>(e.sentRoles ?? {})) expect(rolesToString(sent[h]?.roles ?? []), `roles sent to ${h}`).to.equal(roles);
  if (e.activeMasterSent !== undefined) for (const a of Object.values<J>(sent)) expect(a.activeMaster).to.equal(e.activeMasterSent);
  if (e.actions) expect(r.actions.filter((a) => a.kind !== 'set_status' && a.kind !== 'persist').map(actionLabel)).to.deep.equal(e.actions);
  if (e.switch) {
    const sw = r.actions.find((a) => a.kind === 'switch_writer');
    expect(sw, 'a switch_writer action').to.not.equal(undefined);
    if (sw?.kind !== 'switch_writer') return;
    const l = (x: { roles: RoleIp[]; activeMaster: string }) => `${rolesToString(x.roles)}|${x.activeMaster}`;
    expect({ demote: l(sw.demote), promote: l(sw.promote), restore: l(sw.restore) }).to.deep.equal(e.switch);
  }
  if (e.noSetStatus) expect(Object.keys(sent)).to.deep.equal([]);
  // the failover record without its times (they are T0-relative in the files)
  if (e.lastFailover !== undefined) {
    const f = r.state.lastFailover;
    expect(f && Object.fromEntries(Object.entries(f).filter(([k]) => k !== 'at' && k !== 'positionAt' && k !== 'acknowledgedAt')), 'lastFailover').to.deep.equal(e.lastFailover);
  }
}

for (const { name, snap, expected } of loadScenarios()) {
  describe(`scenario ${name}`, () => {
    it(snap.description ?? name, () => {
      const config = buildConfig(snap.config);
      const init = initialState(snap, config);
      let state = init.state;
      const r = init.startup;
      if (r) {
        const e = expected.startup;
        if (e.mode) expect(r.state.mode).to.equal(e.mode);
        if (e.writer !== undefined) expect(r.writer).to.equal(e.writer);
        if (e.roles) expect(roleMap(r)).to.deep.equal(e.roles);
        if (e.states) expect(Object.fromEntries(Object.entries(r.state.hosts).map(([h, m]) => [h, m.state]))).to.deep.equal(e.states);
        if (e.passiveCause) expect(r.state.passiveCause ?? '').to.include(e.passiveCause);
        if (e.votes) expect(r.writerVotes).to.deep.equal(e.votes);
      }
      (snap.steps ?? []).forEach((step: J, i: number) => {
        const now = T0 + (step.at ?? 0);
        const res = analyze(buildSnapshot(step, now), state, config, now);
        try {
          checkStep(res, expected.steps[i]);
        } catch (err) {
          (err as Error).message = `step ${i}: ${(err as Error).message}`;
          throw err;
        }
        state = stateAfterStep(res, step, config, now);
      });
    });
  });
}
