// The legacy agent's behaviour: its in-memory status and the five MMM 2.x commands, as
// mmm-wire.md §3.1 and mmm.md §3.1/§6 document them. Roles, state and active master live in
// memory only (a restarted agent reports UNKNOWN with no roles). Helper failures are logged
// FATAL and SET_STATUS still answers OK.
import type { IpHelpers } from './ip-helpers';
import type { Log } from './log';
import type { Endpoint, MysqlHelpers } from './mysql-helpers';
import { diffRoles, type LegacyRole, type ParsedLine, PERL_DEATH, REPLY, rolesFromString, rolesToString } from './wire';

export interface AgentSetup {
  mode: 'master' | 'slave';
  /** The configured peer's MySQL (masters), for sync_with_master. */
  peer?: Endpoint;
  /** active_master_role, usually `writer`. */
  writerRole: string;
  /** Every configured role IP, in config order (what GET_SYSTEM_STATUS and CLEAR_BAD_ROLES look for). */
  configuredRoles: LegacyRole[];
  /** Host name → its MySQL endpoint (for CHANGE MASTER). */
  mysqlOf: (host: string) => Endpoint | undefined;
  mysql: MysqlHelpers;
  ip: IpHelpers;
  log: Log;
  /** Called instead of answering GET_SYSTEM_STATUS when mysqld is down (the real agent dies). */
  die: (code: number) => never;
}

export class LegacyAgent {
  private state = 'UNKNOWN';
  private roles: LegacyRole[] = [];
  private activeMaster = '';

  constructor(private readonly s: AgentSetup) {}

  /** The reply text (without `|UP:`) to one parsed line. */
  async answer(p: ParsedLine & { ok: true }): Promise<string> {
    switch (p.command) {
      case 'PING':
        return REPLY.pinged;
      case 'SET_STATUS':
        await this.setStatus(p.args[0] ?? '', rolesFromString(p.args[1] ?? ''), p.args[2] ?? '');
        return REPLY.statusApplied;
      case 'GET_AGENT_STATUS':
        return REPLY.agentStatus(this.state, this.roles, this.activeMaster);
      case 'GET_SYSTEM_STATUS':
        return this.systemStatus();
      case 'CLEAR_BAD_ROLES':
        return REPLY.removed(await this.clearBadRoles());
    }
  }

  /** check_roles, run after every connection: re-assert each held role. */
  async checkRoles(): Promise<void> {
    for (const r of this.roles) await this.helper(`check role ${r.name}(${r.ip})`, () => this.assertRole(r));
  }

  // mmm.md §6: (1) a replica told of a new active master re-points; (2) removed roles are
  // deleted, then new ones added; (3) entering/leaving ADMIN_OFFLINE stops/starts replication.
  private async setStatus(state: string, roles: LegacyRole[], master: string): Promise<void> {
    if (this.s.mode === 'slave' && state === 'ONLINE' && master !== '' && master !== this.activeMaster) {
      const at = this.s.mysqlOf(master);
      if (!at) this.s.log('FATAL', `Unknown master host '${master}'`);
      else {
        this.s.log('INFO', `set_active_master ${master}: re-pointing replication`);
        await this.helper(`set_active_master ${master}`, () => this.s.mysql.setActiveMaster(at));
      }
      this.activeMaster = master;
    }
    const { removed, added } = diffRoles(this.roles, roles);
    for (const r of removed) await this.helper(`delete role ${r.name}(${r.ip})`, () => this.deleteRole(r));
    for (const r of added) await this.helper(`add role ${r.name}(${r.ip})`, () => this.addRole(r));
    if (state === 'ADMIN_OFFLINE' && this.state !== 'ADMIN_OFFLINE') await this.helper('turn_off_slave', () => this.s.mysql.turnOffSlave());
    if (state !== 'ADMIN_OFFLINE' && this.state === 'ADMIN_OFFLINE') await this.helper('turn_on_slave', () => this.s.mysql.turnOnSlave());
    this.state = state;
    this.roles = roles;
  }

  private async addRole(r: LegacyRole): Promise<void> {
    if (r.name === this.s.writerRole) {
      await this.helper('sync_with_master', () => this.s.mysql.syncWithMaster(this.s.peer));
      await this.helper('mysql_allow_write', () => this.s.mysql.allowWrite());
    }
    await this.s.ip.configureIp(r.ip);
  }

  private async deleteRole(r: LegacyRole): Promise<void> {
    if (r.name === this.s.writerRole) {
      await this.helper('mysql_deny_write', async () => {
        const killed = await this.s.mysql.denyWrite();
        this.s.log('INFO', `mysql_deny_write: read_only=1, killed ${killed} threads`);
      });
    }
    await this.s.ip.clearIp(r.ip);
  }

  private async assertRole(r: LegacyRole): Promise<void> {
    await this.s.ip.configureIp(r.ip);
    if (r.name === this.s.writerRole) await this.s.mysql.allowWrite();
  }

  private async systemStatus(): Promise<string> {
    const onIf: LegacyRole[] = [];
    try {
      for (const r of this.s.configuredRoles) if (await this.s.ip.hasIp(r.ip)) onIf.push(r);
    } catch (e) {
      return REPLY.ipCheckFailed((e as Error).message);
    }
    try {
      await this.s.mysql.ping();
    } catch (e) {
      // MMM 2.2.1 calls a method on the undefined handle and the agent process dies.
      this.s.log('DEBUG', `GET_SYSTEM_STATUS: MySQL does not answer: ${(e as Error).message}`);
      this.s.log.raw(PERL_DEATH);
      return this.s.die(1);
    }
    let writable: boolean;
    try {
      writable = await this.s.mysql.mayWrite();
    } catch (e) {
      return REPLY.writableCheckFailed((e as Error).message);
    }
    const masterHost = await this.s.mysql.masterHost().catch(() => '');
    return REPLY.systemStatus(writable, onIf, masterHost);
  }

  /** Deletes every configured role IP found on the interface that this agent does not hold. */
  private async clearBadRoles(): Promise<number> {
    const held = new Set(rolesToString(this.roles).split(','));
    let n = 0;
    for (const r of this.s.configuredRoles) {
      if (held.has(`${r.name}(${r.ip})`)) continue;
      let present: boolean;
      try {
        present = await this.s.ip.hasIp(r.ip);
      } catch (e) {
        this.s.log('ERROR', `Could not check if IP ${r.ip} is configured: ${(e as Error).message}`);
        continue;
      }
      if (!present) continue;
      this.s.log('INFO', `Removing bad role ${r.name}(${r.ip})`);
      await this.helper(`delete role ${r.name}(${r.ip})`, () => this.deleteRole(r));
      n++;
    }
    return n;
  }

  private async helper(what: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      this.s.log('FATAL', `${what} failed: ${(e as Error).message}`);
    }
  }
}
