// Bundles src/ into dist/ with esbuild:
// - dist/cli.cjs, the entry, alone in one file: what `segments` and `--version` need (start-up time
//   in shell loops: every module file read costs), and src/program-loader.ts, which runs the rest;
// - dist/program.cjs, commander, the command tree and everything it reaches, one CommonJS bundle
//   that program-loader.ts compiles through V8's code cache (Node 20 caches compiled code only for
//   scripts run through node:vm, not for ES modules). Parts only some commands use (zod,
//   cosmiconfig, csv-parse, ora, the sandbox) are still evaluated only when a command imports them:
//   esbuild turns each import() into a lazily run module of the bundle;
// - dist/chalk.js, which dist/cli.cjs imports when colour is wanted, and dist/core/encoding.js,
//   which bench/encoding.js loads.
// The entry and the program share no module state: cli.cjs hands program.cjs nothing but the argv
// and the Context. Type checking is tsc's job (npm run typecheck); this only emits.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** commander's `require('node:child_process')` gets scripts/lazy-child-process.cjs instead. */
const lazyChildProcessForCommander = {
  name: 'lazy-child-process',
  setup(build) {
    build.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]commander[\\/]/.test(args.importer) ? { path: fileURLToPath(new URL('./lazy-child-process.cjs', import.meta.url)) } : undefined,
    );
  },
};

/**
 * In the entry build, src/cli.ts's `import('./program.js')` is src/program-loader.ts, which loads
 * dist/program.cjs, and `import('chalk')` (src/output.ts, on a terminal) stays an import of
 * dist/chalk.js: bundled in, their static imports of Node's modules (node:tty, which loads the
 * streams) would be hoisted to the entry.
 */
const apart = {
  name: 'apart',
  setup(build) {
    build.onResolve({ filter: /^\.\/program\.js$/ }, (args) =>
      /[\\/]src[\\/]cli\.ts$/.test(args.importer) ? { path: fileURLToPath(new URL('../src/program-loader.ts', import.meta.url)) } : undefined,
    );
    build.onResolve({ filter: /^chalk$/ }, () => ({ path: './chalk.js', external: true }));
  },
};

const common = {
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // NO_MINIFY=1 npm run build: readable function names in CPU profiles.
  minify: !process.env.NO_MINIFY,
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
};

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await Promise.all([
  // CommonJS, which bin/plivo-send.js (CommonJS too: bin/package.json) require()s: Node starts
  // without its ES module loader (~3 ms of every run), and its built-in modules come without the
  // ES module wrappers that read all their exports (node:fs's loads the stream modules).
  build({ ...common, entryPoints: { cli: 'src/cli.ts' }, format: 'cjs', outExtension: { '.js': '.cjs' }, plugins: [apart] }),
  build({
    ...common,
    entryPoints: { program: 'src/program.ts' },
    format: 'cjs',
    outExtension: { '.js': '.cjs' },
    // cosmiconfig loads TypeScript only for .ts config files, which plivo-send does not search.
    external: ['typescript'],
    plugins: [lazyChildProcessForCommander],
  }),
  build({
    ...common,
    entryPoints: {
      chalk: 'chalk',
      // Loaded directly by bench/encoding.js.
      'core/encoding': 'src/core/encoding.ts',
    },
  }),
]);
