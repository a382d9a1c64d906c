// Operator commands as pure transitions, one row per command × state (MMM's texts, the state
// they leave, whether they ask for a ping or a planned move, what they record and execute).
import { expect } from 'chai';
import { type HostState, type Mode, texts } from '@mmm/common';
import { NOT_FLAPPING } from '../../src/analysis/flapping';
import { type OperatorCommand, type OperatorStep, type OperatorView, operatorTransition } from '../../src/analysis/operator';
import { normalizeAssignments } from '../../src/analysis/roles/role-table';
import type { HostObservation, MonitorState } from '../../src/analysis/snapshot';
import { checks, makeConfig } from '../fixtures';

const NOW = 50_000;
const config = makeConfig();
const STATES: HostState[] = ['ONLINE', 'ADMIN_OFFLINE', 'AWAITING_RECOVERY', 'HARD_OFFLINE', 'REPLICATION_FAIL', 'REPLICATION_DELAY'];
const MODES: Mode[] = ['ACTIVE', 'MANUAL', 'WAIT', 'PASSIVE'];

function view(o: { mode?: Mode; host?: string; state?: HostState; agentUp?: boolean; failed?: Record<string, string[]>; writerOn?: string } = {}): OperatorView {
  const mem = (state: HostState) => ({ state, since: 1000, lastUptime: 0, flap: { flapping: true, count: 4 } });
  const hosts: MonitorState['hosts'] = { db1: mem('ONLINE'), db2: mem('ONLINE'), db3: mem('ONLINE'), db4: mem('ONLINE') };
  if (o.host) hosts[o.host] = mem(o.state ?? 'ONLINE');
  const roles = normalizeAssignments(config.roles, [
    { role: 'writer', ip: '10.0.0.100', host: o.writerOn ?? 'db1' },
    { role: 'reader', ip: '10.0.0.101', host: 'db1' },
    { role: 'reader', ip: '10.0.0.102', host: 'db2' },
    { role: 'reader', ip: '10.0.0.103', host: 'db3' },
    { role: 'reader', ip: '10.0.0.104', host: 'db4' },
  ]);
  const obs: Record<string, HostObservation> = {};
  for (const h of Object.keys(config.hosts)) obs[h] = { checks: checks(o.failed?.[h] ?? [], 1000), agent: { reachable: true } };
  const pinged: Record<string, boolean> = {};
  return { config, now: NOW, hosts: obs, pinged, state: { mode: o.mode ?? 'ACTIVE', modeSince: 0, hosts, roles, lastWriter: o.writerOn ?? 'db1' } };
}

/** Runs a transition as the handler does: answers pings (agentUp), reports the planned move's outcome. */
function run(cmd: OperatorCommand, v: OperatorView, agentUp = true, moveOk = true): { step: OperatorStep; pings: string[]; moved?: [string, string] } {
  const pings: string[] = [];
  const pinged = v.pinged as Record<string, boolean>;
  let step = operatorTransition(cmd, v);
  while (step.kind === 'ping') {
    pings.push(step.host);
    pinged[step.host] = agentUp;
    step = operatorTransition(cmd, v);
  }
  if (step.kind === 'switch') {
    const moved: [string, string] = [step.action.from, step.action.to];
    const during = { ...v, state: step.state ?? v.state };
    return { step: step.after(moveOk ? { ok: true } : { ok: false, reason: 'GTID wait timed out' }, during), pings, moved };
  }
  return { step, pings };
}

const done = (s: OperatorStep) => {
  if (s.kind !== 'done') throw new Error(`expected a finished step, got ${s.kind}`);
  return s;
};

