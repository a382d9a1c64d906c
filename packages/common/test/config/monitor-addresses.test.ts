// <monitor> monitor_addresses (our addition, monitor HA): every monitor's control address for
// mmm_control. Values, file:line errors, and `ip` no longer required by mmm_control once it is set.
import { expect } from 'chai';
import { parseConfigText } from '../../src/config';
import { SECTION_RULES } from '../../src/config/ruleset';
import type { Program } from '../../src/config';

const M = '/t/mmm.conf';
const parse = (program: Program, text: string) => parseConfigText(program, { [M]: text }, M);
const mon = (keys: string) => `<monitor>\n${keys}</monitor>\n`;
const at = (program: Program, text: string) => parse(program, text).issues.map((i) => `${i.line}: ${i.message}`);

describe('config: <monitor> monitor_addresses (monitor HA)', () => {
  it('is ours and optional', () => {
    expect(SECTION_RULES.monitor.keys.monitor_addresses).to.include({ kind: 'listenlist', ours: true });
    expect(parse('control', mon('  ip 10.0.0.1\n')).loaded?.config.monitor?.monitorAddresses).to.equal(undefined);
  });

  const ok: [string, string, { ip: string; port: number }[]][] = [
    ['one', '10.0.0.1:9988', [{ ip: '10.0.0.1', port: 9988 }]],
    ['several, spaces around commas', '10.0.0.1:9988 , 10.0.0.2:19988,10.0.0.3:9988', [
      { ip: '10.0.0.1', port: 9988 }, { ip: '10.0.0.2', port: 19988 }, { ip: '10.0.0.3', port: 9988 }]],
    ['IPv6', '[fd00::1]:9988, 10.0.0.2:9988', [{ ip: 'fd00::1', port: 9988 }, { ip: '10.0.0.2', port: 9988 }]],
  ];
  for (const [what, value, want] of ok) {
    it(`reads ${what}: ${value}`, () => {
      const r = parse('control', mon(`  ip 10.0.0.1\n  monitor_addresses ${value}\n`));
      expect(r.issues).to.deep.equal([]);
      expect(r.loaded?.config.monitor?.monitorAddresses).to.deep.equal(want);
    });
  }

  const bad: [string, string][] = [
    ['10.0.0.1', "3: monitor_addresses '10.0.0.1' is not IP:PORT"],
    ['10.0.0.1:9988, mon2:9988', "3: monitor_addresses 'mon2:9988' is not IP:PORT"],
    ['10.0.0.1:0', "3: monitor_addresses '10.0.0.1:0': port 0 is not 1–65535"],
    ['::1:9988', "3: monitor_addresses '::1:9988' is not IP:PORT"],
    ['10.0.0.1:9988, 10.0.0.1:9988', '3: monitor_addresses names 10.0.0.1:9988 twice'],
    [',', '3: monitor_addresses names no address'],
  ];
  for (const [value, want] of bad) {
    it(`refuses '${value}' with file:line`, () => {
      expect(at('control', mon(`  ip 10.0.0.1\n  monitor_addresses ${value}\n`))).to.deep.equal([want]);
    });
  }

  it('mmm_control needs no <monitor> ip with it; without it, ip is still required; the monitor always needs ip', () => {
    expect(at('control', mon('  monitor_addresses 10.0.0.1:9988\n'))).to.deep.equal([]);
    expect(parse('control', mon('  monitor_addresses 10.0.0.1:9988\n')).loaded?.config.monitor?.ip).to.equal('');
    expect(at('control', mon('  port 9988\n'))).to.deep.equal(["1: missing required key 'ip' in <monitor>"]);
    // a malformed list is reported once, not again as a missing ip
    expect(at('control', mon('  monitor_addresses 10.0.0.1\n'))).to.deep.equal(["2: monitor_addresses '10.0.0.1' is not IP:PORT"]);
    const monitorIssues = at('monitor', `active_master_role writer\n${mon('  monitor_addresses 10.0.0.1:9988\n')}`);
    expect(monitorIssues).to.include("2: missing required key 'ip' in <monitor>");
  });

  it('is the same key at the top of a 1.x file', () => {
    const r = parse('control', 'monitor_ip 10.0.0.1\nmonitor_addresses 10.0.0.2:9988\nhost db1\n  ip 10.0.0.3\n  mode slave\n');
    expect(r.issues).to.deep.equal([]);
    expect(r.loaded?.config.monitor?.monitorAddresses).to.deep.equal([{ ip: '10.0.0.2', port: 9988 }]);
  });
});
