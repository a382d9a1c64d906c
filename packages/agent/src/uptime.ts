// `|UP:<uptime>`: the system's uptime in seconds with two decimals, as MMM sends the first field
// of /proc/uptime. os.uptime() reads that same file (libuv, synchronously); one readFile() per
// request was a promise chain through the thread pool, ~4 % of an idle agent's CPU.
import { uptime } from 'node:os';

export function readUptime(): Promise<string> {
  return Promise.resolve(uptime().toFixed(2));
}
