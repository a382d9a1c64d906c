// verify --secure, MySQL links: the greeting and SSLRequest bytes, whom it probes, and what each
// outcome reports (pure); the probe against fake servers on loopback (no MariaDB needed here:
// test/mysql-tls covers real servers).
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { createCa, issueMysqlCert, parseConfigTextOrThrow, writeKeyPair } from '@mmm/common';
import {
  CLIENT_SSL, type MysqlLinkTarget, mysqlLinkFindings, mysqlLinkTargets, parseGreeting, probeMysql, replicationInFindings, sslRequestPacket,
} from '../../src/tls';

/** A protocol-10 handshake packet as MariaDB 10.11 sends it, with these capability flags. */
function greeting(capabilities: number, version = '10.11.19-MariaDB'): Buffer {
  const p = Buffer.concat([
    Buffer.from([10]), Buffer.from(`${version}\0`), Buffer.from([1, 0, 0, 0]), Buffer.alloc(8, 0x41), Buffer.from([0]),
    Buffer.from([capabilities & 0xff, (capabilities >> 8) & 0xff]), Buffer.from([45, 2, 0]),
    Buffer.from([(capabilities >> 16) & 0xff, (capabilities >> 24) & 0xff]), Buffer.alloc(21, 0x42), Buffer.from('mysql_native_password\0'),
  ]);
  return Buffer.concat([Buffer.from([p.length & 0xff, p.length >> 8, 0, 0]), p]);
}

const CONF = `active_master_role writer
this db3
<host default>
  cluster_interface eth0
  agent_user a
</host>
<host db1>
  ip 10.0.0.11
  mode master
  peer db2
  mysql_ssl_ca /etc/mysql/ca.pem
</host>
<host db2>
  ip 10.0.0.12
  mode master
  peer db1
</host>
<host db3>
  ip 10.0.0.13
  mode slave
</host>
<role writer>
  mode exclusive
  hosts db1, db2
  ips 10.0.0.100
</role>
<monitor>
  ip 127.0.0.1
</monitor>
`;

