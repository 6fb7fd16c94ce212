// The README's input and output tables are generated from the action.yml files.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './support/run-action.js';
import { readManifest } from './support/contract.js';

test('the README tables match every action.yml (run `npm run docs` when this fails)', () => {
  expect(() => execFileSync(process.execPath, [join(ROOT, 'scripts', 'docs.mjs'), '--check'], { cwd: ROOT, stdio: 'pipe' })).not.toThrow();
});

test.each(['preview-db', 'create-branch', 'migrate', 'cleanup', 'snapshot'])('the README documents every input and output of %s', (action) => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf(`<!-- action-docs:${action}:start -->`), readme.indexOf(`<!-- action-docs:${action}:end -->`));
  const manifest = readManifest(action);
  for (const name of [...Object.keys(manifest.inputs), ...Object.keys(manifest.outputs)]) expect(section).toContain(`| \`${name}\` |`);
});

test('the root action takes the sub-actions\' inputs under the same names and defaults', () => {
  const root = readManifest('preview-db').inputs;
  const subActions = ['create-branch', 'migrate', 'cleanup'].map((action) => readManifest(action).inputs);
  for (const [name, input] of Object.entries(root)) {
    for (const sub of subActions) {
      // `dry-run` and `github-token` mean more in the root (they cover its comment and its close);
      // `export-env` is create-branch's (NAME=pooled|direct), whose names the migrate command also gets.
      if (sub[name] && !['github-token', 'dry-run', 'export-env'].includes(name)) expect([name, input.default]).toEqual([name, sub[name]!.default]);
    }
  }
  const createBranch = readManifest('create-branch').inputs;
  expect(Object.keys(createBranch).filter((name) => !(name in root))).toEqual([]);
  expect(root['export-env']).toEqual(createBranch['export-env']);
});
