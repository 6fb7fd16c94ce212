// The built-in runner against the real test Postgres: order, history, checksums, drift,
// failures and rollback, no-transaction files, seeds, dry runs, protected databases and bad input.
import { afterAll, describe, expect, test } from '@jest/globals';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { MemoryLog } from './support/memory-log.js';
import { isPooledNeonUrl, migrate } from '../src/migrate/index.js';
import { createDatabase, dropAll, query, settings, workspace, writeFiles } from './fixtures/migrate/support.js';

const created: string[] = [];
afterAll(() => dropAll(created));

const historyOf = (url: string) =>
  query<{ version: string; name: string; checksum: string; duration_ms: number }>(
    url,
    'SELECT version, name, checksum, duration_ms FROM public.preview_db_migrations ORDER BY version::numeric',
  );
const tableExists = async (url: string, name: string) => (await query<{ t: string | null }>(url, 'SELECT to_regclass($1)::text AS t', [name]))[0]!.t !== null;

describe.each([
  ['fast path (analyze off)', false],
  ['measured (analyze on)', true],
])('built-in runner, %s', (_label, analyze) => {
  test('applies in version order, records history with checksums, and is a no-op the second time', async () => {
    const db = await createDatabase('mig_order', created);
    const files = {
      // 10 sorts after 9 numerically although it sorts before it as text.
      'migrations/10_add_email.sql': 'ALTER TABLE users ADD COLUMN email text;\n',
      'migrations/9_create_users.sql': `CREATE TABLE users (id bigint PRIMARY KEY, name text);\nINSERT INTO users VALUES (1, $$it's; a "test"$$);\n`,
      'migrations/11_fn.sql':
        "-- a function body with semicolons\nCREATE FUNCTION greet(n text) RETURNS text LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN 'hi; ' || n;\nEND;\n$$;\n",
      'migrations/README.md': 'not a migration',
    };
    const cwd = workspace(files);
    const log = new MemoryLog();
    const result = await migrate(settings(db.url, cwd, { analyze }), log);
    expect(result.error).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.pending).toBe(3);
    expect(result.applied.map((m) => m.file)).toEqual(['migrations/9_create_users.sql', 'migrations/10_add_email.sql', 'migrations/11_fn.sql']);
    const history = await historyOf(db.url);
    expect(history.map((row) => [row.version, row.name])).toEqual([
      ['9', 'create_users'],
      ['10', 'add_email'],
      ['11', 'fn'],
    ]);
    expect(history[0]!.checksum).toBe(
      createHash('sha256')
        .update(readFileSync(join(cwd, 'migrations/9_create_users.sql')))
        .digest('hex'),
    );
    expect(history.every((row) => row.duration_ms >= 0)).toBe(true);
    expect(await query(db.url, "SELECT greet('x') AS g, (SELECT name FROM users) AS n")).toEqual([{ g: 'hi; x', n: `it's; a "test"` }]);
    if (analyze) expect(result.applied[0]!.statements.map((s) => s.line)).toEqual([1, 2]);

    const again = await migrate(settings(db.url, cwd, { analyze }), new MemoryLog());
    expect(again.ok).toBe(true);
    expect(again.pending).toBe(0);
    expect(again.applied).toEqual([]);
  });

  test('a failing statement rolls its migration back and names the file, line, message and hint; earlier ones stay', async () => {
    const db = await createDatabase('mig_fail', created);
    const cwd = workspace({
      'migrations/001_ok.sql': 'CREATE TABLE kept (id int);\n',
      'migrations/002_bad.sql':
        "CREATE TABLE half (id int);\n\n-- the next statement fails\nDO $$ BEGIN RAISE EXCEPTION 'boom in 002' USING HINT = 'add the missing column first'; END $$;\nCREATE TABLE never (id int);\n",
      'migrations/003_later.sql': 'CREATE TABLE later (id int);\n',
    });
    const log = new MemoryLog();
    const result = await migrate(settings(db.url, cwd, { analyze }), log);
    expect(result.ok).toBe(false);
    expect(result.error).toMatchObject({ file: 'migrations/002_bad.sql', line: 4, hint: 'add the missing column first', code: 'P0001' });
    expect(result.error!.message).toContain('boom in 002');
    expect(result.error!.message).toContain('rolled back');
    expect(log.text('error')).toContain('migrations/002_bad.sql:4: boom in 002');
    expect(log.text('error')).toContain('Hint: add the missing column first');
    expect(result.applied.map((m) => m.version)).toEqual(['001']);
    expect((await historyOf(db.url)).map((row) => row.version)).toEqual(['001']);
    expect(await tableExists(db.url, 'kept')).toBe(true);
    expect(await tableExists(db.url, 'half')).toBe(false);
    expect(await tableExists(db.url, 'later')).toBe(false);
    // No lock is left behind: a fixed file applies on the next run.
    expect(
      await query(db.url, "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"),
    ).toEqual([]);
  });
});

