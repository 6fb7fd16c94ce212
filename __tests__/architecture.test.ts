// The import graph of src/, read with TypeScript's parser, runs one way: entries → composing
// cores → cores → schema → providers and GitHub → shared (docs/architecture.md).
import { join } from 'node:path';
import { ROOT } from './support/run-action.js';
import { LAYERS, checkImports, folderOf, readImportGraph, specifiersOf, type ImportEdge } from './support/architecture.js';

const edge = (from: string, to: string): ImportEdge => ({ from, to, external: !to.includes('/') || to.startsWith('@') });

test('every import in src/ runs down the layers, with no folder cycle and the toolkit only in entry points', () => {
  const edges = readImportGraph(join(ROOT, 'src'));
  // The reader sees the graph: a sample of edges that must be there.
  expect(edges.length).toBeGreaterThan(300);
  expect(edges).toContainEqual(edge('actions/runtime.ts', '@actions/core'));
  expect(edges).toContainEqual({ from: 'cleanup/stores.ts', to: 'providers/neon/sweep.ts', external: false });
  expect(checkImports(edges)).toEqual([]);
});

test('every folder of src/ has a layer', () => {
  const edges = readImportGraph(join(ROOT, 'src'));
  const unplaced = [...new Set(edges.map((e) => e.from))].filter((file) => folderOf(file) === undefined);
  expect(unplaced).toEqual([]);
});

describe('a wrong graph fails', () => {
  test('an edge that runs up', () => {
    expect(checkImports([edge('providers/neon/sweep.ts', 'cleanup/pacer.ts')])).toEqual([
      'src/providers/neon/sweep.ts imports src/cleanup/pacer.ts: providers/neon (providers and GitHub) may not import from cleanup, which is in a higher layer (cores)',
    ]);
    expect(checkImports([edge('shared/log.ts', 'actions/runtime.ts')])).toHaveLength(1);
  });

  test('an edge that runs sideways', () => {
    expect(checkImports([edge('actions/cleanup/inputs.ts', 'actions/create-branch/inputs.ts')])).toEqual([
      'src/actions/cleanup/inputs.ts imports src/actions/create-branch/inputs.ts: actions/cleanup and actions/create-branch are side by side (entries: actions); move what both need to a lower layer',
    ]);
    expect(checkImports([edge('providers/neon/preview.ts', 'providers/postgres/connect.ts')])).toHaveLength(1);
    expect(checkImports([edge('migrate/report.ts', 'cleanup/index.ts')])).toHaveLength(1);
  });

  test('a cycle between folders', () => {
    const problems = checkImports([edge('cleanup/stores.ts', 'providers/neon/sweep.ts'), edge('providers/neon/sweep.ts', 'cleanup/index.ts')]);
    expect(problems).toContain('folder cycle: cleanup → providers/neon → cleanup');
    // A cycle is reported even where the layer table would allow one of its edges.
    const flat = [{ name: 'one layer', folders: ['a', 'b'] }];
    expect(checkImports([edge('a/x.ts', 'b/y.ts'), edge('b/y.ts', 'a/z.ts')], flat)).toContain('folder cycle: a → b → a');
  });

  test("the runner's toolkit outside the entry points", () => {
    expect(checkImports([edge('migrate/index.ts', '@actions/core')])).toEqual([
      "src/migrate/index.ts imports @actions/core: only the action entry points (src/actions) may use the runner's toolkit; the core takes a Log and plain values",
    ]);
    expect(checkImports([edge('cli/main.ts', '@actions/github')])).toHaveLength(1);
    expect(checkImports([edge('actions/migrate/main.ts', '@actions/core')])).toEqual([]);
  });

  test('a folder with no layer', () => {
    expect(checkImports([edge('reports/render.ts', 'shared/log.ts')])).toEqual([
      'src/reports/render.ts: its folder is in no layer; add it to LAYERS in __tests__/support/architecture.ts',
    ]);
    expect(checkImports([edge('cleanup/index.ts', 'reports/render.ts')])).toHaveLength(1);
  });

  test('an import from outside src/', () => {
    expect(checkImports([edge('cleanup/index.ts', '../__tests__/fakes/github/server.ts')])).toHaveLength(1);
  });
});

test('new folders fit the table: an action entry, the composing cores, nested folders', () => {
  expect(folderOf('actions/restore/main.ts')).toBe('actions/restore');
  expect(folderOf('actions/preview-db/main.ts')).toBe('actions/preview-db');
  expect(folderOf('actions/runtime.ts')).toBe('actions');
  expect(folderOf('cli/commands/migrate.ts')).toBe('cli');
  expect(folderOf('migrate/lint/checks.ts')).toBe('migrate');
  expect(folderOf('restore/index.ts')).toBe('restore');
  expect(folderOf('refresh-template/index.ts')).toBe('refresh-template');
  expect(
    checkImports([
      edge('actions/restore/main.ts', 'restore/index.ts'),
      edge('restore/index.ts', 'snapshot/rds.ts'),
      edge('refresh-template/index.ts', 'migrate/index.ts'),
    ]),
  ).toEqual([]);
  expect(checkImports([edge('actions/preview-db/inputs.ts', 'actions/migrate/inputs.ts')])).toEqual([]);
  expect(LAYERS.find((layer) => layer.name === 'composing cores')!.folders).toEqual(expect.arrayContaining(['lifecycle', 'refresh-template', 'restore']));
});

test('the reader finds every kind of import', () => {
  const text = [
    "import a from './a.js';",
    "import type { B } from '../b.js';",
    "export { c } from './c.js';",
    "export * from './d.js';",
    "const e = await import('./e.js');",
    "type F = import('./f.js').F;",
    "import './g.js';",
  ].join('\n');
  expect(specifiersOf('x.ts', text)).toEqual(['./a.js', '../b.js', './c.js', './d.js', './e.js', './f.js', './g.js']);
});
