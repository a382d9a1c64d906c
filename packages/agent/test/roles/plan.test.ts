import { expect } from 'chai';
import type { RoleIp } from '@mmm/common';
import { type Observed, type PlanInput, type Step, type WantedStatus, planReassert, planSetStatus } from '../../src/roles/plan';

const W: RoleIp = { name: 'writer', ip: '10.0.0.100' };
const R1: RoleIp = { name: 'reader', ip: '10.0.0.101' };
const R2: RoleIp = { name: 'reader', ip: '10.0.0.102' };
const master = { name: 'db1', mode: 'master' as const, activeMasterRole: 'writer' };
const slave = { name: 'db3', mode: 'slave' as const, activeMasterRole: 'writer' };
const masters = { db1: { ip: '10.0.0.11', port: 3306 }, db2: { ip: '10.0.0.12', port: 3306 } };

const st = (state: WantedStatus['state'], roles: RoleIp[], activeMaster = 'db1'): WantedStatus => ({ state, roles, activeMaster });
const obs = (o: Partial<Observed> = {}): Observed => ({ readOnly: true, vips: [], replication: null, ...o });
const names = (steps: Step[]) => steps.map((s) => s.name);

function plan(p: Partial<PlanInput> & Pick<PlanInput, 'prev' | 'next'>): Step[] {
  return planSetStatus({ host: master, observed: obs(), masters, catchUpTimeoutMs: 5000, ...p });
}

