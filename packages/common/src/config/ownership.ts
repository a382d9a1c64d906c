// The one ownership rule (docs/install.md, the units, the package's postinst and --check-config):
// the agent runs as root (it moves IPs) and its files are root:root 0600; the monitor runs as
// `mmm` and its files are root:mmm 0640; mmm_control reads its files as the operator.
import * as os from 'node:os';
import type { Program } from './types';

export const DAEMON_USER: Record<Program, string | undefined> = { agent: 'root', monitor: 'mmm', control: undefined };

/** How to make `file` readable by the program's user without making it readable by others. */
export function ownershipHint(program: Program, file: string): string {
  if (program === 'agent') return `the agent runs as root: chown root:root ${file}; chmod 600 ${file}`;
  if (program === 'monitor') return `the monitor runs as mmm: chown root:mmm ${file}; chmod 640 ${file}`;
  return `make it readable by the user running mmm_control (chmod 600 ${file}, owned by that user), or check the path`;
}

export function currentUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}
