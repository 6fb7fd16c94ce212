// The runner executes dist/, not src/: the committed bundles must be exactly what
// `npm run bundle` makes from the sources, and every action.yml must point at one.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname, relative } from 'node:path';
import { parse } from 'yaml';
import { pathToFileURL } from 'node:url';
import { NODE24, ROOT } from './support/run-action.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function actionFiles(): string[] {
  const subActions = readdirSync(join(ROOT, 'actions')).map((name) => join(ROOT, 'actions', name, 'action.yml'));
  return [join(ROOT, 'action.yml'), ...subActions].filter((file) => existsSync(file));
}

test('the committed dist/ is exactly a fresh bundle of the sources', () => {
  const fresh = mkdtempSync(join(tmpdir(), 'preview-db-dist-'));
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs'), fresh], { cwd: ROOT, stdio: 'pipe' });
  const committed = join(ROOT, 'dist');
  const freshFiles = filesUnder(fresh)
    .map((file) => relative(fresh, file))
    .sort();
  const committedFiles = filesUnder(committed)
    .map((file) => relative(committed, file))
    .sort();
  expect(committedFiles).toEqual(freshFiles);
  const stale = freshFiles.filter((file) => !readFileSync(join(fresh, file)).equals(readFileSync(join(committed, file))));
  // If this fails: run `npm run bundle` and commit dist/.
  expect(stale).toEqual([]);
}, 120_000);

test("the tests labelled 'node 24' really run Node 24, the runner's node24", () => {
  expect(execFileSync(NODE24, ['--version']).toString().trim()).toMatch(/^v24\./);
});

test.each(actionFiles().map((file) => [relative(ROOT, file), file]))('%s runs a committed bundle on node24', (_label, file) => {
  const manifest = parse(readFileSync(file, 'utf8')) as { runs: { using: string; main: string }; name: string; description: string };
  expect(manifest.runs.using).toBe('node24');
  const main = resolve(dirname(file), manifest.runs.main);
  expect(main.startsWith(join(ROOT, 'dist') + '/')).toBe(true);
  expect(existsSync(main)).toBe(true);
  expect(manifest.name).toBeTruthy();
  expect(manifest.description.length).toBeLessThanOrEqual(125); // the Marketplace's limit
});