describe('operator transitions', () => {
  describe('set_online, per host state', () => {
    const rows: Array<[HostState, string, boolean]> = [
      ['ONLINE', texts.alreadyOnline(), false],
      ['ADMIN_OFFLINE', texts.setOnlineOk('db3'), true],
      ['AWAITING_RECOVERY', texts.setOnlineOk('db3'), true],
      ['HARD_OFFLINE', texts.cantSetOnline('db3', 'HARD_OFFLINE'), false],
      ['REPLICATION_FAIL', texts.cantSetOnline('db3', 'REPLICATION_FAIL'), false],
      ['REPLICATION_DELAY', texts.cantSetOnline('db3', 'REPLICATION_DELAY'), false],
    ];
    for (const [st, reply, changes] of rows) {
      it(`${st} -> ${changes ? 'ONLINE, flapping reset' : 'unchanged'}`, () => {
        const { step, pings } = run({ kind: 'set_online', host: 'db3' }, view({ host: 'db3', state: st }));
        const d = done(step);
        expect(d.reply).to.equal(reply);
        expect(pings).to.deep.equal(changes ? ['db3'] : []);
        expect(d.pass).to.equal(changes);
        if (!changes) return expect(d.state).to.equal(undefined);
        expect(d.state!.hosts.db3).to.deep.equal({ state: 'ONLINE', since: NOW, lastUptime: 0, flap: { ...NOT_FLAPPING } });
        expect(d.decisions.map((x) => x.kind)).to.deep.equal(['command']);
      });
    }
    it('refusals after the state: unknown host, agent down, checks failing, peer replication failing', () => {
      expect(done(run({ kind: 'set_online', host: 'dbX' }, view()).step).reply).to.equal(texts.unknownHost('dbX'));
      expect(done(run({ kind: 'set_online', host: 'db3' }, view({ host: 'db3', state: 'AWAITING_RECOVERY' }), false).step).reply).to.equal(texts.agentUnreachableState('db3'));
      expect(done(run({ kind: 'set_online', host: 'db3' }, view({ host: 'db3', state: 'AWAITING_RECOVERY', failed: { db3: ['mysql'] } })).step).reply).to.equal(texts.checksNotOk('db3'));
      const peer = done(run({ kind: 'set_online', host: 'db2' }, view({ host: 'db2', state: 'ADMIN_OFFLINE', failed: { db1: ['rep_backlog'] } })).step);
      expect(peer.reply).to.equal(texts.peerReplicationFailed('db1', 'db2'));
      expect(peer.state).to.equal(undefined);
    });
  });

  describe('set_offline, per host state', () => {
    for (const st of STATES) {
      const allowed = st === 'ONLINE' || st === 'REPLICATION_FAIL' || st === 'REPLICATION_DELAY';
      it(`${st} -> ${allowed ? 'ADMIN_OFFLINE' : 'unchanged'}`, () => {
        const { step, pings } = run({ kind: 'set_offline', host: 'db3' }, view({ host: 'db3', state: st }));
        const d = done(step);
        const reply = allowed ? texts.setOfflineOk('db3') : st === 'ADMIN_OFFLINE' ? texts.alreadyOffline() : texts.cantSetOffline('db3', st);
        expect(d.reply).to.equal(reply);
        expect(pings).to.deep.equal(allowed ? ['db3'] : []);
        expect(d.state?.hosts.db3.state).to.equal(allowed ? 'ADMIN_OFFLINE' : undefined);
        expect(d.pass).to.equal(allowed);
      });
    }
    it('agent down: refused, nothing changes', () => {
      const d = done(run({ kind: 'set_offline', host: 'db3' }, view(), false).step);
      expect(d.reply).to.equal(texts.agentUnreachableState('db3'));
      expect(d.state).to.equal(undefined);
    });
  });

  describe('move_role writer, per state of the target host', () => {
    for (const st of STATES) {
      it(`move_role writer db2 with db2 ${st}`, () => {
        const { step, moved } = run({ kind: 'move_role', role: 'writer', host: 'db2', force: false }, view({ mode: 'MANUAL', host: 'db2', state: st }));
        const d = done(step);
        if (st !== 'ONLINE') {
          expect(d.reply).to.equal(texts.cantMoveToState(st));
          return expect(moved).to.equal(undefined);
        }
        expect(moved).to.deep.equal(['db1', 'db2']);
        expect(d.reply).to.equal(texts.moveRoleOk('writer', 'db1', 'db2'));
        expect(d.pass).to.equal(true);
      });
      it(`move_role --force writer db2 with db2 ${st}`, () => {
        const { step, moved } = run({ kind: 'move_role', role: 'writer', host: 'db2', force: true }, view({ mode: 'MANUAL', host: 'db2', state: st }));
        const d = done(step);
        if (st !== 'REPLICATION_FAIL' && st !== 'REPLICATION_DELAY') {
          expect(d.reply).to.equal(texts.cantForceToState(st));
          return expect(moved).to.equal(undefined);
        }
        expect(moved).to.deep.equal(['db1', 'db2']);
        expect(d.reply).to.equal(texts.forcedMoveRoleOk('writer', 'db1', 'db2'));
      });
    }
    it('the planned move carries the exact SET_STATUS lines and its decision', () => {
      const s = operatorTransition({ kind: 'move_role', role: 'writer', host: 'db2', force: false }, { ...view({ mode: 'MANUAL' }), pinged: { db2: true } });
      expect(s.kind).to.equal('switch');
      if (s.kind !== 'switch') return;
      expect(s.action.demote).to.deep.equal({ host: 'db1', state: 'ONLINE', roles: [{ name: 'reader', ip: '10.0.0.101' }], activeMaster: '' });
      expect(s.action.promote).to.deep.equal({ host: 'db2', state: 'ONLINE', roles: [{ name: 'reader', ip: '10.0.0.102' }, { name: 'writer', ip: '10.0.0.100' }], activeMaster: 'db2' });
      expect(s.decisions.map((d) => [d.kind, d.reason])).to.deep.equal([['switchover', 'planned move of writer from db1 to db2: move_role writer db2 by operator']]);
    });
    it('a failed forced move puts the host back in the state the operator overrode', () => {
      const { step } = run({ kind: 'move_role', role: 'writer', host: 'db2', force: true }, view({ mode: 'MANUAL', host: 'db2', state: 'REPLICATION_FAIL' }), true, false);
      const d = done(step);
      expect(d.reply).to.equal("ERROR: Role 'writer' was not moved from 'db1' to 'db2': GTID wait timed out");
      expect(d.state!.hosts.db2.state).to.equal('REPLICATION_FAIL');
    });
    it('refusals: passive mode, unknown role/host, role already there, agent down, preferred host in active mode', () => {
      const mv = (host: string, o: Parameters<typeof view>[0] = {}, up = true, role = 'writer') => done(run({ kind: 'move_role', role, host, force: false }, view(o), up).step).reply;
      expect(mv('db2', { mode: 'PASSIVE' })).to.equal(texts.notInPassive());
      expect(mv('db2', {}, true, 'nosuch')).to.equal(texts.unknownRole('nosuch'));
      expect(mv('dbX')).to.equal(texts.unknownHost('dbX'));
      expect(mv('db1', { mode: 'MANUAL' })).to.equal(texts.roleAlreadyThere('db1'));
      expect(mv('db2', { mode: 'MANUAL' }, false)).to.equal(texts.agentUnreachableMove('db2'));
      expect(mv('db2', { mode: 'ACTIVE' })).to.equal(texts.assignedToPreferred('writer', 'db1'));
      expect(mv('db3', { mode: 'MANUAL' })).to.equal(texts.cantHandle('db3', 'writer', ['db1', 'db2']));
    });
    it('a balanced role leaves the host; distribution puts it elsewhere', () => {
      const d = done(run({ kind: 'move_role', role: 'reader', host: 'db3', force: false }, view()).step);
      expect(d.reply).to.equal(texts.balancedRoleRemoved('reader', 'db3'));
      expect(d.state!.roles.filter((r) => r.host === 'db3')).to.deep.equal([]);
      expect(d.pass).to.equal(true);
    });
  });

  describe('set_ip, per mode', () => {
    for (const mode of MODES) {
      it(mode, () => {
        const d = done(run({ kind: 'set_ip', ip: '10.0.0.100', host: 'db2' }, view({ mode })).step);
        if (mode !== 'PASSIVE') {
          expect(d.reply).to.equal(texts.onlyInPassive());
          return expect(d.state).to.equal(undefined);
        }
        expect(d.reply).to.equal(texts.setIpOk('writer', '10.0.0.100', 'db2'));
        expect(d.state!.roles.find((r) => r.role === 'writer')!.host).to.equal('db2');
        expect(d.pass).to.equal(false); // applied when PASSIVE is left
      });
    }
    it('refuses a host that is not ONLINE, an unknown IP, a host the role cannot have', () => {
      expect(done(run({ kind: 'set_ip', ip: '10.0.0.100', host: 'db2' }, view({ mode: 'PASSIVE', host: 'db2', state: 'HARD_OFFLINE' })).step).reply).to.equal(texts.setIpHostState('db2', 'HARD_OFFLINE', '10.0.0.100'));
      expect(done(run({ kind: 'set_ip', ip: '10.9.9.9', host: 'db2' }, view({ mode: 'PASSIVE' })).step).reply).to.equal(texts.unknownIp('10.9.9.9'));
      expect(done(run({ kind: 'set_ip', ip: '10.0.0.100', host: 'db3' }, view({ mode: 'PASSIVE' })).step).reply).to.equal(texts.setIpCantHandle('db3', 'writer', ['db1', 'db2']));
    });
  });

  describe('set_active / set_manual / set_passive, per mode', () => {
    const cases: Array<['set_active' | 'set_manual' | 'set_passive', Mode, string]> = [
      ['set_active', 'ACTIVE', texts.switchedActive()],
      ['set_manual', 'MANUAL', texts.switchedManual()],
      ['set_passive', 'PASSIVE', texts.switchedPassive()],
    ];
    const already = { set_active: texts.alreadyActive(), set_manual: texts.alreadyManual(), set_passive: texts.alreadyPassive() };
    for (const [kind, to, reply] of cases) {
      for (const from of MODES) {
        const same = from === to || (kind === 'set_manual' && from === 'WAIT');
        it(`${kind} in ${from}`, () => {
          const d = done(run({ kind }, view({ mode: from })).step);
          if (same) {
            expect(d.reply).to.equal(already[kind]);
            return expect(d.state).to.equal(undefined);
          }
          expect(d.reply).to.equal(reply);
          expect(d.state).to.include({ mode: to, modeSince: NOW });
          expect(d.state!.passiveCause).to.equal(to === 'PASSIVE' ? 'Admin switched to passive mode.' : undefined);
          expect(d.decisions).to.deep.equal([{ kind: 'mode_change', reason: `${from} -> ${to}: ${kind} by operator`, blocked: false }]);
          expect(d.pass).to.equal(to !== 'PASSIVE');
          // leaving PASSIVE: CLEAR_BAD_ROLES to every agent, then every status (old writer first)
          const kinds = d.actions.map((a) => (a.kind === 'set_status' ? `set_status ${a.host}` : `${a.kind} ${'host' in a ? a.host : ''}`));
          expect(kinds).to.deep.equal(
            from === 'PASSIVE'
              ? ['clear_bad_roles db1', 'clear_bad_roles db2', 'clear_bad_roles db3', 'clear_bad_roles db4', 'set_status db1', 'set_status db2', 'set_status db3', 'set_status db4']
              : [],
          );
        });
      }
    }
  });
});
