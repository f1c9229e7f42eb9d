// Keeps the dependencies of src/ pointing one way (README: Development):
//   cli → program → commands → flows → engines and edge modules → errors → core
// An import may go to its own layer or a lower one, never a higher one, and no chain of imports
// (static, dynamic import(), and `import type` too: two modules that need each other's types are
// one concern split in two) may come back to where it started. Run by `npm run lint`; exits 1 and
// names each offending import.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// The repository by default; the tests pass a small tree of their own.
const ROOT = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
const SRC = join(ROOT, 'src');

/** Layers from the bottom up: a module belongs to the first whose pattern matches its path. */
const LAYERS = [
  ['core', /^core\//],
  ['errors', /^errors\.ts$/],
  ['engines and edge modules', /^(batch|transport|config|sandbox|listen|history|completion)\/|^(io|output|input|context|version|lib|http-body|cache-dir)\.ts$/],
  ['flows', /^flows\//],
  ['commands', /^commands\//],
  ['program', /^program\.ts$/],
  ['cli', /^(cli|program-loader)\.ts$/],
];

const STATIC = /^[ \t]*(?:import|export)\b([^;]*?)\bfrom\s*['"]([^'"]+)['"]/gm;
const BARE = /^[ \t]*import\s*['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function layerOf(file) {
  const path = relative(SRC, file).split('\\').join('/');
  const index = LAYERS.findIndex(([, pattern]) => pattern.test(path));
  if (index < 0) throw new Error(`src/${path} belongs to no layer: add it to LAYERS in scripts/check-imports.js`);
  return index;
}

/** The src/ file a relative specifier names (`./x.js` is written for `./x.ts`), or undefined. */
function target(from, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  return resolve(dirname(from), specifier).replace(/\.js$/, '.ts');
}

/** Every relative import of `file` (static, dynamic and `import type`). */
function importsOf(file) {
  const text = readFileSync(file, 'utf8');
  const found = [];
  for (const [, , specifier] of text.matchAll(STATIC)) found.push(specifier);
  for (const [, specifier] of text.matchAll(BARE)) found.push(specifier);
  for (const [, specifier] of text.matchAll(DYNAMIC)) found.push(specifier);
  return found.flatMap((specifier) => {
    const to = target(file, specifier);
    return to === undefined ? [] : [to];
  });
}

/** Tarjan's strongly connected components: each one of two or more files holds a cycle. */
function cycles(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  let next = 0;
  const visit = (node) => {
    index.set(node, next);
    low.set(node, next++);
    stack.push(node);
    onStack.add(node);
    for (const to of graph.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node), low.get(to)));
      } else if (onStack.has(to)) low.set(node, Math.min(low.get(node), index.get(to)));
    }
    if (low.get(node) !== index.get(node)) return;
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || graph.get(node)?.has(node)) found.push(component);
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

const show = (file) => relative(ROOT, file).split('\\').join('/');
const problems = [];
const graph = new Map();
const files = sourceFiles(SRC);
for (const file of files) {
  const edges = new Set();
  for (const to of importsOf(file)) {
    if (!files.includes(to)) {
      problems.push(`${show(file)} imports ${show(to)}, which does not exist`);
      continue;
    }
    const [from, into] = [layerOf(file), layerOf(to)];
    if (into > from) problems.push(`${show(file)} (${LAYERS[from][0]}) imports ${show(to)} (${LAYERS[into][0]}): imports point down, never up`);
    edges.add(to);
  }
  graph.set(file, edges);
}
for (const component of cycles(graph)) {
  problems.push(`import cycle between ${component.map(show).sort().join(', ')}`);
}

if (problems.length > 0) {
  for (const problem of problems) console.error(`✗ ${problem}`);
  console.error(`${problems.length} import problem(s): move the shared part down to a layer both sides may import.`);
  process.exit(1);
}
