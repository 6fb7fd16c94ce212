// actions/migrate as the runner runs it: the committed bundle under the machine's node and
// Node 24, INPUT_* variables, outputs, step summary, annotations, exit status, contract.
import { afterAll, describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODES, ROOT, inputErrorAnnotation, leakedSecrets, runAction, type ActionRun } from './support/run-action.js';
import { contractDifferences } from './support/contract.js';
import { createDatabase, dropAll, query, workspace } from './fixtures/migrate/support.js';

const created: string[] = [];
const runs: ActionRun[] = [];
afterAll(() => dropAll(created));

async function migrateAction(inputs: Record<string, string>, cwd: string): Promise<ActionRun> {
  const run = await runAction('migrate', { inputs, cwd, timeoutMs: 60_000 });
  runs.push(run);
  return run;
}

const secretsOf = (url: string) => [url, decodeURIComponent(new URL(url).password)];

describe.each(NODES)('under %s', (_label, node) => {
  test('applies, measures and lints: outputs, report file, step summary, annotations, no secret in the log', async () => {
    const db = await createDatabase('mig_action', created);
    await query(db.url, 'CREATE TABLE accounts (id int PRIMARY KEY, email text)');
    await query(db.url, "INSERT INTO accounts SELECT g, g || '@example.test' FROM generate_series(1, 1000) g");
    const cwd = workspace({
      'db/migrations/0001_index.sql': 'CREATE INDEX accounts_email ON accounts (email);\n',
      'db/migrations/0002_table.sql': 'CREATE TABLE invoices (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, total numeric);\n',
      'db/seed.sql': 'INSERT INTO invoices (total) VALUES (10), (20);\n',
    });
    const inputs = {
      'database-url': db.url,
      runner: 'builtin',
      'migrations-dir': 'db/migrations',
      'history-table': 'public.preview_db_migrations',
      'export-env': 'DATABASE_URL',
      'dry-run': 'false',
      lint: 'warn',
      'lint-disable': 'prefer-robust-stmts',
      'allow-destructive': 'false',
      'allow-drift': 'false',
      protected: 'false',
      seed: 'db/seed.sql',
      'lock-timeout': '5s',
      'statement-timeout': '5m',
      analyze: 'true',
      'lock-threshold': '500ms',
      command: '',
    };
    const run = await runAction('migrate', { inputs, cwd, node, timeoutMs: 60_000 });
    runs.push(run);
    expect(run.stderr).not.toMatch(/::error/);
    expect(run.status).toBe(0);
    expect(run.outputs).toMatchObject({ applied: '2', pending: '2' });
    const applied = JSON.parse(run.outputs['applied-migrations']!) as Array<{ name: string; version: string; duration: number }>;
    expect(applied.map((m) => [m.version, m.name])).toEqual([
      ['0001', 'index'],
      ['0002', 'table'],
    ]);
    expect(applied.every((m) => typeof m.duration === 'number')).toBe(true);
    const findings = JSON.parse(run.outputs['lint-findings']!) as Array<Record<string, unknown>>;
    expect(findings).toContainEqual(
      expect.objectContaining({ rule: 'require-concurrent-index-creation', file: 'db/migrations/0001_index.sql', line: 1, column: 1, severity: 'note' }),
    );
    expect(Object.keys(findings[0]!).sort()).toEqual(['column', 'file', 'line', 'message', 'rule', 'severity']);
    // Findings are annotations on the migration file.
    expect(run.stdout).toMatch(/::notice title=require-concurrent-index-creation \(note\),file=db\/migrations\/0001_index.sql,line=1,col=1::CREATE INDEX/);
    expect(run.outputs.report).toContain('#### Locks measured on the preview');
    expect(run.outputs.report).toContain('`public.accounts` | SHARE |');
    expect(run.summary).toContain(run.outputs.report!.split('\n')[2]!);
    expect(existsSync(run.outputs['report-file']!)).toBe(true);
    expect(readFileSync(run.outputs['report-file']!, 'utf8')).toBe(run.outputs.report);
    expect(await query(db.url, 'SELECT count(*)::int AS n FROM invoices')).toEqual([{ n: 2 }]);
    expect(leakedSecrets(run, secretsOf(db.url))).toEqual([]);

    // Re-running is a no-op.
    const again = await runAction('migrate', { inputs, cwd, node, timeoutMs: 60_000 });
    expect(again.status).toBe(0);
    expect(again.outputs).toMatchObject({ applied: '0', pending: '0', 'applied-migrations': '[]' });
  });

  test('a failing migration fails the step with an error annotation at the file and line', async () => {
    const db = await createDatabase('mig_action_fail', created);
    const cwd = workspace({
      'migrations/1_ok.sql': 'CREATE TABLE a (id int);\n',
      'migrations/2_bad.sql': 'CREATE TABLE b (id int);\nINSERT INTO b VALUES (1 / 0);\n',
    });
    const run = await migrateAction({ 'database-url': db.url, analyze: 'false' }, cwd);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/::error title=Migration failed,file=migrations\/2_bad.sql,line=2,col=\d+::migrations\/2_bad.sql:2: division by zero/);
    expect(run.outputs).toMatchObject({ applied: '1', pending: '2' });
    expect(run.summary).toContain('division by zero');
    expect(leakedSecrets(run, secretsOf(db.url))).toEqual([]);
  });

  test('bad input fails before anything changes, titled with the input', async () => {
    const db = await createDatabase('mig_action_input', created);
    const cwd = workspace({ 'migrations/1_ok.sql': 'CREATE TABLE a (id int);\n' });
    const run = await migrateAction({ 'database-url': db.url, 'lint-disable': 'no-such-rule' }, cwd);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(inputErrorAnnotation('lint-disable'));
    expect(await query(db.url, "SELECT to_regclass('a')::text AS a")).toEqual([{ a: null }]);
    const notPostgres = await migrateAction({ 'database-url': 'mysql://app@db.example.test/app' }, cwd);
    expect(notPostgres.status).toBe(1);
    expect(notPostgres.stdout).toContain(inputErrorAnnotation('database-url'));
    // Empty (a fork's pull request gets no secrets): linted offline instead, nothing applied.
    const missing = await migrateAction({ 'database-url': '' }, cwd);
    expect(missing.status).toBe(0);
    expect(missing.stdout).toContain('linted offline');
  });

  test("runner: command: the tool's exit status is the action's, a pooled Neon host is warned about", async () => {
    const cwd = workspace({ 'fail.sh': 'echo "tool says: cannot apply"\nexit 3\n' });
    const db = await createDatabase('mig_action_cmd', created);
    const run = await migrateAction({ 'database-url': db.url, runner: 'command', command: 'sh fail.sh', 'dry-run': 'false' }, cwd);
    expect(run.status).toBe(3);
    expect(run.stdout).toContain('tool says: cannot apply');
    const pooled = await migrateAction(
      { 'database-url': 'postgresql://app:not-a-real-password@ep-example-123456-pooler.invalid:1/db', runner: 'command', command: 'true', 'dry-run': 'true' },
      cwd,
    );
    expect(pooled.stdout).toContain('Migrations need the direct URL');
    expect(leakedSecrets(pooled, ['not-a-real-password'])).toEqual([]);
  });
});

test('the bundle ships libpg-query.wasm once, beside the shared chunk that loads it', () => {
  expect(existsSync(join(ROOT, 'dist', 'chunks', 'libpg-query.wasm'))).toBe(true);
});

test('action.yml declares exactly the inputs read and the outputs set', () => {
  expect(contractDifferences('migrate', runs)).toEqual({
    inputsReadButNotDeclared: [],
    inputsDeclaredButNeverRead: [],
    outputsSetButNotDeclared: [],
    outputsDeclaredButNeverSet: [],
  });
});
