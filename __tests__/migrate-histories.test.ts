// Real projects' histories on the built-in runner: the server version it reads, the layouts
// and version orders of Prisma, Diesel, dbmate, golang-migrate and Flyway, files with their
// own transaction control, encodings, psql meta-commands, and every file problem at once.
import { afterAll, describe, expect, test } from '@jest/globals';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSchema } from '../src/schema/catalog.js';
import { diffSchemas } from '../src/schema/diff.js';
import { MemoryLog } from './support/memory-log.js';
import { connect, serverVersionNum } from '../src/migrate/db.js';
import { nonTransactionalReason, sortMigrations } from '../src/migrate/files.js';
import { splitStatements } from '../src/migrate/sql.js';
import { migrate, type MigrateSettings } from '../src/migrate/index.js';
import { adminUrl, createDatabase, dropAll, query, settings, withClient, workspace, writeFiles } from './fixtures/migrate/support.js';

const created: string[] = [];
afterAll(() => dropAll(created));

describe('server version', () => {
  test('serverVersionNum reads the number SHOW server_version_num returns', async () => {
    const client = await connect(adminUrl(), new MemoryLog());
    try {
      const version = await serverVersionNum(client);
      const [row] = await query<{ n: string }>(adminUrl(), "SELECT current_setting('server_version_num') AS n");
      expect(version).toBe(Number(row!.n));
      expect(version).toBeGreaterThanOrEqual(120000);
    } finally {
      await client.end();
    }
  });
});

const historyOf = (url: string) =>
  query<{ version: string; name: string }>(url, 'SELECT version, name FROM public.preview_db_migrations ORDER BY applied_at, version');
const columnsOf = (url: string, table: string) =>
  query<{ column_name: string }>(url, 'SELECT column_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position', [table]).then(
    (rows) => rows.map((row) => row.column_name),
  );

async function applyTwice(prefix: string, files: Record<string, string>, overrides: Partial<MigrateSettings> = {}) {
  const db = await createDatabase(prefix, created);
  const cwd = workspace(files);
  const log = new MemoryLog();
  const first = await migrate(settings(db.url, cwd, overrides), log);
  const second = await migrate(settings(db.url, cwd, overrides), new MemoryLog());
  return { db, cwd, log, first, second };
}

