import { expect } from 'chai';
import { isIP } from 'node:net';
import { hostPort, ipVersion } from '../../src/model/ip';

describe('ipVersion (node:net isIP without node:net, for the pure config core)', () => {
  const samples = [
    '0.0.0.0', '10.0.0.11', '255.255.255.255', '256.0.0.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.04', ' 1.2.3.4', '1.2.3.4 ',
    '::', '::1', '1::', 'fe80::1', 'fe80::1%eth0', 'fe80::1%', '2001:db8::8a2e:370:7334', '2001:0db8:0000:0000:0000:ff00:0042:8329',
    '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7::', '1::2::3', '::ffff:10.0.0.1', '::ffff:10.0.0.256', '1:2:3:4:5:6:1.2.3.4',
    '12345::1', 'g::1', ':1', '1:', '', 'localhost', 'db1', '[::1]', '10.0.0.11/24',
  ];
  it('answers as node:net isIP for every sample', () => {
    for (const s of samples) expect(ipVersion(s), s).to.equal(isIP(s));
  });
  it('answers as node:net isIP for random strings over the address alphabet', () => {
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = '0123456789abcdefABCDEFg.:%';
    for (let i = 0; i < 20000; i++) {
      let s = '';
      for (let n = rand(24); n > 0; n--) s += alphabet[rand(alphabet.length)];
      expect(ipVersion(s), s).to.equal(isIP(s));
    }
  });
  it('answers as node:net isIP for near-addresses (random groups, :: and an IPv4 tail)', () => {
    let seed = 777;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const group = (): string => (rand(70000)).toString(16).slice(0, 1 + rand(5));
    const octet = (): string => String(rand(300));
    let valid = 0;
    for (let i = 0; i < 20000; i++) {
      const parts = Array.from({ length: rand(10) }, group);
      if (rand(2)) parts.splice(rand(parts.length + 1), 0, '');
      if (rand(3) === 0) parts.push([octet(), octet(), octet(), octet()].slice(0, 3 + rand(2)).join('.'));
      let s = parts.join(':');
      if (rand(4) === 0) s = `${s}::`.slice(0, s.length + rand(3));
      if (rand(8) === 0) s += '%eth0';
      if (isIP(s)) valid++;
      expect(ipVersion(s), s).to.equal(isIP(s));
    }
    expect(valid).to.be.greaterThan(1000);
  });
});

describe('hostPort', () => {
  for (const [ip, port, want] of [['10.0.0.1', 9988, '10.0.0.1:9988'], ['::1', 9988, '[::1]:9988'], ['fd00::5', 2379, '[fd00::5]:2379']] as const) {
    it(`${ip} ${port} → ${want}`, () => expect(hostPort({ ip, port })).to.equal(want));
  }
});
