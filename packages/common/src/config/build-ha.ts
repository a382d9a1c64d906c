// `<monitor_ha>` (issue 19, docs/ha.md) from its merged section (pure): defaults that the config
// itself knows (etcd_ca from the socket, lease_ttl 3) and the rules a value cannot check alone.
import type { Origin } from './raw';
import type { Section } from './merge';
import { DEFAULTS } from './types';
import type { ListenAddress, MonitorConfig, MonitorHaConfig, SocketConfig } from './types';
import { HA_NAME, KEY_PREFIX, MIN_LEASE_TTL, isWildcard } from './ha';

type Get = <T>(s: Section, key: string, required?: boolean) => T | undefined;

export interface HaBuildContext {
  get: Get;
  originOf: (s: Section, key: string) => Origin;
  err: (o: Origin, message: string, hint?: string) => void;
  socket: SocketConfig;
  monitor?: MonitorConfig;
}

export function buildMonitorHa(s: Section, c: HaBuildContext): MonitorHaConfig | undefined {
  const { get, originOf, err } = c;
  const endpoints = get<string[]>(s, 'etcd_endpoints');
  const etcdCa = get<string>(s, 'etcd_ca') ?? c.socket.caFile;
  const etcdCert = get<string>(s, 'etcd_cert');
  const etcdKey = get<string>(s, 'etcd_key');
  const keyPrefix = get<string>(s, 'key_prefix');
  const leaseTtl = get<number>(s, 'lease_ttl') ?? DEFAULTS.leaseTtl;
  const monitorId = get<string>(s, 'monitor_id');
  const controlAddress = get<ListenAddress>(s, 'control_address');

  if (etcdCa === undefined && !s.invalid.has('etcd_ca')) {
    err(s.header, '<monitor_ha> has no etcd_ca and the socket has no ca_file', "add 'etcd_ca <the CA that signed the etcd certificates>' in <monitor_ha>");
  }
  if (leaseTtl < MIN_LEASE_TTL) {
    err(originOf(s, 'lease_ttl'), `lease_ttl ${leaseTtl} is below etcd's minimum lease of ${MIN_LEASE_TTL} s`, `write lease_ttl ${MIN_LEASE_TTL} or more (default ${DEFAULTS.leaseTtl})`);
  }
  if (keyPrefix !== undefined && !KEY_PREFIX.test(keyPrefix)) {
    err(originOf(s, 'key_prefix'), `key_prefix '${keyPrefix}' does not start and end with '/'`, 'write e.g. /mmm/v1/shop-eu1/ (printable characters, no spaces)');
  }
  if (monitorId !== undefined && !HA_NAME.test(monitorId)) {
    err(originOf(s, 'monitor_id'), `monitor_id '${monitorId}' is not a name`, 'use letters, digits, dot, dash and underscore (up to 63), e.g. mon1');
  }
  if (controlAddress && isWildcard(controlAddress.ip)) {
    err(originOf(s, 'control_address'), `control_address ${controlAddress.ip}:${controlAddress.port} is a wildcard address`, "name the IP the other monitors and mmm_control reach this monitor's control port on");
  } else if (!controlAddress && c.monitor && isWildcard(c.monitor.ip)) {
    err(s.header, `<monitor_ha> needs control_address: the <monitor> ip ${c.monitor.ip} is a wildcard`, "add 'control_address IP:PORT' (this monitor's control port as the others reach it)");
  }
  if (!endpoints || etcdCa === undefined || !etcdCert || !etcdKey) return undefined;
  return {
    etcdEndpoints: endpoints,
    etcdCa,
    etcdCert,
    etcdKey,
    ...(keyPrefix !== undefined ? { keyPrefix } : {}),
    leaseTtl,
    ...(monitorId !== undefined ? { monitorId } : {}),
    ...(controlAddress ? { controlAddress } : {}),
  };
}
