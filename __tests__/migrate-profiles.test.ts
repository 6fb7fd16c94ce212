// The tool profiles: where each tool keeps its SQL, how it records history (read from the
// tables the tools themselves create), and what counts as pending, failed, edited, out of order.
import { afterAll, expect, test } from '@jest/globals';
import { MemoryLog } from './support/memory-log.js';
import { migrate } from '../src/migrate/index.js';
import { PROFILES, flywayChecksum, type ToolHistory } from '../src/migrate/tool/profiles.js';
import { compareWithHistory, flywayEnvironment } from '../src/migrate/tool/command.js';
import { sha256 } from '../src/migrate/files.js';
import { createDatabase, dropAll, query, settings, workspace } from './fixtures/migrate/support.js';

const created: string[] = [];
afterAll(() => dropAll(created));

const readWith =
  (url: string) =>
  async <R>(sql: string): Promise<R[]> =>
    query(url, sql) as Promise<R[]>;

test('dbmate: up sections only, transaction:false honoured, versions from schema_migrations', async () => {
  const cwd = workspace({
    'db/migrations/20240101000000_users.sql': '-- migrate:up\nCREATE TABLE users (id int);\n\n-- migrate:down\nDROP TABLE users;\n',
    'db/migrations/20240102000000_index.sql':
      '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY users_id ON users (id);\n-- migrate:down\nDROP INDEX users_id;\n',
  });
  const list = PROFILES.dbmate.list('db/migrations', cwd);
  expect(list.map((m) => [m.id, m.noTransaction])).toEqual([
    ['20240101000000', false],
    ['20240102000000', true],
  ]);
  expect(list[0]!.sql).not.toContain('DROP TABLE');
  expect(list[0]!.sql!.split('\n')[1]).toBe('CREATE TABLE users (id int);');
  const db = await createDatabase('mig_dbmate', created);
  await query(db.url, 'CREATE TABLE public.schema_migrations (version varchar(128) PRIMARY KEY)');
  await query(db.url, "INSERT INTO public.schema_migrations VALUES ('20240101000000')");
  const status = compareWithHistory(list, await PROFILES.dbmate.readHistory!(readWith(db.url)));
  expect(status.pending.map((m) => m.id)).toEqual(['20240102000000']);
  expect(status.applied.map((m) => m.id)).toEqual(['20240101000000']);
});

test('golang-migrate: everything up to the recorded version is applied; a dirty version is a failed one', async () => {
  const cwd = workspace({
    'migrations/000001_a.up.sql': 'CREATE TABLE a (id int);',
    'migrations/000001_a.down.sql': 'DROP TABLE a;',
    'migrations/000002_b.up.sql': 'CREATE TABLE b (id int);',
    'migrations/000003_c.up.sql': 'CREATE TABLE c (id int);',
  });
  const list = PROFILES['golang-migrate'].list('migrations', cwd);
  expect(list.map((m) => m.id)).toEqual(['1', '2', '3']);
  const db = await createDatabase('mig_golang', created);
  await query(db.url, 'CREATE TABLE IF NOT EXISTS "schema_migrations" (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)');
  await query(db.url, 'INSERT INTO schema_migrations VALUES (2, true)');
  const status = compareWithHistory(list, await PROFILES['golang-migrate'].readHistory!(readWith(db.url)));
  expect(status.failed).toEqual(['2']);
  expect(status.applied.map((m) => m.id)).toEqual(['1']);
  expect(status.pending.map((m) => m.id)).toEqual(['3']);
});

test('flyway: V files in version order, CRC32 checksums compared with flyway_schema_history', async () => {
  const v1 = 'CREATE TABLE a (id int);\n';
  const cwd = workspace({
    'sql/V1__a.sql': v1,
    'sql/V1_1__b.sql': 'CREATE TABLE b (id int);\n',
    'sql/V2__c.sql': 'CREATE TABLE c (id int);\n',
    'sql/R__view.sql': 'SELECT 1;',
  });
  const list = PROFILES.flyway.list('sql', cwd);
  expect(list.map((m) => m.id)).toEqual(['1', '1.1', '2']);
  // Line endings do not change Flyway's checksum; content does.
  expect(flywayChecksum(v1)).toBe(flywayChecksum(v1.replace(/\n/g, '\r\n')));
  expect(flywayChecksum(v1)).not.toBe(flywayChecksum('CREATE TABLE a (id bigint);\n'));
  const db = await createDatabase('mig_flyway', created);
  await query(
    db.url,
    `CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version varchar(50), description varchar(200) NOT NULL, type varchar(20) NOT NULL,
    script varchar(1000) NOT NULL, checksum int, installed_by varchar(100) NOT NULL, installed_on timestamp NOT NULL DEFAULT now(), execution_time int NOT NULL, success boolean NOT NULL)`,
  );
  await query(
    db.url,
    `INSERT INTO flyway_schema_history VALUES (1, '1', 'a', 'SQL', 'V1__a.sql', $1, 'ci', now(), 5, true), (2, '2', 'c', 'SQL', 'V2__c.sql', 12345, 'ci', now(), 5, false)`,
    [flywayChecksum(v1)],
  );
  const status = compareWithHistory(list, await PROFILES.flyway.readHistory!(readWith(db.url)));
  expect(status.failed).toEqual(['2']);
  expect(status.edited).toEqual([]);
  expect(status.pending.map((m) => m.id)).toEqual(['1.1']);
  expect(flywayEnvironment('postgresql://app:p%40ss@db.example.test:5433/orders?sslmode=require')).toEqual({
    FLYWAY_URL: 'jdbc:postgresql://db.example.test:5433/orders?sslmode=require',
    FLYWAY_USER: 'app',
    FLYWAY_PASSWORD: 'p@ss',
  });
});

