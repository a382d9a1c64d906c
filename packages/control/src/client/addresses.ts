// The monitors mmm_control may talk to (monitor HA: several, one leads). Pure: parsing and
// merging of the address lists, table-tested; settings.ts picks the source.
import { isIP } from 'node:net';
import { DEFAULTS, MmmError, hostPort, type ListenAddress } from '@mmm/common';

export interface MonitorAddress {
  host: string;
  port: number;
}

/** Pure: `HOST:PORT`, `HOST` (port 9988) or `[v6]:PORT`. Throws MmmError USAGE. */
export function parseMonitorAddress(s: string): MonitorAddress {
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

/** `host:port`, `[v6]:port`: the one spelling used in messages and for comparing addresses. */
export function formatAddress(a: MonitorAddress): string {
  return hostPort({ ip: a.host, port: a.port });
}

/** Adds the addresses not in `list` yet, in order. */
function dedupe(list: readonly MonitorAddress[]): MonitorAddress[] {
  const out: MonitorAddress[] = [];
  for (const a of list) if (!out.some((b) => formatAddress(b) === formatAddress(a))) out.push(a);
  return out;
}

/**
 * Every `--monitor` value (repeatable), or MMM_MONITOR: each a comma-separated list of
 * `HOST:PORT` (`HOST`: port 9988; `[v6]:PORT`). In the order given, each address once.
 * Throws MmmError USAGE naming the bad address.
 */
export function parseMonitorList(values: readonly string[]): MonitorAddress[] {
  const items = values.flatMap((v) => v.split(',')).map((s) => s.trim());
  if (items.some((s) => s === '')) {
    throw new MmmError('USAGE', `invalid monitor address list '${values.join(',')}': an empty address (expected HOST:PORT[,HOST:PORT…])`);
  }
  return dedupe(items.map(parseMonitorAddress));
}

/** The config's `<monitor>` ip/port first (when set), then monitor_addresses in order, each once. */
export function configAddresses(mon: { ip: string; port: number; monitorAddresses?: readonly ListenAddress[] }): MonitorAddress[] {
  const first = mon.ip !== '' ? [{ host: mon.ip, port: mon.port }] : [];
  return dedupe([...first, ...(mon.monitorAddresses ?? []).map((a) => ({ host: a.ip, port: a.port }))]);
}
