// `|UP:<uptime>`: the first field of /proc/uptime, as MMM sends it.
import { readFile } from 'node:fs/promises';

export async function readUptime(path = '/proc/uptime'): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).split(/\s+/)[0] || '0';
  } catch {
    return (process.uptime()).toFixed(2);
  }
}
