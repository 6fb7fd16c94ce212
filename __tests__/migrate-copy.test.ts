// psql-style `COPY ... FROM stdin` with its rows inline (pg_dump's format) in migration and
// seed files: split with the real parser, streamed with COPY's protocol, linted without
// mistaking the rows for SQL. Real test Postgres, databases of this file's own.
import { afterAll, describe, expect, test } from '@jest/globals';
import { MemoryLog } from './support/memory-log.js';
import { migrate } from '../src/migrate/index.js';
import { SqlSyntaxError, splitStatements, withoutCopyData } from '../src/migrate/sql.js';
import { lintMigrations } from '../src/migrate/lint/index.js';
import { createDatabase, dropAll, query, settings, workspace } from './fixtures/migrate/support.js';
import { runAction } from './support/run-action.js';

const created: string[] = [];
afterAll(() => dropAll(created));

const PLANS = [
  'CREATE TABLE plans (id int PRIMARY KEY, name text);',
  'COPY plans (id, name) FROM stdin;',
  '1\tfree',
  '2\tpro',
  '\\.',
  "INSERT INTO plans VALUES (3, 'team');",
  '',
].join('\n');

async function historyOf(url: string): Promise<Array<{ version: string; name: string; kind: string }>> {
  return query(url, 'SELECT version, name, kind FROM public.preview_db_migrations ORDER BY applied_at, version');
}

async function tableExists(url: string, name: string): Promise<boolean> {
  const rows = await query<{ t: string | null }>(url, 'SELECT to_regclass($1)::text AS t', [name]);
  return rows[0]!.t !== null;
}

describe('splitting a file with inline COPY data', () => {
  test('the COPY statement carries its rows; statements after the data keep their lines and columns', async () => {
    const statements = await splitStatements(PLANS);
    expect(statements.map((s) => [s.kind, s.line, s.column, s.text])).toEqual([
      ['CreateStmt', 1, 1, 'CREATE TABLE plans (id int PRIMARY KEY, name text)'],
      ['CopyStmt', 2, 1, 'COPY plans (id, name) FROM stdin'],
      ['InsertStmt', 6, 1, "INSERT INTO plans VALUES (3, 'team')"],
    ]);
    expect(statements[1]!.copyData).toBe('1\tfree\n2\tpro\n');
    expect(statements[1]!.copyDataSpan!.line).toBe(3);
    expect(statements[0]!.copyData).toBeUndefined();
    expect(PLANS.slice(statements[2]!.offset)).toMatch(/^INSERT INTO plans/);
    // Node locations are byte offsets into the whole file, also after the data (non-ASCII rows included).
    const accented = PLANS.replace('free', 'gratuité € 😀');
    const insert = (await splitStatements(accented))[2]!;
    const relation = (insert.node as unknown as { InsertStmt: { relation: { location: number } } }).InsertStmt.relation.location;
    expect(
      Buffer.from(accented, 'utf8')
        .subarray(relation, relation + 5)
        .toString(),
    ).toBe('plans');
    expect([insert.line, insert.column]).toEqual([6, 1]);
  });

  test('CSV rows (FORMAT csv) with quotes, a comment after the semicolon and CR LF line ends', async () => {
    const sql =
      'COPY plans (id, name) FROM STDIN WITH (FORMAT csv); -- from the dump\r\n1,"O\'Brien, ""the"" first"\r\n2,\'\r\n\\.\r\n  UPDATE plans SET name = upper(name) WHERE id = 1;\r\n';
    const statements = await splitStatements(sql);
    expect(statements.map((s) => [s.kind, s.line, s.column])).toEqual([
      ['CopyStmt', 1, 1],
      ['UpdateStmt', 5, 3],
    ]);
    expect(statements[0]!.copyData).toBe('1,"O\'Brien, ""the"" first"\r\n2,\'\r\n');
    expect(statements[1]!.text).toBe('UPDATE plans SET name = upper(name) WHERE id = 1');
  });

  test('a \\. line inside a dollar-quoted body before the COPY is not its terminator', async () => {
    const sql =
      "CREATE FUNCTION dot() RETURNS text LANGUAGE sql AS $body$\nSELECT '\n\\.\n'\n$body$;\nCOPY plans FROM stdin;\n7\tenterprise\n\\.\nSELECT dot();\n";
    const statements = await splitStatements(sql);
    expect(statements.map((s) => [s.kind, s.line])).toEqual([
      ['CreateFunctionStmt', 1],
      ['CopyStmt', 6],
      ['SelectStmt', 9],
    ]);
    expect(statements[0]!.text).toContain('\\.');
    expect(statements[1]!.copyData).toBe('7\tenterprise\n');
  });

  test('several COPY blocks, empty data, rows that happen to look like SQL', async () => {
    const sql = 'COPY a FROM stdin;\nselect\n1\n\\.\nCOPY b FROM stdin;\n\\.\nCOPY c TO stdout;\n';
    const statements = await splitStatements(sql);
    expect(statements.map((s) => [s.text, s.line, s.copyData])).toEqual([
      ['COPY a FROM stdin', 1, 'select\n1\n'],
      ['COPY b FROM stdin', 5, ''],
      ['COPY c TO stdout', 7, undefined],
    ]);
    // The scanner can read the file once the rows are blanked out, byte for byte.
    expect(Buffer.byteLength(withoutCopyData(sql, statements))).toBe(Buffer.byteLength(sql));
    expect(await splitStatements('')).toEqual([]);
  });

  test('a COPY FROM stdin without its \\. line is a syntax error naming the line', async () => {
    const attempt = splitStatements('CREATE TABLE plans (id int);\n\nCOPY plans FROM stdin;\n1\n2\n');
    await expect(attempt).rejects.toBeInstanceOf(SqlSyntaxError);
    await expect(attempt).rejects.toMatchObject({
      line: 3,
      column: 1,
      message: expect.stringContaining('COPY ... FROM stdin on line 3 has no end-of-data line'),
    });
    // Text after the semicolon on the COPY's line would run after the data in psql: refused.
    await expect(splitStatements('COPY plans FROM stdin; SELECT 1;\n1\n\\.\n')).rejects.toMatchObject({ line: 1, column: 23 });
    // A real syntax error after the data is reported where it is.
    await expect(splitStatements('COPY plans FROM stdin;\n1\n\\.\nSELEC 1;\n')).rejects.toMatchObject({ line: 4, column: 1 });
  });
});