describe('bundle sizes, shared WebAssembly and source maps', () => {
  const dist = join(ROOT, 'dist');
  const names = readdirSync(dist).filter((name) => existsSync(join(dist, name, 'index.js')));
  let bundleFiles: (dist: string, name: string) => { atStart: string[]; onDemand: string[]; startBytes: number; onDemandBytes: number };
  let staticClosure: (dist: string, file: string) => Set<string>;
  beforeAll(async () => {
    ({ bundleFiles, staticClosure } = await import(join(ROOT, 'scripts', 'bundle', 'closure.mjs')));
  });
  const sourcesOf = (files: string[]) =>
    files.flatMap((file) => (JSON.parse(readFileSync(join(dist, `${file}.map`), 'utf8')) as { sources: string[] }).sources);

  test('every action starts with under 1 MB of JavaScript; the AWS SDK loads only on the RDS path', () => {
    expect(names).toEqual(expect.arrayContaining(['preview-db', 'create-branch', 'migrate', 'cleanup', 'snapshot', 'cli']));
    for (const name of names) {
      const files = bundleFiles(dist, name);
      expect([name, files.startBytes < 1_000_000]).toEqual([name, true]);
    }
    const snapshot = bundleFiles(dist, 'snapshot');
    expect(sourcesOf(snapshot.atStart).filter((source) => source.includes('@aws-sdk/'))).toEqual([]);
    expect(sourcesOf(snapshot.onDemand).some((source) => source.includes('@aws-sdk/client-rds'))).toBe(true);
  });

  test('each action checks its inputs before loading a provider client: Neon, Octokit, the AWS SDK and pg load on demand', () => {
    // What an action loads at start, before its inputs are validated: its entry, the runner's
    // toolkit and the input readers. The clients behind the work (and their HTTP stacks) come
    // after, through import(), so a bad input fails fast and nothing heavy loads for it.
    // @actions/http-client and @actions/exec: @actions/core's OIDC client and platform details,
    // which load node:http, node:https, node:tls and node:child_process (scripts/bundle/*-on-demand.mjs).
    const HEAVY = ['@neondatabase/', 'axios/', '@octokit/', '@actions/github/', '@aws-sdk/', '@smithy/', '@actions/http-client/', '@actions/exec/'];
    const heavyAtStart = (name: string) => [
      ...new Set(
        sourcesOf(bundleFiles(dist, name).atStart)
          .map((source) => HEAVY.find((heavy) => source.includes(`node_modules/${heavy}`)))
          .filter(Boolean),
      ),
    ];
    const loadsAtStart = (name: string, module: string) => sourcesOf(bundleFiles(dist, name).atStart).some((source) => source.includes(module));
    const loadsLater = (name: string, module: string) => sourcesOf(bundleFiles(dist, name).onDemand).some((source) => source.includes(module));
    for (const name of names) expect([name, heavyAtStart(name)]).toEqual([name, []]);
    // ...and they are still there, on demand, for the runs that need them.
    for (const name of ['preview-db', 'create-branch', 'cleanup', 'snapshot', 'restore', 'cli'])
      expect([name, loadsLater(name, 'node_modules/@neondatabase/api-client/')]).toEqual([name, true]);
    for (const name of ['preview-db', 'cleanup']) expect([name, loadsLater(name, 'node_modules/@octokit/core/')]).toEqual([name, true]);
    // The database stack, too: pg, the SQL parser and COPY streams load once the inputs are valid
    // (the input readers import the cores' light settings modules, never the cores).
    const DATABASE = ['pg/', 'libpg-query/', 'pg-copy-streams/'];
    for (const name of names) expect([name, DATABASE.filter((module) => loadsAtStart(name, `node_modules/${module}`))]).toEqual([name, []]);
    // ...and on demand wherever a run talks to a database or lints.
    for (const name of ['preview-db', 'create-branch', 'migrate', 'cleanup', 'snapshot', 'restore', 'refresh-template', 'cli'])
      expect([name, loadsLater(name, 'node_modules/pg/')]).toEqual([name, true]);
    for (const name of ['migrate', 'preview-db', 'cli'])
      expect([name, DATABASE.filter((module) => loadsLater(name, `node_modules/${module}`))]).toEqual([name, DATABASE]);
    // Node built-ins that are a share of the start themselves (node:crypto's load is about a tenth of
    // it) load on first use as well: @actions/core's file commands and our hashes require node:crypto when called.
    const LAZY_BUILTINS = ['crypto', 'child_process', 'http', 'https', 'tls', 'net', 'zlib'];
    const builtinsAtStart = (name: string) =>
      bundleFiles(dist, name).atStart.flatMap((file) =>
        [...readFileSync(join(dist, file), 'utf8').matchAll(/\bfrom\s*["'](?:node:)?([a-z_]+)["']/g)]
          .map((match) => match[1]!)
          .filter((builtin) => LAZY_BUILTINS.includes(builtin)),
      );
    for (const name of names) expect([name, builtinsAtStart(name)]).toEqual([name, []]);
    // The migrate and root actions and the CLI set the baseline-WebAssembly flags in-process (no second Node start to
    // relaunch), at start, so before the parser (on demand) compiles its WebAssembly.
    for (const name of ['migrate', 'preview-db', 'cli']) expect([name, loadsAtStart(name, 'src/shared/with-baseline-wasm.ts')]).toEqual([name, true]);
    const flagSetters = filesUnder(dist).filter((file) => file.endsWith('.js') && readFileSync(file, 'utf8').includes('--no-wasm-tier-up'));
    expect(flagSetters).toHaveLength(1);
    const setter = readFileSync(flagSetters[0]!, 'utf8');
    expect([setter.includes('setFlagsFromString'), setter.includes('process.argv.slice(1)')]).toEqual([true, false]);
  });

  test('libpg-query’s WebAssembly is in dist/ once, loaded only by the actions that lint', () => {
    const wasm = filesUnder(dist)
      .filter((file) => file.endsWith('.wasm'))
      .map((file) => relative(dist, file));
    expect(wasm).toHaveLength(1);
    const loadsParser = (name: string) => sourcesOf(bundleFiles(dist, name).atStart).some((source) => source.includes('libpg-query/'));
    const mayLoadParser = (name: string) => sourcesOf(bundleFiles(dist, name).onDemand).some((source) => source.includes('libpg-query/'));
    // None loads it at start: a bad input fails before it compiles.
    expect(names.filter(loadsParser)).toEqual([]);
    // The actions that lint load it once their inputs are valid (the CLI: only the commands that lint);
    // those that never lint, never (actions added later may go either way).
    expect(['migrate', 'preview-db', 'cli'].filter(mayLoadParser)).toEqual(['migrate', 'preview-db', 'cli']);
    expect(['cleanup', 'create-branch', 'snapshot', 'restore'].filter((name) => loadsParser(name) || mayLoadParser(name))).toEqual([]);
    // The chunk that loads it sits beside it (its loader looks in its own directory).
    const loaders = filesUnder(dist).filter((file) => file.endsWith('.js') && readFileSync(file, 'utf8').includes('libpg-query.wasm'));
    expect(loaders.map((file) => dirname(relative(dist, file)))).toEqual([dirname(wasm[0]!)]);
  });

  test('a Neon preview reaches its first API request without pg: the Neon provider loads it once the branch exists', () => {
    const scripts = filesUnder(dist).filter((file) => file.endsWith('.js'));
    const neon = scripts.filter((file) => sourcesOf([relative(dist, file)]).includes('../../src/providers/neon/preview.ts'));
    expect(neon).toHaveLength(1);
    const loaded = sourcesOf([...staticClosure(dist, relative(dist, neon[0]!))]);
    expect(loaded.filter((source) => /node_modules\/(pg|pg-protocol|pg-pool)\//.test(source))).toEqual([]);
    expect(loaded).toContain('../../node_modules/@neondatabase/api-client/dist/index.js');
  });

  test("the Neon client's HTTP stack loads without Node's bundled undici or form-data's MIME table (each waits for first use)", () => {
    const axios = filesUnder(dist).filter(
      (file) => file.endsWith('.js') && sourcesOf([relative(dist, file)]).some((source) => source.includes('node_modules/axios/')),
    );
    expect(axios).toHaveLength(1);
    const script = "await import(process.argv[1]); console.log(process.moduleLoadList.some((m) => m.includes('undici')))";
    const loaded = execFileSync(NODE24, ['--input-type=module', '-e', script, pathToFileURL(axios[0]!).href], { cwd: ROOT, encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop();
    expect(loaded).toBe('false');
    // form-data (with mime-db, ~165 KB) is bundled apart; axios's stand-in loads it for a multipart body.
    expect(sourcesOf([relative(dist, axios[0]!)]).filter((source) => /node_modules\/(form-data|mime-db|mime-types)\//.test(source))).toEqual([]);
    const vendored = "const FormData = require(process.argv[1]); const form = new FormData(); form.append('a', '1'); console.log(typeof form.getBoundary())";
    expect(execFileSync(NODE24, ['-e', vendored, join(dist, 'vendor', 'form-data.cjs')], { encoding: 'utf8' }).trim()).toBe('string');
  });

  test('every bundle file has a linked source map whose sources are the files in src/, and Node maps code back to them', () => {
    const scripts = filesUnder(dist).filter((file) => /\.js$/.test(file));
    for (const file of scripts) {
      expect(
        readFileSync(file, 'utf8')
          .trimEnd()
          .endsWith(`//# sourceMappingURL=${file.split('/').pop()}.map`),
      ).toBe(true);
      expect(existsSync(`${file}.map`)).toBe(true);
    }
    const ours = sourcesOf(scripts.map((file) => relative(dist, file))).filter((source) => source.startsWith('../../src/'));
    expect(ours.length).toBeGreaterThan(50);
    for (const source of new Set(ours)) expect([source, existsSync(resolve(dist, 'x', source))]).toEqual([source, true]);

    // What --enable-source-maps does for a stack frame: a position in a chunk → src/.
    const chunk = scripts.find((file) => readFileSync(file, 'utf8').includes('gave up after'))!;
    const lines = readFileSync(chunk, 'utf8').split('\n');
    const line = lines.findIndex((text) => text.includes('gave up after'));
    const column = lines[line]!.indexOf('gave up after');
    const script =
      "import { findSourceMap } from 'node:module'; const url = process.argv[1]; await import(url); console.log(JSON.stringify(findSourceMap(url).findOrigin(Number(process.argv[2]), Number(process.argv[3]))));";
    const origin = JSON.parse(
      execFileSync(
        process.execPath,
        ['--enable-source-maps', '--input-type=module', '-e', script, pathToFileURL(chunk).href, String(line + 1), String(column + 1)],
        { cwd: ROOT, encoding: 'utf8' },
      )
        .trim()
        .split('\n')
        .pop()!,
    );
    expect(origin.fileName).toBe(pathToFileURL(join(ROOT, 'src', 'shared', 'retry.ts')).href);
  });
});
