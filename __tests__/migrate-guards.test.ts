// The guards decide before anything commits and stay red on re-runs: lint errors with
// measurement on (graded inside the migration's transaction), and waivers only from
// reviewed sources, never from the pull request's description. On the real test Postgres.
import { afterAll, describe, expect, test } from '@jest/globals';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryLog } from './support/memory-log.js';
import { ROOT } from './support/run-action.js';
import { migrate } from '../src/migrate/index.js';
import { createDatabase, dropAll, query, settings, workspace } from './fixtures/migrate/support.js';

const created: string[] = [];
afterAll(() => dropAll(created));

const historyVersions = async (url: string) =>
  (await query<{ version: string }>(url, "SELECT version FROM public.preview_db_migrations WHERE kind = 'migration' ORDER BY version").catch(() => [])).map(
    (row) => row.version,
  );
const tableExists = async (url: string, name: string) =>
  (await query<{ oid: string | null }>(url, 'SELECT to_regclass($1)::text AS oid', [name]))[0]!.oid !== null;

test('lint: error with analyze: a DROP TABLE is refused before anything commits, and the re-run stays red', async () => {
  const db = await createDatabase('mig_guard_drop', created);
  await query(db.url, 'CREATE TABLE accounts (id int PRIMARY KEY)');
  await query(db.url, 'INSERT INTO accounts SELECT generate_series(1, 100)');
  const cwd = workspace({
    'migrations/1_add.sql': 'CREATE TABLE audit (id int);\n',
    'migrations/2_drop.sql': 'DROP TABLE accounts;\n',
  });
  for (const attempt of [1, 2]) {
    const result = await migrate(settings(db.url, cwd, { lint: 'error', analyze: true }), new MemoryLog());
    expect({ attempt, ok: result.ok }).toEqual({ attempt, ok: false });
    expect(result.error!.message).toMatch(/ban-drop-table/);
    expect(result.applied).toEqual([]);
    expect(await tableExists(db.url, 'public.accounts')).toBe(true);
    expect(await tableExists(db.url, 'public.audit')).toBe(false);
    expect(await historyVersions(db.url)).toEqual([]);
  }
}, 60_000);

test('lint: error with analyze: a lock graded to error by what was measured rolls its migration back; earlier ones commit; the re-run stays red', async () => {
  const db = await createDatabase('mig_guard_lock', created);
  await query(db.url, 'CREATE TABLE big (id int PRIMARY KEY, val int)');
  await query(db.url, 'INSERT INTO big SELECT g, g % 1000 FROM generate_series(1, 200000) g');
  await query(db.url, 'ANALYZE big');
  const cwd = workspace({
    'migrations/1_small.sql': 'CREATE TABLE side (id int);\n',
    'migrations/2_index.sql': 'CREATE INDEX big_val ON big (val);\nALTER TABLE big ALTER COLUMN val TYPE bigint;\n',
    'migrations/3_after.sql': 'CREATE TABLE later (id int);\n',
  });
  for (const attempt of [1, 2]) {
    const log = new MemoryLog();
    const result = await migrate(settings(db.url, cwd, { lint: 'error', analyze: true, lockThresholdMs: 1, lockTimeoutSeconds: 5 }), log);
    expect({ attempt, ok: result.ok }).toEqual({ attempt, ok: false });
    expect(result.error!.file).toBe('migrations/2_index.sql');
    expect(result.error!.message).toMatch(/rolled back/);
    // What was measured stays in the report: the reader sees why.
    const graded = result.findings.find((f) => f.file === 'migrations/2_index.sql' && f.rule === 'require-concurrent-index-creation')!;
    expect(graded.severity).toBe('error');
    expect(graded.message).toContain('Measured on the preview');
    expect(result.locks.some((lock) => lock.table === 'public.big')).toBe(true);
    // Nothing of the blocked migration committed; the one before it did; the one after never ran.
    expect(await query(db.url, "SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'big_val'")).toEqual([{ n: 0 }]);
    expect(await query(db.url, "SELECT data_type FROM information_schema.columns WHERE table_name = 'big' AND column_name = 'val'")).toEqual([
      { data_type: 'integer' },
    ]);
    expect(await tableExists(db.url, 'public.side')).toBe(true);
    expect(await tableExists(db.url, 'public.later')).toBe(false);
    expect(await historyVersions(db.url)).toEqual(['1']);
    expect(result.applied.map((m) => m.version)).toEqual(attempt === 1 ? ['1'] : []);
  }
  // Waived by a reviewed source (the migration's own ignore comment): it applies.
  const waived = workspace({
    'migrations/1_small.sql': 'CREATE TABLE side (id int);\n',
    'migrations/2_index.sql':
      '-- squawk-ignore require-concurrent-index-creation, changing-column-type\nCREATE INDEX big_val ON big (val);\nALTER TABLE big ALTER COLUMN val TYPE bigint;\n',
    'migrations/3_after.sql': 'CREATE TABLE later (id int);\n',
  });
  const result = await migrate(
    settings(db.url, waived, { lint: 'error', analyze: true, lockThresholdMs: 1, lockTimeoutSeconds: 5, lintDisable: ['changing-column-type'] }),
    new MemoryLog(),
  );
  expect(result.error).toBeUndefined();
  expect(await historyVersions(db.url)).toEqual(['1', '2', '3']);
}, 120_000);

