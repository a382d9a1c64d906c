// Several monitor addresses (monitor HA): parsing `--monitor`/MMM_MONITOR lists and merging the
// config's <monitor> ip/port with monitor_addresses. Pure, table-tested.
import { expect } from 'chai';
import { configAddresses, formatAddress, parseMonitorList, type MonitorAddress } from '../src/client/addresses';

const a = (host: string, port = 9988): MonitorAddress => ({ host, port });

describe('mmm_control: monitor address lists', () => {
  const lists: [string, string[], MonitorAddress[]][] = [
    ['one --monitor', ['10.0.0.1:9988'], [a('10.0.0.1')]],
    ['a comma-separated list, in order', ['10.0.0.2:1,10.0.0.1:2'], [a('10.0.0.2', 1), a('10.0.0.1', 2)]],
    ['spaces around commas', [' 10.0.0.1:1 , 10.0.0.2:2 '], [a('10.0.0.1', 1), a('10.0.0.2', 2)]],
    ['--monitor given twice, then a list', ['10.0.0.3:3', '10.0.0.1:1,10.0.0.2:2'], [a('10.0.0.3', 3), a('10.0.0.1', 1), a('10.0.0.2', 2)]],
    ['the port defaults to 9988', ['mon1,mon2:19988'], [a('mon1'), a('mon2', 19988)]],
    ['IPv6 in brackets and bare', ['[fd00::1]:7,fd00::2'], [a('fd00::1', 7), a('fd00::2')]],
    ['the same address twice is tried once', ['10.0.0.1:9988,10.0.0.2:9988', '10.0.0.1'], [a('10.0.0.1'), a('10.0.0.2')]],
  ];
  for (const [what, values, want] of lists) it(`parses ${what}: ${JSON.stringify(values)}`, () => expect(parseMonitorList(values)).to.deep.equal(want));

  const bad: [string[], RegExp][] = [
    [['10.0.0.1:9988,,10.0.0.2:9988'], /invalid monitor address list '10\.0\.0\.1:9988,,10\.0\.0\.2:9988': an empty address/],
    [['10.0.0.1:9988,'], /an empty address/],
    [['10.0.0.1:9988,mon2:99999'], /invalid monitor address 'mon2:99999'/],
    [['10.0.0.1:x'], /invalid monitor address '10\.0\.0\.1:x'/],
  ];
  for (const [values, re] of bad) it(`refuses ${JSON.stringify(values)} (usage error)`, () => expect(() => parseMonitorList(values)).to.throw(re));

  const merged: [string, Parameters<typeof configAddresses>[0], MonitorAddress[]][] = [
    ['ip/port only (as before)', { ip: '10.0.0.1', port: 9988 }, [a('10.0.0.1')]],
    ['ip/port first, then monitor_addresses', { ip: '10.0.0.1', port: 9988, monitorAddresses: [{ ip: '10.0.0.2', port: 9988 }, { ip: '10.0.0.3', port: 19988 }] },
      [a('10.0.0.1'), a('10.0.0.2'), a('10.0.0.3', 19988)]],
    ['ip/port also listed: once, first', { ip: '10.0.0.2', port: 9988, monitorAddresses: [{ ip: '10.0.0.1', port: 9988 }, { ip: '10.0.0.2', port: 9988 }] },
      [a('10.0.0.2'), a('10.0.0.1')]],
    ['same ip, other port: both', { ip: '10.0.0.1', port: 9988, monitorAddresses: [{ ip: '10.0.0.1', port: 9998 }] }, [a('10.0.0.1'), a('10.0.0.1', 9998)]],
    ['no ip: monitor_addresses alone', { ip: '', port: 9988, monitorAddresses: [{ ip: 'fd00::1', port: 9988 }] }, [a('fd00::1')]],
  ];
  for (const [what, mon, want] of merged) it(`config: ${what}`, () => expect(configAddresses(mon)).to.deep.equal(want));

  it('formats addresses as monitors write them in a refusal (IPv6 in brackets)', () => {
    expect([a('10.0.0.1', 1), a('fd00::1', 2)].map(formatAddress)).to.deep.equal(['10.0.0.1:1', '[fd00::1]:2']);
  });
});
