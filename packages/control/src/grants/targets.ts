// Pure: which MySQL accounts a config makes its program use, on which servers.
import { type AccountKind, type MmmConfig, type MysqlTls, type Program, localMysqlTarget, mysqlTlsOf } from '@mmm/common';

/** How the program reaches the server with this account: the agent over its socket, the others over TCP (TLS per mysql_ssl). */
export type GrantVia = { kind: 'socket'; socketPath: string } | { kind: 'tcp'; host: string; port: number; tls?: MysqlTls };

export interface GrantTarget {
  /** Host section name. */
  host: string;
  account: AccountKind;
  /** The config key that names the user (for messages). */
  userKey: string;
  user: string;
  password: string;
  ip: string;
  port: number;
  via: GrantVia;
  /** `durability semisync`: the agent account needs the semi-sync privileges too. */
  semisync?: boolean;
}

export interface TargetPlan {
  targets: GrantTarget[];
  /** Accounts the program uses that the config does not name. */
  unnamed: { host: string; account: AccountKind; userKey: string }[];
}

/**
 * Monitor config: the monitor account on every host. Agent config: the agent account on its own
 * host (`this`, over its socket as the agent does), and the replication account on every master
 * (what this host's replica threads log in to, with the TLS they use). mmm_control uses no MySQL account.
 */
export function grantTargets(program: Program, config: MmmConfig): TargetPlan {
  const plan: TargetPlan = { targets: [], unnamed: [] };
  const add = (host: string, account: AccountKind, userKey: string, user: string | undefined, password: string | undefined): void => {
    const h = config.hosts[host];
    if (!h) return;
    let via: GrantVia;
    if (account === 'agent') {
      const l = localMysqlTarget(h);
      via = l.kind === 'socket' ? l : { kind: 'tcp', host: l.host, port: l.port };
    } else {
      const tls = mysqlTlsOf(config, h);
      via = { kind: 'tcp', host: h.ip, port: h.mysqlPort, ...(tls ? { tls } : {}) };
    }
    if (!user) plan.unnamed.push({ host, account, userKey });
    else {
      const semisync = account === 'agent' && config.durability === 'semisync' ? { semisync: true } : {};
      plan.targets.push({ host, account, userKey, user, password: password ?? '', ip: h.ip, port: h.mysqlPort, via, ...semisync });
    }
  };
  const names = Object.keys(config.hosts).sort();
  if (program === 'monitor') {
    for (const n of names) add(n, 'monitor', 'monitor_user', config.hosts[n]!.monitorUser, config.hosts[n]!.monitorPassword);
  } else if (program === 'agent' && config.this && config.hosts[config.this]) {
    const me = config.hosts[config.this]!;
    add(config.this, 'agent', 'agent_user', me.agentUser, me.agentPassword);
    for (const n of names) {
      if (config.hosts[n]!.mode === 'master') add(n, 'replication', 'replication_user', me.replicationUser, me.replicationPassword);
    }
  }
  return plan;
}