describe('roles/plan: SET_STATUS → steps', () => {
  const table: { title: string; input: Partial<PlanInput> & Pick<PlanInput, 'prev' | 'next'>; want: string[] }[] = [
    {
      title: 'fresh agent, no roles: asserts read_only=1 only',
      input: { prev: st('UNKNOWN', [], ''), next: st('ONLINE', []) },
      want: ['read_only=1'],
    },
    {
      title: 'writer added: catch up, writable, then the VIP',
      input: { prev: st('ONLINE', [R1]), next: st('ONLINE', [R1, W]), observed: obs({ vips: ['10.0.0.101'] }) },
      want: ['catch up', 'read_only=0', 'add writer(10.0.0.100)'],
    },
    {
      title: 'writer removed: read_only=1, grace, end connections, VIP removed',
      input: { prev: st('ONLINE', [R1, W]), next: st('ONLINE', [R1], 'db2'), observed: obs({ readOnly: false, vips: ['10.0.0.100', '10.0.0.101'] }) },
      want: ['read_only=1', 'grace 1000 ms', 'end client connections', 'del writer(10.0.0.100)'],
    },
    {
      title: 'writer removed, custom grace 0: no grace step',
      input: { prev: st('ONLINE', [W]), next: st('ONLINE', [], 'db2'), observed: obs({ readOnly: false, vips: ['10.0.0.100'] }), graceMs: 0 },
      want: ['read_only=1', 'end client connections', 'del writer(10.0.0.100)'],
    },
    {
      title: 'repeated writer SET_STATUS: nothing to do',
      input: { prev: st('ONLINE', [W]), next: st('ONLINE', [W]), observed: obs({ readOnly: false, vips: ['10.0.0.100'] }) },
      want: [],
    },
    {
      title: 'repeated reader SET_STATUS: only the read_only assertion',
      input: { prev: st('ONLINE', [R1]), next: st('ONLINE', [R1]), observed: obs({ vips: ['10.0.0.101'] }) },
      want: ['read_only=1'],
    },
    {
      title: 'no writer but left writable by hand: demoted with connections ended',
      input: { prev: st('ONLINE', []), next: st('ONLINE', []), observed: obs({ readOnly: false }) },
      want: ['read_only=1', 'grace 1000 ms', 'end client connections'],
    },
    {
      title: 'writer VIP found on the NIC after a restart: demoted and removed',
      input: { prev: st('UNKNOWN', [], ''), next: st('ONLINE', [R1], 'db2'), observed: obs({ vips: ['10.0.0.100'] }), writerIps: ['10.0.0.100'] },
      want: ['read_only=1', 'grace 1000 ms', 'end client connections', 'del writer(10.0.0.100)', 'add reader(10.0.0.101)'],
    },
    {
      title: 'writer held, read_only found ON (e.g. mysqld restarted): writable again after catch-up',
      input: { prev: st('ONLINE', [W]), next: st('ONLINE', [W]), observed: obs({ readOnly: true, vips: ['10.0.0.100'] }) },
      want: ['catch up', 'read_only=0'],
    },
    {
      title: 'reader role moves away and another arrives',
      input: { prev: st('ONLINE', [R1]), next: st('ONLINE', [R2]), observed: obs({ vips: ['10.0.0.101'] }) },
      want: ['read_only=1', 'del reader(10.0.0.101)', 'add reader(10.0.0.102)'],
    },
    {
      title: 'removed role whose VIP is already gone: no del',
      input: { prev: st('ONLINE', [R1]), next: st('ONLINE', []), observed: obs({ vips: [] }) },
      want: ['read_only=1'],
    },
    {
      title: 'unknown NIC state: del and add are attempted (both idempotent)',
      input: { prev: st('ONLINE', [R1]), next: st('ONLINE', [R2]), observed: obs({ vips: undefined }) },
      want: ['read_only=1', 'del reader(10.0.0.101)', 'add reader(10.0.0.102)'],
    },
    {
      title: 'unknown read_only with writer: catch up and set writable',
      input: { prev: st('ONLINE', [W]), next: st('ONLINE', [W]), observed: obs({ readOnly: undefined, vips: ['10.0.0.100'] }) },
      want: ['catch up', 'read_only=0'],
    },
    {
      title: 'entering ADMIN_OFFLINE stops replication',
      input: { prev: st('ONLINE', [R1]), next: st('ADMIN_OFFLINE', []), observed: obs({ vips: ['10.0.0.101'], replication: { host: '10.0.0.12', port: 3306 } }) },
      want: ['read_only=1', 'del reader(10.0.0.101)', 'stop slave'],
    },
    {
      title: 'staying ADMIN_OFFLINE: nothing but the assertion',
      input: { prev: st('ADMIN_OFFLINE', []), next: st('ADMIN_OFFLINE', []), observed: obs({ replication: { host: '10.0.0.12', port: 3306 } }) },
      want: ['read_only=1'],
    },
    {
      title: 'leaving ADMIN_OFFLINE starts replication',
      input: { prev: st('ADMIN_OFFLINE', []), next: st('ONLINE', []), observed: obs({ replication: { host: '10.0.0.12', port: 3306 } }) },
      want: ['read_only=1', 'start slave'],
    },
    {
      title: 'ADMIN_OFFLINE without replication configured: no stop',
      input: { prev: st('ONLINE', []), next: st('ADMIN_OFFLINE', []), observed: obs({ replication: null }) },
      want: ['read_only=1'],
    },
    {
      title: 'master: active master change never re-points a master',
      input: { prev: st('ONLINE', [R1], 'db1'), next: st('ONLINE', [R1], 'db2'), observed: obs({ vips: ['10.0.0.101'], replication: { host: '10.0.0.12', port: 3306 } }) },
      want: ['read_only=1'],
    },
  ];
  for (const t of table) {
    it(t.title, () => expect(names(plan(t.input))).to.deep.equal(t.want));
  }

  it('groups: demotion never halts, promotion halts', () => {
    const s = plan({ prev: st('ONLINE', [W]), next: st('ONLINE', []), observed: obs({ readOnly: false, vips: ['10.0.0.100'] }) });
    expect(s.every((x) => x.group === 'demote' && !x.halts)).to.equal(true);
    const p = plan({ prev: st('ONLINE', []), next: st('ONLINE', [W]) });
    expect(p.map((x) => [x.group, x.halts])).to.deep.equal([
      ['promote', true],
      ['promote', true],
      ['promote', true],
    ]);
    expect(p[0]).to.include({ kind: 'catch_up', timeoutMs: 5000 });
  });
});

