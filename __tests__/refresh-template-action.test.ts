// actions/refresh-template as the runner runs it: the bundle under the machine's node and
// Node 24, INPUT_* variables, a read-only role on production, outputs, step summary,
// annotations, exit status, no secret and no unmasked value in anything it printed, and
// the contract with its action.yml.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { secretsOfUrl } from '../src/shared/secrets.js';
import { NODES, inputErrorAnnotation, leakedSecrets, runAction, type ActionRun } from './support/run-action.js';
import { contractDifferences } from './support/contract.js';
import {
  MASKING,
  MIGRATIONS,
  USERS,
  adminUrl,
  databaseExists,
  dropAll,
  dropDatabases,
  dumpText,
  production,
  query,
  templateName,
  urlFor,
  workspace,
} from './fixtures/refresh/support.js';

const created: string[] = [];
const templates: string[] = [];
const runs: ActionRun[] = [];
const SALT = 'salt-of-the-action-test-5417';
const READER = `rt_reader_${process.pid}`;
const READER_PASSWORD = 'reader-pw-not-real-93xq';
/** Not the reader's password: a wrong one, with every character a URL or a shell treats specially. */
const ODD_PASSWORD = `wrong pa$(id)'"ss@w/rd%#?:`;
let prod: { name: string; url: string };
let readerUrl: string;

beforeAll(async () => {
  prod = await production('rt_action_prod', created);
  // Production through a role that can read and nothing else.
  await query(adminUrl(), `CREATE ROLE ${READER} LOGIN PASSWORD '${READER_PASSWORD}'`);
  await query(
    prod.url,
    `GRANT USAGE ON SCHEMA public TO ${READER}; GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${READER}; GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO ${READER}`,
  );
  const url = new URL(prod.url);
  url.username = READER;
  url.password = READER_PASSWORD;
  readerUrl = url.toString();
}, 60_000);

afterAll(async () => {
  await dropDatabases(templates);
  await dropAll(created);
  await query(adminUrl(), `DROP ROLE IF EXISTS ${READER}`);
});

function inputsFor(template: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    'source-url': readerUrl,
    'postgres-url': adminUrl(),
    template,
    'migrations-dir': 'migrations',
    runner: 'builtin',
    command: '',
    'history-table': 'public.preview_db_migrations',
    'masking-rules': 'preview-db.masking.yml',
    'require-masking-rules': 'false',
    parallel: '4',
    'wait-timeout': '30s',
    ...overrides,
  };
}

async function refreshAction(inputs: Record<string, string>, options: { node?: string; masking?: string } = {}): Promise<ActionRun> {
  const cwd = workspace({ ...MIGRATIONS, 'preview-db.masking.yml': options.masking ?? MASKING });
  const run = await runAction('refresh-template', { inputs, cwd, node: options.node, env: { PREVIEW_DB_MASKING_SALT: SALT }, timeoutMs: 90_000 });
  runs.push(run);
  return run;
}

