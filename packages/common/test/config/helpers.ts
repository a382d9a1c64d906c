// Shared by the config tests: temp dirs (git checks files out 0644, the loader wants 0600).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ConfigIssue } from '../../src/errors';

export const REPO = path.resolve(__dirname, '../../../..');
export const ETC = path.join(REPO, 'etc');

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'mmm-config-test-'));
}

/** Writes files (name → text) into dir with the given mode; returns dir. */
export function writeFiles(dir: string, files: Record<string, string>, mode = 0o600): string {
  for (const [name, text] of Object.entries(files)) {
    const f = path.join(dir, name);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, text);
    fs.chmodSync(f, mode);
  }
  return dir;
}

/** Copies etc/<sub>/* into a new folder of dir, mode 0600. */
export function copyEtc(dir: string, sub: string): string {
  const to = path.join(dir, sub);
  fs.mkdirSync(to, { recursive: true });
  for (const f of fs.readdirSync(path.join(ETC, sub))) {
    fs.copyFileSync(path.join(ETC, sub, f), path.join(to, f));
    fs.chmodSync(path.join(to, f), 0o600);
  }
  return to;
}

/** `file:line: message` with file relative to base (for compact assertions). */
export function where(issues: ConfigIssue[], base = '/t'): string[] {
  return issues.map((i) => `${path.relative(base, i.file)}:${i.line}`);
}
