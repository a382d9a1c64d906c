// One esbuild bundle per binary of the package (DESIGN §8a), every dependency inside, no
// node_modules. Shared by build-deb.ts and bench/control-startup.ts, so the bench measures the
// same file the package installs.
//
// Bundled from the TypeScript sources (ES modules), @mmm/common included, not from tsc's
// CommonJS output: esbuild tree-shakes ES modules, so a binary holds what its code can reach.
// From dist/, every binary carried all of @mmm/common and its dependencies (1.6 MB for
// mmm_control, with @peculiar/x509 and winston it never uses), and compiling that was most of
// `mmm_control show`'s start-up (docs/BENCHMARKS.md, "mmm_control as a process").
// `npm run build` (tsc) still runs first: it type-checks what is bundled here.
import * as fs from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';

export const ROOT = join(__dirname, '..', '..');

/** Each binary and the source module whose run() it calls (as its bin/ shim does with dist/). */
export const BINS = {
  mmmd_agent: 'packages/agent/src/main.ts',
  mmmd_mon: 'packages/monitor/src/main.ts',
  mmm_control: 'packages/control/src/main.ts',
  mmm_tls: 'packages/control/src/tls-main.ts',
} as const;
export type Bin = keyof typeof BINS;

/** @mmm/common's entries (package.json "exports") → its sources, so they are tree-shaken too. */
const COMMON_ENTRIES: Record<string, string> = {
  '@mmm/common': 'packages/common/src/index.ts',
  '@mmm/common/pure': 'packages/common/src/pure.ts',
};

const commonSources: Plugin = {
  name: 'mmm-common-sources',
  setup(b) {
    b.onResolve({ filter: /^@mmm\// }, (a) => {
      const src = COMMON_ENTRIES[a.path];
      if (!src) return { errors: [{ text: `${a.path}: not an entry a binary may import (${Object.keys(COMMON_ENTRIES).join(', ')})` }] };
      return { path: join(ROOT, src) };
    });
  },
};

/** Where the package installs etcd3's gRPC definitions (build-deb.ts ships ETCD3_PROTOS there). */
export const ETCD3_PROTO_DIR = '/usr/share/mmm/etcd3-proto';
export const ETCD3_PROTOS = ['rpc.proto', 'kv.proto', 'auth.proto'].map((f) => join(ROOT, 'node_modules/etcd3/proto', f));

/**
 * etcd3 loads `${__dirname}/../proto/rpc.proto` when its connection pool is first required (monitor
 * HA only: mmmd_mon loads it lazily); a bundle has no such folder, so the path points at the
 * package's copy. Fails the build if etcd3 changed that line.
 */
const etcd3Protos: Plugin = {
  name: 'mmm-etcd3-protos',
  setup(b) {
    b.onLoad({ filter: /[\\/]etcd3[\\/]lib[\\/]connection-pool\.js$/ }, (a) => {
      const src = fs.readFileSync(a.path, 'utf8');
      const from = '`${__dirname}/../proto/rpc.proto`';
      if (!src.includes(from)) return { errors: [{ text: `${a.path}: etcd3 no longer loads ${from}; update scripts/package/bundle.ts` }] };
      return { contents: src.replace(from, JSON.stringify(`${ETCD3_PROTO_DIR}/rpc.proto`)), loader: 'js' };
    });
  },
};

/** Writes the bundle of `name` to `outfile` (mode 0755); returns the files whose code is in it. */
export async function bundleBin(name: Bin, outfile: string, version: string): Promise<string[]> {
  const r = await build({
    stdin: { contents: `import { run } from ${JSON.stringify(`./${BINS[name]}`)};\nrun();\n`, resolveDir: ROOT, loader: 'ts', sourcefile: `${name}-entry.ts` },
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    target: 'node20.19',
    format: 'cjs',
    outfile,
    plugins: [commonSources, etcd3Protos],
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
  // Files esbuild read but tree-shook away entirely are not in the binary (nor in its copyright).
  return Object.values(r.metafile.outputs).flatMap((o) => Object.entries(o.inputs).filter(([, i]) => i.bytesInOutput > 0).map(([f]) => f));
}
