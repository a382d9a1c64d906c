import { expect } from 'chai';
import {
  checkNodeCount, findBinary, IFNAME_MAX, INSTALL_HINT, MAX_NODES, myCnf, nodeFiles, nodeIp, nodeNs, nodePort,
  sandboxNames, switchNsOf, userStatements, generateCredentials, vipAddress, changeMasterStatements,
} from '../src';

describe('sandbox names, ports and subnets derived from DIR', () => {
  it('is deterministic and independent of how DIR is spelled', () => {
    expect(sandboxNames('/tmp/a/../sbx')).to.deep.equal(sandboxNames('/tmp/sbx'));
  });

  it('gives different directories different prefixes, subnets and port blocks', () => {
    const a = sandboxNames('/tmp/sandbox-one');
    const b = sandboxNames('/tmp/sandbox-two');
    expect(a.prefix).to.not.equal(b.prefix);
    expect([a.netns.subnet, a.loopback.portBase]).to.not.deep.equal([b.netns.subnet, b.loopback.portBase]);
  });

  it('keeps subnets in 10.61-250, ports below the ephemeral range, loopback ips in 127.0.0.x', () => {
    for (let i = 0; i < 300; i++) {
      const n = sandboxNames(`/tmp/s${i}`);
      const [ten, x, y] = n.netns.subnet.split('.').map(Number);
      expect(ten).to.equal(10);
      expect(x).to.be.within(61, 250);
      expect(y).to.be.within(0, 255);
      expect(n.loopback.portBase).to.be.within(10_000, 31_900);
      expect(n.loopback.ipBase + MAX_NODES).to.be.at.most(254);
      expect(nodeNs(n, `db${MAX_NODES}`).length).to.be.at.most(IFNAME_MAX);
      expect(n.netns.monitorIf.length).to.be.at.most(IFNAME_MAX);
    }
  });

  it('numbers nodes .11, .12 … in netns mode (port 3306) and consecutive loopback addresses/ports', () => {
    const n = sandboxNames('/tmp/x');
    expect(nodeIp(n, 1, true)).to.equal(`${n.netns.subnet}.11`);
    expect(nodeIp(n, 3, true)).to.equal(`${n.netns.subnet}.13`);
    expect(nodePort(n, 2, true)).to.equal(3306);
    expect(nodeIp(n, 2, false)).to.equal(`127.0.0.${n.loopback.ipBase + 2}`);
    expect(nodePort(n, 2, false)).to.equal(n.loopback.portBase + 2);
    expect(vipAddress(n, 0, true)).to.equal(`${n.netns.subnet}.100`);
    expect(vipAddress(n, 1, false)).to.equal(`127.0.1.${n.loopback.ipBase + 1}`);
    expect(switchNsOf({ name: 'db2', netns: nodeNs(n, 'db2'), ip: '' })).to.equal(n.netns.switchNs);
  });

  it('refuses a socket path over the unix limit and bad node counts', () => {
    expect(() => nodeFiles(sandboxNames(`/tmp/${'x'.repeat(120)}`), 'db1')).to.throw(/unix socket limit/);
    const n = sandboxNames('/tmp/x');
    expect(() => checkNodeCount(n, 1)).to.throw(/2 to 20 nodes/);
    expect(() => checkNodeCount(n, MAX_NODES + 1)).to.throw(/2 to 20 nodes/);
    expect(() => checkNodeCount(n, 3)).to.not.throw();
  });

  it('names the apt packages when a MariaDB binary is missing', () => {
    expect(() => findBinary('mariadbd-that-does-not-exist')).to.throw(INSTALL_HINT);
  });
});

describe('sandbox SQL and my.cnf text', () => {
  const n = sandboxNames('/tmp/x');
  const cnf = myCnf({ files: nodeFiles(n, 'db1'), serverId: 1, bindAddress: '127.0.0.5', port: 12345 });

  it('starts nodes read-only with GTID binlogs, a private tmpdir and a short slave_net_timeout', () => {
    for (const line of ['read_only=ON', 'gtid_strict_mode=ON', 'log_slave_updates=ON', 'binlog_format=ROW',
      'server_id=1', 'bind-address=127.0.0.5', 'port=12345', 'slave_net_timeout=4', `tmpdir=${n.dir}/db1/tmp`]) {
      expect(cnf.split('\n')).to.include(line);
    }
  });

  it('gives the app user DML on mmm_test only, the agent READ_ONLY ADMIN and CONNECTION ADMIN at localhost, the monitor SLAVE MONITOR only from its address', () => {
    const sql = userStatements(generateCredentials(), { monitor: '10.1.2.10', replication: '10.1.2.%', tls: true }).join('\n');
    expect(sql).to.match(/GRANT SELECT, INSERT, UPDATE, DELETE ON `mmm_test`\.\* TO 'app'@'%'/);
    const agentGrant = sql.split('\n').find((l) => l.startsWith('GRANT') && l.includes("TO 'mmm_agent'@'localhost'"));
    expect(agentGrant).to.match(/ ON \*\.\* TO /);
    for (const priv of ['READ_ONLY ADMIN', 'CONNECTION ADMIN']) expect(agentGrant).to.include(priv);
    expect(agentGrant).to.not.include('SUPER');
    // the monitor gets what its checks need and nothing more (docs/accounts.md)
    expect(sql).to.include("GRANT SLAVE MONITOR ON *.* TO 'mmm_monitor'@'10.1.2.10'");
    expect(sql).to.include("GRANT REPLICATION SLAVE ON *.* TO 'repl'@'10.1.2.%'");
    // with TLS the monitor and replication accounts REQUIRE SSL; the agent (socket) and the app do not
    expect(sql.split('\n').filter((l) => l.endsWith(' REQUIRE SSL')).map((l) => l.split(' IDENTIFIED')[0])).to.deep.equal([
      "CREATE USER 'repl'@'10.1.2.%'", "CREATE USER 'mmm_monitor'@'10.1.2.10'",
    ]);
    expect(userStatements(generateCredentials(), { monitor: '127.0.0.1', replication: '127.0.0.1', tls: false }).join('\n')).to.not.include('REQUIRE');
  });

  it('re-points by GTID with fast retry and heartbeat', () => {
    const [, change] = changeMasterStatements({ ip: '10.1.2.11', port: 3306 }, { user: 'repl', password: "p'w" });
    expect(change).to.equal("CHANGE MASTER TO MASTER_HOST='10.1.2.11', MASTER_PORT=3306, MASTER_USER='repl', " +
      "MASTER_PASSWORD='p''w', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1, MASTER_HEARTBEAT_PERIOD=1");
    const [, tls] = changeMasterStatements({ ip: '10.1.2.11', port: 3306 }, { user: 'repl', password: 'x' }, '/s/tls/ca.crt');
    expect(tls).to.match(/, MASTER_SSL=1, MASTER_SSL_CA='\/s\/tls\/ca\.crt', MASTER_SSL_VERIFY_SERVER_CERT=1$/);
  });
  it('gives mariadbd its certificate, key and CA with TLS', () => {
    const t = myCnf({ files: nodeFiles(n, 'db1'), serverId: 1, bindAddress: '127.0.0.5', port: 1, tls: { certFile: '/c', keyFile: '/k', caFile: '/ca' } });
    expect(t.split('\n')).to.include.members(['ssl_cert=/c', 'ssl_key=/k', 'ssl_ca=/ca']);
    expect(cnf).to.not.match(/ssl_/);
  });
});
