// A loopback cluster on disk for TLS integration tests: certificates from issueClusterCerts (the
// code mmm_tls and the sandbox use), 2.x configs for db1/db2 agents, the monitor and mmm_control.
// Agents listen on 127.0.0.1 / 127.0.0.2 (loopback); MySQL ports and the agents' mysql_socket
// point at nothing unless a test starts fake-mysql.ts there.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { issueClusterCerts, type ClusterCerts } from '../../../packages/common/src/tls';

export const REPO = path.resolve(__dirname, '../../..');

export { freePort } from '../../helpers/free-port';
import { freePort } from '../../helpers/free-port';

export interface TestCluster {
  dir: string;
  /** Absent with makeCerts: false (the test issues them, e.g. with the mmm_tls binary). */
  certs?: ClusterCerts;
  hosts: Record<'db1' | 'db2', { ip: string; agentPort: number; conf: string }>;
  monitor: { ip: string; port: number; conf: string };
  controlConf: string;
  /** File the ip_add/ip_del hook appends its arguments to (no real VIP is ever touched). */
  vipLog: string;
  /** Every host's mysql_port (on its ip) and the agents' mysql_socket. */
  mysql: { port: number; socket: string };
}

export interface ClusterOptions {
  /** Extra lines for every <socket> block. */
  socketExtra?: string[];
  /** Extra lines for the agents' <socket> block only. */
  agentSocketExtra?: string[];
  /** Extra lines for the monitor's <socket> block only. */
  monitorSocketExtra?: string[];
  /** Extra lines for mmm_control's <socket> block only. */
  controlSocketExtra?: string[];
  /** false: write configs only; certificates are the caller's job. */
  makeCerts?: boolean;
}

function socketBlock(cert: string | undefined, key: string | undefined, extra: string[], client = false): string {
  const lines = ['<socket>', '    type ssl'];
  if (cert) lines.push(`    ${client ? 'client_cert_file' : 'cert_file'} ${cert}`);
  if (key) lines.push(`    ${client ? 'client_key_file' : 'key_file'} ${key}`);
  lines.push('    ca_file ca.crt', '    verify_mode 1', ...extra.map((l) => `    ${l}`), '</socket>');
  return lines.join('\n');
}

export function write(file: string, text: string, mode = 0o600): void {
  fs.writeFileSync(file, text);
  fs.chmodSync(file, mode);
}

/** Makes the certificates and configs in a new temp dir (remove it with fs.rmSync in after()). */
export async function makeTestCluster(o: ClusterOptions = {}): Promise<TestCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mmm-tls-it-'));
  const ips = { db1: '127.0.0.1', db2: '127.0.0.2' } as const;
  const certs =
    o.makeCerts === false
      ? undefined
      : await issueClusterCerts({ dir, nodes: [{ name: 'db1', ip: ips.db1 }, { name: 'db2', ip: ips.db2 }], monitorIps: ['127.0.0.1'] });
  const vipLog = path.join(dir, 'vip.log');
  const hook = path.join(dir, 'vip-hook.sh');
  write(hook, `#!/bin/sh\necho "$0 $*" >> ${vipLog}\n`, 0o755);
  const ports = { db1: await freePort(ips.db1), db2: await freePort(ips.db2) };
  const mysqlPort = await freePort(); // nothing listens there: MySQL steps fail, the agent still serves
  const mysqlSocket = path.join(dir, 'mysqld.sock'); // nor here
  const monitorPort = await freePort();
  const common = [
    'active_master_role writer',
    '<host default>',
    '    cluster_interface lo',
    '    replication_user repl',
    '    replication_password ReplPw',
    `    mysql_port ${mysqlPort}`,
    `    mysql_socket ${mysqlSocket}`,
    `    ip_add_command ${hook}`,
    `    ip_del_command ${hook}`,
    '</host>',
    ...(['db1', 'db2'] as const).flatMap((h) => [
      `<host ${h}>`,
      `    ip ${ips[h]}`,
      '    mode master',
      `    peer ${h === 'db1' ? 'db2' : 'db1'}`,
      `    agent_port ${ports[h]}`,
      '</host>',
    ]),
    '<role writer>',
    '    hosts db1, db2',
    '    ips 127.0.1.100',
    '    mode exclusive',
    '</role>',
  ].join('\n');
  const agentConf = (h: 'db1' | 'db2'): string => {
    const f = path.join(dir, `mmm_agent_${h}.conf`);
    const body = [
      common,
      `this ${h}`,
      '<host default>',
      '    agent_user mmm_agent',
      '    agent_password AgentPw',
      '</host>',
      socketBlock(`${h}.crt`, `${h}.key`, [...(o.socketExtra ?? []), ...(o.agentSocketExtra ?? [])]),
    ].join('\n');
    write(f, `${body}\n`);
    return f;
  };
  const monConf = path.join(dir, 'mmm_mon.conf');
  write(
    monConf,
    [
      common,
      '<monitor>',
      '    ip 127.0.0.1',
      `    port ${monitorPort}`,
      '</monitor>',
      '<host default>',
      '    monitor_user mmm_monitor',
      '    monitor_password MonPw',
      '</host>',
      socketBlock('monitor.crt', 'monitor.key', [...(o.socketExtra ?? []), ...(o.monitorSocketExtra ?? [])]),
      '',
    ].join('\n'),
  );
  const controlConf = path.join(dir, 'mmm_control.conf');
  write(
    controlConf,
    ['<monitor>', '    ip 127.0.0.1', `    port ${monitorPort}`, '</monitor>', socketBlock('control.crt', 'control.key', [...(o.socketExtra ?? []), ...(o.controlSocketExtra ?? [])], true), ''].join('\n'),
  );
  return {
    dir,
    ...(certs ? { certs } : {}),
    hosts: {
      db1: { ip: ips.db1, agentPort: ports.db1, conf: agentConf('db1') },
      db2: { ip: ips.db2, agentPort: ports.db2, conf: agentConf('db2') },
    },
    monitor: { ip: '127.0.0.1', port: monitorPort, conf: monConf },
    controlConf,
    vipLog,
    mysql: { port: mysqlPort, socket: mysqlSocket },
  };
}
