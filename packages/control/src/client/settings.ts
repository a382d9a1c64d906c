// Where the monitors are and how to talk TLS to them. Sources, highest first:
//   addresses: --monitor HOST:PORT[,…] (repeatable), env MMM_MONITOR (a list too), then the
//            config's `<monitor> ip`/`port` followed by its `monitor_addresses` (monitor HA);
//   TLS:     the tls.conf named by env MMM_TLSCONF_PATH, then the config's socket block;
//   MMM_SECURE_SOCKETS=enforce|relaxed overrides tls_connect.
// The config (mmm_mon.conf, mmm_mon_C.conf for @C, or -c FILE) is read only when something is still
// missing, or when -c was given.
import {
  MmmError,
  loadConfig,
  loadTlsConf,
  tlsConfSocket,
  type SocketConfig,
} from '@mmm/common';
import { configAddresses, parseMonitorList, type MonitorAddress } from './addresses';

export { parseMonitorAddress } from './addresses';

export interface SettingsEnv {
  MMM_TLSCONF_PATH?: string;
  MMM_SECURE_SOCKETS?: string;
  MMM_MONITOR?: string;
}

export interface SettingsInput {
  configFile?: string;
  cluster?: string;
  /** Every --monitor value, each HOST:PORT[,HOST:PORT…] (none given: undefined or []). */
  monitor?: readonly string[];
  env: SettingsEnv;
  searchDirs?: readonly string[];
}

/** One monitor to try, with the name its certificate must carry: the address's host. */
export interface MonitorEndpoint extends MonitorAddress {
  expectedName: string;
}

export interface Settings {
  /** In the order to try them (at least one). */
  monitors: MonitorEndpoint[];
  socket: SocketConfig;
  /** Where each part came from, for messages (e.g. "tls.conf /x/tls.conf"). */
  sources: { address: string; tls: string };
}

/** Pure: MMM_SECURE_SOCKETS → tls_connect (undefined: keep the configured value). */
export function parseSecureSockets(v: string | undefined): 'enforce' | 'relaxed' | undefined {
  if (v === undefined || v === '') return undefined;
  if (v === 'enforce' || v === 'relaxed') return v;
  throw new MmmError('USAGE', `invalid MMM_SECURE_SOCKETS '${v}' (enforce or relaxed)`);
}

/** Resolves the settings; throws ConfigError (config/tls.conf problems) or MmmError USAGE. */
export function resolveSettings(input: SettingsInput): Settings {
  const { env } = input;
  const given = input.monitor && input.monitor.length > 0 ? input.monitor : env.MMM_MONITOR ? [env.MMM_MONITOR] : undefined;
  const addresses = given !== undefined ? parseMonitorList(given) : undefined;
  const secure = parseSecureSockets(env.MMM_SECURE_SOCKETS);
  const tlsConf = env.MMM_TLSCONF_PATH ? loadTlsConf(env.MMM_TLSCONF_PATH) : undefined;

  let fromConfig: { addresses: MonitorAddress[]; socket: SocketConfig; file: string } | undefined;
  if (input.configFile !== undefined || !addresses || !tlsConf) {
    const loaded = loadConfig({
      program: 'control',
      ...(input.configFile !== undefined ? { file: input.configFile } : {}),
      ...(input.cluster ? { cluster: input.cluster } : {}),
      ...(input.searchDirs ? { searchDirs: input.searchDirs } : {}),
    });
    const mon = loaded.config.monitor;
    if (!mon && !addresses) {
      throw new MmmError('USAGE', `${loaded.files[0]}: no <monitor> section (ip, port); or pass --monitor HOST:PORT`);
    }
    fromConfig = { addresses: mon ? configAddresses(mon) : [], socket: loaded.config.socket, file: loaded.files[0] };
  }

  const list = addresses ?? (fromConfig as { addresses: MonitorAddress[] }).addresses;
  let socket: SocketConfig = tlsConf ? tlsConfSocket(tlsConf) : (fromConfig as { socket: SocketConfig }).socket;
  if (secure) socket = { ...socket, tlsConnect: secure };
  return {
    monitors: list.map((a) => ({ ...a, expectedName: a.host })),
    socket,
    sources: {
      address: addresses ? (given === input.monitor ? '--monitor' : 'MMM_MONITOR') : `${fromConfig?.file}`,
      tls: tlsConf ? `tls.conf ${tlsConf.file}` : `${fromConfig?.file}`,
    },
  };
}
