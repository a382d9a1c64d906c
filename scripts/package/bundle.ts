// One esbuild bundle per binary of the package (DESIGN §8a): its compiled code with every
// dependency inside, no node_modules. Shared by build-deb.ts and bench/control-startup.ts, so
// the bench measures the same file the package installs.
import * as fs from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';

export const ROOT = join(__dirname, '..', '..');

/** Each binary and the compiled module whose run() it calls (as its bin/ shim does). */
export const BINS = {
  mmmd_agent: 'packages/agent/dist/main.js',
  mmmd_mon: 'packages/monitor/dist/main.js',
  mmm_control: 'packages/control/dist/main.js',
  mmm_tls: 'packages/control/dist/tls-main.js',
} as const;
export type Bin = keyof typeof BINS;

/** Writes the bundle of `name` to `outfile` (mode 0755); returns the files that went into it. */
export async function bundleBin(name: Bin, outfile: string, version: string): Promise<string[]> {
  const r = await build({
    stdin: { contents: `require(${JSON.stringify(`./${BINS[name]}`)}).run();\n`, resolveDir: ROOT, loader: 'js', sourcefile: `${name}-entry.js` },
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    target: 'node20.19',
    format: 'cjs',
    outfile,
    banner: { js: '#!/usr/bin/node' },
    // mmmVersion() reads package.json beside the code; a bundle has none.
    define: { MMM_BUNDLED_VERSION: JSON.stringify(version) },
    metafile: true,
    logLevel: 'warning',
  });
  if (r.errors.length || r.warnings.length) throw new Error(`esbuild: ${r.errors.length} errors, ${r.warnings.length} warnings for ${name}`);
  for (const out of Object.values(r.metafile.outputs)) {
    const ext = out.imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => i.path);
    if (ext.length) throw new Error(`${name}: left outside the bundle (not Node built-ins): ${ext.join(', ')}`);
  }
  fs.chmodSync(outfile, 0o755);
  return Object.keys(r.metafile.inputs);
}