test('an error with a cursor position points at the line inside the statement', async () => {
  const db = await createDatabase('mig_pos', created);
  const cwd = workspace({ 'migrations/1_x.sql': 'CREATE TABLE t (id int);\nSELECT id,\n  no_such_function(id)\nFROM t;\n' });
  for (const analyze of [false, true]) {
    const result = await migrate(settings(db.url, cwd, { analyze }), new MemoryLog());
    expect(result.error).toMatchObject({ file: 'migrations/1_x.sql', line: 3, code: '42883' });
    expect(result.error!.hint).toMatch(/No function matches/);
  }
});

test('no-transaction files: a CONCURRENTLY statement without the marker is refused before anything runs', async () => {
  const db = await createDatabase('mig_notx', created);
  const cwd = workspace({
    'migrations/1_table.sql': 'CREATE TABLE items (id int, sku text);\n',
    'migrations/2_index.sql': 'CREATE INDEX CONCURRENTLY items_sku ON items (sku);\n',
  });
  const log = new MemoryLog();
  const refused = await migrate(settings(db.url, cwd), log);
  expect(refused.ok).toBe(false);
  expect(refused.problems).toEqual([expect.objectContaining({ file: 'migrations/2_index.sql', line: 1 })]);
  expect(refused.error!.message).toContain('migrations/2_index.sql:1: CREATE INDEX CONCURRENTLY cannot run inside a transaction');
  expect(refused.error!.message).toContain('-- preview-db: no-transaction');
  expect(await tableExists(db.url, 'items')).toBe(false);
  expect(await tableExists(db.url, 'public.preview_db_migrations')).toBe(false);

  writeFiles(cwd, { 'migrations/2_index.sql': '-- preview-db: no-transaction\nCREATE INDEX CONCURRENTLY items_sku ON items (sku);\n' });
  const result = await migrate(settings(db.url, cwd, { analyze: true }), new MemoryLog());
  expect(result.ok).toBe(true);
  expect(result.applied.map((m) => [m.version, m.noTransaction])).toEqual([
    ['1', false],
    ['2', true],
  ]);
  expect(await query(db.url, "SELECT indexrelid::regclass::text AS i, indisvalid AS valid FROM pg_index WHERE indrelid = 'items'::regclass")).toEqual([
    { i: 'items_sku', valid: true },
  ]);
});

test('no-transaction files really run statement by statement: what ran before a failure stays', async () => {
  const db = await createDatabase('mig_notx2', created);
  const cwd = workspace({
    'migrations/1_base.sql': 'CREATE TABLE items (id int, sku text);\n',
    'migrations/2_steps.sql':
      '-- preview-db: no-transaction\nCREATE TABLE step_one (id int);\nCREATE INDEX CONCURRENTLY items_sku ON items (sku);\nSELECT 1 / 0;\nCREATE TABLE step_four (id int);\n',
  });
  const result = await migrate(settings(db.url, cwd), new MemoryLog());
  expect(result.ok).toBe(false);
  expect(result.error).toMatchObject({ file: 'migrations/2_steps.sql', line: 4, code: '22012' });
  expect(result.error!.message).toContain('stay applied');
  // Postgres would have rolled all of it back as one multi-statement query; it did not.
  expect(await tableExists(db.url, 'step_one')).toBe(true);
  expect(await tableExists(db.url, 'items_sku')).toBe(true);
  expect(await tableExists(db.url, 'step_four')).toBe(false);
  expect((await historyOf(db.url)).map((row) => row.version)).toEqual(['1']);
});

