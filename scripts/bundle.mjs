// Builds the actions (and the CLI) into dist/<name>/index.js: minified ESM with a linked
// source map beside each file (sources point at src/, so `node --enable-source-maps`
// traces point there too). Code shared by several actions goes once into dist/chunks/, and
// what only some paths need is split off and loaded on first use (the AWS SDK for RDS
// snapshots, undici for GitHub API calls, form-data for axios's multipart bodies).
// libpg-query's WebAssembly is copied once, beside the one chunk that loads it. Deterministic:
// the same sources and lockfile give byte-identical output, which the stale-bundle test relies on.
// Usage: node scripts/bundle.mjs [outdir]
import { build } from 'esbuild';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export const ENTRIES = {
  'preview-db': 'src/actions/preview-db/main.ts',
  'create-branch': 'src/actions/create-branch/main.ts',
  migrate: 'src/actions/migrate/main.ts',
  cleanup: 'src/actions/cleanup/main.ts',
  snapshot: 'src/actions/snapshot/main.ts',
  restore: 'src/actions/restore/main.ts',
  'refresh-template': 'src/actions/refresh-template/main.ts',
  cli: 'src/cli/main.ts',
};

const root = resolve(import.meta.dirname, '..');
const target = resolve(process.argv[2] ?? join(root, 'dist'));

// Bundled CommonJS dependencies (pg, the AWS SDK) call require() on Node built-ins, and
// libpg-query's loader finds its .wasm through __dirname (the directory of its chunk).
const banner =
  "import { createRequire as __previewDbCreateRequire } from 'node:module';\nimport { fileURLToPath as __previewDbFileURLToPath } from 'node:url';\nconst require = __previewDbCreateRequire(import.meta.url);\nconst __filename = __previewDbFileURLToPath(import.meta.url);\nconst __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));";

/** `undici` → a stand-in that loads dist/vendor/undici.cjs on first use. */
const undiciOnDemand = {
  name: 'undici-on-demand',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^undici$/ }, () => ({ path: join(root, 'scripts/bundle/undici-on-demand.mjs') }));
  },
};

/** `form-data`, inside axios → a stand-in that loads dist/vendor/form-data.cjs on first use. */
const formDataOnDemand = {
  name: 'form-data-on-demand',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^form-data$/ }, (args) =>
      /node_modules\/axios\//.test(args.importer.split('\\').join('/')) ? { path: join(root, 'scripts/bundle/form-data-on-demand.cjs') } : undefined,
    );
  },
};

/** Inside @actions/core: its OIDC client, platform details and node:crypto → stand-ins that load them on first use. */
const actionsCoreOnDemand = {
  name: 'actions-core-on-demand',
  setup(esbuild) {
    const standIns = { './oidc-utils.js': 'scripts/bundle/oidc-on-demand.mjs', './platform.js': 'scripts/bundle/platform-on-demand.mjs' };
    esbuild.onResolve({ filter: /^\.\/(oidc-utils|platform)\.js$/ }, (args) =>
      /node_modules\/@actions\/core\/lib\/core\.js$/.test(args.importer.split('\\').join('/')) ? { path: join(root, standIns[args.path]) } : undefined,
    );
    // Its file commands' node:crypto (one randomUUID per output) → a stand-in that loads it on first use.
    esbuild.onResolve({ filter: /^crypto$/ }, (args) =>
      /node_modules\/@actions\/core\/lib\/file-command\.js$/.test(args.importer.split('\\').join('/'))
        ? { path: join(root, 'scripts/bundle/crypto-on-demand.mjs') }
        : undefined,
    );
  },
};

/**
 * axios touches the fetch API's globals when it loads, and the first touch of one (FormData,
 * Request, Response) loads Node's bundled undici: 10-20 ms of CPU before the Neon client's first
 * request. Requests here go through axios's http adapter, so two load-time lines change: the
 * fetch adapter's probe runs on that adapter's first use (axios calls it then itself), and
 * isFormData stops comparing with the global FormData class (a FormData instance still passes
 * its next check, on Symbol.toStringTag: whoever made one has loaded undici already).
 * Each line must be found exactly once, so an axios upgrade fails the bundle until rechecked.
 */
