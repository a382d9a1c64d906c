// The sandbox's MMM 2.x config files (pure text generation) and its VIP recording hook.
// DIR/mmm_common.conf holds the cluster (hosts, roles, lease); DIR/dbN/mmm_agent.conf and
// DIR/mmm_mon.conf include it; DIR/mmm_control.conf is a stand-alone client config.
import { join } from 'node:path';
import { FENCE_READ_ONLY_BOUND_S } from '@mmm/common/pure';
import {
  NETNS_CONTROL_PORT, NETNS_HTTP_PORT, controlPort, loopbackAgentPort, loopbackHealthPort, monitorHttpAddress, monitorId, vipAddress, type SandboxNames,
} from './paths';
import type { DbNode, NetworkMode } from './types';
import type { Credentials } from './users';

/** Default agent port inside a namespace (every node has its own stack). */
export const NETNS_AGENT_PORT = 9989;
/** The agents' health endpoints (health_listen, HTTPS) inside a namespace. */
export const NETNS_HEALTH_PORT = 9987;
/** Seconds; short so an isolated writer fences itself quickly (DESIGN §6). */
export const SANDBOX_WRITER_LEASE = 3;
/** Seconds (up --semisync): above the lease + 5 s, as --check-config asks, and short enough for tests. */
export const SANDBOX_SEMISYNC_TIMEOUT = 10;

/**
 * `up --semisync-timeout SECONDS`: a whole number above writer_lease + 5 s (what --check-config's
 * semisync warning asks; common's FENCE_READ_ONLY_BOUND_S) and at most an hour. Throws RangeError.
 */
export function parseSemisyncTimeout(text: string): number {
  const n = Number(text);
  const min = SANDBOX_WRITER_LEASE + FENCE_READ_ONLY_BOUND_S + 1;
  if (!/^\d+$/.test(text) || n < min || n > 3600) {
    throw new RangeError(`semisync timeout: a whole number of seconds from ${min} (above writer_lease ${SANDBOX_WRITER_LEASE} s + ${FENCE_READ_ONLY_BOUND_S} s) to 3600, not ${JSON.stringify(text)}`);
  }
  return n;
}

/** How agents move VIPs: `ip` on the node's eth0 (netns), or the recording hook. */
export type VipMethod = 'netns' | 'hook-lo' | 'hook-record';

export interface SandboxLayout {
  names: SandboxNames;
  network: NetworkMode;
  vipMethod: VipMethod;
  nodes: DbNode[];
  credentials: Credentials;
  /** Check settings of mmm_mon.conf (default: the tuned ones). */
  checks?: SandboxChecks;
  /** MariaDB offers TLS (default true); false: `mysql_ssl off` for every host. */
  mysqlTls?: boolean;
  /** `durability semisync` in mmm_common.conf (up --semisync). */
  semisync?: boolean;
  /** Extra `<monitor>` keys (up --monitor-option KEY=VALUE), each replacing the sandbox's own value of that key. */
  monitorOptions?: ReadonlyArray<readonly [string, string]>;
  /**
   * up --no-writer-vip: the writer role keeps its address (the monitor needs one per role) but it
   * is never put on an interface: the agents' VIP hook only records it (vipHookScript).
   */
  noWriterVip?: boolean;
  /** Its semisync_timeout in seconds (default SANDBOX_SEMISYNC_TIMEOUT; up --semisync-timeout). */
  semisyncTimeout?: number;
}

/** Check settings for mmm_mon.conf: `tuned` (the sandbox's), MMM 2.x `default`, or explicit numbers. */
export interface SandboxChecks {
  /** As given: `tuned`, `default` or `PERIOD/TRAP[/TIMEOUT]`. */
  name: string;
  /** ping, mysql, rep_threads. */
  period: number;
  trap: number;
  timeout: number;
  /** rep_backlog. */
  backlogPeriod: number;
  backlogTrap: number;
  pingInterval: number;
}

/**
 * `--monitor-option KEY=VALUE`: a `<monitor>` key and its value, e.g. `failover_cooldown=300` or
 * `never_writer=db2`. Only the shape is checked here; the monitor's loader judges the key and value
 * (`up` fails with its message). Throws RangeError on anything else.
 */
