// The root action on a history with refused files: the run fails and names every refused
// file, yet sets lint-findings, pending, applied and report.
import { afterAll, expect, test } from '@jest/globals';
import { pullRequestEvent, runAction } from './support/run-action.js';
import { sql } from './support/sql.js';
import { workspace } from './fixtures/migrate/support.js';

const adminUrl = process.env.TEST_DATABASE_URL!;
const PR = 9901;

afterAll(async () => {
  await sql(adminUrl, `DROP DATABASE IF EXISTS preview_pr_${PR} WITH (FORCE)`);
  await sql(adminUrl, `DROP ROLE IF EXISTS preview_pr_${PR}_owner`);
});

test('refused files fail the root action with every problem, and its outputs are still set', async () => {
  const cwd = workspace({
    'migrations/0001_ok.sql': 'CREATE TABLE a (id int);\n',
    'migrations/0002_drop.sql': 'DROP TABLE a;\n',
    'migrations/0003_meta.sql': '\\connect other\nCREATE TABLE b (id int);\n',
    'migrations/0004_bad.sql': 'CREATE TABLE (;\n',
  });
  const run = await runAction('preview-db', {
    inputs: { provider: 'postgres', 'postgres-url': adminUrl, comment: 'false', 'wait-timeout': '60s' },
    event: pullRequestEvent(PR, { action: 'opened' }),
    cwd,
    env: { GITHUB_REPOSITORY: 'example-org/example-app' },
    timeoutMs: 90_000,
  });
  expect(run.status).toBe(1);
  expect(run.stdout).toMatch(/::error title=Migration file refused,file=migrations\/0003_meta.sql,line=1/);
  expect(run.stdout).toMatch(/::error title=Migration file refused,file=migrations\/0004_bad.sql,line=1/);
  expect(run.outputs).toMatchObject({ applied: '0', pending: '2' });
  expect(JSON.parse(run.outputs['lint-findings']!)).toEqual(expect.any(Array));
  expect(run.outputs.report).toContain('migrations/0003_meta.sql');
  expect(run.outputs.report).toContain('2 file(s) have problems');
});
