// Bundles src/ into dist/ with esbuild, in two builds:
// - dist/cli.cjs, the entry, alone in one file: what `segments` and `--version` need (start-up time
//   in shell loops: every module file read costs), and an import() of ./program.js for the rest;
// - dist/program.js, commander and the command tree, with the heavy parts (zod, cosmiconfig,
//   csv-parse, ora, the sandbox) in chunks loaded only by the commands that use them.
// The two share no module state: cli.cjs hands program.js nothing but the argv and the Context.
// Type checking is tsc's job (npm run typecheck); this only emits.
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
 * In the entry build, `import('./program.js')` (src/cli.ts) and `import('chalk')` (src/output.ts,
 * on a terminal) stay imports of the other build's files: bundled in, their static imports of
 * Node's modules (node:tty, which loads the streams) would be hoisted to the entry.
 */
const apart = {
  name: 'apart',
  setup(build) {
    build.onResolve({ filter: /^\.\/program\.js$/ }, (args) =>
      /[\\/]src[\\/]cli\.ts$/.test(args.importer) ? { path: './program.js', external: true } : undefined,
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
  minify: true,
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
    entryPoints: {
      program: 'src/program.ts',
      // Imported by dist/cli.cjs (and the chunks) when colour is wanted.
      chalk: 'chalk',
      // Loaded directly by bench/encoding.js.
      'core/encoding': 'src/core/encoding.ts',
    },
    splitting: true,
    // cosmiconfig loads TypeScript only for .ts config files, which plivo-send does not search.
    external: ['typescript'],
    // CommonJS dependencies bundled into ESM still call require() for Node's built-ins.
    banner: { js: "import { createRequire as __plivoSendRequire } from 'node:module'; const require = __plivoSendRequire(import.meta.url);" },
    plugins: [lazyChildProcessForCommander],
  }),
]);
