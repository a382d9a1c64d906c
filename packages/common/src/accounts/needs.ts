// The MySQL accounts mmm uses and the privileges each needs: one table that docs/accounts.md,
// `mmm_tls grants`, the monitor's check hints and the sandbox's own accounts all follow.
// MariaDB rows were run for real against MariaDB 10.11 (test/accounts); MySQL 8 rows come from
// the MySQL 8.0 manual and are checked against fixtures only (no MySQL server here).

export type SqlFlavor = 'mariadb' | 'mysql';

export type AccountKind = 'monitor' | 'agent' | 'replication' | 'application';

export const ACCOUNT_KINDS: readonly AccountKind[] = ['monitor', 'agent', 'replication', 'application'];

/** Another privilege that also grants what a need asks for, optionally only on older servers. */
export interface Alternative {
  privilege: string;
  /** Only servers older than this version (e.g. MariaDB SUPER covers READ_ONLY ADMIN before 10.11.0). */
  before?: string;
}

export interface PrivilegeNeed {
  /** The privilege to GRANT, as SHOW GRANTS names it. */
  privilege: string;
  /** Any one of these does as well (ALL PRIVILEGES always does). */
  alternatives: readonly Alternative[];
  /** The statements mmm runs that need it. */
  statements: readonly string[];
  /** Why mmm runs them. */
  purpose: string;
  /**
   * A statement that changes nothing and fails without the privilege: `mmm_tls grants` runs it.
   * Absent when no harmless statement proves the privilege (SET GLOBAL, KILL, CHANGE MASTER) or
   * when a missing privilege gives no error at all (PROCESS).
   */
  probe?: string;
}

export interface AccountSpec {
  kind: AccountKind;
  flavor: SqlFlavor;
  /** Config keys that name the account. */
  configKeys: string;
  /** What the program does with the account. */
  summary: string;
  /** `*.*` for global privileges; `schema` for the application's own schemas. */
  on: '*.*' | 'schema';
  needs: readonly PrivilegeNeed[];
  /** Statements it runs that need no privilege beyond being able to log in. */
  free: readonly string[];
  /** Privileges it must not have, and why. */
  forbidden: readonly { privilege: string; why: string; before?: string }[];
}

