// Size-based rotation of the audit log, as logrotate would do it but from inside the writer,
// so a rotation never lands between the lines of one batch: file → file.1 → … → file.N, the
// oldest dropped. logrotate must not touch the audit log (docs/monitor.md).

/** 10 MiB: about 30 000 decisions (~350 bytes each); 5 files keep months of a normal cluster. */
export const AUDIT_MAX_BYTES = 10 * 1024 * 1024;
export const AUDIT_KEEP_FILES = 5;

/** True when appending `adding` bytes to a file of `size` would pass the limit (an empty file always takes them). */
export function needsRotation(size: number, adding: number, maxBytes: number): boolean {
  return size > 0 && size + adding > maxBytes;
}

/** The renames of one rotation, in order (each rename replaces its target: `.N` is dropped). At least 1 file is kept. */
export function rotationRenames(file: string, keep: number): Array<[from: string, to: string]> {
  const out: Array<[string, string]> = [];
  for (let i = Math.max(1, keep) - 1; i >= 1; i--) out.push([`${file}.${i}`, `${file}.${i + 1}`]);
  out.push([file, `${file}.1`]);
  return out;
}