test("a project's own tool: a finding graded to error by the rolled-back measurement stops the run before the tool runs", async () => {
  const db = await createDatabase('mig_guard_tool', created);
  await query(db.url, 'CREATE TABLE orders (id int PRIMARY KEY, total int)');
  await query(db.url, 'INSERT INTO orders SELECT g, g FROM generate_series(1, 100000) g');
  await query(db.url, 'ANALYZE orders');
  const cwd = workspace({ 'migrations/1700000000001_index.sql': '-- Up Migration\nCREATE INDEX orders_total ON orders (total);\n' });
  const command = `${join(ROOT, 'node_modules', '.bin', 'node-pg-migrate')} up --migrations-dir migrations`;
  for (const attempt of [1, 2]) {
    const result = await migrate(
      settings(db.url, cwd, { runner: 'node-pg-migrate', command, lint: 'error', analyze: true, lockThresholdMs: 1, lockTimeoutSeconds: 5 }),
      new MemoryLog(),
    );
    expect({ attempt, ok: result.ok }).toEqual({ attempt, ok: false });
    expect(result.exitCode).toBeUndefined();
    expect(result.error!.message).toMatch(/require-concurrent-index-creation/);
    expect(await tableExists(db.url, 'public.pgmigrations')).toBe(false);
    expect(await query(db.url, "SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'orders_total'")).toEqual([{ n: 0 }]);
  }
}, 60_000);

describe('no input reaches a shell', () => {
  const hostileDirs = ['db/$(touch pwned-dollar)', 'db/`touch pwned-backtick`', 'db"; touch pwned-quote; "'];
  test.each(hostileDirs)('migrations-dir %s in a tool profile runs nothing but the tool', async (dir) => {
    const db = await createDatabase('mig_noshell_dir', created);
    const cwd = workspace({ 'README.md': 'empty project\n' });
    // dbmate is not installed here: the tool cannot start (127), and the directory was never shell text.
    const log = new MemoryLog();
    const result = await migrate(settings(db.url, cwd, { runner: 'dbmate', migrationsDir: dir }), log);
    expect(result.ok).toBe(false);
    expect(result.exitCode).toBe(127);
    expect(log.text('error')).toContain('Cannot run dbmate');
    expect(readdirSync(cwd).filter((name) => name.startsWith('pwned'))).toEqual([]);
    expect(existsSync(join(cwd, 'db'))).toBe(false);
  });

  test.each([
    ['node -e "1" $(touch pwned)', /command substitution/],
    ['node -e "1" "$(touch pwned)"', /command substitution/],
    ['node -e "1" `touch pwned`', /command substitution/],
    ['node -e "1"; touch pwned', /shell syntax \(';'\)/],
    ['node -e "1" && touch pwned', /shell syntax \('&&'\)/],
    ['node -e "1" | tee pwned', /shell syntax \('\|'\)/],
    ['node -e "1" > pwned', /shell syntax \('>'\)/],
    ['node migrations/*.mjs', /shell syntax \(the glob migrations\/\*\.mjs\)/],
  ])('command %s is refused with advice before anything runs', async (command, reason) => {
    const db = await createDatabase('mig_noshell_cmd', created);
    const cwd = workspace({ 'README.md': 'empty project\n' });
    const run = migrate(settings(db.url, cwd, { runner: 'command', command }), new MemoryLog());
    await expect(run).rejects.toThrow(reason);
    // The core names the setting; the migrate action maps it to its input 'command', the root action to 'migrate-command'.
    await expect(run).rejects.toThrow(/Setting 'command'.*script file/);
    expect(readdirSync(cwd).filter((name) => name.startsWith('pwned'))).toEqual([]);
  });

  test("a command is split into words: quotes kept, $NAME from the tool's environment, leading NAME=value as environment", async () => {
    const db = await createDatabase('mig_noshell_words', created);
    const cwd = workspace({
      'show.mjs': 'console.log(JSON.stringify({ args: process.argv.slice(2), mode: process.env.MODE, url: process.argv[3] === process.env.DATABASE_URL }));\n',
    });
    const log = new MemoryLog();
    const result = await migrate(
      settings(db.url, cwd, { runner: 'command', command: `MODE=test node show.mjs 'two words' "$DATABASE_URL" plain # a remark` }),
      log,
    );
    expect(result.error).toBeUndefined();
    expect(log.text('info')).toContain('{"args":["two words",');
    expect(log.text('info')).toContain('"plain"],"mode":"test","url":true}');
  });
});

