import { agentTexts, errorMessage, systemStatusFields, type RoleIp } from '@mmm/common';
import type { Handler } from './context';

// What is really on the node: writable, the role IPs that are up on the interface, the replication source.
export const getSystemStatus: Handler<'GET_SYSTEM_STATUS'> = async (ctx) => {
  let present: string[];
  try {
    present = await ctx.vips.list();
  } catch (e) {
    return { ok: false, text: `Could not check if IP is configured: ${errorMessage(e)}` };
  }
  let writable: boolean;
  let masterIp = '';
  try {
    writable = !(await ctx.mysql.getReadOnly());
    masterIp = (await ctx.mysql.slaveStatus())?.masterHost ?? '';
  } catch (e) {
    return { ok: false, text: `Could not check if MySQL is writable: ${errorMessage(e)}` };
  }
  const roles: RoleIp[] = ctx.roleIps.filter((r) => present.includes(r.ip)).map((r) => ({ ...r }));
  return { ok: true, text: agentTexts.returningStatus, fields: systemStatusFields({ writable, roles, masterIp }) };
};