describe('layouts', () => {
  test('Prisma: <timestamp>_<name>/migration.sql, two with one timestamp apply in directory-name order and record two rows', async () => {
    const { db, log, first, second } = await applyTwice(
      'hist_prisma',
      {
        'prisma/migrations/migration_lock.toml': 'provider = "postgresql"\n',
        'prisma/migrations/20240101000000_init/migration.sql':
          '-- CreateTable\nCREATE TABLE "User" ("id" SERIAL NOT NULL, CONSTRAINT "User_pkey" PRIMARY KEY ("id"));\n',
        'prisma/migrations/20240202000000_b_second/migration.sql': 'ALTER TABLE "User" ADD COLUMN "second" TEXT;\n',
        'prisma/migrations/20240202000000_a_first/migration.sql': 'ALTER TABLE "User" ADD COLUMN "first" TEXT;\n',
      },
      { migrationsDir: 'prisma/migrations' },
    );
    expect(first.error).toBeUndefined();
    expect(first.applied.map((m) => m.file)).toEqual([
      'prisma/migrations/20240101000000_init/migration.sql',
      'prisma/migrations/20240202000000_a_first/migration.sql',
      'prisma/migrations/20240202000000_b_second/migration.sql',
    ]);
    expect(log.text('info')).toContain('Prisma (<timestamp>_<name>/migration.sql)');
    expect((await historyOf(db.url)).map((row) => row.version).sort()).toEqual(['20240101000000_init', '20240202000000_a_first', '20240202000000_b_second']);
    expect(await columnsOf(db.url, 'User')).toEqual(['id', 'first', 'second']);
    expect(second.ok).toBe(true);
    expect(second.pending).toBe(0);
  });

  test('Diesel: <yyyy-mm-dd-hhmmss>_<name>/up.sql with 14-digit versions; down.sql and the initial setup handled as Diesel does', async () => {
    const { db, first, second } = await applyTwice('hist_diesel', {
      'migrations/00000000000000_diesel_initial_setup/up.sql':
        'CREATE OR REPLACE FUNCTION diesel_set_updated_at() RETURNS trigger AS $$\nBEGIN\n  NEW.updated_at := current_timestamp;\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;\n',
      'migrations/00000000000000_diesel_initial_setup/down.sql': 'DROP FUNCTION diesel_set_updated_at();\n',
      'migrations/2019-02-26-002946_create_user/up.sql': 'CREATE TABLE users (id serial PRIMARY KEY);\n',
      'migrations/2019-02-26-002946_create_user/down.sql': 'DROP TABLE users;\n',
      'migrations/2019-03-01-101500_add_name/up.sql': 'ALTER TABLE users ADD COLUMN name text;\n',
      'migrations/2019-03-01-101500_add_name/down.sql': 'ALTER TABLE users DROP COLUMN name;\n',
      'migrations/.keep': '',
    });
    expect(first.error).toBeUndefined();
    expect(first.applied.map((m) => m.version)).toEqual(['00000000000000', '20190226002946', '20190301101500']);
    expect((await historyOf(db.url)).map((row) => row.version)).toEqual(['00000000000000', '20190226002946', '20190301101500']);
    expect(await columnsOf(db.url, 'users')).toEqual(['id', 'name']);
    expect(second.pending).toBe(0);
  });

  test('Diesel: metadata.toml run_in_transaction = false runs up.sql outside a transaction; loose files beside the directories are not migrations', async () => {
    const { db, first, second } = await applyTwice('hist_diesel_meta', {
      'migrations/2024-01-01-000000_create/up.sql': 'CREATE TABLE items (id int, sku text);\n',
      'migrations/2024-01-01-000000_create/down.sql': 'DROP TABLE items;\n',
      'migrations/2024-02-01-000000_index/up.sql': 'CREATE INDEX CONCURRENTLY items_sku ON items (sku);\n',
      'migrations/2024-02-01-000000_index/down.sql': 'DROP INDEX items_sku;\n',
      'migrations/2024-02-01-000000_index/metadata.toml': 'run_in_transaction = false\n',
      'migrations/data_fixup.sql': 'SELECT 1;\n',
      'migrations/README.md': 'notes\n',
    });
    expect(first.error).toBeUndefined();
    expect(first.applied.map((m) => [m.version, m.noTransaction])).toEqual([
      ['20240101000000', false],
      ['20240201000000', true],
    ]);
    expect(first.findings.filter((f) => f.rule === 'ban-concurrent-index-creation-in-transaction')).toEqual([]);
    expect(await query(db.url, "SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = 'items_sku'::regclass")).toEqual([{ valid: true }]);
    expect(second.pending).toBe(0);
  });

  test('Diesel: versions compare as text, as Diesel does, also with the newer <date>-<time>-<nnnn> form', async () => {
    const { first } = await applyTwice('hist_diesel_order', {
      'migrations/2026-07-30-140000-0000_newer_form/up.sql': 'CREATE TABLE a (id int);\n',
      'migrations/2027-01-01-000000_later/up.sql': 'ALTER TABLE a ADD COLUMN b int;\n',
      'migrations/20140924113530_older_form/up.sql': 'CREATE TABLE z (id int);\n',
    });
    expect(first.error).toBeUndefined();
    expect(first.applied.map((m) => m.version)).toEqual(['20140924113530', '202607301400000000', '20270101000000']);
  });

  test('golang-migrate: <n>_<name>.up.sql applies, .down.sql is ignored', async () => {
    const { db, first, second, log } = await applyTwice('hist_golang', {
      'migrations/000001_init.up.sql': 'CREATE TABLE a (id int);\n',
      'migrations/000001_init.down.sql': 'DROP TABLE a;\n',
      'migrations/000002_more.up.sql': 'ALTER TABLE a ADD COLUMN b int;\n',
      'migrations/000002_more.down.sql': 'ALTER TABLE a DROP COLUMN b;\n',
    });
    expect(first.error).toBeUndefined();
    expect(log.text('info')).toContain('golang-migrate');
    expect(first.applied.map((m) => m.file)).toEqual(['migrations/000001_init.up.sql', 'migrations/000002_more.up.sql']);
    expect(await columnsOf(db.url, 'a')).toEqual(['id', 'b']);
    expect(second.pending).toBe(0);
  });

  test('Flyway: V1__x.sql and V1_1__x.sql order by dotted version', async () => {
    const { db, first, second } = await applyTwice(
      'hist_flyway',
      {
        'sql/V1__init.sql': 'CREATE TABLE a (id int);\n',
        'sql/V1_10__ten.sql': 'ALTER TABLE a ADD COLUMN ten int;\n',
        'sql/V1_2__two.sql': 'ALTER TABLE a ADD COLUMN two int;\n',
        'sql/V2__later.sql': 'ALTER TABLE a ADD COLUMN later int;\n',
      },
      { migrationsDir: 'sql' },
    );
    expect(first.error).toBeUndefined();
    expect(first.applied.map((m) => m.version)).toEqual(['1', '1.2', '1.10', '2']);
    expect(await columnsOf(db.url, 'a')).toEqual(['id', 'two', 'ten', 'later']);
    expect(second.pending).toBe(0);
  });

  test('dbmate: only the -- migrate:up section runs; transaction:false runs it outside a transaction', async () => {
    const { db, first, second, log } = await applyTwice(
      'hist_dbmate',
      {
        'db/migrations/20240101000000_init.sql': '-- migrate:up\nCREATE TABLE a (id int, sku text);\n\n-- migrate:down\nDROP TABLE a;\n',
        'db/migrations/20240102000000_index.sql':
          '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY a_sku ON a (sku);\n\n-- migrate:down\nDROP INDEX a_sku;\n',
      },
      { migrationsDir: 'db/migrations' },
    );
    expect(first.error).toBeUndefined();
    expect(log.text('info')).toContain('dbmate');
    expect(first.applied.map((m) => [m.version, m.noTransaction])).toEqual([
      ['20240101000000', false],
      ['20240102000000', true],
    ]);
    expect(first.findings.filter((f) => f.rule === 'ban-concurrent-index-creation-in-transaction')).toEqual([]);
    expect(await query(db.url, "SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = 'a_sku'::regclass")).toEqual([{ valid: true }]);
    expect(second.pending).toBe(0);
  });

  test('versions sort numerically when all are numeric (9 before 10), else by name', () => {
    const names = (list: Array<{ version: string; fileName: string }>) => sortMigrations(list).map((f) => f.fileName);
    expect(
      names([
        { version: '10', fileName: '10_b.sql' },
        { version: '9', fileName: '9_a.sql' },
        { version: '10', fileName: '10_a.sql' },
      ]),
    ).toEqual(['9_a.sql', '10_a.sql', '10_b.sql']);
    expect(
      names([
        { version: 'b', fileName: 'b' },
        { version: '10', fileName: '10' },
        { version: '9', fileName: '9' },
      ]),
    ).toEqual(['10', '9', 'b']);
  });
});

