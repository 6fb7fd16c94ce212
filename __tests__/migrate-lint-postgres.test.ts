// The linter's claims about Postgres, checked on the real test Postgres: which statements cannot
// run in a transaction block, the names Postgres gives unnamed constraints (which a later
// VALIDATE CONSTRAINT names), and that the safe patterns the linter recommends actually run.
import pg from 'pg';
import { splitStatements } from '../src/migrate/sql.js';
import { cannotRunInTransaction, lintMigrations } from '../src/migrate/lint/index.js';

const adminUrl = process.env.TEST_DATABASE_URL!;
const DATABASE = `lint_claims_${process.pid}`;
let client: pg.Client;

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
  await admin.query(`CREATE DATABASE ${DATABASE}`);
  await admin.end();
  client = new pg.Client({ connectionString: adminUrl.replace(/\/[^/?]+(\?|$)/, `/${DATABASE}$1`) });
  await client.connect();
  await client.query(`
    CREATE TABLE users (id bigint PRIMARY KEY, email text, plan text);
    INSERT INTO users SELECT g, 'user' || g || '@example.org', 'free' FROM generate_series(1, 200) g;
    CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total numeric);
    INSERT INTO orders SELECT g, g % 200 + 1, g FROM generate_series(1, 200) g;
    CREATE INDEX users_email ON users (email);
    CREATE TABLE events (id bigint, day date) PARTITION BY RANGE (day);
    CREATE TABLE events_2020 PARTITION OF events FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
    CREATE TABLE events_2021 PARTITION OF events FOR VALUES FROM ('2021-01-01') TO ('2022-01-01');
  `);
});

afterAll(async () => {
  await client?.end();
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
  await admin.query(`DROP DATABASE IF EXISTS ${DATABASE}_created`);
  await admin.end();
});

/** Runs `sql` inside BEGIN ... ROLLBACK; returns the SQLSTATE it failed with, or undefined. */
async function inTransaction(sql: string): Promise<string | undefined> {
  await client.query('BEGIN');
  try {
    await client.query(sql);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  } finally {
    await client.query('ROLLBACK');
  }
}

test.each([
  'CREATE INDEX CONCURRENTLY users_plan ON users (plan)',
  'CREATE INDEX users_plan ON users (plan)',
  'DROP INDEX CONCURRENTLY users_email',
  'DROP INDEX users_email',
  'REINDEX INDEX CONCURRENTLY users_email',
  'REINDEX INDEX users_email',
  `REINDEX DATABASE ${DATABASE}`,
  'VACUUM users',
  'VACUUM FULL users',
  'ANALYZE users',
  'ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY',
  'ALTER TABLE events DETACH PARTITION events_2020',
  `CREATE DATABASE ${DATABASE}_created`,
  `DROP DATABASE IF EXISTS ${DATABASE}_missing`,
  "CREATE TYPE mood AS ENUM ('ok'); ALTER TYPE mood ADD VALUE 'great'",
])('cannotRunInTransaction matches Postgres: %s', async (sql) => {
  const statements = await splitStatements(sql);
  const claimed = statements.some(cannotRunInTransaction);
  // 25001 active_sql_transaction: "... cannot run inside a transaction block".
  expect((await inTransaction(sql)) === '25001').toBe(claimed);
});

test('the names Postgres gives unnamed constraints are the ones the linter expects VALIDATE to name', async () => {
  await client.query('BEGIN');
  try {
    await client.query('ALTER TABLE users ADD CHECK (plan IS NOT NULL) NOT VALID');
    await client.query('ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID');
    await client.query('ALTER TABLE users ADD NOT NULL email NOT VALID');
    const { rows } = await client.query<{ conname: string }>(
      "SELECT conname FROM pg_constraint WHERE conrelid IN ('users'::regclass, 'orders'::regclass) ORDER BY conname",
    );
    expect(rows.map((row) => row.conname)).toEqual(expect.arrayContaining(['orders_user_id_fkey', 'users_email_not_null', 'users_plan_check']));
    // And the linter follows them from the ADD to the VALIDATE.
    const findings = await lintMigrations(
      [
        { path: 'm/001.sql', sql: 'ALTER TABLE users ADD CHECK (plan IS NOT NULL) NOT VALID;\nALTER TABLE users ADD NOT NULL email NOT VALID;' },
        {
          path: 'm/002.sql',
          sql: 'ALTER TABLE users VALIDATE CONSTRAINT users_plan_check;\nALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;\nALTER TABLE users ALTER COLUMN plan SET NOT NULL, ALTER COLUMN email SET NOT NULL;',
        },
      ],
      { disabled: [], sessionLockTimeout: true, transactionModel: 'per-file' },
    );
    expect(findings).toEqual([]);
  } finally {
    await client.query('ROLLBACK');
  }
});

test('the safe patterns the linter recommends run, each migration in its own transaction', async () => {
  const migrations = [
    "SET LOCAL lock_timeout = '2s';\nALTER TABLE users ADD CONSTRAINT plan_not_null CHECK (plan IS NOT NULL) NOT VALID;",
    "SET LOCAL lock_timeout = '2s';\nALTER TABLE users VALIDATE CONSTRAINT plan_not_null;\nALTER TABLE users ALTER COLUMN plan SET NOT NULL;",
    "SET LOCAL lock_timeout = '2s';\nALTER TABLE orders ADD CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;",
    "SET LOCAL lock_timeout = '2s';\nALTER TABLE orders VALIDATE CONSTRAINT orders_user;",
    "SET LOCAL lock_timeout = '2s';\nALTER TABLE users ADD COLUMN tier text NOT NULL DEFAULT 'basic', ADD COLUMN seen timestamptz DEFAULT now();",
  ];
  const files = migrations.map((sql, index) => ({ path: `m/00${index + 1}.sql`, sql }));
  expect(await lintMigrations(files, { disabled: [], sessionLockTimeout: false, transactionModel: 'per-file' })).toEqual([]);
  for (const { sql } of files) {
    await client.query('BEGIN');
    await client.query(sql);
    await client.query('COMMIT');
  }
  const { rows } = await client.query<{ attname: string; attnotnull: boolean }>(
    "SELECT attname, attnotnull FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname IN ('plan', 'tier') ORDER BY attname",
  );
  expect(rows).toEqual([
    { attname: 'plan', attnotnull: true },
    { attname: 'tier', attnotnull: true },
  ]);
  // A unique constraint from an index built concurrently, outside any transaction.
  await client.query('CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email)');
  await client.query('ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx');
});

test('what the rules warn about happens: a NOT NULL column without default fails on a table with rows; SET LOCAL outside a transaction does nothing', async () => {
  expect(await inTransaction('ALTER TABLE orders ADD COLUMN note text NOT NULL')).toBe('23502');
  await client.query("SET LOCAL lock_timeout = '2s'");
  expect((await client.query<{ lock_timeout: string }>('SHOW lock_timeout')).rows[0]!.lock_timeout).toBe('0');
});
