// check-down against the real test Postgres: this run's down steps run newest first, the
// schema is compared with the one before the run, the ups run again and the schema is
// compared with the first apply. Every case on a database of its own.
import { afterAll, expect, test } from '@jest/globals';
import { MemoryLog } from './support/memory-log.js';
import { SettingError } from '../src/shared/errors.js';
import { migrate } from '../src/migrate/index.js';
import { readDownSteps } from '../src/migrate/down.js';
import { createDatabase, dropAll, query, settings, workspace, writeFiles } from './fixtures/migrate/support.js';

const created: string[] = [];
afterAll(() => dropAll(created));

const columns = async (url: string, table: string) =>
  (
    await query<{ c: string }>(url, 'SELECT attname AS c FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum', [
      table,
    ])
  ).map((r) => r.c);
const historyCount = async (url: string) => Number((await query<{ n: string }>(url, 'SELECT count(*) AS n FROM public.preview_db_migrations'))[0]!.n);

const USERS = {
  'migrations/0001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);\nCREATE INDEX users_name ON users (name);\n',
  'migrations/0001_users.down.sql': 'DROP TABLE users;\n',
};

test('a clean round trip: downs undo, ups apply again to the same schema; the preview ends as applied', async () => {
  const db = await createDatabase('down_clean', created);
  const cwd = workspace({
    ...USERS,
    'migrations/0002_email.sql': 'ALTER TABLE users ADD COLUMN email text;\nALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);\n',
    'migrations/0002_email.down.sql': 'ALTER TABLE users DROP CONSTRAINT users_email_key;\nALTER TABLE users DROP COLUMN email;\n',
  });
  const log = new MemoryLog();
  const result = await migrate(settings(db.url, cwd, { checkDown: true }), log);
  expect(result.error).toBeUndefined();
  expect(result.ok).toBe(true);
  // The .down.sql files are not migrations of their own.
  expect(result.applied.map((m) => m.file)).toEqual(['migrations/0001_users.sql', 'migrations/0002_email.sql']);
  expect(result.downCheck).toMatchObject({
    ok: true,
    checked: ['migrations/0002_email.sql', 'migrations/0001_users.sql'],
    missing: [],
    afterDown: [],
    afterReapply: [],
  });
  expect(result.reportMarkdown).toContain("✅ 2 down step(s) undo this run's migrations");
  expect(await columns(db.url, 'users')).toEqual(['id', 'name', 'email']);
  expect(await historyCount(db.url)).toBe(2);
});

test("only this run's migrations are reverted: the schema before the run includes earlier ones", async () => {
  const db = await createDatabase('down_later', created);
  const cwd = workspace(USERS);
  expect((await migrate(settings(db.url, cwd), new MemoryLog())).ok).toBe(true);
  writeFiles(cwd, {
    'migrations/0002_posts.sql': 'CREATE TABLE posts (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));\n',
    'migrations/0002_posts.down.sql': 'DROP TABLE posts;\n',
  });
  const result = await migrate(settings(db.url, cwd, { checkDown: true }), new MemoryLog());
  expect(result.ok).toBe(true);
  expect(result.downCheck!.checked).toEqual(['migrations/0002_posts.sql']);
  expect(await query(db.url, "SELECT to_regclass('public.posts')::text AS t, to_regclass('public.users')::text AS u")).toEqual([{ t: 'posts', u: 'users' }]);
});

test('a down that leaves a column behind is a finding naming the column, and fails the run', async () => {
  // The migration adding the column is this run's only one (the table came earlier).
  const db2 = await createDatabase('down_leftover2', created);
  const cwd2 = workspace(USERS);
  expect((await migrate(settings(db2.url, cwd2), new MemoryLog())).ok).toBe(true);
  writeFiles(cwd2, {
    'migrations/0002_profile.sql': 'ALTER TABLE users ADD COLUMN bio text;\nALTER TABLE users ADD COLUMN nickname text;\n',
    'migrations/0002_profile.down.sql': 'ALTER TABLE users DROP COLUMN bio;\n',
  });
  const second = await migrate(settings(db2.url, cwd2, { checkDown: true }), new MemoryLog());
  expect(second.ok).toBe(false);
  expect(second.downCheck!.afterDown).toEqual([expect.objectContaining({ change: 'added', kind: 'column', name: 'public.users.nickname' })]);
  expect(second.error!.message).toContain('column public.users.nickname');
  expect(second.reportMarkdown).toContain('column public.users.nickname is left behind (it was not there before this run)');
  // Up again fails: nickname already exists. The check says so instead of hiding it.
  expect(second.downCheck!.failure).toMatchObject({ file: 'migrations/0002_profile.sql', phase: 'up again' });
  expect(second.downCheck!.failure!.message).toMatch(/column "nickname" of relation "users" already exists/);
});

