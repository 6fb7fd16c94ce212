// npm run bench [name...]: runs each benchmark in bench/*.bench.ts (bundled on the fly
// with esbuild, so benchmarks drive the same TypeScript core as the actions) and prints
// its ratios. Benchmarks report; they do not pass or fail.
import { build } from 'esbuild';
import { readdirSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(import.meta.dirname, '..');
const wanted = process.argv.slice(2);
const benches = readdirSync(join(root, 'bench'))
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => wanted.length === 0 || wanted.some((name) => file.startsWith(name)));
// Inside the project, so the bundled bench resolves node_modules like the sources do.
const out = join(root, 'node_modules', '.cache', 'preview-db-bench');
mkdirSync(out, { recursive: true });
for (const file of benches) {
  const outfile = join(out, file.replace(/\.ts$/, '.mjs'));
  await build({
    absWorkingDir: root,
    entryPoints: [join('bench', file)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  });
  console.log(`\n## ${file.replace(/\.bench\.ts$/, '')}`);
  const bench = await import(pathToFileURL(outfile).href);
  await bench.default();
}
