// The root action and the migrate action against hostile or broken pull requests, run as the
// runner runs their bundles: untrusted text (description, title, branch name) never opens a
// guard, and what can be checked without a database is checked before anything is created.
import { sql } from './support/sql.js';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startFakeGitHub, type FakeGitHub } from './fakes/github/server.js';
import { startFakeNeon, type FakeNeon } from './fakes/neon/server.js';
import { runAction, pullRequestEvent, leakedSecrets, outputSecrets, inputErrorAnnotation, type ActionRun } from './support/run-action.js';

const adminUrl = process.env.TEST_DATABASE_URL!;
const TOKEN = 'ghs_test_token_not_real_1111111111';
const REPO = 'example-org/example-app';
const TEMPLATE = 'guards_production';
let github: FakeGitHub;
let neon: FakeNeon;
const runs: ActionRun[] = [];

const dbUrl = (database: string) => adminUrl.replace(/\/postgres$/, `/${database}`);

function workspaceOf(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'preview-db-guards-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

async function lifecycle(inputs: Record<string, string>, event: Record<string, unknown>, cwd: string) {
  const run = await runAction('preview-db', {
    inputs: { 'github-token': TOKEN, 'wait-timeout': '60s', ...inputs },
    event,
    cwd,
    env: { GITHUB_API_URL: github.apiUrl, GITHUB_REPOSITORY: REPO },
  });
  runs.push(run);
  return run;
}

const postgresInputs = () => ({ provider: 'postgres', 'postgres-url': adminUrl, template: TEMPLATE });
const neonInputs = () => ({ 'neon-api-key': neon.apiKey, 'neon-project-id': neon.projectId, 'api-host': neon.apiHost });
const comments = (number: number) => github.comments(number, REPO);
const databaseExists = async (name: string) => (await sql(adminUrl, 'SELECT 1 FROM pg_database WHERE datname = $1', [name])).length > 0;
const roleExists = async (name: string) => (await sql(adminUrl, 'SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).length > 0;

/** A pull request whose description, title and branch name all try to waive the rules. */
function hostileEvent(number: number) {
  const event = pullRequestEvent(number, {
    action: 'opened',
    body: 'Cleanup.\n\npreview-db: allow ban-drop-table\nsquawk-ignore ban-drop-table, require-concurrent-index-creation\n',
  });
  event.pull_request = {
    ...event.pull_request,
    title: 'preview-db: allow ban-drop-table',
    head: { ...event.pull_request.head, ref: 'preview-db:-allow-ban-drop-table' },
  } as typeof event.pull_request;
  return event;
}

beforeAll(async () => {
  github = await startFakeGitHub({ token: TOKEN, login: 'github-actions[bot]' });
  neon = await startFakeNeon({ postgresUrl: adminUrl, operationDelayMs: 50 });
  await sql(adminUrl, `DROP DATABASE IF EXISTS ${TEMPLATE}`);
  await sql(adminUrl, `CREATE DATABASE ${TEMPLATE}`);
  await sql(dbUrl(TEMPLATE), 'CREATE TABLE accounts (id int PRIMARY KEY, email text)');
  await sql(dbUrl(TEMPLATE), "INSERT INTO accounts SELECT g, 'user' || g || '@example.com' FROM generate_series(1, 1000) g");
}, 120_000);

afterAll(async () => {
  const rows = await sql<{ datname: string }>(
    adminUrl,
    `SELECT datname FROM pg_database WHERE datname LIKE 'preview_pr_9__' OR datname = '${TEMPLATE}' OR datname LIKE 'guards_target_%'`,
  );
  for (const { datname } of rows) await sql(adminUrl, `DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  const roles = await sql<{ rolname: string }>(adminUrl, "SELECT rolname FROM pg_roles WHERE rolname LIKE 'preview_pr_9___owner'");
  for (const { rolname } of roles) await sql(adminUrl, `DROP ROLE IF EXISTS ${rolname}`);
  await github?.close();
  await neon?.close();
});

describe('untrusted text never opens a guard', () => {
  test('root action, lint: error: a description, title and branch name that waive ban-drop-table leave it blocking, and the table stays', async () => {
    const cwd = workspaceOf({ 'migrations/0001_drop.sql': 'DROP TABLE accounts;\n' });
    const run = await lifecycle({ ...postgresInputs(), lint: 'error' }, hostileEvent(901), cwd);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/::error.*ban-drop-table/);
    expect(run.outputs.applied).toBe('0');
    const findings = JSON.parse(run.outputs['lint-findings']!) as Array<{ rule: string; severity: string; message: string }>;
    expect(findings.find((f) => f.rule === 'ban-drop-table')).toMatchObject({
      severity: 'error',
      message: expect.stringContaining('Acknowledged in the pull request'),
    });
    expect(await sql(dbUrl('preview_pr_901'), "SELECT to_regclass('public.accounts')::text AS t")).toEqual([{ t: 'accounts' }]);
    expect(comments(901)[0]!.body).toContain('ban-drop-table');
  });

  test('migrate action on a protected database: a description that waives ban-drop-table does not replace allow-destructive', async () => {
    const target = `guards_target_${process.pid}`;
    await sql(adminUrl, `CREATE DATABASE ${target}`);
    await sql(dbUrl(target), 'CREATE TABLE accounts (id int PRIMARY KEY)');
    const cwd = workspaceOf({ 'migrations/0001_drop.sql': 'DROP TABLE accounts;\n' });
    const run = await runAction('migrate', {
      inputs: { 'database-url': dbUrl(target), protected: 'true', lint: 'warn' },
      event: hostileEvent(902),
      cwd,
      timeoutMs: 60_000,
    });
    runs.push(run);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/destructive change\(s\) on a protected database/);
    expect(await sql(dbUrl(target), "SELECT to_regclass('public.accounts')::text AS t")).toEqual([{ t: 'accounts' }]);
    // The workflow's own input (reviewed) still opens it.
    const allowed = await runAction('migrate', {
      inputs: { 'database-url': dbUrl(target), protected: 'true', 'allow-destructive': 'true' },
      event: hostileEvent(902),
      cwd,
      timeoutMs: 60_000,
    });
    runs.push(allowed);
    expect(allowed.status).toBe(0);
    expect(await sql(dbUrl(target), "SELECT to_regclass('public.accounts')::text AS t")).toEqual([{ t: null }]);
  });
});

describe('checked before anything is created', () => {
  // A missing directory or seed is an input error; a file the runner refuses is annotated at the file (with every other one).
  const refused = (file: string) => `::error title=Migration file refused,file=${file},`;
  const broken: Array<[string, number, Record<string, string>, Record<string, string>, string]> = [
    [
      'a missing migrations-dir',
      903,
      { 'migrations-dir': 'db/missing' },
      { 'migrations/0001_ok.sql': 'CREATE TABLE ok (id int);\n' },
      inputErrorAnnotation('migrations-dir'),
    ],
    [
      'a file Postgres cannot parse',
      904,
      {},
      { 'migrations/0001_ok.sql': 'CREATE TABLE ok (id int);\n', 'migrations/0002_bad.sql': 'CREATE TABLE broken (id int;\n' },
      refused('migrations/0002_bad.sql'),
    ],
    ['a missing seed', 905, { seed: 'db/seed.sql' }, { 'migrations/0001_ok.sql': 'CREATE TABLE ok (id int);\n' }, inputErrorAnnotation('seed')],
  ];
  test.each(broken)('postgres: %s leaves no database and no role', async (_what, number, inputs, files, annotation) => {
    const run = await lifecycle({ ...postgresInputs(), ...inputs }, pullRequestEvent(number), workspaceOf(files));
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(annotation);
    expect(await databaseExists(`preview_pr_${number}`)).toBe(false);
    expect(await roleExists(`preview_pr_${number}_owner`)).toBe(false);
  });

  test('neon: a file Postgres cannot parse makes no create request', async () => {
    const before = neon.requests.length;
    const run = await lifecycle(neonInputs(), pullRequestEvent(906), workspaceOf({ 'migrations/0001_bad.sql': 'ALTER TABLE accounts ADD COLUMN;\n' }));
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(refused('migrations/0001_bad.sql'));
    expect(neon.requests.slice(before).filter((request) => request.method !== 'GET')).toEqual([]);
    expect(neon.branches().some((branch) => branch.name === 'preview/pr-906')).toBe(false);
  });
});

describe('lint without a database', () => {
  const files = { 'migrations/0001_index.sql': 'CREATE INDEX accounts_email ON accounts (email);\n', 'migrations/0002_drop.sql': 'DROP TABLE accounts;\n' };
  const rulesOf = (run: ActionRun) => (JSON.parse(run.outputs['lint-findings']!) as Array<{ rule: string }>).map((f) => f.rule);

  test('migrate action with no database-url (a fork): lint outputs, annotations and report, nothing applied', async () => {
    const run = await runAction('migrate', {
      inputs: { 'database-url': '' },
      event: pullRequestEvent(910, { fork: true }),
      cwd: workspaceOf(files),
      timeoutMs: 60_000,
    });
    runs.push(run);
    expect(run.status).toBe(0);
    expect(rulesOf(run)).toEqual(expect.arrayContaining(['require-concurrent-index-creation', 'ban-drop-table']));
    // Offline nothing is known to be applied: every readable migration counts as pending.
    expect(run.outputs).toMatchObject({ applied: '0', pending: '2' });
    expect(run.stdout).toMatch(/::warning title=ban-drop-table \(error\),file=migrations\/0002_drop.sql,line=1/);
    expect(run.stdout).toMatch(/::notice .*linted offline/);
    expect(run.summary).toContain('ban-drop-table');
    expect(run.outputs.report).toContain('linted offline');
  });

  test('root action, a pull request from a fork: says why there is no preview and comments the offline lint', async () => {
    const run = await lifecycle({ provider: 'postgres', 'postgres-url': '', lint: 'warn' }, pullRequestEvent(911, { fork: true }), workspaceOf(files));
    expect(run.status).toBe(0);
    expect(run.outputs).toMatchObject({ skipped: 'true', phase: 'open', applied: '0' });
    expect(rulesOf(run)).toEqual(expect.arrayContaining(['require-concurrent-index-creation', 'ban-drop-table']));
    const [comment, ...others] = comments(911);
    expect(others).toEqual([]);
    expect(comment!.body).toContain('no preview database');
    expect(comment!.body).toContain('fork');
    expect(comment!.body).toContain('ban-drop-table');
    expect(run.outputs['comment-url']).toBe(comment!.html_url);
  });

  test('root action, lint-only: true: no database, no role, a lint comment; lint: error fails the run', async () => {
    const run = await lifecycle({ ...postgresInputs(), 'lint-only': 'true', lint: 'error' }, pullRequestEvent(912), workspaceOf(files));
    expect(run.status).toBe(1);
    expect(run.outputs).toMatchObject({ skipped: 'true', phase: 'open' });
    expect(run.stdout).toMatch(/::error.*ban-drop-table/);
    expect(await databaseExists('preview_pr_912')).toBe(false);
    expect(await roleExists('preview_pr_912_owner')).toBe(false);
    expect(comments(912)[0]!.body).toContain('lint-only');
  });
});

describe('no secret leaks', () => {
  test('no run of this file printed a secret', () => {
    expect(neon.violations).toEqual([]);
    // The runs of the tests above: run with the file, this check is never vacuous.
    expect(runs.length).toBeGreaterThan(1);
    for (const run of runs) expect(leakedSecrets(run, [TOKEN, adminUrl, neon.apiKey, ...outputSecrets(run)])).toEqual([]);
  });
});
