import { expect } from 'chai';
import { renderPreferenceInfo, renderShow } from '../../src/render';
import { PASSIVE_CAUSE_ADMIN } from '../../src/protocol';
import { clusterDoc } from './fixtures';

// Literal `show` reply from mmm-wire.md §3.2.
const SHOW =
  '  db1(10.77.0.11) master/ONLINE. Roles: reader(10.77.0.103), writer(10.77.0.100)\n' +
  '  db2(10.77.0.12) master/ONLINE. Roles: reader(10.77.0.102)\n' +
  '  db3(10.77.0.13) slave/ONLINE. Roles: reader(10.77.0.101)\n';

describe('render/show', () => {
  it('reproduces the captured MMM 2.2.1 show reply', () => {
    expect(renderShow(clusterDoc())).to.equal(SHOW);
  });

  it('prefixes the passive header', () => {
    const doc = { ...clusterDoc(), mode: 'PASSIVE' as const, passiveCause: PASSIVE_CAUSE_ADMIN };
    expect(renderShow(doc)).to.equal('# --- Monitor is in PASSIVE MODE ---\n# Cause: Admin switched to passive mode.\n' + SHOW);
  });

  it('prefixes every line of a multi-line passive cause, like Perl s/^/# /mg', () => {
    const doc = { ...clusterDoc(), mode: 'PASSIVE' as const, passiveCause: 'Conflict:\nIP on db1 and db2' };
    expect(renderShow(doc).split(SHOW)[0]).to.equal(
      '# --- Monitor is in PASSIVE MODE ---\n# Cause: Conflict:\n# IP on db1 and db2\n',
    );
  });

  it('warns about unreachable agents first and shows empty role lists as MMM does', () => {
    const doc = clusterDoc();
    const db3 = doc.hosts.find((h) => h.name === 'db3')!;
    const db2 = doc.hosts.find((h) => h.name === 'db2')!;
    db3.agentReachable = false;
    db3.state = 'HARD_OFFLINE';
    db3.roles = [];
    db2.agentReachable = false;
    expect(renderShow(doc)).to.equal(
      '# Warning: agent on host db2 is not reachable\n' +
        '# Warning: agent on host db3 is not reachable\n' +
        '  db1(10.77.0.11) master/ONLINE. Roles: reader(10.77.0.103), writer(10.77.0.100)\n' +
        '  db2(10.77.0.12) master/ONLINE. Roles: reader(10.77.0.102)\n' +
        '  db3(10.77.0.13) slave/HARD_OFFLINE. Roles: \n',
    );
  });

  it('adds the preference lines of mmm.md §7', () => {
    const doc = clusterDoc();
    const writer = doc.roles.find((r) => r.name === 'writer')!;
    writer.preferredHost = 'db1';
    expect(renderPreferenceInfo(doc)).to.equal("# Role writer is assigned to it's preferred host db1.\n");
    expect(renderShow(doc)).to.equal(SHOW + "# Role writer is assigned to it's preferred host db1.\n");
    writer.ips[0].assignedTo = 'db2';
    expect(renderPreferenceInfo(doc)).to.equal(
      "# Role writer has db1 configured as it's preferred host but is assigned to db2 at the moment.\n",
    );
    writer.ips[0].assignedTo = '';
    expect(renderPreferenceInfo(doc)).to.equal("# Role writer has db1 configured as it's preferred host.\n");
  });
});
