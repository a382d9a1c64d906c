// A refused monitor account (missing GRANT, wrong password) as the analysis sees it: kept from the
// latest raw result, named by set_online instead of MMM's "Please, wait some time", diagnosed,
// logged at warning, and an unread replication lag shown as unknown.
import { expect } from 'chai';
import { type PrivilegeProblem, loginDeniedProblem, missingPrivilegeProblem, renderShowExtra, texts } from '@mmm/common';
import { MemoryLogger } from '@mmm/common/testing';
import { initialCheckState, stepCheck } from '../../src/analysis/debounce';
import { diagnoseAccount } from '../../src/analysis/diagnosis';
import { type OperatorView, operatorTransition } from '../../src/analysis/operator';
import { normalizeAssignments } from '../../src/analysis/roles/role-table';
import type { CheckResult, CheckState, HostObservation, MonitorState } from '../../src/analysis/snapshot';
import { CheckLog } from '../../src/check-log';
import { buildStatusDocument } from '../../src/status/build-status';
import { checks, makeConfig } from '../fixtures';

const DENIED = 'Access denied; you need (at least one of) the SUPER, SLAVE MONITOR privilege(s) for this operation';
const CAUSE: PrivilegeProblem = missingPrivilegeProblem({
  account: 'monitor',
  statement: 'SHOW SLAVE STATUS',
  errno: 1227,
  serverMessage: DENIED,
  grantee: "'mmm_monitor'@'%'",
  version: '10.11.19-MariaDB',
});
const REFUSED: CheckResult = { status: 'ERROR', message: `ERROR: Insufficient privileges! ${CAUSE.fix} (SHOW SLAVE STATUS: ${DENIED})`, cause: CAUSE };
const failedBy = (cause: PrivilegeProblem, at = 1000): CheckState => ({ ...initialCheckState({ status: 'ERROR', message: 'ERROR: x', cause }, at) });

