// Where the monitor is and how to talk TLS to it. Sources, highest first:
//   address: --monitor HOST:PORT, env MMM_MONITOR, then `<monitor> ip`/`port` of the config;
//   TLS:     the tls.conf named by env MMM_TLSCONF_PATH, then the config's socket block;
//   MMM_SECURE_SOCKETS=enforce|relaxed overrides tls_connect.
// The config (mmm_mon.conf, mmm_mon_C.conf for @C, or -c FILE) is read only when something is still
// missing, or when -c was given.
import { isIP } from 'node:net';
import {
  DEFAULTS,
  MmmError,
  loadConfig,
  loadTlsConf,
  tlsConfSocket,
  type SocketConfig,
} from '@mmm/common';

export interface SettingsEnv {
  MMM_TLSCONF_PATH?: string;
  MMM_SECURE_SOCKETS?: string;
  MMM_MONITOR?: string;
}

export interface SettingsInput {
  configFile?: string;
  cluster?: string;
  /** --monitor HOST:PORT */
  monitor?: string;
  env: SettingsEnv;
  searchDirs?: readonly string[];
}

export interface Settings {
  host: string;
  port: number;
  /** The name the monitor certificate must carry: the configured monitor ip (or --monitor host). */
  expectedName: string;
  socket: SocketConfig;
  /** Where each part came from, for messages (e.g. "tls.conf /x/tls.conf"). */
  sources: { address: string; tls: string };
}

/** Pure: `HOST:PORT`, `HOST` (port 9988) or `[v6]:PORT`. Throws MmmError USAGE. */
export function parseMonitorAddress(s: string): { host: string; port: number } {
  const bad = (): never => {
    throw new MmmError('USAGE', `invalid monitor address '${s}' (expected HOST:PORT, e.g. 127.0.0.1:9988)`);
  };
  let host = s.trim();
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(host);
  if (v6) {
    host = v6[1];
    portText = v6[2];
  } else if (host.split(':').length === 2) {
    [host, portText] = host.split(':');
  } else if (host.includes(':') && isIP(host) !== 6) bad();
  if (host === '') bad();
  let port: number = DEFAULTS.monitorPort;
  if (portText !== undefined) {
    if (!/^\d+$/.test(portText)) bad();
    port = Number(portText);
    if (port < 1 || port > 65535) bad();
  }
  return { host, port };
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
  const addressText = input.monitor ?? (env.MMM_MONITOR || undefined);
  const address = addressText !== undefined ? parseMonitorAddress(addressText) : undefined;
  const secure = parseSecureSockets(env.MMM_SECURE_SOCKETS);
  const tlsConf = env.MMM_TLSCONF_PATH ? loadTlsConf(env.MMM_TLSCONF_PATH) : undefined;

  let fromConfig: { host: string; port: number; socket: SocketConfig; file: string } | undefined;
  if (input.configFile !== undefined || !address || !tlsConf) {
    const loaded = loadConfig({
      program: 'control',
      ...(input.configFile !== undefined ? { file: input.configFile } : {}),
      ...(input.cluster ? { cluster: input.cluster } : {}),
      ...(input.searchDirs ? { searchDirs: input.searchDirs } : {}),
    });
    const mon = loaded.config.monitor;
    if (!mon && !address) {
      throw new MmmError('USAGE', `${loaded.files[0]}: no <monitor> section (ip, port); or pass --monitor HOST:PORT`);
    }
    fromConfig = { host: mon?.ip ?? '', port: mon?.port ?? DEFAULTS.monitorPort, socket: loaded.config.socket, file: loaded.files[0] };
  }

  const host = address?.host ?? (fromConfig as { host: string }).host;
  const port = address?.port ?? (fromConfig as { port: number }).port;
  let socket: SocketConfig = tlsConf ? tlsConfSocket(tlsConf) : (fromConfig as { socket: SocketConfig }).socket;
  if (secure) socket = { ...socket, tlsConnect: secure };
  return {
    host,
    port,
    expectedName: host,
    socket,
    sources: {
      address: address ? (input.monitor !== undefined ? '--monitor' : 'MMM_MONITOR') : `${fromConfig?.file}`,
      tls: tlsConf ? `tls.conf ${tlsConf.file}` : `${fromConfig?.file}`,
    },
  };
}
