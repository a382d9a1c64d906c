// MMM 2.x status file (`status_path`): one line per host, `host|STATE|role(ip),role(ip)`, roles
// sorted, so an original MMM monitor and ours can read each other's file.
import { readFile } from 'node:fs/promises';
import { type HostState, MmmError, type RoleIp, isHostState, rolesFromString, rolesToString } from '@mmm/common';
import { writeFileAtomic } from './atomic-write';

export interface StatusEntry {
  host: string;
  state: HostState;
  roles: RoleIp[];
}

/** A line of a status file that cannot be read; names the file and the 1-based line. */
export class StatusFileError extends MmmError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super('SYSTEM', `${file}:${line}: ${reason}`);
  }
}

const HOST_RE = /^[^|\s,()]+$/;

/** Pure. Hosts sorted by name so the file does not change when nothing changed. */
export function formatStatusFile(entries: readonly StatusEntry[]): string {
  const sorted = [...entries].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
  return sorted.map((e) => `${e.host}|${e.state}|${rolesToString(e.roles)}\n`).join('');
}

/** Pure. Blank lines are skipped; anything else that is not a valid line is an error. */
export function parseStatusFile(text: string, file: string): StatusEntry[] {
  const out: StatusEntry[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    const bad = (reason: string): never => {
      throw new StatusFileError(file, i + 1, reason);
    };
    const parts = line.split('|');
    if (parts.length !== 3) bad(`expected 'host|STATE|roles', got '${line}'`);
    const [host, state, roles] = parts.map((p) => p.trim()) as [string, string, string];
    if (!HOST_RE.test(host)) bad(`invalid host name '${host}'`);
    if (!isHostState(state)) bad(`unknown state '${state}' for host ${host}`);
    const parsed = rolesFromString(roles);
    if (!parsed) bad(`invalid role list '${roles}' for host ${host} (expected role(ip),role(ip))`);
    if (seen.has(host)) bad(`host ${host} listed twice`);
    seen.add(host);
    out.push({ host, state: state as HostState, roles: parsed as RoleIp[] });
  });
  return out;
}

/** undefined when the file does not exist (first start). */
export async function readStatusFile(path: string): Promise<StatusEntry[] | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new MmmError('SYSTEM', `cannot read status file ${path}: ${(e as Error).message}`, { cause: e });
  }
  return parseStatusFile(text, path);
}

/** Atomic: readers see the old file or the new one, never a partial write. */
export async function writeStatusFile(path: string, entries: readonly StatusEntry[]): Promise<void> {
  for (const e of entries) {
    // Refuse to write what the parser would refuse to read back.
    if (!HOST_RE.test(e.host)) throw new MmmError('INTERNAL', `invalid host name for status file: '${e.host}'`);
  }
  await writeFileAtomic(path, formatStatusFile(entries));
}