describe('roles/plan: replicas follow the active master', () => {
  const p = (prev: WantedStatus, next: WantedStatus, observed: Observed) =>
    planSetStatus({ prev, next, host: slave, observed, masters, catchUpTimeoutMs: 3000 });

  it('active master changed: bounded catch-up, then re-point with GTID', () => {
    const steps = p(st('ONLINE', [R1], 'db1'), st('ONLINE', [R1], 'db2'), obs({ vips: ['10.0.0.101'], replication: { host: '10.0.0.11', port: 3306 } }));
    expect(names(steps)).to.deep.equal(['read_only=1', 'catch up before re-point', 're-point to db2']);
    expect(steps[2]).to.include({ kind: 'repoint', ip: '10.0.0.12', port: 3306, timeoutMs: 3000, group: 'replication', halts: true });
  });

  it('a master with TLS: the re-point step carries its CA', () => {
    const tlsMasters = { ...masters, db2: { ...masters.db2, tls: { caFile: '/etc/mmm/ca.crt' } } };
    const steps = planSetStatus({
      prev: st('ONLINE', [R1], 'db1'), next: st('ONLINE', [R1], 'db2'), host: slave,
      observed: obs({ vips: ['10.0.0.101'], replication: { host: '10.0.0.11', port: 3306 } }), masters: tlsMasters, catchUpTimeoutMs: 3000,
    });
    expect(steps[2]).to.deep.include({ kind: 'repoint', ip: '10.0.0.12', tls: { caFile: '/etc/mmm/ca.crt' } });
  });

  it('already replicating from the active master (agent restart): nothing to re-point', () => {
    expect(names(p(st('UNKNOWN', [], ''), st('ONLINE', [], 'db2'), obs({ replication: { host: '10.0.0.12', port: 3306 } })))).to.deep.equal(['read_only=1']);
  });

  it('source already right but it refused our GTID position (1236, IO thread stopped): re-point again', () => {
    const refused = obs({ replication: { host: '10.0.0.12', port: 3306, ioRefused: true } });
    expect(names(p(st('ONLINE', [], 'db2'), st('ONLINE', [], 'db2'), refused))).to.deep.equal(['read_only=1', 'catch up before re-point', 're-point to db2']);
  });

  it('replication source unknown: re-point only when the wanted master changed', () => {
    expect(names(p(st('ONLINE', [], 'db1'), st('ONLINE', [], 'db1'), obs({ replication: undefined })))).to.deep.equal(['read_only=1']);
    expect(names(p(st('ONLINE', [], 'db1'), st('ONLINE', [], 'db2'), obs({ replication: undefined })))).to.deep.equal([
      'read_only=1',
      'catch up before re-point',
      're-point to db2',
    ]);
  });

  it('no replication configured yet: set it up without catch-up', () => {
    expect(names(p(st('ONLINE', [], ''), st('ONLINE', [], 'db1'), obs({ replication: null })))).to.deep.equal(['read_only=1', 're-point to db1']);
  });

  it('in ADMIN_OFFLINE: no re-point; on leaving it the source mismatch is fixed', () => {
    const repl = { host: '10.0.0.11', port: 3306 };
    expect(names(p(st('ONLINE', [], 'db1'), st('ADMIN_OFFLINE', [], 'db2'), obs({ replication: repl })))).to.deep.equal(['read_only=1', 'stop slave']);
    expect(names(p(st('ADMIN_OFFLINE', [], 'db2'), st('ONLINE', [], 'db2'), obs({ replication: repl })))).to.deep.equal([
      'read_only=1',
      'start slave',
      'catch up before re-point',
      're-point to db2',
    ]);
  });

  it('unknown active master host: an unresolvable step that fails', () => {
    const steps = p(st('ONLINE', [], 'db1'), st('ONLINE', [], 'dbX'), obs({ replication: { host: '10.0.0.11', port: 3306 } }));
    expect(steps.map((s) => s.kind)).to.deep.equal(['read_only', 'unresolvable']);
  });

  it('an active master named like an Object.prototype member is unknown, never re-pointed to undefined', () => {
    for (const n of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const steps = p(st('ONLINE', [], 'db1'), st('ONLINE', [], n), obs({ replication: { host: '10.0.0.11', port: 3306 } }));
      expect(steps.map((s) => s.kind), n).to.deep.equal(['read_only', 'unresolvable']);
      expect(steps[1]!.name).to.equal(`re-point to ${n} (unknown host '${n}')`);
    }
  });

  it('empty active master: replicas are left alone', () => {
    expect(names(p(st('ONLINE', [], 'db1'), st('ONLINE', [], ''), obs({ replication: { host: '10.0.0.11', port: 3306 } })))).to.deep.equal(['read_only=1']);
  });
});

describe('roles/plan: reassert', () => {
  it('writer: writable and VIP present', () => {
    expect(names(planReassert(st('ONLINE', [W, R1]), master, obs({ readOnly: true, vips: [] })))).to.deep.equal([
      'read_only=0',
      'add writer(10.0.0.100)',
      'add reader(10.0.0.101)',
    ]);
    expect(planReassert(st('ONLINE', [W]), master, obs({ readOnly: false, vips: ['10.0.0.100'] }))).to.deep.equal([]);
  });

  it('non-writer: read-only asserted when not known to be', () => {
    expect(names(planReassert(st('ONLINE', [R1]), master, obs({ readOnly: false, vips: ['10.0.0.101'] })))).to.deep.equal(['read_only=1']);
    expect(planReassert(st('ONLINE', [R1]), master, obs({ readOnly: true, vips: ['10.0.0.101'] }))).to.deep.equal([]);
  });

  it('fenced writer: stays read-only, writer VIP not re-added', () => {
    expect(names(planReassert(st('ONLINE', [W, R1]), master, obs({ readOnly: true, vips: ['10.0.0.101'] }), { fenced: true }))).to.deep.equal([]);
  });
});