const mariadb: Record<AccountKind, AccountSpec> = {
  monitor: {
    kind: 'monitor',
    flavor: 'mariadb',
    configKeys: 'monitor_user / monitor_password (1.x: user / password of a host in mmm_mon.conf)',
    summary: 'the monitor\'s checks: mysql (a query), rep_threads and rep_backlog (replication status)',
    on: '*.*',
    needs: [
      {
        privilege: 'SLAVE MONITOR',
        alternatives: [{ privilege: 'SUPER' }],
        statements: ['SHOW SLAVE STATUS'],
        purpose: 'the rep_threads and rep_backlog checks read the replication threads and Seconds_Behind_Master',
        probe: 'SHOW SLAVE STATUS',
      },
    ],
    free: ['SELECT NOW()', 'SELECT CURRENT_USER(), VERSION()'],
    forbidden: [],
  },
  agent: {
    kind: 'agent',
    flavor: 'mariadb',
    configKeys: 'agent_user / agent_password (1.x: user / password of a host in mmm_agent.conf)',
    summary: 'the agent on its own server: read_only, ending client connections, replication status, re-pointing replication',
    on: '*.*',
    needs: [
      {
        privilege: 'READ_ONLY ADMIN',
        alternatives: [{ privilege: 'SUPER', before: '10.11.0' }],
        statements: ['SET GLOBAL read_only = 0|1'],
        purpose: 'demote (read_only=1) and promote (read_only=0) the writer',
      },
      {
        privilege: 'CONNECTION ADMIN',
        alternatives: [{ privilege: 'SUPER' }],
        statements: ['KILL CONNECTION <id>'],
        purpose: 'end the application connections of a demoted writer',
      },
      {
        privilege: 'PROCESS',
        alternatives: [],
        statements: ['SELECT … FROM information_schema.PROCESSLIST'],
        purpose: 'see the other users\' connections to end (without it the list holds only the agent\'s own: no error, nothing ended)',
      },
      {
        privilege: 'SLAVE MONITOR',
        alternatives: [{ privilege: 'SUPER' }],
        statements: ['SHOW ALL SLAVES STATUS'],
        purpose: 'replication health, catch-up before promotion, re-pointing',
        probe: 'SHOW ALL SLAVES STATUS',
      },
      {
        privilege: 'REPLICATION SLAVE ADMIN',
        alternatives: [{ privilege: 'SUPER' }],
        statements: ['STOP SLAVE [IO_THREAD]', 'START SLAVE [IO_THREAD]', 'CHANGE MASTER TO …'],
        purpose: 're-point a replica to the new writer; stop and start replication for ADMIN_OFFLINE',
      },
    ],
    free: [
      'SELECT VERSION()',
      'SELECT @@global.read_only',
      'SELECT CONNECTION_ID()',
      'SELECT @@global.gtid_binlog_pos, @@global.gtid_binlog_state, @@global.gtid_current_pos, @@global.gtid_slave_pos, @@global.server_id',
      'SELECT MASTER_GTID_WAIT(…)',
    ],
    forbidden: [],
  },
  replication: {
    kind: 'replication',
    flavor: 'mariadb',
    configKeys: 'replication_user / replication_password',
    summary: 'written into CHANGE MASTER by the agent: every replica\'s IO thread logs in to its master with it',
    on: '*.*',
    needs: [
      {
        privilege: 'REPLICATION SLAVE',
        alternatives: [],
        statements: ['(binlog dump, sent by the replica\'s IO thread)'],
        purpose: 'read the master\'s binary log',
      },
    ],
    free: [],
    forbidden: [],
  },
  application: {
    kind: 'application',
    flavor: 'mariadb',
    configKeys: '(not in any mmm config: your application\'s own account)',
    summary: 'your application, through the writer and reader VIPs; read_only is what stops it on a demoted writer',
    on: 'schema',
    needs: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'].map((privilege) => ({
      privilege,
      alternatives: [],
      statements: [`${privilege} on its own schemas`],
      purpose: 'what an application needs (add DDL privileges on its schemas if it migrates them)',
    })),
    free: [],
    forbidden: [
      { privilege: 'READ_ONLY ADMIN', why: 'writes through read_only: a demoted or fenced writer would still take its writes' },
      { privilege: 'ALL PRIVILEGES', why: 'includes READ_ONLY ADMIN' },
      { privilege: 'SUPER', why: 'includes READ_ONLY ADMIN before MariaDB 10.11', before: '10.11.0' },
    ],
  },
};

const mysql: Record<AccountKind, AccountSpec> = {
  monitor: {
    ...mariadb.monitor,
    flavor: 'mysql',
    needs: [
      {
        privilege: 'REPLICATION CLIENT',
        alternatives: [{ privilege: 'SUPER' }],
        statements: ['SHOW SLAVE STATUS'],
        purpose: 'the rep_threads and rep_backlog checks read the replication threads and Seconds_Behind_Master',
        probe: 'SHOW SLAVE STATUS',
      },
    ],
  },
  agent: {
    ...mariadb.agent,
    flavor: 'mysql',
    needs: [
      {
        privilege: 'SYSTEM_VARIABLES_ADMIN',
        alternatives: [{ privilege: 'SUPER' }],
        statements: ['SET GLOBAL read_only = 0|1'],
        purpose: 'demote (read_only=1) and promote (read_only=0) the writer',
      },
      {
        privilege: 'CONNECTION_ADMIN',
        alternatives: [{ privilege: 'SUPER' }],
        statements: ['KILL CONNECTION <id>'],
        purpose: 'end the application connections of a demoted writer',
      },
      {
        privilege: 'PROCESS',
        alternatives: [],
        statements: ['SELECT … FROM information_schema.PROCESSLIST'],
        purpose: 'see the other users\' connections to end',
      },
      {
        privilege: 'REPLICATION CLIENT',
        alternatives: [{ privilege: 'SUPER' }],
        statements: ['SHOW REPLICA STATUS'],
        purpose: 'replication health, catch-up before promotion, re-pointing',
        probe: 'SHOW REPLICA STATUS',
      },
      {
        privilege: 'REPLICATION_SLAVE_ADMIN',
        alternatives: [{ privilege: 'SUPER' }],
        statements: ['STOP REPLICA [IO_THREAD]', 'START REPLICA [IO_THREAD]', 'CHANGE REPLICATION SOURCE TO …'],
        purpose: 're-point a replica to the new writer; stop and start replication for ADMIN_OFFLINE',
      },
    ],
    free: ['SELECT VERSION()', 'SELECT @@global.read_only', 'SELECT CONNECTION_ID()', 'SELECT @@global.gtid_executed, @@global.server_uuid', 'SELECT WAIT_FOR_EXECUTED_GTID_SET(…)'],
  },
  replication: { ...mariadb.replication, flavor: 'mysql' },
  application: {
    ...mariadb.application,
    flavor: 'mysql',
    forbidden: [
      { privilege: 'CONNECTION_ADMIN', why: 'writes through read_only (mmm sets read_only, not super_read_only)' },
      { privilege: 'SUPER', why: 'writes through read_only' },
      { privilege: 'ALL PRIVILEGES', why: 'includes SUPER and CONNECTION_ADMIN' },
    ],
  },
};

