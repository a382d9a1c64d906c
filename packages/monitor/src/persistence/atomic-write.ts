// Replace a file so that a crash leaves either the old or the new content, never a mix:
// temp file in the same folder, write, fsync, rename over the target, fsync the folder.
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MmmError, errorMessage } from '@mmm/common';

export type AtomicWriteStage = 'open' | 'write' | 'sync' | 'rename';

export interface AtomicWriteOptions {
  mode?: number;
  /** Test seam: called before each stage; a throw there fails the write at that stage. */
  beforeStage?: (stage: AtomicWriteStage) => void;
}

export async function writeFileAtomic(path: string, data: string, opts: AtomicWriteOptions = {}): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const step = (s: AtomicWriteStage): void => opts.beforeStage?.(s);
  let stage: AtomicWriteStage = 'open';
  let renamed = false;
  try {
    step(stage);
    const fh = await open(tmp, 'wx', opts.mode ?? 0o640);
    try {
      stage = 'write';
      step(stage);
      await fh.writeFile(data, 'utf8');
      stage = 'sync';
      step(stage);
      await fh.sync();
    } finally {
      await fh.close();
    }
    stage = 'rename';
    step(stage);
    await rename(tmp, path);
    renamed = true;
  } catch (e) {
    if (!renamed) await unlink(tmp).catch(() => undefined);
    throw new MmmError('SYSTEM', `cannot write ${path} (${stage}): ${errorMessage(e)}`, { cause: e });
  }
  await syncDir(dir);
}

/** Makes a rename durable. Some filesystems refuse fsync on a directory: that is not fatal. */
export async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // EINVAL/EISDIR on filesystems without directory fsync
  } finally {
    await fh?.close();
  }
}
