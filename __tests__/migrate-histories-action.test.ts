// actions/migrate on a history with refused files: the step fails, yet sets lint-findings,
// pending, applied and report, and annotates every refused file.
import { afterAll, expect, test } from '@jest/globals';
import { runAction } from './support/run-action.js';
import { createDatabase, dropAll, query, workspace } from './fixtures/migrate/support.js';

const created: string[] = [];
afterAll(() => dropAll(created));

test('a dry run with refused files fails, annotates each one and still sets its outputs', async () => {
  const db = await createDatabase('hist_action', created);
  await query(db.url, 'CREATE TABLE old (id int)');
  const cwd = workspace({
    'migrations/1_ok.sql': 'CREATE TABLE a (id int);\n',
    'migrations/2_drop.sql': 'DROP TABLE old;\n',
    'migrations/3_bad.sql': 'CREATE TABLE (;\n',
    'migrations/4_meta.sql': '\\set x 1\nSELECT 1;\n',
  });
  const run = await runAction('migrate', { inputs: { 'database-url': db.url, 'dry-run': 'true' }, cwd, timeoutMs: 60_000 });
  expect(run.status).toBe(1);
  expect(run.stdout).toMatch(/::error title=Migration file refused,file=migrations\/3_bad.sql,line=1/);
  expect(run.stdout).toMatch(/::error title=Migration file refused,file=migrations\/4_meta.sql,line=1/);
  expect(run.stdout).toContain('2 file(s) have problems');
  expect(run.outputs).toMatchObject({ applied: '0', pending: '2' });
  expect(JSON.parse(run.outputs['lint-findings']!)).toContainEqual(expect.objectContaining({ rule: 'ban-drop-table', file: 'migrations/2_drop.sql' }));
  expect(run.outputs.report).toContain('migrations/4_meta.sql');
});
