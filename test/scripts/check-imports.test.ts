/** `npm run lint`'s import check: the repository passes; a cycle or an upward import fails it. */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../scripts/check-imports.js', import.meta.url));
const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function check(root?: string) {
  const result = spawnSync(process.execPath, root === undefined ? [SCRIPT] : [SCRIPT, root], { encoding: 'utf8' });
  return { code: result.status, stderr: result.stderr };
}

/** A src/ tree of `files` (path → source) in a new directory. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'plivo-send-imports-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, 'src', path)), { recursive: true });
    writeFileSync(join(root, 'src', path), text);
  }
  return root;
}

describe('check-imports', () => {
  it('passes on the repository', () => {
    expect(check()).toEqual({ code: 0, stderr: '' });
  });

  it('fails on a cycle of static and dynamic imports, naming its files', () => {
    const root = tree({
      'flows/a.ts': "import { b } from './b.js';\nexport const a = b;\n",
      'flows/b.ts': "export const b = 1;\nexport const later = () => import('./a.js');\n",
    });
    const out = check(root);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('import cycle between src/flows/a.ts, src/flows/b.ts');
  });

  it('a cycle through `import type` alone fails too: one concern split in two', () => {
    const root = tree({
      'batch/a.ts': "import type { B } from './b.js';\nexport type A = B | 1;\n",
      'batch/b.ts': "import type { A } from './a.js';\nexport type B = A | 2;\n",
    });
    const out = check(root);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('import cycle between src/batch/a.ts, src/batch/b.ts');
  });

  it('fails on an import that points up: core → errors, an engine → a flow, a flow → a command', () => {
    const root = tree({
      'errors.ts': 'export class CliError extends Error {}\n',
      'core/format.ts': "import type { CliError } from '../errors.js';\nexport type E = CliError;\n",
      'batch/plan.ts': "export const run = () => import('../flows/batch.js');\n",
      'flows/batch.ts': "import type { Flags } from '../commands/options.js';\nexport type F = Flags;\n",
      'commands/options.ts': 'export interface Flags { json?: boolean }\n',
    });
    const out = check(root);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('src/core/format.ts (core) imports src/errors.ts (errors): imports point down, never up');
    expect(out.stderr).toContain('src/batch/plan.ts (engines and edge modules) imports src/flows/batch.ts (flows)');
    expect(out.stderr).toContain('src/flows/batch.ts (flows) imports src/commands/options.ts (commands)');
  });
});
