// Replacing a file durably: after a crash (or power loss) it holds either the old or the new
// content, never a mix, and once the call returned, the new one. Temp file in the same folder
// (O_EXCL: never through a symlink planted there), write, fsync, rename over the target, fsync
// the folder. The file system calls go through a port so that tests can see and fail each one.
import { randomBytes } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MmmError, errorMessage } from './errors';

export interface DurableHandle {
  writeFile(data: string, encoding: 'utf8'): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The calls a durable write makes (node:fs/promises has them). */
export interface DurableFs {
  open(path: string, flags: 'wx' | 'r', mode?: number): Promise<DurableHandle>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
}

export const nodeDurableFs: DurableFs = {
  open: (p, flags, mode) => fsp.open(p, flags, mode),
  rename: (a, b) => fsp.rename(a, b),
  unlink: (p) => fsp.unlink(p),
};

export type DurableStage = 'open' | 'write' | 'sync' | 'rename' | 'sync folder';

/** Codes of file systems that cannot fsync a directory: the rename is as durable as they allow. */
const NO_DIR_FSYNC = new Set(['EINVAL', 'ENOTSUP', 'EOPNOTSUPP', 'EISDIR']);

/**
 * Writes `data` to `file` durably. Throws MmmError SYSTEM naming the file and the stage that
 * failed; before the rename the old content is untouched and the temp file removed. Only when
 * the folder's fsync fails (an I/O error) has the file already been replaced.
 */
export async function writeFileDurably(file: string, data: string, opts: { mode?: number; fs?: DurableFs } = {}): Promise<void> {
  const fs = opts.fs ?? nodeDurableFs;
  const dir = dirname(file);
  const tmp = join(dir, `.${basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  let stage: DurableStage = 'open';
  let renamed = false;
  try {
    const fh = await fs.open(tmp, 'wx', opts.mode ?? 0o600);
    try {
      stage = 'write';
      await fh.writeFile(data, 'utf8');
      stage = 'sync';
      await fh.sync();
    } finally {
      await fh.close();
    }
    stage = 'rename';
    await fs.rename(tmp, file);
    renamed = true;
    stage = 'sync folder';
    await syncFolder(fs, dir);
  } catch (e) {
    if (!renamed && stage !== 'open') await fs.unlink(tmp).catch(() => undefined);
    throw new MmmError('SYSTEM', `cannot write ${file} (${stage}): ${errorMessage(e)}`, { cause: e });
  }
}

async function syncFolder(fs: DurableFs, dir: string): Promise<void> {
  const fh = await fs.open(dir, 'r');
  try {
    await fh.sync();
  } catch (e) {
    if (!NO_DIR_FSYNC.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    await fh.close();
  }
}
