// term_file (our host key, monitor HA / issue 19): unset by default, per host or from <host
// default>, at the top of a 1.x file, resolved like every path key; --check-config wants its
// folder when it is set.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { checkConfig, parseConfigText, parseConfigTextOrThrow } from '../../src/config';
import { SECTION_RULES } from '../../src/config/ruleset';
import { tempDir, writeFiles } from './helpers';

const M = '/t/mmm_agent.conf';
const HOSTS = (db1Extra = '') => `<host db1>
  ip 10.0.0.1
  mode master
  peer db2
  cluster_interface eth0
${db1Extra}</host>
<host db2>
  ip 10.0.0.2
  mode master
  peer db1
</host>
<role writer>
  mode exclusive
  hosts db1, db2
  ips 10.0.0.100
</role>
`;
const parse = (text: string) => parseConfigText('agent', { [M]: `this db1\nactive_master_role writer\n${text}` }, M);

describe('config: term_file (our host key)', () => {
  it('unset: nothing in the host model (the agent uses /var/lib/mmm/mmmd_agent.<host>.term.json)', () => {
    expect(parse(HOSTS()).loaded!.config.hosts.db1.termFile).to.equal(undefined);
    expect(SECTION_RULES.host.keys.term_file).to.include({ kind: 'path', ours: true });
    expect(SECTION_RULES.host.keys.term_file.default).to.match(/^\/var\/lib\/mmm\/mmmd_agent\.<host>\.term\.json/);
  });

  it('per host, from <host default>, relative to the config file like other paths; 1.x at top level', () => {
    const c = parse(`<host default>\n  term_file /srv/mmm/t.json\n</host>\n${HOSTS('  term_file state/db1.term.json\n')}`).loaded!.config;
    expect(c.hosts.db1.termFile).to.equal('/t/state/db1.term.json');
    expect(c.hosts.db2.termFile).to.equal('/srv/mmm/t.json');
    const v1 = 'this db1\nterm_file /srv/t1.json\ncluster_interface eth0\nhost db1\n  ip 10.0.0.1\n  mode slave\nrole writer\n  mode exclusive\n  servers db1\n  ip 10.0.0.9\n';
    expect(parseConfigTextOrThrow('agent', { [M]: v1 }, M).config.hosts.db1.termFile).to.equal('/srv/t1.json');
  });

  it('is a host key: at the top of a 2.x file it is unknown', () => {
    expect(parse(`term_file /x.json\n${HOSTS()}`).issues.map((i) => `${i.line}: ${i.message}`)).to.deep.equal(["3: unknown key 'term_file'"]);
  });

  it('--check-config: a missing folder, or a folder at the path, is a problem at the line that sets it; the default is never checked', () => {
    const dir = tempDir();
    const file = path.join(dir, 'mmm_agent.conf');
    const conf = (v: string) => writeFiles(dir, { 'mmm_agent.conf': `this db1\nactive_master_role writer\n${HOSTS(v ? `  term_file ${v}\n` : '')}` });
    try {
      conf('');
      expect(checkConfig({ program: 'agent', file }).issues).to.deep.equal([]);
      conf('nowhere/db1.term.json');
      expect(checkConfig({ program: 'agent', file }).issues.map((i) => `${i.line}: ${i.message}`)).to.deep.equal([
        `8: the folder of term_file, ${path.join(dir, 'nowhere')}, does not exist`,
      ]);
      fs.mkdirSync(path.join(dir, 'nowhere', 'db1.term.json'), { recursive: true });
      expect(checkConfig({ program: 'agent', file }).issues.map((i) => i.message)).to.deep.equal([
        `term_file ${path.join(dir, 'nowhere', 'db1.term.json')} is not a regular file`,
      ]);
      conf('db1.term.json');
      expect(checkConfig({ program: 'agent', file }).issues).to.deep.equal([]);
      // the monitor does not read it
      expect(checkConfig({ program: 'monitor', file }).issues.some((i) => /term_file/.test(i.message))).to.equal(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