describe('mmm_tls verify --secure: MySQL links', () => {
  it('parses the greeting: version and the CLIENT_SSL flag; an error packet; a short read', () => {
    expect(parseGreeting(greeting(0xf7ff | 0x000f0000))).to.deep.include({ kind: 'handshake', version: '10.11.19-MariaDB', ssl: false });
    expect(parseGreeting(greeting(0xffff | 0x000f0000))).to.deep.include({ kind: 'handshake', ssl: true });
    expect(parseGreeting(greeting(0xffff).subarray(0, 20))).to.deep.equal({ kind: 'incomplete' });
    const err = Buffer.concat([Buffer.from([0xff, 0x6a, 0x04]), Buffer.from("Host '10.0.0.5' is not allowed to connect to this MariaDB server")]);
    expect(parseGreeting(Buffer.concat([Buffer.from([err.length, 0, 0, 0]), err]))).to.deep.equal({ kind: 'error', errno: 1130, message: "Host '10.0.0.5' is not allowed to connect to this MariaDB server" });
    expect(parseGreeting(Buffer.from([5, 0, 0, 0, 9, 1, 2, 3, 4]))).to.have.property('kind', 'garbage');
  });

  it('the SSLRequest asks for TLS, sequence 1, 32 bytes, and carries no user or password', () => {
    const b = sslRequestPacket();
    expect(b.length).to.equal(36);
    expect([...b.subarray(0, 4)]).to.deep.equal([32, 0, 0, 1]);
    expect(b.readUInt32LE(4) & CLIENT_SSL).to.equal(CLIENT_SSL);
    expect([...b.subarray(13)].every((x) => x === 0)).to.equal(true);
  });

  it('targets: monitor → every host with its TLS; agent → the masters it may replicate from', () => {
    const mon = parseConfigTextOrThrow('monitor', { '/t/m.conf': CONF }, '/t/m.conf').config;
    expect(mysqlLinkTargets('monitor', mon).map((t) => [t.host, t.kind, t.tls?.caFile])).to.deep.equal([
      ['db1', 'monitor', '/etc/mysql/ca.pem'], ['db2', 'monitor', undefined], ['db3', 'monitor', undefined],
    ]);
    const ag = parseConfigTextOrThrow('agent', { '/t/a.conf': CONF }, '/t/a.conf').config;
    expect(mysqlLinkTargets('agent', ag).map((t) => [t.host, t.kind])).to.deep.equal([['db1', 'replication'], ['db2', 'replication']]);
    expect(mysqlLinkTargets('control', ag)).to.deep.equal([]);
  });

  it('findings: in clear is a warning per host, TLS wanted but not offered a failure, verified TLS OK', () => {
    const t: MysqlLinkTarget = { host: 'db2', kind: 'monitor', ip: '10.0.0.12', port: 3306 };
    expect(mysqlLinkFindings(t, { kind: 'plain', version: 'x', offersTls: false }, 30)).to.deep.equal([{
      verdict: 'WARN', check: 'mysql db2',
      reason: "db2 (10.0.0.12:3306): in clear (mysql_ssl off): the monitor's checks and its password cross the network readable; the server offers no TLS either (have_ssl=DISABLED): docs/mysql-tls.md",
    }]);
    expect(mysqlLinkFindings(t, { kind: 'plain', version: 'x', offersTls: true }, 30)[0]!.reason).to.match(/the server offers TLS: set mysql_ssl on$/);
    const on = { ...t, tls: { caFile: '/etc/mmm/ca.crt' } };
    expect(mysqlLinkFindings(on, { kind: 'plain', version: 'x', offersTls: false }, 30)[0]).to.include({ verdict: 'FAIL' });
    const good = mysqlLinkFindings({ ...on, kind: 'replication' }, { kind: 'tls', version: 'x', protocol: 'TLSv1.3', cn: 'db2-mysql', daysLeft: 20 }, 30);
    expect(good.map((f) => `${f.verdict} ${f.check}: ${f.reason}`)).to.deep.equal([
      'OK replication from db2: db2 (10.0.0.12:3306): TLSv1.3, server certificate CN=db2-mysql verified against /etc/mmm/ca.crt for 10.0.0.12, 20 days left',
      'WARN replication from db2 expiry: the MySQL server certificate CN=db2-mysql of db2 expires in 20 days',
    ]);
  });

  it("the replica's own channel: in clear and unverified TLS are warnings", () => {
    expect(replicationInFindings('db3', undefined)[0]).to.include({ verdict: 'OK' });
    expect(replicationInFindings('db3', { Master_Host: '10.0.0.11', Master_Port: 3306, Master_SSL_Allowed: 'No' })[0]!.reason).to.match(/^db3 replicates from 10\.0\.0\.11:3306 in clear/);
    expect(replicationInFindings('db3', { Master_Host: 'h', Master_Port: 1, Master_SSL_Allowed: 'Yes', Master_SSL_Verify_Server_Cert: 'No' })[0]).to.include({ verdict: 'WARN' });
    expect(replicationInFindings('db3', { Master_Host: 'h', Master_Port: 1, Master_SSL_Allowed: 'Yes', Master_SSL_Verify_Server_Cert: 'Yes', Master_SSL_CA_File: '/c' })[0]).to.include({ verdict: 'OK' });
  });

  it('probe: reads a plain greeting without logging in; a closed port is unreachable', async () => {
    let received = Buffer.alloc(0);
    const srv = net.createServer((s) => {
      s.on('data', (d) => (received = Buffer.concat([received, d])));
      s.on('error', () => undefined);
      s.write(greeting(0xf7ff));
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (srv.address() as net.AddressInfo).port;
      const t: MysqlLinkTarget = { host: 'db1', kind: 'monitor', ip: '127.0.0.1', port, tls: { caFile: '/nonexistent' } };
      expect(await probeMysql(t, 2000)).to.deep.equal({ kind: 'plain', version: '10.11.19-MariaDB', offersTls: false });
      expect(received.length).to.equal(0); // not even an SSLRequest to a server that offers no TLS
    } finally {
      await new Promise<void>((r) => srv.close(() => r()));
    }
    const closed = await probeMysql({ host: 'db1', kind: 'monitor', ip: '127.0.0.1', port: 1, tls: { caFile: '/x' } }, 2000);
    expect(closed.kind).to.equal('unreachable');
  });

  it('probe: TLS after the SSLRequest, verified against the CA and the ip; another ip or CA is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmm-vmy-'));
    const ca = await createCa({ commonName: 'probe CA', days: 2 });
    await writeKeyPair(dir, 'ca', ca);
    await writeKeyPair(join(dir, 'o'), 'ca', await createCa({ commonName: 'other', days: 2 }));
    const cert = await issueMysqlCert({ ca, name: 'db1-mysql', ips: ['127.0.0.1'], days: 2 });
    // a server that switches to TLS after the 36-byte SSLRequest, like mariadbd with ssl_cert
    const serve = (s: net.Socket): void => {
      s.on('error', () => undefined);
      s.once('data', (d: Buffer) => {
        s.pause();
        if (d.length > 36) s.unshift(d.subarray(36)); // the ClientHello may come in the same read
        new tls.TLSSocket(s, { isServer: true, key: cert.keyPem, cert: cert.certPem }).on('error', () => undefined);
      });
      s.write(greeting(0xffff));
    };
    const servers = ['127.0.0.1', '127.0.0.2'].map(() => net.createServer(serve));
    await Promise.all(servers.map((srv, i) => new Promise<void>((r) => srv.listen(0, `127.0.0.${i + 1}`, () => r()))));
    try {
      const port = (i: number): number => (servers[i]!.address() as net.AddressInfo).port;
      const t: MysqlLinkTarget = { host: 'db1', kind: 'monitor', ip: '127.0.0.1', port: port(0), tls: { caFile: join(dir, 'ca.crt') } };
      const got = await probeMysql(t, 3000);
      expect(got, JSON.stringify(got)).to.deep.include({ kind: 'tls', cn: 'db1-mysql', version: '10.11.19-MariaDB' });
      const other = await probeMysql({ ...t, tls: { caFile: join(dir, 'o', 'ca.crt') } }, 3000);
      expect(other).to.deep.include({ kind: 'tls-failed' });
      // signed by the CA, but it names 127.0.0.1, not the address connected to
      const elsewhere = await probeMysql({ ...t, ip: '127.0.0.2', port: port(1) }, 3000);
      expect(elsewhere).to.deep.include({ kind: 'tls-failed' });
      expect(elsewhere.kind === 'tls-failed' && elsewhere.message).to.match(/does not name 127\.0\.0\.2/);
    } finally {
      await Promise.all(servers.map((srv) => new Promise<void>((r) => srv.close(() => r()))));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
