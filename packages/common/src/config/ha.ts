// Monitor HA settings (pure): the names and bounds `<monitor_ha>` checks, and the settings a monitor
// uses once the parts that depend on how it was started (the @cluster, the host name) are known.
import { MmmError } from '../errors';
import type { ListenAddress, MmmConfig } from './types';

/** etcd's floor: minTTL = 1.5 × election timeout, rounded up to whole seconds (2 s with its defaults). */
export const MIN_LEASE_TTL = 2;

/** A monitor id or cluster name: it goes into etcd keys and into SET_TERM's `|`-separated fields. */
export const HA_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** key_prefix: printable, no spaces, starts and ends with `/`. */
export const KEY_PREFIX = /^\/[\x21-\x7e]*\/$/;

export const isWildcard = (ip: string): boolean => ip === '0.0.0.0' || ip === '::';

/** The cluster's name: `cluster_name`, else the @cluster of the invocation, else `default` (as /metrics labels it). */
export function clusterNameOf(config: Pick<MmmConfig, 'monitor'>, atCluster?: string): string {
  return config.monitor?.clusterName ?? (atCluster?.replace(/^@/, '') || 'default');
}

/** Everything a monitor needs to take part in the election. */
export interface MonitorHaSettings {
  endpoints: string[];
  caFile: string;
  certFile: string;
  keyFile: string;
  keyPrefix: string;
  leaseTtl: number;
  monitorId: string;
  controlAddress: ListenAddress;
}

/** Fills the defaults that need the @cluster and the host name; MmmError CONFIG_INVALID when they make no valid name. */
export function resolveMonitorHa(config: MmmConfig, o: { cluster?: string; hostName: string }): MonitorHaSettings | undefined {
  const ha = config.monitorHa;
  if (!ha) return undefined;
  const cluster = clusterNameOf(config, o.cluster);
  const keyPrefix = ha.keyPrefix ?? `/mmm/v1/${cluster}/`;
  if (!KEY_PREFIX.test(keyPrefix)) {
    throw new MmmError('CONFIG_INVALID', `<monitor_ha>: the default key_prefix ${keyPrefix} (from the cluster name '${cluster}') is not a key prefix; set key_prefix or cluster_name`);
  }
  const monitorId = ha.monitorId ?? o.hostName;
  if (!HA_NAME.test(monitorId)) {
    throw new MmmError('CONFIG_INVALID', `<monitor_ha>: the host name '${monitorId}' is not a monitor id (letters, digits, dot, dash, underscore, up to 63); set monitor_id`);
  }
  const controlAddress = ha.controlAddress ?? (config.monitor ? { ip: config.monitor.ip, port: config.monitor.port } : undefined);
  if (!controlAddress) throw new MmmError('CONFIG_INVALID', '<monitor_ha>: no control_address and no <monitor> ip');
  return {
    endpoints: ha.etcdEndpoints, caFile: ha.etcdCa, certFile: ha.etcdCert, keyFile: ha.etcdKey,
    keyPrefix, leaseTtl: ha.leaseTtl, monitorId, controlAddress,
  };
}