describe('transactions', () => {
  test("a file with other transaction control runs as written, outside the runner's transaction", async () => {
    const { db, first, second } = await applyTwice('hist_tx', {
      'migrations/1_a.sql': 'CREATE TABLE a (id int);\n',
      'migrations/2_b.sql': 'BEGIN;\nALTER TABLE a ADD COLUMN b int;\nCOMMIT;\nCREATE INDEX CONCURRENTLY a_b ON a (b);\n',
    });
    expect(first.error).toBeUndefined();
    expect(first.applied.map((m) => m.noTransaction)).toEqual([false, true]);
    expect(first.findings.filter((f) => f.rule === 'ban-concurrent-index-creation-in-transaction')).toEqual([]);
    expect(await query(db.url, "SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = 'a_b'::regclass")).toEqual([{ valid: true }]);
    expect(second.pending).toBe(0);
  });

  test('a wrapped file that fails rolls back as a whole, and is not recorded', async () => {
    const db = await createDatabase('hist_txfail', created);
    const cwd = workspace({ 'migrations/1_a.sql': 'BEGIN;\nCREATE TABLE a (id int);\nSELECT no_such_function();\nCOMMIT;\n' });
    const result = await migrate(settings(db.url, cwd), new MemoryLog());
    expect(result.ok).toBe(false);
    expect(result.error).toMatchObject({ file: 'migrations/1_a.sql', line: 3 });
    expect(await query(db.url, "SELECT to_regclass('a')::text AS t")).toEqual([{ t: null }]);
  });

  test("ALTER TYPE ... ADD VALUE runs in the runner's transaction on Postgres 12 and later; RENAME VALUE is not an added value", async () => {
    const { db, first } = await applyTwice('hist_enum', {
      'migrations/1_a.sql': "CREATE TYPE mood AS ENUM ('sad', 'ok');\n",
      'migrations/2_b.sql': "ALTER TYPE mood ADD VALUE 'happy';\n",
      'migrations/3_c.sql': "ALTER TYPE mood RENAME VALUE 'ok' TO 'fine';\n",
    });
    expect(first.error).toBeUndefined();
    expect(first.problems).toEqual([]);
    expect(first.applied.map((m) => m.noTransaction)).toEqual([false, false, false]);
    expect(await query(db.url, 'SELECT enum_range(NULL::mood)::text AS r')).toEqual([{ r: '{sad,fine,happy}' }]);
  });

  test('RENAME VALUE is never a reason to leave the transaction, ADD VALUE is before Postgres 12', async () => {
    const [rename, add] = await splitStatements("ALTER TYPE mood RENAME VALUE 'ok' TO 'fine';\nALTER TYPE mood ADD VALUE 'happy';");
    expect(nonTransactionalReason(rename!, 110000)).toBeUndefined();
    expect(nonTransactionalReason(add!, 110000)).toMatch(/ADD VALUE/);
    expect(nonTransactionalReason(add!, 120000)).toBeUndefined();
  });
});

