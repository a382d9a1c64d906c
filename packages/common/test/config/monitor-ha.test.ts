// <monitor_ha> (issue 19, docs/ha.md): absent changes nothing; keys, defaults, bad values with
// file:line; the defaults that need the @cluster and the host name; --check-config's file checks.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'chai';
import { checkConfig, parseConfigText, resolveMonitorHa } from '../../src/config';
import type { MmmConfig, Program } from '../../src/config';
import { MmmError } from '../../src/errors';
import { tempDir, writeFiles } from './helpers';

const M = '/t/mmm_mon.conf';
// 20 lines: <monitor_ha> sections in the tests start at line 21.
const CLUSTER = `active_master_role writer
<monitor>
  ip 10.0.0.5
  port 9988
</monitor>
<socket>
  type ssl
  cert_file monitor.crt
  key_file monitor.key
  ca_file ca.crt
</socket>
<host db1>
  ip 10.0.0.1
  mode slave
</host>
<role writer>
  mode exclusive
  hosts db1
  ips 10.0.0.100
</role>
`;
const HA = (lines: string[]): string => `${CLUSTER}<monitor_ha>\n${lines.map((l) => `  ${l}\n`).join('')}</monitor_ha>\n`;
const BASE = ['etcd_endpoints https://10.0.0.21:2379, https://10.0.0.22:2379', 'etcd_cert etcd/mon1.crt', 'etcd_key etcd/mon1.key'];
const parse = (text: string, program: Program = 'monitor') => parseConfigText(program, { [M]: text }, M);
const config = (text: string): MmmConfig => {
  const r = parse(text);
  expect(r.issues, JSON.stringify(r.issues)).to.deep.equal([]);
  return r.loaded!.config;
};
const issues = (text: string): string[] => parse(text).issues.map((i) => `${i.line}: ${i.message}`);

