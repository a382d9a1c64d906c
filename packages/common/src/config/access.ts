// "Can the daemon read this file?", asked for the user it will run as: the current user by
// default (fs.access), or another one (`--check-config --user mmm`) from /etc/passwd, /etc/group
// and the mode bits of the file and every folder above it. Root reads everything.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface RunAs {
  name: string;
  uid: number;
  /** Primary and supplementary groups. */
  gids: number[];
}

/** Parses passwd/group text (pure) into the user's identity, or undefined when there is no such user. */
export function runAsFrom(name: string, passwd: string, group: string): RunAs | undefined {
  const pw = passwd.split('\n').map((l) => l.split(':')).find((f) => f[0] === name);
  if (!pw || pw.length < 4) return undefined;
  const uid = Number(pw[2]);
  const gids = new Set([Number(pw[3])]);
  for (const g of group.split('\n').map((l) => l.split(':'))) {
    if (g.length >= 4 && g[3].split(',').includes(name)) gids.add(Number(g[2]));
  }
  return { name, uid, gids: [...gids] };
}

/** Reads /etc/passwd and /etc/group; undefined when the user does not exist. */
export function lookupUser(name: string, etc = '/etc'): RunAs | undefined {
  const read = (f: string) => {
    try {
      return fs.readFileSync(path.join(etc, f), 'utf8');
    } catch {
      return '';
    }
  };
  return runAsFrom(name, read('passwd'), read('group'));
}

/** Which permission triplet of `st` applies to `who`, and does it have `bit` (4 read, 1 search)? */
export function permits(st: { mode: number; uid: number; gid: number }, who: RunAs, bit: 4 | 1): boolean {
  if (who.uid === 0) return true; // root: DAC does not apply (CAP_DAC_OVERRIDE)
  const shift = st.uid === who.uid ? 6 : who.gids.includes(st.gid) ? 3 : 0;
  return ((st.mode >> shift) & bit) !== 0;
}

/** Why `who` (undefined = the current process) cannot read `file`, or undefined when it can. */
export function unreadableReason(file: string, who?: RunAs): string | undefined {
  if (!who) {
    try {
      fs.accessSync(file, fs.constants.R_OK);
      return undefined;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code ?? 'not readable';
    }
  }
  const abs = path.resolve(file);
  const dirs: string[] = [];
  for (let d = path.dirname(abs); ; d = path.dirname(d)) {
    dirs.unshift(d);
    if (d === path.dirname(d)) break;
  }
  try {
    for (const d of dirs) if (!permits(fs.statSync(d), who, 1)) return `folder ${d} is not searchable by ${who.name}`;
    if (!permits(fs.statSync(abs), who, 4)) return `not readable by ${who.name}`;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? 'cannot stat';
  }
  return undefined;
}