describe('encodings and psql meta-commands', () => {
  test('a UTF-8 byte-order mark is dropped', async () => {
    const { db, first } = await applyTwice('hist_bom', { 'migrations/1_a.sql': '\ufeffCREATE TABLE a (id int);\n' });
    expect(first.error).toBeUndefined();
    expect(await columnsOf(db.url, 'a')).toEqual(['id']);
  });

  test('invalid UTF-8 (Latin-1 bytes) is refused with the file, line and byte offset', async () => {
    const db = await createDatabase('hist_latin1', created);
    const cwd = workspace({ 'migrations/1_a.sql': 'CREATE TABLE a (id int);\n' });
    writeFileSync(
      join(cwd, 'migrations/2_b.sql'),
      Buffer.concat([Buffer.from('CREATE TABLE b (id int);\nINSERT INTO a VALUES (1); -- caf'), Buffer.from([0xe9]), Buffer.from('\n')]),
    );
    const result = await migrate(settings(db.url, cwd), new MemoryLog());
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([expect.objectContaining({ file: 'migrations/2_b.sql', line: 2 })]);
    expect(result.problems[0]!.reason).toContain('byte 0xe9 at byte offset 57');
    expect(await query(db.url, "SELECT to_regclass('a')::text AS t")).toEqual([{ t: null }]);
  });

  test("pg_dump's \\restrict pair is skipped with a note; other meta-commands are refused with their line and what to do", async () => {
    const key = 'AbCdEf0123456789';
    const db = await createDatabase('hist_meta', created);
    const cwd = workspace({
      'migrations/1_baseline.sql': `\\restrict ${key}\n\nSET client_encoding = 'UTF8';\nCREATE TABLE a (id int, note text);\nCREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$\nSELECT '\n\\\\not a command'\n$$;\nCOPY a (id, note) FROM stdin;\n1\t\\N\n\\N\tx\n\\.\n\n\\unrestrict ${key}\n`,
    });
    const log = new MemoryLog();
    const result = await migrate(settings(db.url, cwd), log);
    expect(result.error).toBeUndefined();
    expect(log.text('info')).toContain("migrations/1_baseline.sql:1: skipped psql's \\restrict line");
    expect(log.text('info')).toContain("migrations/1_baseline.sql:14: skipped psql's \\unrestrict line");
    expect(await query(db.url, 'SELECT count(*)::int AS n FROM a')).toEqual([{ n: 2 }]);

    writeFiles(cwd, { 'migrations/2_more.sql': '\\connect other\nCREATE TABLE b (id int);\n\\set ON_ERROR_STOP on\n\\i other.sql\n' });
    const refused = await migrate(settings(db.url, cwd, { dryRun: true }), new MemoryLog());
    expect(refused.ok).toBe(false);
    expect(refused.problems.map((p) => [p.line, p.reason.split(':')[0]])).toEqual([
      [1, 'holds the psql meta-command \\connect on line 1'],
      [3, 'holds the psql meta-command \\set on line 3'],
      [4, 'holds the psql meta-command \\i on line 4'],
    ]);
    expect(refused.problems[0]!.fix).toContain('database-url');
  });
});