/**
 * `durability semisync` (issue 16): the agent also sets the semi-sync variables as roles move.
 * Verified on MariaDB 10.11: `SET GLOBAL rpl_semi_sync_master_*` is refused without REPLICATION
 * MASTER ADMIN (or SUPER); `rpl_semi_sync_slave_enabled` and the IO thread restart need REPLICATION
 * SLAVE ADMIN, which the agent has anyway. MySQL 8 (from the manual, untested): SET GLOBAL of
 * rpl_semi_sync_source_* / _replica_* needs SYSTEM_VARIABLES_ADMIN, which it has anyway.
 */
const SEMISYNC_NEEDS: Record<SqlFlavor, readonly PrivilegeNeed[]> = {
  mariadb: [
    {
      privilege: 'REPLICATION MASTER ADMIN',
      alternatives: [{ privilege: 'SUPER' }],
      statements: ['SET GLOBAL rpl_semi_sync_master_enabled|rpl_semi_sync_master_wait_point|rpl_semi_sync_master_timeout'],
      purpose: 'durability semisync: the master side of semi-synchronous replication on the writer, off on a demoted one',
    },
  ],
  mysql: [],
};

export interface SpecOptions {
  /** The config says `durability semisync`. */
  semisync?: boolean;
}

export function accountSpec(kind: AccountKind, flavor: SqlFlavor, opts: SpecOptions = {}): AccountSpec {
  const spec = (flavor === 'mariadb' ? mariadb : mysql)[kind];
  if (kind !== 'agent' || !opts.semisync || SEMISYNC_NEEDS[flavor].length === 0) return spec;
  return { ...spec, needs: [...spec.needs, ...SEMISYNC_NEEDS[flavor]] };
}

/** The privileges to GRANT for an account, in the table's order (application: its schema list). */
export function grantList(kind: AccountKind, flavor: SqlFlavor, opts: SpecOptions = {}): string[] {
  return accountSpec(kind, flavor, opts).needs.map((n) => n.privilege);
}

/** `SELECT VERSION()` says e.g. `10.11.19-MariaDB-0+deb12u1-log` or `8.0.36`. */
export function flavorOf(version: string): SqlFlavor {
  return /mariadb/i.test(version) ? 'mariadb' : 'mysql';
}

/** Numeric parts of a server version (`10.11.19-MariaDB…` → [10, 11, 19]); [] when unreadable. */
export function versionParts(version: string): number[] {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : [];
}

/** True when `version` is older than `than` (an unreadable version counts as current, not older). */
export function olderThan(version: string, than: string): boolean {
  const a = versionParts(version);
  const b = versionParts(than);
  if (a.length === 0 || b.length === 0) return false;
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

/** MariaDB before 10.5.9 names these privileges differently (see docs/accounts.md). */
export const MARIADB_TABLE_SINCE = '10.5.9';