export function parseMonitorOption(text: string): [string, string] {
  const m = /^([a-z][a-z0-9_]*)=(.*)$/.exec(text);
  const value = m?.[2]?.trim() ?? '';
  // a newline or '#' would write more than one key (or a comment) into the config
  if (!m || value === '' || /[\n\r#]/.test(value)) {
    throw new RangeError(`monitor option: expected KEY=VALUE (e.g. failover_cooldown=300), got '${text}'`);
  }
  return [m[1]!, value];
}

/** Sub-second checks (DESIGN §6): what `up` writes unless told otherwise. */
export const TUNED_CHECKS: SandboxChecks = { name: 'tuned', period: 0.25, trap: 0.75, timeout: 1, backlogPeriod: 0.5, backlogTrap: 1, pingInterval: 0.25 };
/** MMM 2.x defaults (lib/Common/Config.pm): every check every 5 s, trap 10 s, timeout 2 s; ping_interval 1. */
export const MMM_DEFAULT_CHECKS: SandboxChecks = { name: 'default', period: 5, trap: 10, timeout: 2, backlogPeriod: 5, backlogTrap: 10, pingInterval: 1 };

/**
 * `--checks` value: `tuned`, `default`, or `PERIOD/TRAP[/TIMEOUT]` in seconds (fractions allowed;
 * TIMEOUT defaults to 1; rep_backlog gets the same numbers; ping_interval = min(PERIOD, 1)).
 * Throws RangeError on anything else.
 */
export function parseSandboxChecks(text: string): SandboxChecks {
  if (text === 'tuned') return TUNED_CHECKS;
  if (text === 'default') return MMM_DEFAULT_CHECKS;
  const m = /^(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)(?:\/(\d+(?:\.\d+)?))?$/.exec(text);
  const nums = m ? [m[1], m[2], m[3] ?? '1'].map(Number) : [];
  if (!m || nums.some((n) => !(n > 0))) {
    throw new RangeError(`checks: expected tuned, default or PERIOD/TRAP[/TIMEOUT] in seconds (e.g. 1/2/1), got '${text}'`);
  }
  const [period, trap, timeout] = nums as [number, number, number];
  return { name: text, period, trap, timeout, backlogPeriod: period, backlogTrap: trap, pingInterval: Math.min(period, 1) };
}

export interface SandboxFiles {
  common: string;
  mon: string;
  control: string;
  statusFile: string;
  tlsDir: string;
  caCert: string;
  viewerCert: string;
  viewerKey: string;
  controlCert: string;
  controlKey: string;
  monitorCert: string;
  monitorKey: string;
  monitorDir: string;
  monitorLog: string;
  vipHook: string;
  vipEvents: string;
  /** Loopback mode: the VIP forwarder's config and log. */
  vipProxyConfig: string;
  vipProxyLog: string;
  state: string;
}

export function sandboxFiles(names: SandboxNames): SandboxFiles {
  const d = names.dir;
  const tls = join(d, 'tls');
  return {
    common: join(d, 'mmm_common.conf'),
    mon: join(d, 'mmm_mon.conf'),
    control: join(d, 'mmm_control.conf'),
    statusFile: join(d, 'mmm_mond.status'),
    tlsDir: tls,
    caCert: join(tls, 'ca.crt'),
    controlCert: join(tls, 'control.crt'),
    controlKey: join(tls, 'control.key'),
    viewerCert: join(tls, 'viewer.crt'),
    viewerKey: join(tls, 'viewer.key'),
    monitorCert: join(tls, 'monitor.crt'),
    monitorKey: join(tls, 'monitor.key'),
    monitorDir: join(d, 'monitor'),
    monitorLog: join(d, 'monitor', 'mmmd_mon.log'),
    vipHook: join(d, 'vip-hook.sh'),
    vipEvents: join(d, 'vip-events.log'),
    vipProxyConfig: join(d, 'vip-proxy.json'),
    vipProxyLog: join(d, 'vip-proxy.log'),
    state: join(d, 'sandbox.json'),
  };
}

/** Monitor HA: monitor K's folder DIR/monK (config, log, status file, etcd member K's log). */
export interface HaMonitorFiles {
  dir: string;
  config: string;
  log: string;
  statusFile: string;
  etcdLog: string;
}

export function haMonitorFiles(names: SandboxNames, k: number): HaMonitorFiles {
  const d = join(names.dir, monitorId(k));
  return { dir: d, config: join(d, 'mmm_mon.conf'), log: join(d, 'mmmd_mon.log'), statusFile: join(d, 'mmm_mond.status'), etcdLog: join(d, 'etcd.log') };
}

/** Monitor HA: etcd's own CA (DIR/tls/etcd/ca.crt) and the certificates it signs; the forwarder's config and log. */
export function haFiles(names: SandboxNames): { etcdTlsDir: string; etcdCa: string; forwardConfig: string; forwardLog: string } {
  const tls = join(names.dir, 'tls', 'etcd');
  return { etcdTlsDir: tls, etcdCa: join(tls, 'ca.crt'), forwardConfig: join(names.dir, 'monitor-forward.json'), forwardLog: join(names.dir, 'monitor-forward.log') };
}

/** Monitor HA: what monitor K's `<monitor_ha>` says and where it listens (its namespace's address). */
export interface HaMonitorSpec {
  /** 1-based: monitor `monK`. */
  k: number;
  ip: string;
  /** Every member's client URL. */
  endpoints: string[];
  etcdCa: string;
  etcdCert: string;
  etcdKey: string;
  leaseTtl: number;
}

export const agentConfigFile = (node: Pick<DbNode, 'dir'>): string => join(node.dir, 'mmm_agent.conf');
export const agentLogFile = (node: Pick<DbNode, 'dir'>): string => join(node.dir, 'mmmd_agent.log');
export const nodeCert = (names: SandboxNames, name: string): { cert: string; key: string } => ({
  cert: join(names.dir, 'tls', `${name}.crt`),
  key: join(names.dir, 'tls', `${name}.key`),
});

export function agentPort(names: SandboxNames, node: Pick<DbNode, 'index'>, network: NetworkMode): number {
  return network === 'netns' ? NETNS_AGENT_PORT : loopbackAgentPort(names, node.index);
}

/** Where node's agent serves its health endpoints (health_listen): its own ip, a port of its own. */
export function healthAddress(names: SandboxNames, node: Pick<DbNode, 'index' | 'ip'>, network: NetworkMode): string {
  return `${node.ip}:${network === 'netns' ? NETNS_HEALTH_PORT : loopbackHealthPort(names, node.index)}`;
}

/** Do the agents move VIPs through the recording hook (loopback, or any mode with --no-writer-vip)? */
export const usesVipHook = (layout: Pick<SandboxLayout, 'vipMethod' | 'noWriterVip'>): boolean => layout.vipMethod !== 'netns' || layout.noWriterVip === true;

/** Writer VIP (k = 0) and one reader VIP per node (k = 1…N). */
export function roleIps(names: SandboxNames, count: number, network: NetworkMode): { writer: string; readers: string[] } {
  const netns = network === 'netns';
  return {
    writer: vipAddress(names, 0, netns),
    readers: Array.from({ length: count }, (_, i) => vipAddress(names, i + 1, netns)),
  };
}

/** Where the agents' VIPs live: `eth0` per namespace, or a per-node placeholder interface for hooks. */
export function clusterInterface(layout: SandboxLayout, node: Pick<DbNode, 'name'>): string {
  // With hooks the agent sees only what its own hook did (`ip addr show dev <placeholder>` fails).
  // Loopback agents must not use `lo` itself: they share it, and each would take the others'
  // VIPs for stray ones of its own and remove them.
  return layout.vipMethod === 'netns' ? 'eth0' : `sbx-${node.name}`;
}

const header = (what: string, dir: string): string[] => [
  `# ${what} — written by mmm_sandbox up for the sandbox in ${dir}.`,
  '# Keep mode 0600: it holds passwords (mmm refuses config files readable by other).',
];

export function commonConf(layout: SandboxLayout): string {
  const { names, nodes, credentials: c } = layout;
  const ips = roleIps(names, nodes.length, layout.network);
  const masters = nodes.filter((n) => n.mode === 'master');
  const lines = [
    ...header('mmm_common.conf', names.dir),
    'active_master_role  writer',
    `writer_lease        ${SANDBOX_WRITER_LEASE}`,
    'switch_timeout      10',
    // short client grace on demotion: a planned switch blocks writes for about this long more
    'demote_grace        0.2',
    ...(layout.semisync
      ? [
          '# up --semisync: the agents turn on MariaDB\'s semi-sync as roles move (writer: master side,',
          '# AFTER_SYNC; every node: replica side); the writer falls back to async after this many seconds',
          'durability          semisync',
          `semisync_timeout    ${layout.semisyncTimeout ?? SANDBOX_SEMISYNC_TIMEOUT}`,
        ]
      : []),
    '',
    '<host default>',
    `    replication_user        ${c.replication.user}`,
    `    replication_password    ${c.replication.password}`,
    ...(layout.mysqlTls === false
      ? ['    # up --no-mysql-tls: the servers offer no TLS; checks and replication in clear', '    mysql_ssl               off']
      : ['    # MySQL links (checks, replication) over TLS, verified against each program\'s ca_file (mysql_ssl default)']),
    '</host>',
    '',
  ];
  for (const n of nodes) {
    const peer = n.mode === 'master' ? masters.find((m) => m.name !== n.name) : undefined;
    lines.push(
      `<host ${n.name}>`,
      `    ip                  ${n.ip}`,
      `    mode                ${n.mode}`,
      ...(peer ? [`    peer                ${peer.name}`] : []),
      `    mysql_port          ${n.port}`,
      `    agent_port          ${agentPort(names, n, layout.network)}`,
      `    cluster_interface   ${clusterInterface(layout, n)}`,
      `    mysql_pidfile       ${n.pidFile}`,
      `    mysql_socket        ${n.socket}`,
      '</host>',
      '',
    );
  }
  lines.push(
    '<role writer>',
    `    hosts   ${masters.map((m) => m.name).join(', ')}`,
    `    ips     ${ips.writer}`,
    '    mode    exclusive',
    '    prefer  db1',
    '</role>',
    '',
    '<role reader>',
    `    hosts   ${nodes.map((n) => n.name).join(', ')}`,
    `    ips     ${ips.readers.join(', ')}`,
    '    mode    balanced',
    '</role>',
    '',
  );
  return lines.join('\n');
}

export function agentConf(layout: SandboxLayout, node: DbNode): string {
  const { names, credentials: c } = layout;
  const files = sandboxFiles(names);
  const cert = nodeCert(names, node.name);
  const hook = usesVipHook(layout)
    ? [
        `    ip_add_command      ${files.vipHook} add ${node.name}`,
        `    ip_del_command      ${files.vipHook} del ${node.name}`,
        // The agent cannot refuse connections for a VIP a hook moves (docs/agent.md): say so, not warn.
        '    vip_reject          no',
      ]
    : [];
  return [
    ...header(`mmm_agent.conf of ${node.name}`, names.dir),
    'include ../mmm_common.conf',
    '',
    `this ${node.name}`,
    '',
    '<host default>',
    `    agent_user          ${c.agent.user}`,
    `    agent_password      ${c.agent.password}`,
    '</host>',
    '',
    `<host ${node.name}>`,
    '    # the load balancers\' health endpoints (/writer, /reader?max_lag=S, /health), HTTPS with this socket block\'s certificates',
    `    health_listen       ${healthAddress(names, node, layout.network)}`,
    '    # monitor HA: the highest term this agent has seen, in its node folder (not the machine\'s /var/lib/mmm)',
    `    term_file           ${join(node.dir, 'mmmd_agent.term.json')}`,
    ...hook,
    '</host>',
    '',
    '<socket>',
    '    type            ssl',
    `    cert_file       ${cert.cert}`,
    `    key_file        ${cert.key}`,
    `    ca_file         ${files.caCert}`,
    '    verify_mode     1',
    '    peer_role       monitor monitor',
    '</socket>',
    '',
  ].join('\n');
}

/** The sandbox's own `<monitor>` keys with the chosen options: an option replaces the key's default line. */
function monitorKeys(options: ReadonlyArray<readonly [string, string]>): string[] {
  const given = new Map(options);
  const line = (k: string, v: string): string => `    ${k.padEnd(23)} ${v}`;
  const out = given.has('failover_cooldown')
    ? []
    : ['    # tests and benchmarks fail over again and again: no failover_cooldown (default 3600 s)', line('failover_cooldown', '0')];
  if (given.size) out.push('    # mmm_sandbox up --monitor-option');
  for (const [k, v] of given) out.push(line(k, v));
  return out;
}

/**
 * DIR/mmm_mon.conf, or with `ha` monitor K's DIR/monK/mmm_mon.conf: it listens on its namespace's
 * address (control 9988, HTTPS API 9990), keeps its own status file and joins the election.
 */
export function monConf(layout: SandboxLayout, ha?: HaMonitorSpec): string {
  const { names, nodes, credentials: c } = layout;
  const files = sandboxFiles(names);
  const own = ha ? haMonitorFiles(names, ha.k) : undefined;
  const k = layout.checks ?? TUNED_CHECKS;
  const check = (name: string, period: number, trap: number, extra: string[] = []): string[] => [
    `<check ${name}>`,
    `    check_period    ${period}`,
    `    trap_period     ${trap}`,
    `    timeout         ${k.timeout}`,
    ...extra,
    '</check>',
    '',
  ];
  return [
    ...header(ha ? `mmm_mon.conf of ${monitorId(ha.k)}` : 'mmm_mon.conf', names.dir),
    ha ? 'include ../mmm_common.conf' : 'include mmm_common.conf',
    '',
    '<monitor>',
    `    ip                      ${ha ? ha.ip : '127.0.0.1'}`,
    `    port                    ${ha ? NETNS_CONTROL_PORT : controlPort(names)}`,
    `    status_path             ${own ? own.statusFile : files.statusFile}`,
    '    mode                    active',
    `    ping_interval           ${k.pingInterval}`,
    '    wait_for_other_master   10',
    '    # the HTTPS API, status page and /metrics (off by default outside the sandbox)',
    `    http_listen             ${ha ? `${ha.ip}:${NETNS_HTTP_PORT}` : monitorHttpAddress(names, layout.network === 'netns')}`,
    ...monitorKeys(layout.monitorOptions ?? []),
    '</monitor>',
    '',
    ...(ha
      ? [
          '# monitor HA: one of the sandbox\'s monitors, elected in its etcd (docs/ha.md); etcd member',
          `# ${ha.k} runs in this monitor's namespace, the others in theirs`,
          '<monitor_ha>',
          `    etcd_endpoints          ${ha.endpoints.join(', ')}`,
          `    etcd_ca                 ${ha.etcdCa}`,
          `    etcd_cert               ${ha.etcdCert}`,
          `    etcd_key                ${ha.etcdKey}`,
          `    lease_ttl               ${ha.leaseTtl}`,
          `    monitor_id              ${monitorId(ha.k)}`,
          `    control_address         ${ha.ip}:${NETNS_CONTROL_PORT}`,
          '</monitor_ha>',
          '',
        ]
      : []),
    '<host default>',
    `    monitor_user            ${c.monitor.user}`,
    `    monitor_password        ${c.monitor.password}`,
    '</host>',
    '',
    k === TUNED_CHECKS ? '# Tuned for speed: sub-second checks, short traps.' : `# Checks: ${k.name} (mmm_sandbox up --checks).`,
    ...check('ping', k.period, k.trap),
    ...check('mysql', k.period, k.trap),
    ...check('rep_threads', k.period, k.trap),
    ...check('rep_backlog', k.backlogPeriod, k.backlogTrap, ['    max_backlog     60']),
    '<socket>',
    '    type            ssl',
    `    cert_file       ${files.monitorCert}`,
    `    key_file        ${files.monitorKey}`,
    `    ca_file         ${files.caCert}`,
    '    verify_mode     1',
    '    peer_role       control control',
    ...nodes.map((n) => `    peer_role       ${n.name} agent`),
    '</socket>',
    '',
  ].join('\n');
}

/** DIR/mmm_control.conf; `port`: the 127.0.0.1 port of the monitor it names (default the single monitor's control port). */
export function controlConf(layout: SandboxLayout, port = controlPort(layout.names)): string {
  const files = sandboxFiles(layout.names);
  return [
    ...header('mmm_control.conf (mmm_control -c this file)', layout.names.dir),
    '<monitor>',
    '    ip      127.0.0.1',
    `    port    ${port}`,
    '</monitor>',
    '',
    '<socket>',
    '    type                ssl',
    `    client_cert_file    ${files.controlCert}`,
    `    client_key_file     ${files.controlKey}`,
    `    ca_file             ${files.caCert}`,
    '    verify_mode         1',
    '</socket>',
    '',
  ].join('\n');
}

/**
 * The hook every loopback agent runs as `vip-hook.sh add|del <node> <ip> <interface>`: it records
 * the step in vip-events.log and (as root) puts the address on `lo` or takes it off.
 */
export function vipHookScript(layout: SandboxLayout): string {
  const files = sandboxFiles(layout.names);
  const onLo = layout.vipMethod === 'hook-lo';
  const onIface = layout.vipMethod === 'netns';
  const writer = layout.noWriterVip ? roleIps(layout.names, layout.nodes.length, layout.network).writer : undefined;
  return [
    '#!/bin/sh',
    '# mmm_sandbox VIP hook (ip_add_command / ip_del_command of every agent of this sandbox).',
    '# Usage: vip-hook.sh add|del NODE IP INTERFACE   — appends "TIME NODE add|del IP" to vip-events.log',
    onLo
      ? '# and puts IP/32 on lo (root); lo is shared by all nodes, so IP leaves lo only when no node holds it.'
      : onIface
        ? '# and puts IP/32 on INTERFACE (the node\'s eth0 in its namespace) or takes it off, with a gratuitous ARP.'
        : '# Not root: the step is only recorded.',
    ...(writer ? [`# up --no-writer-vip: the writer role's address ${writer} is only recorded, never put on an interface.`] : []),
    'set -e',
    'op="$1"; node="$2"; ip="$3"; iface="$4"',
    `log='${files.vipEvents}'`,
    'case "$op" in add|del) ;; *) echo "vip-hook: bad op $op" >&2; exit 2 ;; esac',
    'exec 9>>"$log"',
    'flock -w 5 9',
    `printf '%s %s %s %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$node" "$op" "$ip" >&9`,
    ...(writer ? [`if [ "$ip" = '${writer}' ]; then exit 0; fi`] : []),
    ...(onIface
      ? [
          'if [ "$op" = add ]; then',
          '  ip addr replace "$ip/32" dev "$iface"',
          '  # in the background, as the agent does: arping takes about 1 s',
          '  arping -q -U -c 1 -I "$iface" -s "$ip" "$ip" </dev/null >/dev/null 2>&1 9>&- &',
          'else',
          '  ip addr del "$ip/32" dev "$iface" 2>/dev/null || true',
          'fi',
        ]
      : []),
    ...(onLo
      ? [
          'if [ "$op" = add ]; then',
          '  ip addr replace "$ip/32" dev lo',
          'else',
          '  holders=$(awk -v ip="$ip" \'$4 == ip { if ($3 == "add") h[$2] = 1; else delete h[$2] } END { n = 0; for (k in h) n++; print n }\' "$log")',
          '  if [ "$holders" = 0 ]; then ip addr del "$ip/32" dev lo 2>/dev/null || true; fi',
          'fi',
        ]
      : []),
    '',
  ].join('\n');
}

/** Replays vip-events.log: node → VIPs it holds according to its hook. */
export function replayVipEvents(text: string): Record<string, string[]> {
  const held: Record<string, Set<string>> = {};
  for (const line of text.split('\n')) {
    const [, node, op, ip] = line.trim().split(/\s+/);
    if (!node || !ip || (op !== 'add' && op !== 'del')) continue;
    const set = (held[node] ??= new Set());
    if (op === 'add') set.add(ip);
    else set.delete(ip);
  }
  return Object.fromEntries(Object.entries(held).map(([k, v]) => [k, [...v].sort()]));
}
