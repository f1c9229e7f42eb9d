// Bundles src/ into dist/ with esbuild: one small entry chunk for start-up, and the heavy parts
// (zod, got, cosmiconfig, csv-parse, ora, the sandbox) in chunks loaded only by the commands that
// use them. Type checking is tsc's job (npm run typecheck); this only emits.
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

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: {
    cli: 'src/cli.ts',
    // Loaded directly by bench/encoding.js.
    'core/encoding': 'src/core/encoding.ts',
  },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  keepNames: true,
  legalComments: 'none',
  // cosmiconfig loads TypeScript only for .ts config files, which plivo-send does not search.
  external: ['typescript'],
  // CommonJS dependencies bundled into ESM still call require() for Node's built-ins.
  banner: { js: "import { createRequire as __plivoSendRequire } from 'node:module'; const require = __plivoSendRequire(import.meta.url);" },
  plugins: [lazyChildProcessForCommander],
  logLevel: 'warning',
});
