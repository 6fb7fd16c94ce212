// Builds one self-contained ESM bundle per action (and the CLI) into dist/<name>/index.js.
// Deterministic: the same sources and lockfile give byte-identical output, which the
// stale-bundle test relies on. Usage: node scripts/bundle.mjs [outdir]
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ENTRIES = {
  'preview-db': 'src/actions/preview-db/main.ts',
  'create-branch': 'src/actions/create-branch/main.ts',
  'migrate': 'src/actions/migrate/main.ts',
  'cleanup': 'src/actions/cleanup/main.ts',
  'snapshot': 'src/actions/snapshot/main.ts',
  'refresh-template': 'src/actions/refresh-template/main.ts',
  'cli': 'src/cli/main.ts',
};

const root = resolve(import.meta.dirname, '..');
const outRoot = resolve(process.argv[2] ?? join(root, 'dist'));

// Bundled CommonJS dependencies (pg, the AWS SDK) call require() on Node built-ins, and
// libpg-query's loader finds its .wasm through __dirname (the bundle's own directory).
const banner = "import { createRequire as __previewDbCreateRequire } from 'node:module';\nimport { fileURLToPath as __previewDbFileURLToPath } from 'node:url';\nconst require = __previewDbCreateRequire(import.meta.url);\nconst __filename = __previewDbFileURLToPath(import.meta.url);\nconst __dirname = __previewDbFileURLToPath(new URL('.', import.meta.url));";

rmSync(outRoot, { recursive: true, force: true });
for (const [name, entry] of Object.entries(ENTRIES)) {
  const outdir = join(outRoot, name);
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile: join(outdir, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // The CLI is the package's bin: it needs its interpreter line first.
    banner: { js: name === 'cli' ? `#!/usr/bin/env node\n${banner}` : banner },
    metafile: true,
    // pg only loads pg-native when asked for it, which we never do.
    external: ['pg-native'],
    legalComments: 'none',
    logLevel: 'warning',
  });
  // libpg-query loads its WebAssembly next to itself at run time.
  if (Object.keys(result.metafile.inputs).some((input) => input.startsWith('node_modules/libpg-query/'))) {
    cpSync(join(root, 'node_modules/libpg-query/wasm/libpg-query.wasm'), join(outdir, 'libpg-query.wasm'));
  }
}
