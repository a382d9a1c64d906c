// mmm_tls grants with durability semisync (issue 16): the agent account also needs REPLICATION
// MASTER ADMIN on MariaDB (the writer's semi-sync master side); with async it does not.
import { expect } from 'chai';
import { grantList, parseConfigTextOrThrow } from '@mmm/common';
import { type GrantTarget, type Inspection, grantTargets, reportInspection } from '../src/grants';

const MARIADB = '10.11.19-MariaDB-0+deb12u1-log';
const AGENT_CONF = (extra: string) => `${extra}
this db2
active_master_role writer
<host default>
    cluster_interface eth0
    agent_user mmm_agent
    agent_password pw
</host>
<host db1>
    ip 10.0.0.11
    mode master
    peer db2
</host>
<host db2>
    ip 10.0.0.12
    mode master
    peer db1
</host>
<role writer>
    hosts db1, db2
    ips 10.0.0.100
    mode exclusive
</role>
`;
const agentOf = (extra: string): GrantTarget => {
  const { config } = parseConfigTextOrThrow('agent', { '/etc/mmm/mmm_agent.conf': AGENT_CONF(extra) });
  return grantTargets('agent', config).targets.find((t) => t.account === 'agent')!;
};
const ALL_ASYNC = grantList('agent', 'mariadb').join(', ');
const inspection = (target: GrantTarget, privileges: string): Inspection => ({
  target, currentUser: 'mmm_agent@localhost', version: MARIADB,
  grants: [`GRANT ${privileges} ON *.* TO \`mmm_agent\`@\`localhost\``], probes: [{ statement: 'SHOW ALL SLAVES STATUS' }],
});

describe('mmm_tls grants: durability semisync', () => {
  it('the table: MariaDB agent + REPLICATION MASTER ADMIN with semisync only; MySQL 8 needs nothing more', () => {
    expect(grantList('agent', 'mariadb', { semisync: true })).to.deep.equal([...grantList('agent', 'mariadb'), 'REPLICATION MASTER ADMIN']);
    expect(grantList('agent', 'mysql', { semisync: true })).to.deep.equal(grantList('agent', 'mysql'));
    expect(grantList('monitor', 'mariadb', { semisync: true })).to.deep.equal(grantList('monitor', 'mariadb'));
  });

  it('semisync config: an agent with the async list lacks REPLICATION MASTER ADMIN (FAIL with the GRANT)', () => {
    const t = agentOf('durability semisync\nsemisync_timeout 30\n');
    expect(t.semisync).to.equal(true);
    const f = reportInspection(inspection(t, ALL_ASYNC));
    expect(f[0]).to.include({ verdict: 'FAIL', fix: "GRANT REPLICATION MASTER ADMIN ON *.* TO 'mmm_agent'@'localhost';", failure: 'missing' });
    expect(f[0]!.reason).to.match(/lacks REPLICATION MASTER ADMIN, needed for SET GLOBAL rpl_semi_sync_master_enabled/);
    expect(reportInspection(inspection(t, `${ALL_ASYNC}, REPLICATION MASTER ADMIN`)).map((x) => x.verdict)).to.deep.equal(['OK']);
  });

  it('async config: the same account is OK, and REPLICATION MASTER ADMIN is more than it needs', () => {
    const t = agentOf('');
    expect(t.semisync).to.equal(undefined);
    expect(reportInspection(inspection(t, ALL_ASYNC)).map((x) => x.verdict)).to.deep.equal(['OK']);
    const extra = reportInspection(inspection(t, `${ALL_ASYNC}, REPLICATION MASTER ADMIN`));
    expect(extra.map((x) => x.verdict)).to.deep.equal(['OK', 'WARN']);
  });
});
