// Two runners at once, and a connection killed mid-migration, against the real test Postgres.
import { afterAll, describe, expect, test } from '@jest/globals';
import pg from 'pg';
import { advisoryLockKey } from '../src/migrate/db.js';
import { MemoryLog } from './support/memory-log.js';
import { migrate } from '../src/migrate/index.js';
import { sleep } from '../src/shared/retry.js';
import { adminUrl, createDatabase, dropAll, query, settings, workspace, writeFiles } from './fixtures/migrate/support.js';

const created: string[] = [];
afterAll(() => dropAll(created));

const advisoryLocks = (db: string) =>
  query(adminUrl(), "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = $1)", [db]);

describe.each([
  ['fast path', false],
  ['measured', true],
])('%s', (_label, analyze) => {
  test('two runners on one database apply each migration exactly once, CREATE INDEX CONCURRENTLY included', async () => {
    const db = await createDatabase('mig_twins', created);
    const cwd = workspace({
      'migrations/1_create.sql':
        "CREATE TABLE runs_log (version text, backend int);\nCREATE TABLE items (id int, sku text);\nINSERT INTO items SELECT g, 'sku' || g FROM generate_series(1, 20000) g;\nINSERT INTO runs_log VALUES ('1', pg_backend_pid());\nSELECT pg_sleep(0.3);\n",
      'migrations/2_index.sql':
        "-- preview-db: no-transaction\nCREATE INDEX CONCURRENTLY items_sku ON items (sku);\nINSERT INTO runs_log VALUES ('2', pg_backend_pid());\n",
      'migrations/3_more.sql': "INSERT INTO runs_log VALUES ('3', pg_backend_pid());\n",
    });
    const logs = [new MemoryLog(), new MemoryLog()];
    const [a, b] = await Promise.all(logs.map((log) => migrate(settings(db.url, cwd, { analyze }), log)));
    expect([a!.error, b!.error]).toEqual([undefined, undefined]);
    expect(a!.applied.length + b!.applied.length).toBe(3);
    expect(await query(db.url, 'SELECT version, count(*)::int AS n FROM runs_log GROUP BY version ORDER BY version')).toEqual([
      { version: '1', n: 1 },
      { version: '2', n: 1 },
      { version: '3', n: 1 },
    ]);
    expect(await query(db.url, 'SELECT count(*)::int AS n FROM public.preview_db_migrations')).toEqual([{ n: 3 }]);
    expect(await query(db.url, "SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = 'items_sku'::regclass")).toEqual([{ valid: true }]);
    // The one that waited said so, and polled rather than blocked.
    expect(logs.map((log) => log.text()).join('\n')).toContain('Another migration run holds the migration lock');
    expect(await advisoryLocks(db.name)).toEqual([]);
  });

  test('a connection dropped mid-migration leaves no half-applied migration and no stale lock', async () => {
    const db = await createDatabase('mig_drop', created);
    const cwd = workspace({
      'migrations/1_ok.sql': 'CREATE TABLE a (id int);\n',
      'migrations/2_slow.sql': 'CREATE TABLE b (id int);\nINSERT INTO b VALUES (1);\nSELECT pg_sleep(30);\n',
    });
    const running = migrate(settings(db.url, cwd, { analyze }), new MemoryLog());
    let killed = false;
    for (let i = 0; i < 200 && !killed; i++) {
      // By what it waits on: the fast path's batch text (with its history rows) outgrows pg_stat_activity's 1 kB of query.
      const rows = await query<{ pid: number }>(
        adminUrl(),
        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'preview-db migrate' AND wait_event = 'PgSleep' AND state = 'active'",
        [db.name],
      );
      if (rows[0]) {
        await query(adminUrl(), 'SELECT pg_terminate_backend($1)', [rows[0].pid]);
        killed = true;
      } else await sleep(50);
    }
    expect(killed).toBe(true);
    const result = await running;
    expect(result.ok).toBe(false);
    expect(result.error!.file).toBe('migrations/2_slow.sql');
    expect(result.error!.message).toContain('connection to the database was lost');
    expect(result.applied.map((m) => m.version)).toEqual(['1']);
    expect(await query(db.url, "SELECT to_regclass('b')::text AS b")).toEqual([{ b: null }]);
    expect(await query(db.url, 'SELECT version FROM public.preview_db_migrations')).toEqual([{ version: '1' }]);
    expect(await advisoryLocks(db.name)).toEqual([]);

    writeFiles(cwd, { 'migrations/2_slow.sql': 'CREATE TABLE b (id int);\nINSERT INTO b VALUES (1);\n' });
    const again = await migrate(settings(db.url, cwd, { analyze }), new MemoryLog());
    expect(again.error).toBeUndefined();
    expect(again.applied.map((m) => m.version)).toEqual(['2']);
  });
});

test('a run that cannot get the migration lock in time fails without applying anything', async () => {
  const db = await createDatabase('mig_lockwait', created);
  const cwd = workspace({ 'migrations/1_a.sql': 'CREATE TABLE a (id int);\n' });
  const holder = new pg.Client({ connectionString: db.url });
  await holder.connect();
  try {
    await holder.query('SELECT pg_advisory_lock($1::bigint)', [advisoryLockKey('"public"."preview_db_migrations"')]);
    const result = await migrate(settings(db.url, cwd, { lockWaitSeconds: 1 }), new MemoryLog());
    expect(result.ok).toBe(false);
    expect(result.error!.message).toMatch(/another migration run held the migration lock for more than 1s.*Nothing was applied/);
    expect(await query(db.url, "SELECT to_regclass('a')::text AS a")).toEqual([{ a: null }]);
  } finally {
    await holder.end();
  }
});

test('an unreachable database is a clear error that names the host, not the password', async () => {
  const cwd = workspace({ 'migrations/1_a.sql': 'CREATE TABLE a (id int);\n' });
  const error = await migrate(settings('postgresql://app:not-a-real-password@127.0.0.1:1/app', cwd, { connectTimeoutSeconds: 1 }), new MemoryLog()).catch(
    (e: unknown) => e as Error,
  );
  // The core names its setting; the action maps it to database-url (input-bounds.test.ts).
  expect(error).toMatchObject({ name: 'SettingError', setting: 'databaseUrl' });
  expect((error as Error).message).toMatch(
    /^Setting 'databaseUrl': cannot connect to 127.0.0.1:1\/app \(the database to migrate\): .*ECONNREFUSED.*nothing accepts connections/,
  );
  expect((error as Error).message).not.toContain('not-a-real-password');
});