describe('every problem at once', () => {
  test('a dry run reads every file and reports all problems together, with pending, findings and the report', async () => {
    const db = await createDatabase('hist_all', created);
    await query(db.url, 'CREATE TABLE old (id int)');
    const cwd = workspace({
      'migrations/1_ok.sql': 'CREATE TABLE a (id int);\n',
      'migrations/2_drop.sql': 'DROP TABLE old;\n',
      'migrations/3_bad.sql': 'CREATE TABLE (;\n',
      'migrations/4_conc.sql': 'CREATE INDEX CONCURRENTLY i ON a (id);\n',
      'migrations/4_twin.sql': 'SELECT 1;\n',
      'migrations/notes.sql': 'SELECT 1;\n',
      'migrations/5_meta.sql': '\\connect x\n',
    });
    const result = await migrate(settings(db.url, cwd, { dryRun: true }), new MemoryLog());
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => p.file).sort()).toEqual([
      'migrations/3_bad.sql',
      'migrations/4_conc.sql',
      'migrations/4_twin.sql',
      'migrations/5_meta.sql',
      'migrations/notes.sql',
    ]);
    expect(result.problems.every((p) => p.reason && p.fix)).toBe(true);
    expect(result.error!.message).toMatch(/^5 file\(s\) have problems/);
    expect(result.pending).toBeGreaterThan(0);
    expect(result.findings.some((f) => f.rule === 'ban-drop-table')).toBe(true);
    expect(result.reportMarkdown).toContain('migrations/notes.sql');
    expect(await query(db.url, "SELECT to_regclass('preview_db_migrations')::text AS t")).toEqual([{ t: null }]);
  });
});