describe('config: <monitor_ha>', () => {
  it('absent: no monitorHa in the model, and the rest is what it was', () => {
    const without = config(CLUSTER);
    expect(without).to.not.have.property('monitorHa');
    const withHa = config(HA(BASE));
    const { monitorHa, ...rest } = withHa;
    expect(monitorHa).to.not.equal(undefined);
    expect(rest).to.deep.equal(without);
  });

  it('keys as written, paths against the file\'s folder; defaults: etcd_ca = the socket ca_file, lease_ttl 3', () => {
    expect(config(HA(BASE)).monitorHa).to.deep.equal({
      etcdEndpoints: ['https://10.0.0.21:2379', 'https://10.0.0.22:2379'],
      etcdCa: '/t/ca.crt', etcdCert: '/t/etcd/mon1.crt', etcdKey: '/t/etcd/mon1.key', leaseTtl: 3,
    });
    const all = config(HA([...BASE, 'etcd_ca /etc/etcd/ca.crt', 'key_prefix /shop/', 'lease_ttl 2', 'monitor_id mon-1.eu', 'control_address 10.0.1.5:9988']));
    expect(all.monitorHa).to.deep.include({ etcdCa: '/etc/etcd/ca.crt', keyPrefix: '/shop/', leaseTtl: 2, monitorId: 'mon-1.eu', controlAddress: { ip: '10.0.1.5', port: 9988 } });
    expect(parse(HA([...BASE, 'etcd_endpoints https://[fd00::21]:2379,https://10.0.0.22:2379/'])).issues).to.have.length(1); // given twice
    expect(config(HA(['etcd_endpoints https://[FD00::21]:2379,https://10.0.0.22:2379/', ...BASE.slice(1)])).monitorHa!.etcdEndpoints)
      .to.deep.equal(['https://[FD00::21]:2379', 'https://10.0.0.22:2379']);
  });

  it('the same section is read by agents and mmm_control (it may sit in mmm_common.conf)', () => {
    for (const program of ['agent', 'control'] as const) {
      const text = program === 'agent' ? `this db1\n${HA(BASE).replace('  mode slave\n', '  mode slave\n  cluster_interface eth0\n')}` : HA(BASE);
      const r = parse(text, program);
      expect(r.issues, program).to.deep.equal([]);
      expect(r.loaded!.config.monitorHa!.etcdEndpoints, program).to.have.length(2);
    }
  });

  const bad: [string, string[], string[]][] = [
    ['plaintext endpoint', ['etcd_endpoints https://10.0.0.21:2379, http://10.0.0.22:2379', ...BASE.slice(1)], ["22: etcd_endpoints: 'http://10.0.0.22:2379' is plaintext"]],
    ['no scheme', ['etcd_endpoints 10.0.0.21:2379', ...BASE.slice(1)], ["22: etcd_endpoints: '10.0.0.21:2379' is not https://IP:PORT"]],
    ['no port', ['etcd_endpoints https://10.0.0.21', ...BASE.slice(1)], ["22: etcd_endpoints: 'https://10.0.0.21' is not https://IP:PORT"]],
    ['a host name', ['etcd_endpoints https://etcd1:2379', ...BASE.slice(1)], ["22: etcd_endpoints: 'https://etcd1:2379' is not https://IP:PORT"]],
    ['IPv6 without brackets', ['etcd_endpoints https://fd00::1:2379', ...BASE.slice(1)], ["22: etcd_endpoints: 'https://fd00::1:2379' is not https://IP:PORT"]],
    ['port 0', ['etcd_endpoints https://10.0.0.21:0', ...BASE.slice(1)], ["22: etcd_endpoints: 'https://10.0.0.21:0': port 0 is not 1–65535"]],
    ['twice', ['etcd_endpoints https://10.0.0.21:2379, https://10.0.0.21:2379/', ...BASE.slice(1)], ['22: etcd_endpoints names https://10.0.0.21:2379 twice']],
    ['lease_ttl 1', [...BASE, 'lease_ttl 1'], ["25: lease_ttl 1 is below etcd's minimum lease of 2 s"]],
    ['lease_ttl 2.5', [...BASE, 'lease_ttl 2.5'], ["25: lease_ttl '2.5' is not a whole number > 0"]],
    ['key_prefix without slashes', [...BASE, 'key_prefix mmm'], ["25: key_prefix 'mmm' does not start and end with '/'"]],
    ['monitor_id with a bar', [...BASE, 'monitor_id mon|1'], ["25: monitor_id 'mon|1' is not a name"]],
    ['wildcard control_address', [...BASE, 'control_address 0.0.0.0:9988'], ['25: control_address 0.0.0.0:9988 is a wildcard address']],
    ['missing etcd_endpoints', BASE.slice(1), ["21: missing required key 'etcd_endpoints' in <monitor_ha>"]],
    ['missing etcd_cert and etcd_key', BASE.slice(0, 1), ["21: missing required key 'etcd_cert' in <monitor_ha>", "21: missing required key 'etcd_key' in <monitor_ha>"]],
    ['unknown key', [...BASE, 'lease_tll 3'], ["25: unknown key 'lease_tll' in <monitor_ha>"]],
  ];
  for (const [what, lines, want] of bad) {
    it(`refuses ${what}, at its line`, () => {
      expect(issues(HA(lines))).to.deep.equal(want);
    });
  }

  it('every refusal has a hint', () => {
    for (const [what, lines] of bad) for (const i of parse(HA(lines)).issues) expect(i.hint, what).to.be.a('string').and.not.equal('');
    expect(parse(HA([...BASE, 'lease_tll 3'])).issues[0].hint).to.equal('did you mean lease_ttl?');
  });

  it('no etcd_ca and no socket ca_file; a wildcard <monitor> ip without control_address; a name on the section', () => {
    const plain = HA(BASE).replace(/<socket>[^]*<\/socket>\n/, '');
    expect(issues(plain)).to.deep.equal(['15: <monitor_ha> has no etcd_ca and the socket has no ca_file']);
    expect(issues(HA(BASE).replace('ip 10.0.0.5', 'ip 0.0.0.0'))).to.deep.equal(['21: <monitor_ha> needs control_address: the <monitor> ip 0.0.0.0 is a wildcard']);
    expect(config(HA([...BASE, 'control_address 10.0.0.5:9988']).replace('ip 10.0.0.5', 'ip 0.0.0.0')).monitorHa!.controlAddress).to.deep.equal({ ip: '10.0.0.5', port: 9988 });
    expect(issues(HA(BASE).replace('<monitor_ha>', '<monitor_ha eu>'))).to.deep.equal(['21: <monitor_ha> takes no name']);
  });

  describe('resolveMonitorHa (the @cluster and the host name)', () => {
    const table: [string, string[], { cluster?: string; hostName: string }, { keyPrefix: string; monitorId: string; controlAddress: string }][] = [
      ['defaults', [], { hostName: 'mon1' }, { keyPrefix: '/mmm/v1/default/', monitorId: 'mon1', controlAddress: '10.0.0.5:9988' }],
      ['@cluster', [], { cluster: '@east', hostName: 'mon1.example.com' }, { keyPrefix: '/mmm/v1/east/', monitorId: 'mon1.example.com', controlAddress: '10.0.0.5:9988' }],
      ['as written', ['key_prefix /x/', 'monitor_id m2', 'control_address 10.9.9.9:1'], { cluster: 'east', hostName: 'mon1' }, { keyPrefix: '/x/', monitorId: 'm2', controlAddress: '10.9.9.9:1' }],
    ];
    for (const [what, extra, o, want] of table) {
      it(what, () => {
        const s = resolveMonitorHa(config(HA([...BASE, ...extra])), o)!;
        expect({ keyPrefix: s.keyPrefix, monitorId: s.monitorId, controlAddress: `${s.controlAddress.ip}:${s.controlAddress.port}` }).to.deep.equal(want);
        expect(s).to.include({ leaseTtl: 3, caFile: '/t/ca.crt', certFile: '/t/etcd/mon1.crt', keyFile: '/t/etcd/mon1.key' });
      });
    }
    it('cluster_name wins over the @cluster', () => {
      const c = config(HA(BASE).replace('  port 9988\n', '  port 9988\n  cluster_name shop\n'));
      expect(resolveMonitorHa(c, { cluster: 'east', hostName: 'h' })!.keyPrefix).to.equal('/mmm/v1/shop/');
    });
    it('no section: undefined; a host name that is no monitor id: CONFIG_INVALID naming monitor_id', () => {
      expect(resolveMonitorHa(config(CLUSTER), { hostName: 'mon1' })).to.equal(undefined);
      const e = (() => {
        try {
          resolveMonitorHa(config(HA(BASE)), { hostName: 'a'.repeat(64) });
        } catch (err) {
          return err;
        }
      })();
      expect(e).to.be.instanceOf(MmmError).with.property('code', 'CONFIG_INVALID');
      expect((e as Error).message).to.match(/set monitor_id/);
    });
  });

  it('--check-config: etcd_cert, etcd_key and etcd_ca exist, the key is private, at the lines that name them', () => {
    const dir = tempDir();
    try {
      const text = HA(['etcd_endpoints https://127.0.0.1:2379', 'etcd_cert etcd.crt', 'etcd_key etcd.key', 'etcd_ca etcd-ca.crt']);
      writeFiles(dir, { 'mmm_mon.conf': text, 'ca.crt': 'x', 'monitor.crt': 'x', 'monitor.key': 'x' });
      const file = path.join(dir, 'mmm_mon.conf');
      const got = (): string[] => checkConfig({ program: 'monitor', file }).issues.map((i) => `${i.line}: ${i.message.replace(dir, 'D')}`);
      expect(got()).to.deep.equal(['23: etcd_cert D/etcd.crt does not exist', '24: etcd_key D/etcd.key does not exist', '25: etcd_ca D/etcd-ca.crt does not exist']);
      writeFiles(dir, { 'etcd.crt': 'x', 'etcd-ca.crt': 'x' });
      writeFiles(dir, { 'etcd.key': 'x' }, 0o644);
      expect(got()).to.deep.equal(['24: private key D/etcd.key is readable by other users (mode 0644)']);
      fs.chmodSync(path.join(dir, 'etcd.key'), 0o600);
      expect(got()).to.deep.equal([]);
      // Without etcd_ca the socket's ca_file is used: checked once, at the socket's line.
      writeFiles(dir, { 'mmm_mon.conf': HA(['etcd_endpoints https://127.0.0.1:2379', 'etcd_cert etcd.crt', 'etcd_key etcd.key']) });
      fs.rmSync(path.join(dir, 'ca.crt'));
      expect(got()).to.deep.equal([`10: ca_file D/ca.crt does not exist`]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
