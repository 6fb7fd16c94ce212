// The layers of src/ and the rules the import-graph test enforces (see docs/architecture.md).
// Dependencies run one way: a folder may import only from folders in layers below its own.
import ts from 'typescript';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

export interface Layer {
  name: string;
  /**
   * Folders under src/ in this layer. `x/*` makes each direct subfolder of `x` a folder of
   * its own (so `actions/restore` is a new entry without editing this table). A file in a
   * deeper folder belongs to the longest listed folder that contains it (`migrate/lint` is `migrate`).
   */
  folders: string[];
  /** Only entry points may import the runner's toolkit (`@actions/*`). */
  entryPoint?: boolean;
}

/** Top to bottom. To add a folder, put it in the layer it belongs to; a folder missing here fails the test. */
export const LAYERS: Layer[] = [
  { name: 'entries: CLI', folders: ['cli'] },
  { name: 'entries: root action', folders: ['actions/preview-db'], entryPoint: true },
  { name: 'entries: actions', folders: ['actions/*'], entryPoint: true },
  { name: 'entries: what every action shares (inputs, outputs, run facts)', folders: ['actions'], entryPoint: true },
  { name: 'composing cores', folders: ['lifecycle', 'refresh-template', 'restore'] },
  { name: 'cores', folders: ['create-branch', 'migrate', 'cleanup', 'snapshot'] },
  { name: 'schema', folders: ['schema'] },
  { name: 'providers and GitHub', folders: ['providers/*', 'github'] },
  { name: 'what every provider offers (types)', folders: ['providers'] },
  { name: 'shared', folders: ['shared'] },
];

/** One import: from a file under src/ (path relative to src, `/`-separated) to a file under src/ or a package. */
export interface ImportEdge {
  from: string;
  /** A path relative to src/ for a relative import, else the bare specifier. */
  to: string;
  external: boolean;
}

const TOOLKIT = /^@actions\//;

/** The folder (as the layer table names it) a src-relative file belongs to, or undefined when no layer lists it. */
export function folderOf(file: string, layers: Layer[] = LAYERS): string | undefined {
  const parts = file.split('/').slice(0, -1);
  for (let length = parts.length; length > 0; length--) {
    const candidate = parts.slice(0, length).join('/');
    if (layerIndex(candidate, layers) >= 0) return candidate;
  }
  return undefined;
}

/** The layer listing this folder by name, else as a direct subfolder of an `x/*` entry; -1 when none. */
function layerIndex(folder: string, layers: Layer[]): number {
  const exact = layers.findIndex((layer) => layer.folders.includes(folder));
  if (exact >= 0) return exact;
  const parent = folder.split('/').slice(0, -1).join('/');
  return parent === '' ? -1 : layers.findIndex((layer) => layer.folders.includes(`${parent}/*`));
}

/** Every rule broken by these imports, one sentence each (empty when the graph is sound). */
export function checkImports(edges: ImportEdge[], layers: Layer[] = LAYERS): string[] {
  const problems = new Set<string>();
  const graph = new Map<string, Set<string>>();
  for (const edge of edges) {
    const from = folderOf(edge.from, layers);
    if (from === undefined) {
      problems.add(`src/${edge.from}: its folder is in no layer; add it to LAYERS in __tests__/support/architecture.ts`);
      continue;
    }
    const fromLayer = layers[layerIndex(from, layers)]!;
    if (edge.external) {
      if (TOOLKIT.test(edge.to) && !fromLayer.entryPoint) {
        problems.add(
          `src/${edge.from} imports ${edge.to}: only the action entry points (src/actions) may use the runner's toolkit; the core takes a Log and plain values`,
        );
      }
      continue;
    }
    if (edge.to.startsWith('../')) {
      problems.add(`src/${edge.from} imports ${edge.to}, outside src/: dev-only code never ships in a bundle`);
      continue;
    }
    const to = folderOf(edge.to, layers);
    if (to === undefined) {
      problems.add(`src/${edge.to}: its folder is in no layer; add it to LAYERS in __tests__/support/architecture.ts`);
      continue;
    }
    if (to === from) continue;
    if (!graph.has(from)) graph.set(from, new Set());
    graph.get(from)!.add(to);
    const a = layerIndex(from, layers);
    const b = layerIndex(to, layers);
    if (a > b)
      problems.add(
        `src/${edge.from} imports src/${edge.to}: ${from} (${layers[a]!.name}) may not import from ${to}, which is in a higher layer (${layers[b]!.name})`,
      );
    else if (a === b)
      problems.add(`src/${edge.from} imports src/${edge.to}: ${from} and ${to} are side by side (${layers[a]!.name}); move what both need to a lower layer`);
  }
  for (const cycle of folderCycles(graph)) problems.add(`folder cycle: ${cycle.join(' → ')} → ${cycle[0]}`);
  return [...problems].sort();
}

/** Strongly connected components of more than one folder (Tarjan), each as a list of folders. */
export function folderCycles(graph: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let counter = 0;
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter++);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return cycles;
}

/** Module specifiers a TypeScript file imports: static, re-exports, `import()` and `import('x').T` types. */
export function specifiersOf(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const walk = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      found.push(node.moduleReference.expression.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push(node.argument.literal.text);
    }
    ts.forEachChild(node, walk);
  };
  walk(source);
  return found;
}

/** Every import of every .ts file under `srcDir`. */
export function readImportGraph(srcDir: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  const files = (readdirSync(srcDir, { recursive: true }) as string[]).filter((file) => file.endsWith('.ts')).map((file) => file.split(sep).join('/'));
  for (const file of files.sort()) {
    for (const specifier of specifiersOf(file, readFileSync(join(srcDir, file), 'utf8'))) {
      if (specifier.startsWith('.')) {
        const target = relative(srcDir, resolve(srcDir, dirname(file), specifier))
          .split(sep)
          .join('/')
          .replace(/\.js$/, '.ts');
        edges.push({ from: file, to: target, external: false });
      } else {
        edges.push({ from: file, to: specifier, external: true });
      }
    }
  }
  return edges;
}