describe.each([true, false])('the built-in runner with analyze %s', (analyze) => {
  test("applies inline COPY data in the migration's transaction and records it", async () => {
    const db = await createDatabase(`mig_copy_${analyze ? 'a' : 'f'}`, created);
    const cwd = workspace({
      'migrations/001_before.sql': 'CREATE TABLE before_copy (id int);\n',
      'migrations/002_plans.sql': PLANS,
      'migrations/003_csv.sql': 'COPY plans (id, name) FROM stdin WITH (FORMAT csv, HEADER true);\nid,name\n4,"scale, yearly"\n\\.\n',
      'migrations/004_after.sql': 'CREATE TABLE after_copy (id int);\n',
    });
    const result = await migrate(settings(db.url, cwd, { analyze }), new MemoryLog());
    expect(result.error).toBeUndefined();
    expect(result.applied.map((m) => m.version)).toEqual(['001', '002', '003', '004']);
    expect(await query(db.url, 'SELECT id, name FROM plans ORDER BY id')).toEqual([
      { id: 1, name: 'free' },
      { id: 2, name: 'pro' },
      { id: 3, name: 'team' },
      { id: 4, name: 'scale, yearly' },
    ]);
    expect((await historyOf(db.url)).map((row) => row.version)).toEqual(['001', '002', '003', '004']);
    expect(await tableExists(db.url, 'after_copy')).toBe(true);
    // Statement by statement: the COPY counts as one statement, the rows as none.
    expect(result.applied[1]!.statements.map((s) => [s.kind, s.line])).toEqual([
      ['CreateStmt', 1],
      ['CopyStmt', 2],
      ['InsertStmt', 6],
    ]);
  });

  test("a failing row rolls the whole migration back; the error names the file and the row's line", async () => {
    const db = await createDatabase(`mig_copyfail_${analyze ? 'a' : 'f'}`, created);
    const cwd = workspace({
      'migrations/001_kept.sql': 'CREATE TABLE kept (id int);\n',
      'migrations/002_plans.sql':
        'CREATE TABLE plans (id int PRIMARY KEY, name text);\nCOPY plans (id, name) FROM stdin;\n1\tfree\ntwo\tpro\n\\.\nCREATE TABLE never (id int);\n',
      'migrations/003_later.sql': 'CREATE TABLE later (id int);\n',
    });
    const log = new MemoryLog();
    const result = await migrate(settings(db.url, cwd, { analyze }), log);
    expect(result.ok).toBe(false);
    expect(result.error).toMatchObject({ file: 'migrations/002_plans.sql', line: 4, code: '22P02' });
    expect(result.error!.message).toContain('invalid input syntax for type integer');
    expect(result.error!.message).toContain('rolled back');
    expect(log.text('error')).toContain('migrations/002_plans.sql:4:');
    expect(result.applied.map((m) => m.version)).toEqual(['001']);
    expect((await historyOf(db.url)).map((row) => row.version)).toEqual(['001']);
    expect(await tableExists(db.url, 'kept')).toBe(true);
    expect(await tableExists(db.url, 'plans')).toBe(false);
    expect(await tableExists(db.url, 'later')).toBe(false);
  });
});

