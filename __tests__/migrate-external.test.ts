// The project's own tool: node-pg-migrate (a real tool from npm), a script behind
// runner: command, and a Prisma history read before the tool runs.
import { afterAll, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryLog } from './support/memory-log.js';
import { migrate } from '../src/migrate/index.js';
import { sha256 } from '../src/migrate/files.js';
import { ROOT } from './support/run-action.js';
import { createDatabase, dropAll, query, settings, workspace, writeFiles } from './fixtures/migrate/support.js';

const created: string[] = [];
afterAll(() => dropAll(created));

const NODE_PG_MIGRATE = join(ROOT, 'node_modules', '.bin', 'node-pg-migrate');

test('node-pg-migrate: pending read from its history, measured in a rolled-back transaction, then applied by the tool', async () => {
  const db = await createDatabase('mig_npm', created);
  await query(db.url, 'CREATE TABLE orders (id int PRIMARY KEY, total int)');
  await query(db.url, 'INSERT INTO orders SELECT g, g FROM generate_series(1, 50000) g');
  const cwd = workspace({
    'migrations/1700000000001_add-note.sql':
      '-- Up Migration\nALTER TABLE orders ADD COLUMN note text;\nCREATE INDEX orders_note ON orders (note);\n\n-- Down Migration\nDROP INDEX orders_note;\nALTER TABLE orders DROP COLUMN note;\n',
  });
  const command = `${NODE_PG_MIGRATE} up --migrations-dir migrations`;
  const log = new MemoryLog();
  const result = await migrate(settings(db.url, cwd, { runner: 'node-pg-migrate', command, analyze: true, lockThresholdMs: 5000 }), log);
  expect(result.error).toBeUndefined();
  expect(result.exitCode).toBe(0);
  expect(result.pending).toBe(1);
  expect(result.applied.map((m) => m.version)).toEqual(['1700000000001_add-note']);
  expect(result.measured).toBe(true);
  expect(result.locks.find((lock) => lock.table === 'public.orders')).toMatchObject({ mode: 'AccessExclusiveLock', line: 2, overThreshold: false });
  // Lint sees the up section only: the down section's DROP COLUMN is not reported.
  expect(result.findings.some((f) => f.rule === 'require-concurrent-index-creation' && f.line === 3)).toBe(true);
  expect(result.findings.some((f) => f.rule === 'ban-drop-column')).toBe(false);
  // The tool's output was streamed into the log.
  expect(log.text('info')).toContain('1700000000001_add-note');
  expect(await query(db.url, 'SELECT name FROM pgmigrations')).toEqual([{ name: '1700000000001_add-note' }]);
  expect(await query(db.url, "SELECT count(*)::int AS n FROM pg_indexes WHERE indexname = 'orders_note'")).toEqual([{ n: 1 }]);

  // An older file after a newer one was applied: reported, and the tool's own refusal is the run's status.
  writeFiles(cwd, { 'migrations/1600000000000_old.sql': 'CREATE TABLE old_one (id int);\n' });
  const late = await migrate(settings(db.url, cwd, { runner: 'node-pg-migrate', command, analyze: false }), new MemoryLog());
  expect(late.outOfOrder.map((m) => m.file)).toEqual(['migrations/1600000000000_old.sql']);
  expect(late.reportMarkdown).toContain('older than a migration already applied');
  expect(late.ok).toBe(false);
  expect(late.exitCode).not.toBe(0);
  expect(late.error!.message).toMatch(/node-pg-migrate exited with status \d+/);
}, 60_000);