test("a down that fails: the finding names the file and Postgres's error; later migrations are applied again", async () => {
  const db = await createDatabase('down_fails', created);
  const cwd = workspace({
    ...USERS,
    'migrations/0002_email.sql': 'ALTER TABLE users ADD COLUMN email text;\n',
    'migrations/0002_email.down.sql': 'ALTER TABLE users DROP COLUMN e_mail;\n',
    'migrations/0003_age.sql': 'ALTER TABLE users ADD COLUMN age int;\n',
    'migrations/0003_age.down.sql': 'ALTER TABLE users DROP COLUMN age;\n',
  });
  const log = new MemoryLog();
  const result = await migrate(settings(db.url, cwd, { checkDown: true }), log);
  expect(result.ok).toBe(false);
  expect(result.downCheck!.failure).toMatchObject({ file: 'migrations/0002_email.down.sql', phase: 'down' });
  expect(result.error!.message).toMatch(/0002_email\.down\.sql: the down-migration check failed \(down\): column "e_mail" of relation "users" does not exist/);
  expect(result.downCheck!.checked).toEqual(['migrations/0003_age.sql']);
  expect(result.reportMarkdown).toMatch(/🛑 `migrations\/0002_email\.down\.sql` failed \(down\)/);
  // 0003 was reverted and applied again; 0002's failed down was rolled back.
  expect(await columns(db.url, 'users')).toEqual(['id', 'name', 'email', 'age']);
});

test('a down that drops what it did not create is named too', async () => {
  const db = await createDatabase('down_overreach', created);
  const cwd = workspace(USERS);
  expect((await migrate(settings(db.url, cwd), new MemoryLog())).ok).toBe(true);
  writeFiles(cwd, {
    'migrations/0002_email.sql': 'ALTER TABLE users ADD COLUMN email text;\n',
    'migrations/0002_email.down.sql': 'ALTER TABLE users DROP COLUMN email;\nDROP INDEX users_name;\n',
  });
  const result = await migrate(settings(db.url, cwd, { checkDown: true }), new MemoryLog());
  expect(result.ok).toBe(false);
  expect(result.downCheck!.afterDown).toEqual([expect.objectContaining({ change: 'removed', kind: 'index', name: 'public.users_name' })]);
  expect(result.reportMarkdown).toContain('index public.users_name is gone (it was there before this run: the down step dropped what it did not create)');
  // Applying the up again does not bring the index back: that difference is reported as well.
  expect(result.downCheck!.afterReapply).toEqual([expect.objectContaining({ change: 'removed', kind: 'index', name: 'public.users_name' })]);
});

test('missing down steps are listed, not failed; require-down fails on them', async () => {
  const files = { ...USERS, 'migrations/0002_email.sql': 'ALTER TABLE users ADD COLUMN email text;\n' };
  const db = await createDatabase('down_missing', created);
  const listed = await migrate(settings(db.url, workspace(files), { checkDown: true }), new MemoryLog());
  expect(listed.ok).toBe(true);
  expect(listed.downCheck).toMatchObject({ ok: true, missing: ['migrations/0002_email.sql'], checked: [] });
  expect(listed.downCheck!.skipped).toMatch(/needs a down step for every migration/);
  expect(listed.reportMarkdown).toContain('ℹ️ No down step:');
  expect(listed.reportMarkdown).toContain('`migrations/0002_email.down.sql`');

  const db2 = await createDatabase('down_required', created);
  const required = await migrate(settings(db2.url, workspace(files), { checkDown: true, requireDown: true }), new MemoryLog());
  expect(required.ok).toBe(false);
  expect(required.error!.message).toBe('require-down: no down step for migrations/0002_email.sql.');
  expect(required.reportMarkdown).toContain('🛑 No down step (require-down):');
});

