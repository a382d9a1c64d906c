// pid files (`pid_path`, as MMM writes them): init scripts, monit and logrotate's
// `kill -HUP $(cat …)` read them. Written at start, refused when a live process holds the file,
// removed on exit (only if it still names us).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MmmError, errorMessage } from './errors';

/** True when a process with this PID exists (EPERM: it exists but belongs to someone else). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface PidFile {
  path: string;
  /** Removes the file if it still holds our PID. Never throws. */
  release(): void;
}

/** The PID a pid file names, or undefined when it is absent or not a number. */
export function readPidFile(file: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isSafeInteger(pid) && pid > 0 && /^\s*\d+\s*$/.test(text) ? pid : undefined;
}

/**
 * Writes `pid` into `file` (temp file + rename, so a reader never sees it half written).
 * Throws MmmError ALREADY_RUNNING when another live process holds it, PID_FILE when it cannot be written.
 * A file left by a dead process (a crash, kill -9) is replaced; `onStale` is told.
 */
export function acquirePidFile(
  file: string,
  opts: { program: string; pid?: number; exists?: (pid: number) => boolean; onStale?: (oldPid: number) => void } = { program: 'mmm' },
): PidFile {
  const pid = opts.pid ?? process.pid;
  const exists = opts.exists ?? processExists;
  const old = readPidFile(file);
  if (old !== undefined && old !== pid && exists(old)) {
    throw new MmmError(
      'ALREADY_RUNNING',
      `${file} names PID ${old}, which is running: another ${opts.program} uses this pid_path (stop it first; if PID ${old} is not ${opts.program}, remove ${file})`,
    );
  }
  if (old !== undefined && old !== pid) opts.onStale?.(old);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${pid}.tmp`);
  try {
    // /run/mmm is made by the package's tmpfiles.d (or RuntimeDirectory=); elsewhere make it here.
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
    // 'wx' (O_CREAT|O_EXCL) never follows a symlink planted at the temp name: the folder may be
    // writable by another user (/run/mmm belongs to mmm) while the agent runs as root.
    fs.writeFileSync(tmp, `${pid}\n`, { mode: 0o644, flag: 'wx' });
    fs.renameSync(tmp, file);
  } catch (e) {
    try {
      fs.unlinkSync(tmp);
    } catch {
      /* never written */
    }
    const dir = path.dirname(file);
    const code = (e as NodeJS.ErrnoException).code;
    const hint = code === 'EACCES' || code === 'EPERM' ? ` (make ${dir} writable by this user, e.g. systemd RuntimeDirectory=mmm)` : '';
    throw new MmmError('PID_FILE', `cannot write pid file ${file}: ${errorMessage(e)}${hint}`, { cause: e });
  }
  return {
    path: file,
    release() {
      try {
        if (readPidFile(file) === pid) fs.unlinkSync(file);
      } catch {
        /* already gone */
      }
    },
  };
}