test('runner: command runs the script with the URL under the export-env names, streams its output and keeps its exit status', async () => {
  const db = await createDatabase('mig_cmd', created);
  const pgModule = join(ROOT, 'node_modules', 'pg', 'lib', 'index.js');
  const cwd = workspace({
    'apply.mjs': `import pg from ${JSON.stringify(pgModule)};
const client = new pg.Client({ connectionString: process.env.APP_DB });
await client.connect();
await client.query('CREATE TABLE IF NOT EXISTS from_script (id int)');
const { rows } = await client.query('SHOW lock_timeout');
await client.end();
console.log('applied by script, DATABASE_URL set: ' + Boolean(process.env.DATABASE_URL) + ', lock_timeout=' + rows[0].lock_timeout);
process.exit(Number(process.argv[2] ?? 0));
`,
  });
  const log = new MemoryLog();
  const ok = await migrate(
    settings(db.url, cwd, { runner: 'command', command: 'node apply.mjs 0', exportEnv: ['APP_DB', 'DATABASE_URL'], lockTimeoutSeconds: 4 }),
    log,
  );
  expect(ok.error).toBeUndefined();
  expect(ok.exitCode).toBe(0);
  // lock-timeout reaches the tool's own sessions through PGOPTIONS.
  expect(log.text('info')).toContain('applied by script, DATABASE_URL set: true, lock_timeout=4s');
  expect(await query(db.url, "SELECT to_regclass('from_script')::text AS t")).toEqual([{ t: 'from_script' }]);

  const failed = await migrate(settings(db.url, cwd, { runner: 'command', command: 'node apply.mjs 3', exportEnv: ['APP_DB'] }), new MemoryLog());
  expect(failed.ok).toBe(false);
  expect(failed.exitCode).toBe(3);
  expect(failed.error!.message).toContain('exited with status 3');
  await expect(migrate(settings(db.url, cwd, { runner: 'command' }), new MemoryLog())).rejects.toThrow(/Setting 'command'/);
});

test('prisma: failed, edited and out-of-order migrations are read from _prisma_migrations before the tool runs', async () => {
  const db = await createDatabase('mig_prisma', created);
  const sql = {
    init: 'CREATE TABLE users (id int);\n',
    edit: 'ALTER TABLE users ADD COLUMN name text;\n',
    failed: 'ALTER TABLE users ADD COLUMN broken int;\n',
    late: 'CREATE TABLE late_one (id int);\n',
    fresh: 'CREATE TABLE fresh_one (id int);\n',
  };
  const cwd = workspace({
    'prisma/migrations/20240101000000_init/migration.sql': sql.init,
    'prisma/migrations/20240102000000_edit/migration.sql': sql.edit,
    'prisma/migrations/20240103000000_failed/migration.sql': sql.failed,
    'prisma/migrations/20231231000000_late/migration.sql': sql.late,
    'prisma/migrations/20240104000000_fresh/migration.sql': sql.fresh,
    'prisma/migrations/migration_lock.toml': 'provider = "postgresql"\n',
  });
  await query(db.url, sql.init + sql.edit);
  // Prisma's own history table, as `prisma migrate deploy` creates it.
  await query(
    db.url,
    `CREATE TABLE _prisma_migrations (
    id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL, finished_at timestamptz, migration_name varchar(255) NOT NULL,
    logs text, rolled_back_at timestamptz, started_at timestamptz NOT NULL DEFAULT now(), applied_steps_count integer NOT NULL DEFAULT 0)`,
  );
  await query(
    db.url,
    `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count) VALUES
    ('a', $1, now(), '20240101000000_init', 1), ('b', $2, now(), '20240102000000_edit', 1), ('c', $3, NULL, '20240103000000_failed', 0)`,
    [sha256(sql.init), sha256('edited since'), sha256(sql.failed)],
  );

  const marker = join(cwd, 'tool-ran');
  const refused = await migrate(settings(db.url, cwd, { runner: 'prisma', command: `touch ${marker}` }), new MemoryLog());
  expect(refused.ok).toBe(false);
  expect(refused.error!.message).toContain('prisma/migrations/20240102000000_edit/migration.sql changed after being applied');
  expect(existsSync(marker)).toBe(false);

  const log = new MemoryLog();
  const result = await migrate(settings(db.url, cwd, { runner: 'prisma', command: `touch ${marker}`, allowDrift: true, analyze: true }), log);
  expect(result.error).toBeUndefined();
  expect(existsSync(marker)).toBe(true);
  expect(result.failedInHistory).toEqual(['20240103000000_failed']);
  expect(result.drifted.map((m) => m.version)).toEqual(['20240102000000_edit']);
  expect(result.pendingMigrations.map((m) => m.version)).toEqual(['20231231000000_late', '20240104000000_fresh']);
  expect(result.outOfOrder.map((m) => m.version)).toEqual(['20231231000000_late']);
  expect(log.text('warning')).toContain('Resolve it with prisma migrate resolve');
  // Measured, then rolled back: the tool (here a stand-in) is what applies for real.
  expect(result.measured).toBe(true);
  expect(await query(db.url, "SELECT to_regclass('late_one')::text AS a, to_regclass('fresh_one')::text AS b")).toEqual([{ a: null, b: null }]);
  expect(result.applied).toEqual([]);
});
