// The root action, run as the GitHub runner runs its bundle, through a pull request's
// life: opened, pushes, closed. Real Postgres, the fake Neon API, a fake GitHub API.
import { sql } from './support/sql.js';
import { cpSync, mkdtempSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeGitHub, type FakeGitHub } from './fakes/github/server.js';
import { startFakeNeon, type FakeNeon } from './fakes/neon/server.js';
import {
  runAction,
  pullRequestEvent,
  leakedSecrets,
  outputSecrets,
  maskedValues,
  inputErrorAnnotation,
  NODE24,
  ROOT,
  type ActionRun,
} from './support/run-action.js';
import { contractDifferences } from './support/contract.js';
import { migrate, migrateSettings, DEFAULT_HISTORY_TABLE } from '../src/migrate/index.js';
import { MemoryLog } from './support/memory-log.js';

const adminUrl = process.env.TEST_DATABASE_URL!;
const TOKEN = 'ghs_test_token_not_real_0000000000';
const REPO = 'example-org/example-app';
const TEMPLATE = 'lifecycle_production';
let github: FakeGitHub;
let neon: FakeNeon;
let workspace: string;
const runs: ActionRun[] = [];

const dbUrl = (database: string) => adminUrl.replace(/\/postgres$/, `/${database}`);

/** A workspace whose migrations directory holds the first `count` example migrations. */
function workspaceWith(count: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'preview-db-workspace-'));
  mkdirSync(join(dir, 'migrations'));
  const files = ['0001_create_accounts.sql', '0002_index_accounts_email.sql', '0003_accounts_plan.sql'].slice(0, count);
  for (const file of files) cpSync(join(ROOT, 'examples', 'migrations', file), join(dir, 'migrations', file));
  return dir;
}

async function lifecycle(inputs: Record<string, string>, event: Record<string, unknown>, options: { cwd?: string; node?: string } = {}) {
  const run = await runAction('preview-db', {
    inputs: { 'github-token': TOKEN, 'wait-timeout': '60s', ...inputs },
    event,
    cwd: options.cwd ?? workspace,
    node: options.node,
    env: { GITHUB_API_URL: github.apiUrl, GITHUB_REPOSITORY: REPO },
  });
  runs.push(run);
  return run;
}

const postgresInputs = () => ({ provider: 'postgres', 'postgres-url': adminUrl, template: TEMPLATE });
const comments = (number: number) => github.comments(number, REPO);

beforeAll(async () => {
  github = await startFakeGitHub({ token: TOKEN, login: 'github-actions[bot]' });
  neon = await startFakeNeon({ postgresUrl: adminUrl, operationDelayMs: 50 });
  // "Production": migrated up to 0001 by the deploy pipeline, with enough rows to measure locks.
  await sql(adminUrl, `DROP DATABASE IF EXISTS ${TEMPLATE}`);
  await sql(adminUrl, `CREATE DATABASE ${TEMPLATE}`);
  const result = await migrate(
    migrateSettings(dbUrl(TEMPLATE), workspaceWith(1), { migrationsDir: 'migrations', lint: 'off', allowDestructive: true, protected: true }),
    new MemoryLog(),
  );
  expect(result.ok).toBe(true);
  await sql(dbUrl(TEMPLATE), "INSERT INTO accounts (email) SELECT 'user' || g || '@example.com' FROM generate_series(1, 100000) g");
  workspace = workspaceWith(2);
}, 120_000);

