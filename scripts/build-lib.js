// Bundles the library entry (src/lib.ts → dist/lib.js) apart from the CLI: one self-contained
// file that loads neither commander, the HTTP client nor the sandbox, and its type declarations
// (dist/types/*.d.ts, emitted by tsc). Run after scripts/build.js, which empties dist/.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import ts from 'typescript';

await build({
  entryPoints: { lib: 'src/lib.ts' },
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'node20',
  legalComments: 'none',
  logLevel: 'warning',
});

const root = fileURLToPath(new URL('..', import.meta.url));
const configPath = ts.findConfigFile(root, ts.sys.fileExists, 'tsconfig.json');
const { config } = ts.readConfigFile(configPath, ts.sys.readFile);
const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root);
const program = ts.createProgram(['src/lib.ts'], {
  ...options,
  declaration: true,
  emitDeclarationOnly: true,
  noEmit: false,
  rootDir: 'src',
  declarationDir: 'dist/types',
});
const { diagnostics } = program.emit();
const errors = [...ts.getPreEmitDiagnostics(program), ...diagnostics];
if (errors.length > 0) {
  console.error(ts.formatDiagnosticsWithColorAndContext(errors, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' }));
  process.exit(1);
}
