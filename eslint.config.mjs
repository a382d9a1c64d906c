// ESLint: the module-graph rules (docs/architecture.md). Only rules the code keeps today:
// scripts/test.sh runs `npm run lint` before the tests and it must pass.
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const ROOT = path.dirname(fileURLToPath(import.meta.url));
const DAEMONS = ['agent', 'monitor', 'control'];

// The pure code: it computes, it does no I/O. @mmm/common/pure (packages/common/src/pure.ts) is
// the common part; the config core is the parse pipeline over an injected source, no file reading.
const PURE_COMMON = [
  'packages/common/src/{pure,errors,clock}.ts',
  'packages/common/src/model/**/*.ts',
  'packages/common/src/protocol/**/*.ts',
  'packages/common/src/render/**/*.ts',
  'packages/common/src/accounts/**/*.ts',
  'packages/common/src/config/{core,types,raw,lexer,normalize,merge,build,build-ha,ha,ruleset,ruleset-1x,parse,values,suggest,posix-path,mysql-link}.ts',
];
const PURE = [
  ...PURE_COMMON, 'packages/monitor/src/analysis/**/*.ts', 'packages/agent/src/roles/plan*.ts',
  'packages/agent/src/reject/{ruleset,windows,setting}.ts',
  // Monitor HA: the key names, value schemas, deadline and history arithmetic (issue 19).
  'packages/monitor/src/ha/{coordinator,keys,values,deadline,history}.ts',
];

const NO_FAKES = { name: '@mmm/common/testing', message: 'test fakes are for tests only' };
const BUILTIN_MESSAGE = 'pure code does no I/O: no Node builtin here';
const pureImports = {
  paths: [
    ...builtinModules.filter((m) => !m.startsWith('_')).map((name) => ({ name, message: BUILTIN_MESSAGE })),
    { name: 'winston', message: 'pure code does not log (winston)' },
    { name: 'mysql2', message: 'pure code does no I/O (mysql2)' },
    { name: 'etcd3', message: 'pure code does no I/O (etcd3)' },
    { name: '@mmm/common', message: 'pure code imports @mmm/common/pure, not the node entry @mmm/common' },
    NO_FAKES,
  ],
  patterns: [
    { group: ['node:*'], message: BUILTIN_MESSAGE },
    { group: ['winston/*', 'mysql2/*'], message: 'pure code does no I/O' },
  ],
};

/** agent, monitor and control depend on @mmm/common only; sandbox (a test tool) may use all. */
const otherDaemons = (pkg) => {
  const others = DAEMONS.filter((p) => p !== pkg);
  if (!DAEMONS.includes(pkg)) return [];
  return [{
    group: others.flatMap((p) => [`@mmm/${p}`, `@mmm/${p}/*`]),
    message: `${pkg} depends on @mmm/common only, never on ${others.join(' or ')}`,
  }];
};

export default defineConfig([
  { ignores: ['**/dist/**', '**/node_modules/**', '**/coverage/**', '.mmm-sandbox/**', 'bench/results/**'] },

  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser, sourceType: 'module' },
    plugins: { '@typescript-eslint': tseslint.plugin, 'import-x': importX },
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    settings: {
      // .ts files are parsed when followed (no-cycle), not skipped as the .js-only default would.
      'import-x/extensions': ['.ts', '.js', '.cjs', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [
        createTypeScriptImportResolver({
          project: ['packages/*/tsconfig.json', 'tsconfig.test.json'],
          noWarnOnMultipleProjects: true,
        }),
      ],
    },
  },

  // Bare specifiers: no daemon package imports another (tests neither); production code never the fakes.
  ...['common', ...DAEMONS, 'sandbox'].flatMap((pkg) => [
    ...(DAEMONS.includes(pkg)
      ? [{ files: [`packages/${pkg}/**/*.ts`], rules: { 'no-restricted-imports': ['error', { patterns: otherDaemons(pkg) }] } }]
      : []),
    {
      files: [`packages/${pkg}/src/**/*.ts`],
      rules: { 'no-restricted-imports': ['error', { paths: [NO_FAKES], patterns: otherDaemons(pkg) }] },
    },
  ]),

  // Resolved paths, so relative imports count too; each zone applies to the files its target matches.
  {
    files: ['packages/**/*.ts'],
    rules: {
      'import-x/no-restricted-paths': ['error', {
        basePath: ROOT,
        zones: [
          {
            // Every other common file counts as I/O (index, logger, cli, config read/check/tls-conf,
            // net/, tls/, testing/, and whatever is added), so a new file is impure until listed above.
            target: PURE_COMMON,
            from: 'packages/common/src/**',
            except: PURE_COMMON.map((g) => `${ROOT}/${g}`),
            message: 'pure common code imports only pure common code (the PURE_COMMON list)',
          },
          {
            target: 'packages/monitor/src/analysis',
            from: 'packages/monitor/src',
            except: ['./analysis'],
            message: 'the analysis imports only the analysis and @mmm/common/pure',
          },
          ...['common', 'agent'].map((pkg) => ({
            target: [`packages/${pkg}/src/*.ts`, `packages/${pkg}/src/!(testing)/**`],
            from: `packages/${pkg}/src/testing`,
            message: 'test fakes are for tests only',
          })),
          ...DAEMONS.flatMap((pkg) => [
            {
              target: `packages/${pkg}/src`,
              from: [...DAEMONS.filter((p) => p !== pkg), 'sandbox'].map((p) => `packages/${p}`),
              message: `${pkg} depends on @mmm/common only`,
            },
            {
              target: `packages/${pkg}/test`,
              from: DAEMONS.filter((p) => p !== pkg).map((p) => `packages/${p}`),
              message: `${pkg} depends on @mmm/common only`,
            },
          ]),
        ],
      }],
    },
  },

  // No dependency cycle inside a package's production code (type-only imports do not count).
  {
    files: ['packages/*/src/**/*.ts'],
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },

  // The pure code: no Node builtin, winston, mysql2, node entry or fakes, and no require()/import().
  {
    files: PURE,
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', pureImports],
      'no-restricted-syntax': ['error',
        { selector: "CallExpression[callee.name='require']", message: 'pure code uses static imports only' },
        { selector: 'ImportExpression', message: 'pure code uses static imports only' },
      ],
    },
  },
]);