afterAll(async () => {
  const rows = await sql<{ datname: string }>(
    adminUrl,
    "SELECT datname FROM pg_database WHERE datname LIKE 'preview_pr_%' OR datname = 'lifecycle_production'",
  );
  for (const { datname } of rows) await sql(adminUrl, `DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  const roles = await sql<{ rolname: string }>(adminUrl, "SELECT rolname FROM pg_roles WHERE rolname LIKE 'preview_pr_%_owner'");
  for (const { rolname } of roles) await sql(adminUrl, `DROP ROLE IF EXISTS ${rolname}`);
  await github?.close();
  await neon?.close();
});

describe('the lifecycle with the Postgres provider', () => {
  const PR = 501;

  test('opened: creates the preview, migrates and measures it, and posts one comment', async () => {
    const run = await lifecycle(postgresInputs(), pullRequestEvent(PR, { action: 'opened' }));
    expect(run.stderr.replace(/.*NodeVersionSupportWarning.*\n?/g, '')).toBe('');
    expect(run.status).toBe(0);
    expect(run.outputs).toMatchObject({ phase: 'open', 'branch-name': `preview/pr-${PR}`, created: 'true', applied: '1', pending: '1', skipped: 'false' });
    expect(JSON.parse(run.outputs['lint-findings']!).map((f: { rule: string }) => f.rule)).toContain('require-concurrent-index-creation');
    expect(await sql(dbUrl(`preview_pr_${PR}`), "SELECT 1 FROM pg_indexes WHERE indexname = 'accounts_email_idx'")).toHaveLength(1);
    expect(await sql(dbUrl(TEMPLATE), "SELECT 1 FROM pg_indexes WHERE indexname = 'accounts_email_idx'")).toHaveLength(0);

    const [comment, ...others] = comments(PR);
    expect(others).toEqual([]);
    expect(comment!.body).toContain('<!-- preview-db:preview -->');
    expect(comment!.body).toContain(`preview/pr-${PR}`);
    expect(comment!.body).toContain('0002_index_accounts_email.sql');
    expect(comment!.body).toContain('require-concurrent-index-creation');
    expect(comment!.body).toMatch(/Locks measured on the preview[\s\S]*public\.accounts[\s\S]*SHARE/);
    expect(comment!.body).toMatch(/Schema against `lifecycle_production`[\s\S]*added[\s\S]*accounts_email_idx/);
    expect(run.outputs['comment-url']).toBe(comment!.html_url);
    expect(run.summary).toContain('0002_index_accounts_email.sql');
    // The full migrate report, as a file (the summary and comment may be aggregated).
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(run.outputs['report-file']!, 'utf8')).toBe(run.outputs.report);

    const secrets = [run.outputs['database-url']!, run.outputs.password!, adminUrl, TOKEN];
    expect(leakedSecrets(run, secrets)).toEqual([]);
    for (const secret of secrets) expect(comment!.body).not.toContain(secret);
    expect(maskedValues(run)).toEqual(expect.arrayContaining([TOKEN, adminUrl, run.outputs['database-url']]));
  });

  test('synchronize: applies only the new migration and edits the same comment; an unchanged comment is not rewritten', async () => {
    const pushed = workspaceWith(3);
    const run = await lifecycle(postgresInputs(), pullRequestEvent(PR, { action: 'synchronize', sha: 'bbbb234def5678abc1234def5678abc1234def56' }), {
      cwd: pushed,
    });
    expect(run.status).toBe(0);
    expect(run.outputs).toMatchObject({ created: 'false', applied: '1', pending: '1' });
    expect(JSON.parse(run.outputs['applied-migrations']!).map((m: { file: string }) => m.file)).toEqual(['migrations/0003_accounts_plan.sql']);
    // report-file names a file that holds the report (it was always empty before).
    expect(readFileSync(run.outputs['report-file']!, 'utf8')).toBe(run.outputs.report);
    const all = comments(PR);
    expect(all).toHaveLength(1);
    expect(all[0]!.body).toContain('0003_accounts_plan.sql');
    expect(all[0]!.body).toContain('bbbb234');
    // The whole pull request, not only this push: the earlier push's migration, its finding and its measured lock.
    expect(all[0]!.body).toContain('`migrations/0002_index_accounts_email.sql` (applied by an earlier push)');
    expect(all[0]!.body).toContain('require-concurrent-index-creation');
    expect(all[0]!.body).toMatch(/Locks measured on the preview[\s\S]*public\.accounts[\s\S]*SHARE/);
    expect(JSON.parse(run.outputs['lint-findings']!).map((f: { rule: string }) => f.rule)).toContain('require-concurrent-index-creation');

    const patchesBefore = github.requests.filter((request) => request.method === 'PATCH').length;
    const again = await lifecycle(postgresInputs(), pullRequestEvent(PR, { action: 'synchronize', sha: 'bbbb234def5678abc1234def5678abc1234def56' }), {
      cwd: pushed,
    });
    expect(again.status).toBe(0);
    expect(again.outputs.applied).toBe('0');
    // Same facts as the run before, except that nothing was pending: one rewrite, then none.
    const third = await lifecycle(postgresInputs(), pullRequestEvent(PR, { action: 'synchronize', sha: 'bbbb234def5678abc1234def5678abc1234def56' }), {
      cwd: pushed,
    });
    expect(third.status).toBe(0);
    expect(github.requests.filter((request) => request.method === 'PATCH').length - patchesBefore).toBe(1);
    expect(comments(PR)).toHaveLength(1);
  });

  test('closed: deletes the preview and says so in the same comment', async () => {
    const run = await lifecycle(postgresInputs(), pullRequestEvent(PR, { action: 'closed' }));
    expect(run.status).toBe(0);
    expect(run.outputs).toMatchObject({ phase: 'close', deleted: 'true' });
    expect(await sql(adminUrl, `SELECT 1 FROM pg_database WHERE datname = 'preview_pr_${PR}'`)).toHaveLength(0);
    // Its own role went with it.
    expect(await sql(adminUrl, `SELECT 1 FROM pg_roles WHERE rolname = 'preview_pr_${PR}_owner'`)).toHaveLength(0);
    expect(await sql(adminUrl, `SELECT 1 FROM pg_database WHERE datname = '${TEMPLATE}'`)).toHaveLength(1);
    const all = comments(PR);
    expect(all).toHaveLength(1);
    expect(all[0]!.body).toContain('deleted');
    const rerun = await lifecycle(postgresInputs(), pullRequestEvent(PR, { action: 'closed' }));
    expect(rerun.status).toBe(0);
    expect(comments(PR)[0]!.body).toContain('already gone');
  });

  test('two runs racing for one pull request leave one preview and one comment', async () => {
    const event = pullRequestEvent(502, { action: 'opened' });
    const [a, b] = await Promise.all([lifecycle(postgresInputs(), event), lifecycle(postgresInputs(), event, { node: NODE24 })]);
    expect([a.status, b.status]).toEqual([0, 0]);
    expect([a.outputs.created, b.outputs.created].sort()).toEqual(['false', 'true']);
    expect(comments(502)).toHaveLength(1);
    const history = await sql<{ n: string }>(dbUrl('preview_pr_502'), `SELECT count(*) AS n FROM ${DEFAULT_HISTORY_TABLE}`);
    expect(history[0]!.n).toBe('2');
  });

  test('a token that may not comment is a warning, and the preview still succeeds', async () => {
    github.addToken('ghs_read_only_token_not_real_000', { login: 'github-actions[bot]', readOnly: true });
    const run = await lifecycle({ ...postgresInputs(), 'github-token': 'ghs_read_only_token_not_real_000' }, pullRequestEvent(503, { action: 'opened' }));
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/::warning.*comment/i);
    expect(run.outputs['comment-url']).toBe('');
    expect(comments(503)).toHaveLength(0);
  });

  test('a pull request from a fork ends with a notice and no preview, and its migrations linted offline', async () => {
    const run = await lifecycle({ provider: 'postgres', 'postgres-url': '' }, pullRequestEvent(504, { action: 'opened', fork: true }));
    expect(run.status).toBe(0);
    expect(run.outputs).toMatchObject({ skipped: 'true', phase: 'open' });
    expect(run.stdout).toContain('fork');
    expect(await sql(adminUrl, "SELECT 1 FROM pg_database WHERE datname = 'preview_pr_504'")).toHaveLength(0);
    const [comment, ...others] = comments(504);
    expect(others).toEqual([]);
    expect(comment!.body).toContain('no preview database');
  });

  test('bad input fails before anything changes', async () => {
    const run = await lifecycle({ ...postgresInputs(), runner: 'command' }, pullRequestEvent(505, { action: 'opened' }));
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(inputErrorAnnotation('migrate-command'));
    expect(await sql(adminUrl, "SELECT 1 FROM pg_database WHERE datname = 'preview_pr_505'")).toHaveLength(0);
    expect(comments(505)).toHaveLength(0);
  });

  test('a preview that cannot be made fails the run and tells the pull request why', async () => {
    const run = await lifecycle({ ...postgresInputs(), template: 'no_such_template' }, pullRequestEvent(507, { action: 'opened' }));
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(inputErrorAnnotation('template'));
    const [comment, ...others] = comments(507);
    expect(others).toEqual([]);
    expect(comment!.body).toContain('could not be created');
    expect(comment!.body).toContain("database 'no_such_template' does not exist");
    expect(comment!.body).not.toContain(adminUrl);
  });

  test('other events do nothing, with a notice; pull_request_target is refused for what it would expose', async () => {
    const run = await lifecycle(postgresInputs(), pullRequestEvent(506, { action: 'labeled' }));
    expect(run.status).toBe(0);
    expect(run.outputs.phase).toBe('');
    expect(run.stdout).toContain('does nothing');
    const target = await runAction('preview-db', {
      inputs: { ...postgresInputs(), 'github-token': TOKEN },
      event: pullRequestEvent(506, { action: 'opened' }),
      eventName: 'pull_request_target',
      cwd: workspace,
      env: { GITHUB_API_URL: github.apiUrl, GITHUB_REPOSITORY: REPO },
    });
    expect(target.status).toBe(0);
    expect(target.stdout).toContain("pull_request_target would run a fork's migrations");
    expect(await sql(adminUrl, "SELECT 1 FROM pg_database WHERE datname = 'preview_pr_506'")).toHaveLength(0);
  });
});

describe('the lifecycle with the Neon provider', () => {
  test("opened, pushed, closed: a Neon branch with a console link and Neon's schema comparison, then deleted", async () => {
    const neonInputs = { 'neon-api-key': neon.apiKey, 'neon-project-id': neon.projectId, 'api-host': neon.apiHost, 'expires-in': '3d' };
    const opened = await lifecycle(neonInputs, pullRequestEvent(601, { action: 'opened' }), { cwd: workspaceWith(1) });
    expect(opened.status).toBe(0);
    expect(opened.outputs).toMatchObject({ created: 'true', applied: '1' });
    expect(neon.violations).toEqual([]);
    const body = comments(601)[0]!.body;
    expect(body).toContain(`console.neon.tech/app/projects/${neon.projectId}/branches/${opened.outputs['branch-id']}`);
    expect(body).toMatch(/Schema against `main`[\s\S]*```diff[\s\S]*accounts/);
    expect(leakedSecrets(opened, [opened.outputs['database-url']!, opened.outputs.password!, neon.apiKey])).toEqual([]);

    const pushed = await lifecycle(neonInputs, pullRequestEvent(601, { action: 'synchronize', sha: 'cccc234def5678abc1234def5678abc1234def56' }), {
      cwd: workspaceWith(2),
    });
    expect(pushed.status).toBe(0);
    expect(pushed.outputs).toMatchObject({ created: 'false', applied: '1', 'branch-id': opened.outputs['branch-id'] });
    expect(comments(601)).toHaveLength(1);
    expect(comments(601)[0]!.body).toMatch(/0002_index_accounts_email\.sql[\s\S]*```diff[\s\S]*accounts_email_idx/);

    const closed = await lifecycle(neonInputs, pullRequestEvent(601, { action: 'closed' }));
    expect(closed.status).toBe(0);
    expect(closed.outputs.deleted).toBe('true');
    expect(neon.branches().some((branch) => branch.name === 'preview/pr-601')).toBe(false);
    expect(comments(601)).toHaveLength(1);
    expect(comments(601)[0]!.body).toContain('deleted');
  });

  test('no run of this file printed a secret, and the Neon traffic kept to the spec', () => {
    expect(neon.violations).toEqual([]);
    // The runs of the tests above: run with the file, this check is never vacuous.
    expect(runs.length).toBeGreaterThan(1);
    for (const run of runs) expect(leakedSecrets(run, [TOKEN, adminUrl, neon.apiKey, ...outputSecrets(run)])).toEqual([]);
  });

  test('the contract: action.yml declares exactly what the code reads and sets', () => {
    expect(contractDifferences('preview-db', runs)).toEqual({
      inputsReadButNotDeclared: [],
      inputsDeclaredButNeverRead: [],
      outputsSetButNotDeclared: [],
      outputsDeclaredButNeverSet: [],
    });
  });
});