test('drizzle: the journal orders migrations; a file older than the newest applied one is out of order', async () => {
  const sql = {
    a: 'CREATE TABLE a (id int);\n--> statement-breakpoint\nCREATE TABLE a2 (id int);\n',
    b: 'CREATE TABLE b (id int);\n',
    c: 'CREATE TABLE c (id int);\n',
  };
  const cwd = workspace({
    'drizzle/0000_a.sql': sql.a,
    'drizzle/0001_b.sql': sql.b,
    'drizzle/0002_c.sql': sql.c,
    'drizzle/meta/_journal.json': JSON.stringify({
      version: '7',
      dialect: 'postgresql',
      entries: [
        { idx: 0, when: 1000, tag: '0000_a' },
        { idx: 1, when: 2000, tag: '0001_b' },
        { idx: 2, when: 3000, tag: '0002_c' },
      ],
    }),
  });
  const list = PROFILES.drizzle.list('drizzle', cwd);
  const history: ToolHistory = {
    exists: true,
    table: 'drizzle.__drizzle_migrations',
    rows: [
      { id: '1000', checksum: sha256(sql.a), succeeded: true },
      { id: '3000', checksum: sha256('edited'), succeeded: true },
    ],
  };
  const status = compareWithHistory(list, history);
  expect(status.pending.map((m) => m.path)).toEqual(['drizzle/0001_b.sql']);
  expect(status.outOfOrder.map((m) => m.path)).toEqual(['drizzle/0001_b.sql']);
  expect(status.edited.map((m) => m.path)).toEqual(['drizzle/0002_c.sql']);
  const db = await createDatabase('mig_drizzle', created);
  await query(db.url, 'CREATE SCHEMA drizzle; CREATE TABLE drizzle.__drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint)');
  await query(db.url, 'INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ($1, 1000)', [sha256(sql.a)]);
  const read = compareWithHistory(list, await PROFILES.drizzle.readHistory!(readWith(db.url)));
  expect(read.applied.map((m) => m.id)).toEqual(['1000']);
  expect(read.pending.map((m) => m.id)).toEqual(['2000', '3000']);
});

test('built-in runner: an out-of-order file is applied and reported; lint: error stops before anything runs', async () => {
  const db = await createDatabase('mig_order2', created);
  const cwd = workspace({ 'migrations/2_b.sql': 'CREATE TABLE b (id bigint);\n' });
  expect((await migrate(settings(db.url, cwd), new MemoryLog())).ok).toBe(true);
  const late = workspace({ 'migrations/2_b.sql': 'CREATE TABLE b (id bigint);\n', 'migrations/1_a.sql': 'CREATE TABLE a (id bigint);\n' });
  const result = await migrate(settings(db.url, late), new MemoryLog());
  expect(result.ok).toBe(true);
  expect(result.outOfOrder.map((m) => m.file)).toEqual(['migrations/1_a.sql']);
  expect(result.applied.map((m) => m.version)).toEqual(['1']);

  await query(db.url, 'INSERT INTO b SELECT generate_series(1, 10)');
  const strict = workspace({
    'migrations/2_b.sql': 'CREATE TABLE b (id bigint);\n',
    'migrations/1_a.sql': 'CREATE TABLE a (id bigint);\n',
    'migrations/3_drop.sql': 'ALTER TABLE b DROP COLUMN id;\n',
  });
  const refused = await migrate(settings(db.url, strict, { lint: 'error' }), new MemoryLog());
  expect(refused.ok).toBe(false);
  expect(refused.error!.message).toMatch(/lint found \d+ error\(s\) \(lint: error\): migrations\/3_drop.sql:1 ban-drop-column/);
  expect(refused.applied).toEqual([]);
  expect(await query(db.url, "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'b'")).toEqual([{ n: 1 }]);
});