describe.each(NODES)('under %s', (_label, node) => {
  test('refreshes the template from a read-only role: outputs, step summary, masked data', async () => {
    const template = templateName('rt_act');
    templates.push(template);
    const run = await refreshAction(inputsFor(template), { node });
    expect(run.stdout).not.toMatch(/::error/);
    expect(run.status).toBe(0);
    expect(run.outputs).toMatchObject({ template, tables: '5', 'rows-copied': String(USERS + 1000 + 5 + 2) });
    expect(JSON.parse(run.outputs['masked-columns']!)).toEqual(
      expect.arrayContaining(['public.users.email', 'public.users.birthday', 'public.orders.contact_email']),
    );
    expect(JSON.parse(run.outputs['unmasked-personal-columns']!)).toEqual([]);
    expect(Number(run.outputs['duration-seconds'])).toBeGreaterThan(0);
    expect(run.summary).toMatch(/### Template `rt_act_\d+_\d+` refreshed/);
    expect(run.summary).toMatch(/\| Copy \| /);
    expect(run.summary).toMatch(/\| `public\.orders` \| 1000 \|/);
    expect(await databaseExists(template)).toBe(true);
    expect(await dumpText(template)).not.toMatch(/ORIG/);
    // Deterministic masking used the salt from the environment: the same e-mail as the core gives with it.
    const [{ email }] = (await query<{ email: string }>(urlFor(template), 'SELECT email FROM users WHERE id = 1')) as [{ email: string }];
    const [{ expected }] = (await query<{ expected: string }>(
      prod.url,
      `SELECT 'user_' || substr(md5($1 || email), 1, 16) || '@example.com' AS expected FROM users WHERE id = 1`,
      [SALT],
    )) as [{ expected: string }];
    expect(email).toBe(expected);
  }, 120_000);
});

test('unmasked personal-looking columns are an output and a warning; with require-masking-rules the run fails and creates nothing', async () => {
  const template = templateName('rt_act');
  templates.push(template);
  const warned = await refreshAction(inputsFor(template), { masking: 'tables:\n  public.audit_log: { skip: true }\n' });
  expect(warned.status).toBe(0);
  expect(warned.stdout).toMatch(/::warning title=Unmasked personal-looking columns::/);
  expect(JSON.parse(warned.outputs['unmasked-personal-columns']!)).toEqual(
    expect.arrayContaining(['public.users.email', 'public.users.phone', 'public.users.last_ip']),
  );
  expect(warned.summary).toMatch(/look personal and were copied unmasked/);

  const strict = templateName('rt_act');
  templates.push(strict);
  const failed = await refreshAction(inputsFor(strict, { 'require-masking-rules': 'true' }), { masking: 'tables: {}\n' });
  expect(failed.status).toBe(1);
  expect(failed.stdout).toMatch(/::error::.*look personal and have no masking rule/);
  expect(await databaseExists(strict)).toBe(false);
  expect(await databaseExists(`${strict}_next`)).toBe(false);
}, 120_000);

test.each([
  ['template', { template: '' }, /is required/],
  ['template', { template: 'postgres' }, /system database/],
  ['parallel', { parallel: 'many' }, /not a whole number/],
  ['parallel', { parallel: '0' }, /between 1 and 64/],
  ['wait-timeout', { 'wait-timeout': 'soon' }, /not a duration/],
  ['require-masking-rules', { 'require-masking-rules': 'yes' }, /not a boolean/],
  ['runner', { runner: 'liquibase' }, /not one of/],
  ['command', { runner: 'command' }, /required with runner: command/],
  ['masking-rules', { 'masking-rules': 'missing.yml' }, /missing\.yml does not exist/],
  ['source-url', { 'source-url': 'mysql://nope' }, /not a postgres/],
])('bad input %s (%j) fails before anything is created', async (input, overrides, message) => {
  const template = templateName('rt_bad');
  const run = await refreshAction(inputsFor(template, overrides as Record<string, string>));
  expect(run.status).toBe(1);
  expect(run.stdout).toContain(inputErrorAnnotation(input));
  expect(run.stdout).toMatch(message);
  expect(await databaseExists(`${template}_next`)).toBe(false);
});

test('a source-url whose odd password is wrong fails before anything is created, and neither form of the password prints', async () => {
  const template = templateName('rt_bad');
  const url = new URL(readerUrl);
  url.password = encodeURIComponent(ODD_PASSWORD);
  const run = await refreshAction(inputsFor(template, { 'source-url': url.toString() }));
  expect(run.status).toBe(1);
  expect(run.stdout).toMatch(/password authentication failed/);
  expect(leakedSecrets(run, [url.toString(), url.password, ODD_PASSWORD], { outputFiles: true })).toEqual([]);
  expect(await databaseExists(`${template}_next`)).toBe(false);
  expect(await databaseExists(template)).toBe(false);
});

test('no run printed a secret or an unmasked value, nor set one as an output', () => {
  // The runs of the tests above (both nodes, the warned and the refused run, every bad input).
  expect(runs.length).toBeGreaterThanOrEqual(NODES.length + 2 + 10 + 1);
  const secrets = [...secretsOfUrl(readerUrl), ...secretsOfUrl(adminUrl()), SALT].filter((secret) => secret.length >= 6);
  expect(secrets).toEqual(expect.arrayContaining([readerUrl, READER_PASSWORD, SALT]));
  for (const run of runs) {
    expect(leakedSecrets(run, secrets, { outputFiles: true })).toEqual([]);
    for (const text of [run.stdout, run.stderr, run.summary, run.files.output]) expect(text).not.toMatch(/ORIG/);
  }
});

test('the action reads exactly the inputs and sets exactly the outputs its action.yml declares', () => {
  expect(contractDifferences('refresh-template', runs)).toEqual({
    inputsReadButNotDeclared: [],
    inputsDeclaredButNeverRead: [],
    outputsSetButNotDeclared: [],
    outputsDeclaredButNeverSet: [],
  });
});

test('the reusable workflow is workflow_call only, never cancelled halfway, and hands the action every input', async () => {
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { parse } = await import('yaml');
  const { ROOT } = await import('./support/run-action.js');
  const { readManifest } = await import('./support/contract.js');
  const workflow = parse(readFileSync(join(ROOT, '.github/workflows/refresh-template.yml'), 'utf8')) as {
    on: Record<string, unknown>;
    permissions: unknown;
    concurrency: { 'cancel-in-progress': unknown };
    jobs: { refresh: { steps: Array<{ uses?: string; with?: Record<string, unknown>; env?: Record<string, string> }> } };
  };
  expect(Object.keys(workflow.on)).toEqual(['workflow_call']);
  expect(workflow.permissions).toEqual({});
  expect(workflow.concurrency['cancel-in-progress']).toBe(false);
  const step = workflow.jobs.refresh.steps.find((s) => s.uses?.includes('/actions/refresh-template@'))!;
  expect(Object.keys(step.with!).sort()).toEqual(Object.keys(readManifest('refresh-template').inputs).sort());
  expect(Object.keys(step.env!)).toEqual(['PREVIEW_DB_MASKING_SALT']);
});
