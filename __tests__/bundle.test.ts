// The runner executes dist/, not src/: the committed bundles must be exactly what
// `npm run bundle` makes from the sources, and every action.yml must point at one.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname, relative } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './support/run-action.js';

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
  const freshFiles = filesUnder(fresh).map((file) => relative(fresh, file)).sort();
  const committedFiles = filesUnder(committed).map((file) => relative(committed, file)).sort();
  expect(committedFiles).toEqual(freshFiles);
  const stale = freshFiles.filter((file) => !readFileSync(join(fresh, file)).equals(readFileSync(join(committed, file))));
  // If this fails: run `npm run bundle` and commit dist/.
  expect(stale).toEqual([]);
}, 120_000);

test.each(actionFiles().map((file) => [relative(ROOT, file), file]))('%s runs a committed bundle on node24', (_label, file) => {
  const manifest = parse(readFileSync(file, 'utf8')) as { runs: { using: string; main: string }; name: string; description: string };
  expect(manifest.runs.using).toBe('node24');
  const main = resolve(dirname(file), manifest.runs.main);
  expect(main.startsWith(join(ROOT, 'dist') + '/')).toBe(true);
  expect(existsSync(main)).toBe(true);
  expect(manifest.name).toBeTruthy();
  expect(manifest.description.length).toBeLessThanOrEqual(125); // the Marketplace's limit
});
