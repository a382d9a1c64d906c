// Balancing reasons in words a DBA reads (MMM counts the writer as half a role; say so in words).
import { expect } from 'chai';
import { balanceRoles, describeLoad } from '../../../src/analysis/roles/balance';
import type { RoleAssignment } from '../../../src/analysis/snapshot';

const table: RoleAssignment[] = [
  { role: 'writer', ip: '10.0.0.100', host: 'db1' },
  { role: 'reader', ip: '10.0.0.101', host: 'db1' },
  { role: 'reader', ip: '10.0.0.102', host: 'db1' },
  { role: 'reader', ip: '10.0.0.103', host: 'db2' },
];

describe('role balancing reasons', () => {
  it('describes a host\'s roles in words', () => {
    expect(describeLoad(table, 'db1', 'writer')).to.equal('the writer and 2 reader IPs');
    expect(describeLoad(table, 'db2', 'writer')).to.equal('1 reader IP');
    expect(describeLoad(table, 'db3', 'writer')).to.equal('no roles');
  });
  it('a balancing move says what each host held, never "2.5 roles"', () => {
    const roles = {
      writer: { name: 'writer', mode: 'exclusive' as const, hosts: ['db1', 'db2'], ips: ['10.0.0.100'] },
      reader: { name: 'reader', mode: 'balanced' as const, hosts: ['db1', 'db2', 'db3'], ips: ['10.0.0.101', '10.0.0.102', '10.0.0.103'] },
    };
    const d = balanceRoles(table, { roles, activeMasterRole: 'writer', canReceive: () => true } as never);
    expect(d.moves.map((m) => m.reason)).to.deep.equal(['balance: db1 held the writer and 2 reader IPs, db3 no roles']);
    expect(d.moves.every((m) => !/\d\.\d/.test(m.reason))).to.equal(true);
  });
});