test("a migration wrapped in its own BEGIN/COMMIT runs its body in the runner's transaction", async () => {
  const db = await createDatabase('mig_begin', created);
  const cwd = workspace({ 'migrations/1_x.sql': 'BEGIN;\nCREATE TABLE t (id int);\nCOMMIT;\n' });
  const result = await migrate(settings(db.url, cwd), new MemoryLog());
  expect(result.error).toBeUndefined();
  expect(await tableExists(db.url, 't')).toBe(true);
});

test('checksum drift stops the run naming the file, unless allow-drift; a missing file is reported', async () => {
  const db = await createDatabase('mig_drift', created);
  const cwd = workspace({ 'migrations/1_a.sql': 'CREATE TABLE a (id int);\n', 'migrations/2_b.sql': 'CREATE TABLE b (id int);\n' });
  expect((await migrate(settings(db.url, cwd), new MemoryLog())).ok).toBe(true);

  writeFiles(cwd, { 'migrations/1_a.sql': 'CREATE TABLE a (id bigint);\n', 'migrations/3_c.sql': 'CREATE TABLE c (id int);\n' });
  const log = new MemoryLog();
  const drifted = await migrate(settings(db.url, cwd), log);
  expect(drifted.ok).toBe(false);
  expect(drifted.drifted.map((m) => m.file)).toEqual(['migrations/1_a.sql']);
  expect(drifted.error!.message).toContain('migrations/1_a.sql changed after being applied');
  expect(drifted.applied).toEqual([]);
  expect(await tableExists(db.url, 'c')).toBe(false);

  rmSync(join(cwd, 'migrations/2_b.sql'));
  const allowed = await migrate(settings(db.url, cwd, { allowDrift: true }), new MemoryLog());
  expect(allowed.ok).toBe(true);
  expect(allowed.applied.map((m) => m.version)).toEqual(['3']);
  expect(allowed.missing).toEqual([{ version: '2', name: 'b' }]);
  expect(allowed.reportMarkdown).toContain('2 b is applied but its file is gone');
  expect(allowed.reportMarkdown).toContain('`migrations/1_a.sql` was edited after it was applied');
});

test('bad input is refused before anything changes: missing directory, duplicate version, unparsable SQL, unknown rule, seed on protected', async () => {
  const db = await createDatabase('mig_input', created);
  const run = (cwd: string, overrides = {}) => migrate(settings(db.url, cwd, overrides), new MemoryLog());
  await expect(run(workspace({}))).rejects.toThrow(/Input 'migrations-dir': 'migrations' is not a readable directory/);
  const refused = async (cwd: string) => {
    const result = await run(cwd);
    expect(result.ok).toBe(false);
    return result.problems.map((p) => `${p.file}:${p.line ?? ''} ${p.reason}`).join('\n');
  };
  expect(await refused(workspace({ 'migrations/001_a.sql': 'SELECT 1;', 'migrations/1_b.sql': 'SELECT 2;' }))).toMatch(
    /1_b.sql: has the same version 1 as migrations\/001_a.sql/,
  );
  expect(
    await refused(workspace({ 'migrations/1_a.sql': 'CREATE TABLE ok (id int);', 'migrations/2_b.sql': 'CREATE TABLE t (\n  id int,\n  name tex t\n);' })),
  ).toMatch(/migrations\/2_b.sql:3 Postgres cannot parse this file: syntax error/);
  expect(await refused(workspace({ 'migrations/1_a.sql': 'SELECT 1;', 'migrations/add.sql': 'SELECT 1;' }))).toMatch(
    /migrations\/add.sql: is not a migration of the flat files/,
  );
  await expect(run(workspace({ 'migrations/1_a.sql': 'SELECT 1;' }), { lintDisable: ['no-such-rule'] })).rejects.toThrow(
    /Input 'lint-disable': unknown lint rule 'no-such-rule'/,
  );
  await expect(run(workspace({ 'migrations/1_a.sql': 'SELECT 1;', 'seed.sql': 'SELECT 1;' }), { seed: ['seed.sql'], protected: true })).rejects.toThrow(
    /Setting 'seed'/,
  );
  await expect(run(workspace({ 'migrations/1_a.sql': 'SELECT 1;' }), { historyTable: 'bad name' })).rejects.toThrow(/Input 'history-table'/);
  expect(await query(db.url, "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace")).toEqual([]);
});

