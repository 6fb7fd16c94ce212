// The README's input and output tables are generated from the action.yml files.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './support/run-action.js';
import { readManifest } from './support/contract.js';
import { parse } from 'yaml';

test('the README tables, docs/actions/ and the generated contract match every action.yml (run `npm run docs` when this fails)', () => {
  expect(() => execFileSync(process.execPath, [join(ROOT, 'scripts', 'docs.mjs'), '--check'], { cwd: ROOT, stdio: 'pipe' })).not.toThrow();
});

test.each(['preview-db', 'create-branch', 'migrate', 'cleanup', 'snapshot'])(
  'the docs document every input and output of %s (the root action in the README, the others in docs/actions/)',
  (action) => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section =
      action === 'preview-db'
        ? readme.slice(readme.indexOf(`<!-- action-docs:${action}:start -->`), readme.indexOf(`<!-- action-docs:${action}:end -->`))
        : readFileSync(join(ROOT, 'docs', 'actions', `${action}.md`), 'utf8');
    expect(readme).toContain(action === 'preview-db' ? '<!-- action-docs:preview-db:start -->' : `(docs/actions/${action}.md)`);
    const manifest = readManifest(action);
    for (const name of [...Object.keys(manifest.inputs), ...Object.keys(manifest.outputs)]) expect(section).toContain(`| \`${name}\` |`);
  },
);

test("the root action takes the sub-actions' inputs under the same names and defaults", () => {
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

test("the README's quick start passes only inputs and secrets the reusable workflow and the root action declare", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1]!);
  const workflow = parse(blocks[0]!) as { jobs: Record<string, { uses: string; with: Record<string, unknown>; secrets: Record<string, unknown> }> };
  const reusable = parse(readFileSync(join(ROOT, '.github/workflows/preview-database.yml'), 'utf8')) as {
    on: { workflow_call: { inputs: object; secrets: object } };
  };
  const job = Object.values(workflow.jobs)[0]!;
  expect(job.uses).toMatch(/\/\.github\/workflows\/preview-database\.yml@/);
  expect(Object.keys(job.with).filter((name) => !(name in reusable.on.workflow_call.inputs))).toEqual([]);
  expect(Object.keys(job.secrets).filter((name) => !(name in reusable.on.workflow_call.secrets))).toEqual([]);
  // The second block uses the root action directly.
  const step = parse(`steps:\n${blocks[1]!.replace(/^ {6}/gm, '')}`) as { steps: Array<{ uses: string; with?: Record<string, unknown> }> };
  const rootInputs = readManifest('preview-db').inputs;
  const own = step.steps.find((s) => s.uses.startsWith('example-org/preview-db@'))!;
  expect(Object.keys(own.with ?? {}).filter((name) => !(name in rootInputs))).toEqual([]);
});

test('the generated contract covers every action.yml under actions/, found without a list', async () => {
  const { CONTRACT } = await import('../src/actions/contract.generated.js');
  const { readdirSync, existsSync } = await import('node:fs');
  const onDisk = readdirSync(join(ROOT, 'actions')).filter((name) => existsSync(join(ROOT, 'actions', name, 'action.yml')));
  expect(Object.keys(CONTRACT).sort()).toEqual(['preview-db', ...onDisk].sort());
  for (const action of Object.keys(CONTRACT) as Array<keyof typeof CONTRACT>) {
    const manifest = readManifest(action);
    expect(Object.keys(CONTRACT[action].inputs)).toEqual(Object.keys(manifest.inputs ?? {}));
    expect([...CONTRACT[action].outputs]).toEqual(Object.keys(manifest.outputs ?? {}));
  }
});
