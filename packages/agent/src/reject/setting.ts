// Whether this host's agent runs the reject path, from its host config (pure).
import { DEFAULTS, type HostConfig } from '@mmm/common/pure';
import { rejectTableName } from './ruleset';

export type RejectSetting =
  | { on: true; table: string; port: number; periodMs: number }
  | { on: false; /** Said once at start. */ warning?: string };

export function rejectSetting(host: Pick<HostConfig, 'name' | 'mysqlPort' | 'ipAddCommand' | 'ipDelCommand' | 'vipReject' | 'vipRejectPeriod'>): RejectSetting {
  if ((host.vipReject ?? DEFAULTS.vipReject) === false) return { on: false };
  if (host.ipAddCommand !== undefined || host.ipDelCommand !== undefined) {
    // A hook may move the address anywhere (a cloud API, a recorder): the agent cannot tell where
    // its packets arrive, so it does not touch the firewall.
    const warning = 'vip_reject is off for this host: ip_add_command/ip_del_command move its VIPs, so connections to a writer VIP that left are not refused here (set vip_reject no to silence this)';
    return { on: false, warning };
  }
  return {
    on: true,
    table: rejectTableName(host.name),
    port: host.mysqlPort,
    periodMs: Math.round((host.vipRejectPeriod ?? DEFAULTS.vipRejectPeriod) * 1000),
  };
}