test('a no-transaction file is measured statement by statement (each its own transaction), and lint: error decides each statement before it commits', async () => {
  const db = await createDatabase('mig_guard_notx', created);
  await query(db.url, 'CREATE TABLE big (id int PRIMARY KEY, val int)');
  await query(db.url, 'INSERT INTO big SELECT g, g % 1000 FROM generate_series(1, 200000) g');
  await query(db.url, 'ANALYZE big');
  const cwd = workspace({
    'migrations/1_concurrent.sql': '-- preview-db: no-transaction\nCREATE INDEX CONCURRENTLY big_val ON big (val);\nALTER TABLE big ADD COLUMN note text;\n',
  });
  const measured = await migrate(settings(db.url, cwd, { analyze: true, lockThresholdMs: 60_000, lockTimeoutSeconds: 5 }), new MemoryLog());
  expect(measured.error).toBeUndefined();
  expect(measured.measured).toBe(true);
  const [applied] = measured.applied;
  expect(applied!.noTransaction).toBe(true);
  expect(applied!.statements.map((s) => s.line)).toEqual([2, 3]);
  expect(applied!.statements.every((s) => s.durationMs > 0)).toBe(true);
  // The ALTER took ACCESS EXCLUSIVE on the existing table; CONCURRENTLY runs bare (its lock blocks no writes).
  expect(applied!.statements[1]!.locks).toEqual([expect.objectContaining({ table: 'public.big', mode: 'AccessExclusiveLock' })]);
  expect(measured.locks).toEqual([expect.objectContaining({ table: 'public.big', mode: 'AccessExclusiveLock', line: 3, file: 'migrations/1_concurrent.sql' })]);

  // A lock graded to error in a no-transaction file: that statement is rolled back; the ones before it stay (their own transactions).
  const db2 = await createDatabase('mig_guard_notx2', created);
  await query(db2.url, 'CREATE TABLE big (id int PRIMARY KEY, val int)');
  await query(db2.url, 'INSERT INTO big SELECT g, g % 1000 FROM generate_series(1, 200000) g');
  await query(db2.url, 'ANALYZE big');
  const cwd2 = workspace({
    'migrations/1_mixed.sql': '-- preview-db: no-transaction\nCREATE TABLE IF NOT EXISTS side (id int);\nCREATE INDEX big_val ON big (val);\n',
  });
  for (const attempt of [1, 2]) {
    const result = await migrate(settings(db2.url, cwd2, { analyze: true, lint: 'error', lockThresholdMs: 1, lockTimeoutSeconds: 5 }), new MemoryLog());
    expect({ attempt, ok: result.ok }).toEqual({ attempt, ok: false });
    expect(result.error!.message).toMatch(/require-concurrent-index-creation/);
    expect(result.error!.line).toBe(3);
    expect(await query(db2.url, "SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'big_val'")).toEqual([{ n: 0 }]);
    expect(await tableExists(db2.url, 'public.side')).toBe(true);
    expect(await historyVersions(db2.url)).toEqual([]);
  }
}, 120_000);