test('a seed file dumped by pg_dump (COPY data) runs once, in one transaction with its history row', async () => {
  const db = await createDatabase('mig_copyseed', created);
  const cwd = workspace({
    'migrations/001_plans.sql': 'CREATE TABLE plans (id int PRIMARY KEY, name text);\n',
    'seeds/plans.sql': "-- pg_dump --data-only\nSET client_encoding = 'UTF8';\nCOPY public.plans (id, name) FROM stdin;\n1\tgratuit\\tà vie\n2\t\\N\n\\.\n",
  });
  const result = await migrate(settings(db.url, cwd, { seed: ['seeds'] }), new MemoryLog());
  expect(result.error).toBeUndefined();
  expect(result.seeded).toEqual(['seeds/plans.sql']);
  expect(await query(db.url, 'SELECT id, name FROM plans ORDER BY id')).toEqual([
    { id: 1, name: 'gratuit\tà vie' },
    { id: 2, name: null },
  ]);
  expect((await historyOf(db.url)).map((row) => [row.version, row.kind])).toEqual([
    ['001', 'migration'],
    ['seed:seeds/plans.sql', 'seed'],
  ]);
  const again = await migrate(settings(db.url, cwd, { seed: ['seeds'] }), new MemoryLog());
  expect(again.seeded).toEqual([]);
  expect(await query(db.url, 'SELECT count(*)::int AS n FROM plans')).toEqual([{ n: 2 }]);
});

test("an external tool's pending SQL with COPY data is measured in a rolled-back transaction", async () => {
  const db = await createDatabase('mig_copyext', created);
  const cwd = workspace({
    'prisma/migrations/20240101000000_plans/migration.sql': PLANS,
    'prisma/migrations/migration_lock.toml': 'provider = "postgresql"\n',
  });
  const result = await migrate(settings(db.url, cwd, { runner: 'prisma', command: 'true', analyze: true }), new MemoryLog());
  expect(result.error).toBeUndefined();
  expect(result.measured).toBe(true);
  expect(result.warnings.filter((warning) => warning.startsWith('Measuring'))).toEqual([]);
  // Measured then rolled back: the tool (here a stand-in that does nothing) applies for real.
  expect(await tableExists(db.url, 'plans')).toBe(false);
});

describe('lint on a file with COPY data', () => {
  test('the rows raise no findings and positions after the data are right', async () => {
    const sql = [
      'CREATE TABLE plans (id bigint PRIMARY KEY, name text);',
      'COPY plans (id, name) FROM stdin;',
      "1\tDROP TABLE users; -- squawk-ignore-file O'Brien",
      '2\tTRUNCATE users /* unclosed',
      '\\.',
      '-- squawk-ignore ban-drop-column',
      'ALTER TABLE users DROP COLUMN email;',
      'CREATE INDEX users_name ON users (name);',
      '',
    ].join('\n');
    const findings = await lintMigrations([{ path: 'migrations/002_plans.sql', sql }], {
      disabled: [],
      sessionLockTimeout: true,
      transactionModel: 'per-file',
      existingTables: new Set(['public.users']),
    });
    expect(findings.map((f) => [f.rule, f.line, f.column])).toEqual([['require-concurrent-index-creation', 8, 1]]);
  });
});

test('the committed bundle streams COPY data (pg-copy-streams bundled) on the fast path', async () => {
  const db = await createDatabase('mig_copybundle', created);
  const cwd = workspace({ 'migrations/001_plans.sql': PLANS, 'migrations/002_more.sql': "INSERT INTO plans VALUES (4, 'scale');\n" });
  const run = await runAction('migrate', {
    cwd,
    timeoutMs: 60_000,
    inputs: {
      'database-url': db.url,
      runner: 'builtin',
      'migrations-dir': 'migrations',
      'history-table': 'public.preview_db_migrations',
      'export-env': 'DATABASE_URL',
      'dry-run': 'false',
      lint: 'warn',
      'lint-disable': '',
      'allow-destructive': 'false',
      'allow-drift': 'false',
      protected: 'false',
      seed: '',
      'lock-timeout': '',
      'statement-timeout': '',
      analyze: 'false',
      'lock-threshold': '1s',
      command: '',
    },
  });
  expect(run.stderr).not.toMatch(/::error/);
  expect(run.status).toBe(0);
  expect(run.outputs).toMatchObject({ applied: '2', pending: '2' });
  expect(await query(db.url, 'SELECT count(*)::int AS n FROM plans')).toEqual([{ n: 4 }]);
}, 60_000);