test('check-down is refused on protected databases, with other runners, and require-down alone; nothing runs', async () => {
  const db = await createDatabase('down_refused', created);
  const cwd = workspace(USERS);
  const refusals: Array<[Parameters<typeof settings>[2], string, RegExp]> = [
    [{ checkDown: true, protected: true, analyze: false }, 'checkDown', /refused with protected: true/],
    [{ checkDown: true, runner: 'dbmate' }, 'checkDown', /works with the built-in runner/],
    [{ requireDown: true }, 'requireDown', /set check-down: true too/],
  ];
  // The core names the setting; the actions map it to check-down / require-down (MIGRATE_SETTING_INPUTS).
  for (const [overrides, setting, message] of refusals) {
    const error = await migrate(settings(db.url, cwd, overrides), new MemoryLog()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SettingError);
    expect((error as SettingError).setting).toBe(setting);
    expect((error as Error).message).toMatch(message);
  }
  expect(await query(db.url, "SELECT to_regclass('public.users')::text AS t")).toEqual([{ t: null }]);
});

test('readDownSteps pairs each applied file with its .down.sql', async () => {
  const cwd = workspace({ ...USERS, 'migrations/0002_email.sql': 'SELECT 1;\n' });
  const steps = await readDownSteps(
    [
      { version: '0001', name: 'users', file: 'migrations/0001_users.sql' },
      { version: '0002', name: 'email', file: 'migrations/0002_email.sql' },
    ],
    cwd,
  );
  expect(steps.map((s) => [s.migration.file, s.down?.path])).toEqual([
    ['migrations/0001_users.sql', 'migrations/0001_users.down.sql'],
    ['migrations/0002_email.sql', undefined],
  ]);
  expect(steps[0]!.down!.statements.map((s) => s.kind)).toEqual(['DropStmt']);
});

test('through the migrate action: check-down reports in the summary and fails the step', async () => {
  const { runAction } = await import('./support/run-action.js');
  const db = await createDatabase('down_action', created);
  const cwd = workspace(USERS);
  expect((await migrate(settings(db.url, cwd), new MemoryLog())).ok).toBe(true);
  writeFiles(cwd, { 'migrations/0002_profile.sql': 'ALTER TABLE users ADD COLUMN nickname text;\n', 'migrations/0002_profile.down.sql': 'SELECT 1;\n' });
  const run = await runAction('migrate', { inputs: { 'database-url': db.url, 'check-down': 'true', analyze: 'false' }, cwd, env: { GITHUB_WORKSPACE: cwd } });
  expect(run.status).toBe(1);
  expect(run.summary).toContain('#### Down-migrations');
  expect(run.summary).toContain('column public.users.nickname is left behind');
  expect(run.stdout).toMatch(/::error.*column public\.users\.nickname/);
});

// Down steps in every layout the runner reads (files.ts LAYOUTS): each round trip on the real server.
const LAYOUT_CASES: Array<[string, Record<string, string>, string[]]> = [
  [
    'golang-migrate',
    {
      'migrations/000001_users.up.sql': 'CREATE TABLE users (id bigint PRIMARY KEY);\n',
      'migrations/000001_users.down.sql': 'DROP TABLE users;\n',
      'migrations/000002_email.up.sql': 'ALTER TABLE users ADD COLUMN email text;\n',
      'migrations/000002_email.down.sql': 'ALTER TABLE users DROP COLUMN email;\n',
    },
    ['migrations/000002_email.up.sql', 'migrations/000001_users.up.sql'],
  ],
  [
    'diesel',
    {
      'migrations/2024-05-01-093000_users/up.sql': 'CREATE TABLE users (id bigint PRIMARY KEY);\n',
      'migrations/2024-05-01-093000_users/down.sql': 'DROP TABLE users;\n',
      'migrations/2024-05-02-093000_email/up.sql': 'CREATE INDEX CONCURRENTLY users_id ON users (id);\n',
      // run_in_transaction = false covers the down step too: DROP INDEX CONCURRENTLY needs it.
      'migrations/2024-05-02-093000_email/down.sql': 'DROP INDEX CONCURRENTLY users_id;\n',
      'migrations/2024-05-02-093000_email/metadata.toml': 'run_in_transaction = false\n',
    },
    ['migrations/2024-05-02-093000_email/up.sql', 'migrations/2024-05-01-093000_users/up.sql'],
  ],
  [
    'dbmate',
    {
      'migrations/20240501093000_users.sql': '-- migrate:up\nCREATE TABLE users (id bigint PRIMARY KEY);\n\n-- migrate:down\nDROP TABLE users;\n',
      'migrations/20240502093000_email.sql':
        '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY users_id ON users (id);\n-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY users_id;\n',
    },
    ['migrations/20240502093000_email.sql', 'migrations/20240501093000_users.sql'],
  ],
  [
    'flat with a -- preview-db: down section',
    {
      'migrations/0001_users.sql': 'CREATE TABLE users (id bigint PRIMARY KEY);\n-- preview-db: down\nDROP TABLE users;\n',
      'migrations/0002_email.sql': 'ALTER TABLE users ADD COLUMN email text;\n\n  -- preview-db: down  \nALTER TABLE users DROP COLUMN email;\n',
    },
    ['migrations/0002_email.sql', 'migrations/0001_users.sql'],
  ],
];