describe('lint without a database', () => {
  const files = {
    'migrations/1_table.sql': 'CREATE TABLE accounts (id int PRIMARY KEY, email text);\n',
    'migrations/2_index.sql': 'CREATE INDEX accounts_email ON accounts (email);\n',
    'migrations/3_drop.sql': 'DROP TABLE orders;\n',
  };

  test('no database-url: the same rules on the same parser, graded statically; nothing applied', async () => {
    const log = new MemoryLog();
    const result = await migrate(settings('', workspace(files), { analyze: true }), log);
    expect(result.ok).toBe(true);
    expect(result.measured).toBe(false);
    expect(result.applied).toEqual([]);
    expect(result.findings.map((f) => [f.file, f.rule, f.severity])).toEqual(expect.arrayContaining([['migrations/3_drop.sql', 'ban-drop-table', 'error']]));
    // The table was created earlier in the same set: its index locks nobody, as on a database.
    expect(result.findings.some((f) => f.rule === 'require-concurrent-index-creation')).toBe(false);
    expect(log.text('notice')).toContain('linted offline');
    expect(result.reportMarkdown).toContain('ban-drop-table');
    expect(result.reportMarkdown).toContain('linted offline');
  });

  test('lint-only ignores a database-url (never connects), and lint: error still blocks', async () => {
    const result = await migrate(
      settings('postgres://nobody:not-a-password@127.0.0.1:1/none', workspace(files), { lintOnly: true, lint: 'error' }),
      new MemoryLog(),
    );
    expect(result.ok).toBe(false);
    expect(result.error!.message).toMatch(/lint found 1 error\(s\) \(lint: error\): migrations\/3_drop.sql:1 ban-drop-table/);
  });

  test('with many errors the failure message names the first few and counts the rest (each is annotated and in the report)', async () => {
    const many: Record<string, string> = {};
    // Tables from before this history: dropping each is an error.
    for (let i = 1; i <= 20; i++) many[`migrations/${i}_drop_legacy_${i}.sql`] = `DROP TABLE legacy_${i};`;
    const result = await migrate(settings('', workspace(many), { lintOnly: true, lint: 'error' }), new MemoryLog());
    expect(result.ok).toBe(false);
    const message = result.error!.message;
    expect(message).toMatch(/^lint found 20 error\(s\) \(lint: error\): migrations\/1_drop_legacy_1.sql:1 ban-drop-table; /);
    expect(message).toContain('and 15 more');
    expect(message.match(/ban-drop-table/g)).toHaveLength(5);
    expect(result.findings.filter((finding) => finding.severity === 'error')).toHaveLength(20);
  });

  test('offline with protected: true: a destructive change still needs allow-destructive', async () => {
    const result = await migrate(
      settings('', workspace(files), { protected: true, analyze: false, prBody: 'preview-db: allow ban-drop-table' }),
      new MemoryLog(),
    );
    expect(result.ok).toBe(false);
    expect(result.error!.message).toMatch(/destructive change/);
  });
});