const AXIOS_LOAD_TIME_GLOBALS = [
  ['\ngetFetch();\n', '\n'],
  ["const FormDataCtor = typeof G.FormData !== 'undefined' ? G.FormData : undefined;", 'const FormDataCtor = undefined;'],
];
const axiosGlobalsOnDemand = {
  name: 'axios-globals-on-demand',
  setup(esbuild) {
    esbuild.onLoad({ filter: /node_modules[\\/]axios[\\/]dist[\\/]node[\\/]axios\.cjs$/ }, (args) => {
      let source = readFileSync(args.path, 'utf8');
      for (const [line, replacement] of AXIOS_LOAD_TIME_GLOBALS) {
        if (source.split(line).length !== 2)
          throw new Error(`bundle: ${JSON.stringify(line)} is not once in ${args.path}: check axiosGlobalsOnDemand against this axios`);
        source = source.replace(line, replacement);
      }
      return { contents: source, loader: 'js' };
    });
  },
};

async function bundleInto(outRoot) {
  const result = await build({
    absWorkingDir: root,
    entryPoints: Object.entries(ENTRIES).map(([name, entry]) => ({ in: entry, out: `${name}/index` })),
    outdir: outRoot,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    minify: true,
    sourcemap: 'linked',
    // Paths, not copies of the sources: the maps stay small and the diff reviewable.
    sourcesContent: false,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    banner: { js: banner },
    metafile: true,
    // pg only loads pg-native when asked for it, which we never do.
    external: ['pg-native'],
    plugins: [undiciOnDemand, actionsCoreOnDemand, axiosGlobalsOnDemand, formDataOnDemand],
    legalComments: 'none',
    logLevel: 'warning',
  });

  const outputs = Object.keys(result.metafile.outputs).map((file) => relative(outRoot, resolve(root, file)));
  // The banner's __dirname and the undici stand-in's '../vendor' assume this layout.
  for (const file of outputs) if (file.split('/').length !== 2) throw new Error(`bundle: ${file} is not one directory below the output`);

  // The CLI is the package's bin: it needs its interpreter line first. Its map then starts
  // one line later (a leading ';' in the mappings).
  const cli = join(outRoot, 'cli', 'index.js');
  writeFileSync(cli, `#!/usr/bin/env node\n${readFileSync(cli, 'utf8')}`);
  const cliMap = JSON.parse(readFileSync(`${cli}.map`, 'utf8'));
  writeFileSync(`${cli}.map`, JSON.stringify({ ...cliMap, mappings: `;${cliMap.mappings}` }));

  // libpg-query loads its WebAssembly from its own directory: one copy, beside its chunk.
  const wasmDirs = new Set(
    Object.entries(result.metafile.outputs)
      .filter(([, output]) => Object.keys(output.inputs).some((input) => input.startsWith('node_modules/libpg-query/')))
      .map(([file]) => dirname(resolve(root, file))),
  );
  if (wasmDirs.size > 1) throw new Error(`bundle: libpg-query landed in ${[...wasmDirs].join(', ')}; it must stay in one shared chunk`);
  for (const dir of wasmDirs) cpSync(join(root, 'node_modules/libpg-query/wasm/libpg-query.wasm'), join(dir, 'libpg-query.wasm'));

  // undici and form-data, for the stand-ins above: CommonJS so that they load synchronously where they are needed.
  for (const [entry, vendored] of [
    ['node_modules/undici/index.js', 'undici.cjs'],
    ['node_modules/form-data/lib/form_data.js', 'form-data.cjs'],
  ]) {
    await build({
      absWorkingDir: root,
      entryPoints: [entry],
      outfile: join(outRoot, 'vendor', vendored),
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      legalComments: 'none',
      logLevel: 'warning',
    });
  }
}

// esbuild's chunk names hash the source maps too, whose paths are relative to the output:
// building one directory below the root, as dist/ is, gives the same bytes wherever the
// result goes (the stale-bundle test builds into a temporary directory).
const staging = join(root, `.bundle-${process.pid}`);
rmSync(staging, { recursive: true, force: true });
mkdirSync(staging, { recursive: true });
try {
  await bundleInto(staging);
  rmSync(target, { recursive: true, force: true });
  cpSync(staging, target, { recursive: true });
} finally {
  rmSync(staging, { recursive: true, force: true });
}