describe('privilege causes in the analysis', () => {
  describe('debounce keeps the cause and the lag of the latest raw result', () => {
    it('the cause follows the latest result, trapped or not, and goes with the next result that has none', () => {
      let s = initialCheckState({ status: 'OK', message: 'OK', lagSeconds: 0 }, 0);
      expect(s).to.include({ lastLagSeconds: 0 });
      s = stepCheck(s, REFUSED, 10, 1000).state;
      expect(s).to.include({ phase: 'TRAPPING', ok: true, lastCause: CAUSE });
      expect(s).to.not.have.property('lastLagSeconds'); // this run read no lag
      s = stepCheck(s, REFUSED, 10, 11_000).state;
      expect(s).to.include({ phase: 'FAILED', ok: false, lastCause: CAUSE });
      s = stepCheck(s, { status: 'ERROR', message: 'ERROR: Replication is broken' }, 10, 12_000).state;
      expect(s).to.not.have.property('lastCause');
      expect(s.message).to.equal(REFUSED.message); // the reported message stays MMM's
      s = stepCheck(s, { status: 'OK', message: 'OK', lagSeconds: 3 }, 10, 13_000).state;
      expect(s).to.include({ phase: 'PASSING', lastLagSeconds: 3 });
    });
  });

  describe('set_online names the cause instead of MMM\'s text', () => {
    const config = makeConfig();
    function view(host: string, state: MonitorState['hosts'][string]['state'], obs: Partial<Record<string, Partial<HostObservation['checks']>>>): OperatorView {
      const mem = (st: MonitorState['hosts'][string]['state']) => ({ state: st, since: 1000, lastUptime: 0, flap: { flapping: false, count: 0 } });
      const hosts: MonitorState['hosts'] = { db1: mem('ONLINE'), db2: mem('ONLINE'), db3: mem('ONLINE'), db4: mem('ONLINE') };
      hosts[host] = mem(state);
      const roles = normalizeAssignments(config.roles, [{ role: 'writer', ip: '10.0.0.100', host: 'db1' }]);
      const o: Record<string, HostObservation> = {};
      for (const h of Object.keys(config.hosts)) o[h] = { checks: { ...checks([], 1000), ...(obs[h] ?? {}) }, agent: { reachable: true } };
      return { config, now: 50_000, hosts: o, pinged: { [host]: true }, state: { mode: 'ACTIVE', modeSince: 0, hosts, roles, lastWriter: 'db1' } };
    }
    const reply = (host: string, v: OperatorView): string => {
      const s = operatorTransition({ kind: 'set_online', host }, v);
      if (s.kind !== 'done') throw new Error(`unexpected ${s.kind}`);
      expect(s.state).to.equal(undefined);
      return s.reply;
    };

    it('peer replication refused: the GRANT, not "Please, wait some time"', () => {
      const v = view('db2', 'ADMIN_OFFLINE', { db1: { rep_threads: failedBy(CAUSE) } });
      expect(reply('db2', v)).to.equal(texts.privilegeBlocksOnline('db2', 'db1', 'rep_threads', CAUSE));
      expect(reply('db2', v)).to.include("lacks SLAVE MONITOR on 'db1'").and.include("GRANT SLAVE MONITOR ON *.* TO 'mmm_monitor'@'%';");
    });

    it('own mysql check refused at login; own rep check refused while REPLICATION_FAIL', () => {
      const login = loginDeniedProblem('monitor', 'mmm_monitor', 1045, "Access denied for user 'mmm_monitor'@'10.0.0.5' (using password: YES)");
      expect(reply('db3', view('db3', 'AWAITING_RECOVERY', { db3: { mysql: failedBy(login) } }))).to.equal(texts.privilegeBlocksOnline('db3', 'db3', 'mysql', login));
      expect(reply('db3', view('db3', 'REPLICATION_FAIL', { db3: { rep_threads: failedBy(CAUSE) } }))).to.equal(texts.privilegeBlocksOnline('db3', 'db3', 'rep_threads', CAUSE));
    });

    it('without a privilege cause MMM\'s exact texts stay', () => {
      const broken = { ...failedBy(CAUSE), lastCause: undefined };
      expect(reply('db2', view('db2', 'ADMIN_OFFLINE', { db1: { rep_backlog: broken } }))).to.equal(texts.peerReplicationFailed('db1', 'db2'));
      expect(reply('db3', view('db3', 'REPLICATION_FAIL', { db3: { rep_threads: broken } }))).to.equal(texts.cantSetOnline('db3', 'REPLICATION_FAIL'));
      expect(reply('db3', view('db3', 'AWAITING_RECOVERY', { db3: { ping: broken } }))).to.equal(texts.checksNotOk('db3'));
      // a cause on a check that passes (trapping) does not block
      const trapping = { ...checks([], 0).rep_threads, lastCause: CAUSE };
      const s = operatorTransition({ kind: 'set_online', host: 'db2' }, view('db2', 'ADMIN_OFFLINE', { db1: { rep_threads: trapping } }));
      expect(s.kind === 'done' && s.reply).to.equal(texts.setOnlineOk('db2'));
    });
  });

  it('diagnosis MonitorAccountRefused groups the checks by fix; none without a cause', () => {
    const o: HostObservation = { checks: { ...checks([], 0), rep_threads: failedBy(CAUSE), rep_backlog: failedBy(CAUSE) }, agent: { reachable: true } };
    expect(diagnoseAccount('db2', o)).to.deep.include({
      code: 'MonitorAccountRefused',
      host: 'db2',
      detail: `rep_threads, rep_backlog: the monitor account 'mmm_monitor'@'%' lacks SLAVE MONITOR on 'db2'. Fix: ${CAUSE.fix}`,
    });
    expect(diagnoseAccount('db2', { checks: checks(['rep_threads']), agent: { reachable: true } })).to.equal(undefined);
  });

  it('check log: a refusal is a warning at once (before trap_period), again when the reported status changes; others stay info', () => {
    const log = new MemoryLogger();
    const cl = new CheckLog(log);
    const raw = (r: CheckResult) => ({ host: 'db2', check: 'rep_threads' as const, startedAt: 0, finishedAt: 0, ...r });
    cl.note(raw(REFUSED), false);
    cl.note(raw(REFUSED), false);
    cl.note(raw(REFUSED), true);
    cl.note(raw({ status: 'OK', message: 'OK' }), true);
    expect(log.entries.map((e) => e.level)).to.deep.equal(['warn', 'warn', 'info']);
    expect(log.entries[0]!.msg).to.equal(`check rep_threads on db2: ${REFUSED.message}`);
    expect(log.entries[0]!.meta).to.include({ fix: CAUSE.fix, errno: 1227 });
  });

  describe('replication lag in show', () => {
    const config = makeConfig();
    const doc = (rep_backlog: CheckState, health = 0) =>
      buildStatusDocument({
        config,
        state: { mode: 'ACTIVE', modeSince: 0, hosts: { db3: { state: 'REPLICATION_FAIL', since: 0, lastUptime: 0, flap: { flapping: false, count: 0 } } }, roles: [], lastWriter: '' },
        hosts: { db3: { checks: { ...checks([], 0), rep_backlog }, agent: { reachable: true, health: { mysqldRunning: true, answering: true, replication: { ioConnected: true, sqlRunning: true, secondsBehindMaster: health } } } } },
        warnings: [],
        decisions: [],
        lastMove: null,
        roleReasons: {},
        now: 0,
      }).hosts.find((h) => h.name === 'db3')!;

    it('unknown while the monitor cannot read replication, even though the agent reported 0', () => {
      const h = doc(failedBy(CAUSE));
      expect(h.replicationLagSeconds).to.equal(null);
      expect(renderShowExtra({ ...emptyDoc(), hosts: [h] })).to.equal('# Host db3: REPLICATION_FAIL since unknown; replication lag unknown\n');
    });

    it('what the monitor read otherwise (0 is a real 0)', () => {
      expect(doc({ ...initialCheckState({ status: 'OK', message: 'OK: Backlog is null', lagSeconds: 0 }, 0) }).replicationLagSeconds).to.equal(0);
      expect(doc({ ...initialCheckState({ status: 'ERROR', message: 'ERROR: Backlog is too big', lagSeconds: 75 }, 0) }).replicationLagSeconds).to.equal(75);
      expect(doc({ ...initialCheckState({ status: 'ERROR', message: 'ERROR: Backlog is unknown', lagSeconds: null }, 0) }).replicationLagSeconds).to.equal(null);
    });
  });
});

function emptyDoc(): Parameters<typeof renderShowExtra>[0] {
  return { schemaVersion: 1, generatedAt: '1970-01-01T00:00:00.000Z', mode: 'ACTIVE', passiveCause: null, hosts: [], roles: [], warnings: [], decisions: [], diagnoses: [], lastMove: null };
}