describe('fixture histories: the runner leaves the schema their own tool leaves', () => {
  const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'migrate');
  const OTHER_OBJECTS = `SELECT 'function ' || p.oid::regprocedure::text || ' ' || md5(pg_get_functiondef(p.oid)) AS x FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
    UNION ALL SELECT 'enum ' || t.typname || ' ' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid GROUP BY t.typname
    UNION ALL SELECT 'trigger ' || tgname || ' ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1`;
  const picture = (url: string) =>
    withClient(url, async (client) => ({
      schema: await readSchema(client, { ignoreTables: ['public.preview_db_migrations'] }),
      other: (await client.query<{ x: string }>(OTHER_OBJECTS)).rows.map((row) => row.x),
    }));

  /** The tool's way: each migration's SQL as one simple query, in the tool's order (Diesel: in a transaction unless its metadata.toml says not). */
  async function applyAsTheTool(url: string, files: Array<{ path: string; transaction: boolean }>): Promise<void> {
    await withClient(url, async (client) => {
      for (const file of files) {
        const sql = readFileSync(file.path, 'utf8').replace(/^\ufeff/, '');
        await client.query(file.transaction ? `BEGIN;\n${sql}\n;COMMIT;` : sql);
      }
    });
  }

  const dieselKey = (name: string) => name.split('_')[0]!.replace(/-/g, '');
  const cases: Array<[string, string, () => Array<{ path: string; transaction: boolean }>, string[]]> = [
    [
      'prisma-history',
      'Prisma',
      () =>
        readdirSync(join(FIXTURES, 'prisma-history'))
          .filter((name) => /^\d{14}_/.test(name))
          .sort()
          .map((name) => ({ path: join(FIXTURES, 'prisma-history', name, 'migration.sql'), transaction: false })),
      ['20240101000000_init', '20240301000000_a_name', '20240301000000_b_profile', '20240401000000_rename_role', '20240402000000_add_role'],
    ],
    [
      'diesel-history',
      'Diesel',
      () =>
        readdirSync(join(FIXTURES, 'diesel-history'))
          .filter((name) => /^\d[\d-]*_/.test(name))
          .sort((a, b) => (dieselKey(a) < dieselKey(b) ? -1 : 1))
          .map((name) => ({
            path: join(FIXTURES, 'diesel-history', name, 'up.sql'),
            transaction: !readdirSync(join(FIXTURES, 'diesel-history', name)).includes('metadata.toml'),
          })),
      ['00000000000000', '20140924113530', '20190226002946', '20240201000000', '202607301400000000', '20270101000000'],
    ],
    [
      'golang-migrate-history',
      'golang-migrate',
      () =>
        readdirSync(join(FIXTURES, 'golang-migrate-history'))
          .filter((name) => name.endsWith('.up.sql'))
          .sort()
          .map((name) => ({ path: join(FIXTURES, 'golang-migrate-history', name), transaction: false })),
      ['000001', '000002', '000010'],
    ],
  ];

  test.each(cases)("%s: all apply, a second run is a no-op, and the schema equals the tool's", async (fixture, layout, toolOrder, ids) => {
    const runner = await createDatabase('hist_fx_runner', created);
    const tool = await createDatabase('hist_fx_tool', created);
    const log = new MemoryLog();
    const first = await migrate(settings(runner.url, FIXTURES, { migrationsDir: fixture }), log);
    expect(first.error).toBeUndefined();
    expect(first.problems).toEqual([]);
    expect(log.text('info')).toContain(`${fixture}: ${layout}`);
    expect((await historyOf(runner.url)).map((row) => row.version)).toEqual(ids);
    const second = await migrate(settings(runner.url, FIXTURES, { migrationsDir: fixture }), new MemoryLog());
    expect([second.ok, second.pending, second.applied.length]).toEqual([true, 0, 0]);

    await applyAsTheTool(tool.url, toolOrder());
    const [ours, theirs] = [await picture(runner.url), await picture(tool.url)];
    expect(ours.schema.length).toBeGreaterThan(0);
    expect(diffSchemas(theirs.schema, ours.schema)).toEqual([]);
    expect(ours.other).toEqual(theirs.other);
  });
});