test('the report covers every migration of the pull request: what earlier pushes applied and measured is kept with the history', async () => {
  const db = await createDatabase('mig_guard_whole_pr', created);
  await query(db.url, 'CREATE TABLE big (id int PRIMARY KEY, val int)');
  await query(db.url, 'INSERT INTO big SELECT g, g % 1000 FROM generate_series(1, 100000) g');
  await query(db.url, 'ANALYZE big');
  // A history table from before the report column: it gets the column, once.
  await query(
    db.url,
    `CREATE TABLE public.preview_db_migrations (version text PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), duration_ms integer NOT NULL, kind text NOT NULL DEFAULT 'migration')`,
  );
  await query(db.url, "INSERT INTO public.preview_db_migrations (version, name, checksum, duration_ms) VALUES ('1', 'base', 'x', 1)");
  const first = { 'migrations/1_base.sql': 'SELECT 1;\n', 'migrations/2_index.sql': 'CREATE INDEX big_val ON big (val);\n' };
  const cwd = workspace(first);
  const push1 = await migrate(settings(db.url, cwd, { analyze: true, pullRequest: 42, lockThresholdMs: 1, allowDrift: true }), new MemoryLog());
  expect(push1.error).toBeUndefined();
  expect(push1.applied.map((m) => m.version)).toEqual(['2']);
  const column = await query(db.url, "SELECT data_type FROM information_schema.columns WHERE table_name = 'preview_db_migrations' AND column_name = 'report'");
  expect(column).toEqual([{ data_type: 'jsonb' }]);

  // A later push adds a clean migration: the report still shows the index, its measured lock and graded finding.
  const later = workspace({ ...first, 'migrations/3_table.sql': 'CREATE TABLE notes (id bigint PRIMARY KEY);\n' });
  const push2 = await migrate(settings(db.url, later, { analyze: true, pullRequest: 42, lockThresholdMs: 1, allowDrift: true }), new MemoryLog());
  expect(push2.error).toBeUndefined();
  expect(push2.applied.map((m) => m.version)).toEqual(['3']);
  expect(push2.earlier?.map((m) => m.file)).toEqual(['migrations/2_index.sql']);
  expect(push2.findings.find((f) => f.file === 'migrations/2_index.sql' && f.rule === 'require-concurrent-index-creation')).toMatchObject({
    severity: 'error',
    message: expect.stringContaining('Measured on the preview'),
  });
  expect(push2.locks).toEqual([expect.objectContaining({ table: 'public.big', file: 'migrations/2_index.sql', mode: 'ShareLock' })]);
  expect(push2.measured).toBe(true);
  expect(push2.reportMarkdown).toContain('`migrations/2_index.sql` (applied by an earlier push)');
  expect(push2.reportMarkdown).toMatch(/Locks measured on the preview[\s\S]*public\.big/);

  // A run with nothing pending still reports them; another pull request's run does not.
  const again = await migrate(settings(db.url, later, { analyze: true, pullRequest: 42, allowDrift: true }), new MemoryLog());
  expect(again.earlier?.map((m) => m.version)).toEqual(['2', '3']);
  const other = await migrate(settings(db.url, later, { analyze: true, pullRequest: 43, allowDrift: true }), new MemoryLog());
  expect(other.earlier).toBeUndefined();
  expect(other.findings).toEqual([]);
}, 120_000);

test('measured, BEGIN rides with the first statement: a failure still points at its line and column, and nothing is committed', async () => {
  const db = await createDatabase('mig_guard_position', created);
  await query(db.url, 'CREATE TABLE big (id int PRIMARY KEY, val int)');
  const cwd = workspace({
    'migrations/1_bad.sql': '-- a comment first\nSELECT 1;\nCREATE INDEX big_nosuch ON big (nosuch);\n',
    'migrations/0_first.sql': 'SELECT val FROM big WHERE nosuch_either = 1;\n',
  });
  const first = await migrate(settings(db.url, cwd, { analyze: true }), new MemoryLog());
  expect(first.error).toMatchObject({ file: 'migrations/0_first.sql', line: 1, column: 27 });
  await query(db.url, 'ALTER TABLE big ADD COLUMN nosuch_either int');
  const second = await migrate(settings(db.url, cwd, { analyze: true }), new MemoryLog());
  expect(second.error).toMatchObject({ file: 'migrations/1_bad.sql', line: 3 });
  expect(await historyVersions(db.url)).toEqual(['0']);
});

test('measured across a run: relations are named as committed before each migration, after renames and tables created earlier in the run', async () => {
  const db = await createDatabase('mig_guard_names', created);
  await query(db.url, 'CREATE TABLE big (id int PRIMARY KEY, val int)');
  await query(db.url, 'INSERT INTO big SELECT g, g FROM generate_series(1, 1000) g');
  const cwd = workspace({
    'migrations/1_rename.sql': 'ALTER TABLE big RENAME TO huge;\n',
    'migrations/2_index.sql': 'CREATE INDEX huge_val ON huge (val);\n',
    'migrations/3_create.sql': 'CREATE TABLE fresh (id int);\nINSERT INTO fresh SELECT generate_series(1, 5);\n',
    'migrations/4_alter.sql': 'ALTER TABLE fresh ADD COLUMN note text;\n',
  });
  const result = await migrate(settings(db.url, cwd, { analyze: true, lockTimeoutSeconds: 5 }), new MemoryLog());
  expect(result.error).toBeUndefined();
  expect(result.locks.map((lock) => [lock.file, lock.table, lock.mode, lock.rows])).toEqual([
    // Counted inside the migration's transaction, where the old name is gone: unknown.
    ['migrations/1_rename.sql', 'public.big', 'AccessExclusiveLock', undefined],
    ['migrations/2_index.sql', 'public.huge', 'ShareLock', 1000],
    ['migrations/4_alter.sql', 'public.fresh', 'AccessExclusiveLock', 5],
  ]);
});