test.each(LAYOUT_CASES)('%s: the down steps are found and the round trip is clean', async (_layout, files, checked) => {
  const db = await createDatabase('down_layout', created);
  const cwd = workspace(files);
  const result = await migrate(settings(db.url, cwd, { checkDown: true }), new MemoryLog());
  expect(result.error).toBeUndefined();
  expect(result.downCheck).toMatchObject({ ok: true, checked, missing: [], afterDown: [], afterReapply: [] });
  expect(await query(db.url, "SELECT to_regclass('public.users')::text AS t")).toEqual([{ t: 'users' }]);
  expect(await historyCount(db.url)).toBe(2);
});

test('a -- preview-db: down section never runs going up, and a down section that leaves a column behind is caught', async () => {
  const db = await createDatabase('down_section', created);
  const cwd = workspace(USERS);
  expect((await migrate(settings(db.url, cwd), new MemoryLog())).ok).toBe(true);
  // Going up, the section would drop the table the up just altered: it must not run.
  writeFiles(cwd, { 'migrations/0002_bio.sql': 'ALTER TABLE users ADD COLUMN bio text;\n-- preview-db: down\nDROP TABLE users;\n' });
  const plain = await migrate(settings(db.url, cwd), new MemoryLog());
  expect(plain.error).toBeUndefined();
  expect(await columns(db.url, 'users')).toEqual(['id', 'name', 'bio']);

  writeFiles(cwd, {
    'migrations/0003_age.sql':
      'ALTER TABLE users ADD COLUMN age int;\nALTER TABLE users ADD COLUMN tz text;\n-- preview-db: down\nALTER TABLE users DROP COLUMN age;\n',
  });
  const checked = await migrate(settings(db.url, cwd, { checkDown: true }), new MemoryLog());
  expect(checked.ok).toBe(false);
  expect(checked.downCheck!.afterDown).toEqual([expect.objectContaining({ change: 'added', kind: 'column', name: 'public.users.tz' })]);
});

test('a dbmate file without a down section is listed with where the step belongs; Prisma has none to find', async () => {
  const db = await createDatabase('down_dbmate_missing', created);
  const cwd = workspace({ 'migrations/20240501093000_users.sql': '-- migrate:up\nCREATE TABLE users (id bigint PRIMARY KEY);\n' });
  const result = await migrate(settings(db.url, cwd, { checkDown: true }), new MemoryLog());
  expect(result.ok).toBe(true);
  expect(result.downCheck!.missing).toEqual(['migrations/20240501093000_users.sql']);
  expect(result.reportMarkdown).toContain('(expected: a `-- migrate:down` section in `migrations/20240501093000_users.sql`)');

  const prisma = workspace({ 'migrations/20240501093000_users/migration.sql': 'CREATE TABLE users (id bigint PRIMARY KEY);\n' });
  const steps = await readDownSteps([{ version: '20240501093000', name: 'users', file: 'migrations/20240501093000_users/migration.sql' }], prisma);
  expect(steps[0]!.down).toBeUndefined();
  expect(steps[0]!.expected).toMatch(/Prisma keeps no down steps/);
});

test('an up with inline COPY data (small, and large enough to be read in chunks) runs again with its rows', async () => {
  for (const rows of [3, 40_000]) {
    const db = await createDatabase('down_copy', created);
    let data = '';
    for (let i = 1; i <= rows; i++) data += `${i}\tplan number ${i} with a name long enough\n`;
    const cwd = workspace({
      'migrations/0001_plans.sql': `CREATE TABLE plans (id int PRIMARY KEY, name text);\nCOPY plans (id, name) FROM stdin;\n${data}\\.\n`,
      'migrations/0001_plans.down.sql': 'DROP TABLE plans;\n',
    });
    const result = await migrate(settings(db.url, cwd, { checkDown: true }), new MemoryLog());
    expect(result.error).toBeUndefined();
    expect(result.downCheck).toMatchObject({ ok: true, checked: ['migrations/0001_plans.sql'] });
    expect(await query(db.url, 'SELECT count(*)::int AS n FROM plans')).toEqual([{ n: rows }]);
  }
});