test('dry run plans and lints only', async () => {
  const db = await createDatabase('mig_dry', created);
  await query(db.url, 'CREATE TABLE a (id int)');
  const cwd = workspace({ 'migrations/1_b.sql': 'CREATE TABLE b (id int);\n', 'migrations/2_drop.sql': 'DROP TABLE a;\n' });
  const result = await migrate(settings(db.url, cwd, { dryRun: true, analyze: true }), new MemoryLog());
  expect(result.ok).toBe(true);
  expect(result.pending).toBe(2);
  expect(result.pendingMigrations.map((m) => m.file)).toEqual(['migrations/1_b.sql', 'migrations/2_drop.sql']);
  expect(result.findings.some((f) => f.rule === 'ban-drop-table' && f.file === 'migrations/2_drop.sql' && f.line === 1)).toBe(true);
  expect(result.reportMarkdown).toContain('Dry run');
  expect(await query(db.url, "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace")).toEqual([{ relname: 'a' }]);
});

test('protected: destructive findings fail before anything is applied, unless allow-destructive', async () => {
  const db = await createDatabase('mig_prot', created);
  const cwd = workspace({ 'migrations/1_a.sql': 'CREATE TABLE a (id int);\n' });
  expect((await migrate(settings(db.url, cwd, { protected: true }), new MemoryLog())).ok).toBe(true);
  writeFiles(cwd, { 'migrations/2_b.sql': 'CREATE TABLE b (id int);\n', 'migrations/3_drop.sql': 'DROP TABLE a;\n' });
  // lint off still guards a protected database.
  const refused = await migrate(settings(db.url, cwd, { protected: true, lint: 'off' }), new MemoryLog());
  expect(refused.ok).toBe(false);
  expect(refused.error!.message).toMatch(/refused: 1 destructive change\(s\) on a protected database \(migrations\/3_drop.sql:1 ban-drop-table\)/);
  expect(await tableExists(db.url, 'b')).toBe(false);
  const allowed = await migrate(settings(db.url, cwd, { protected: true, allowDestructive: true }), new MemoryLog());
  expect(allowed.ok).toBe(true);
  expect(allowed.applied.map((m) => m.version)).toEqual(['2', '3']);
  expect(await tableExists(db.url, 'a')).toBe(false);
});

test('seeds run after migrations, once per content; session lock_timeout and statement_timeout apply', async () => {
  const db = await createDatabase('mig_seed', created);
  const cwd = workspace({
    'migrations/1_a.sql':
      "CREATE TABLE a (id int);\nDO $$ BEGIN IF current_setting('lock_timeout') <> '3s' OR current_setting('statement_timeout') <> '1min' THEN RAISE EXCEPTION 'timeouts not set'; END IF; END $$;\n",
    'seed/01.sql': 'INSERT INTO a VALUES (1), (2);\n',
  });
  const options = { seed: ['seed'], lockTimeoutSeconds: 3, statementTimeoutSeconds: 60 };
  const first = await migrate(settings(db.url, cwd, options), new MemoryLog());
  expect(first.error).toBeUndefined();
  expect(first.seeded).toEqual(['seed/01.sql']);
  const second = await migrate(settings(db.url, cwd, options), new MemoryLog());
  expect(second.seeded).toEqual([]);
  expect(await query(db.url, 'SELECT count(*)::int AS n FROM a')).toEqual([{ n: 2 }]);
});

test('a pooled Neon URL is recognised', () => {
  expect(isPooledNeonUrl('postgresql://u:p@ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech/db')).toBe(true);
  expect(isPooledNeonUrl('postgresql://u:p@ep-cool-darkness-123456.us-east-2.aws.neon.tech/db')).toBe(false);
});

test('the report file and history survive a re-read: unrelated edits to non-sql files are ignored', async () => {
  const db = await createDatabase('mig_misc', created);
  const cwd = workspace({ 'migrations/20240101000000_a.sql': 'CREATE TABLE a (id int);\n' });
  expect((await migrate(settings(db.url, cwd), new MemoryLog())).applied).toHaveLength(1);
  writeFileSync(join(cwd, 'migrations/notes.txt'), 'changed');
  expect((await migrate(settings(db.url, cwd), new MemoryLog())).ok).toBe(true);
});
