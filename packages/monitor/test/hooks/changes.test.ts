// notify_command's state and role changes between two monitor states (pure).
import { expect } from 'chai';
import type { MonitorState } from '../../src/analysis/snapshot';
import { changeEvents, effectiveWriter } from '../../src/hooks/changes';

const mem = (state: MonitorState['hosts'][string]['state']) => ({ state, since: 0, lastUptime: 0, flap: { flapping: false, count: 0 } });
const st = (db1: 'ONLINE' | 'HARD_OFFLINE' | 'ADMIN_OFFLINE', writer: string, lastWriter: string, reader = 'db1'): MonitorState => ({
  mode: 'ACTIVE', modeSince: 0, hosts: { db1: mem(db1), db2: mem('ONLINE') }, lastWriter,
  roles: [{ role: 'writer', ip: '10.0.0.100', host: writer }, { role: 'reader', ip: '10.0.0.101', host: reader }],
});
const run = (before: MonitorState, after: MonitorState, reasons: [string, string][] = [], transitions = [] as Parameters<typeof changeEvents>[0]['transitions']) =>
  changeEvents({ before, after, activeMasterRole: 'writer', transitions, commandReasons: new Map(reasons), now: 7 });

describe('hook change events', () => {
  it('a withheld candidate is not the writer yet', () => {
    expect(effectiveWriter(st('HARD_OFFLINE', 'db2', 'db1'), 'writer')).to.equal('');
    expect(effectiveWriter(st('HARD_OFFLINE', 'db2', 'db2'), 'writer')).to.equal('db2');
  });

  it('crash, then promotion: a state change and the writer removed; then the writer given to db2', () => {
    const e1 = run(st('ONLINE', 'db1', 'db1'), st('HARD_OFFLINE', 'db2', 'db1', 'db2'), [], [{ host: 'db1', from: 'ONLINE', to: 'HARD_OFFLINE', arrow: '', reason: 'mysql check failed' }]);
    expect(e1).to.deep.equal([
      { event: 'state_change', host: 'db1', stateFrom: 'ONLINE', stateTo: 'HARD_OFFLINE', reason: 'mysql check failed', at: 7 },
      { event: 'role_change', role: 'writer(10.0.0.100)', host: '', oldHost: 'db1', reason: 'writer(10.0.0.100) removed from db1', oldWriter: 'db1', newWriter: '', at: 7 },
      { event: 'role_change', role: 'reader(10.0.0.101)', host: 'db2', oldHost: 'db1', reason: 'reader(10.0.0.101) moved from db1 to db2', at: 7 },
    ]);
    const e2 = run(st('HARD_OFFLINE', 'db2', 'db1', 'db2'), st('HARD_OFFLINE', 'db2', 'db2', 'db2'));
    expect(e2).to.deep.equal([{ event: 'role_change', role: 'writer(10.0.0.100)', host: 'db2', oldHost: '', reason: 'writer(10.0.0.100) given to db2', oldWriter: '', newWriter: 'db2', at: 7 }]);
  });

  it('a command’s change carries the command’s reason; nothing changed, nothing sent', () => {
    const e = run(st('ONLINE', 'db1', 'db1'), st('ADMIN_OFFLINE', 'db1', 'db1'), [['db1', 'set_offline: db1 ONLINE -> ADMIN_OFFLINE by operator']]);
    expect(e).to.deep.equal([{ event: 'state_change', host: 'db1', stateFrom: 'ONLINE', stateTo: 'ADMIN_OFFLINE', reason: 'set_offline: db1 ONLINE -> ADMIN_OFFLINE by operator', at: 7 }]);
    expect(run(st('ONLINE', 'db1', 'db1'), st('ONLINE', 'db1', 'db1'))).to.deep.equal([]);
  });
});
