// What measuring costs on the wire: a measured migration goes in one round trip (the previous
// migration's history row and COMMIT, then its statements, each followed by the server's clock and
// its locks), counted by a proxy that reads the Postgres protocol between the runner and the real
// test server. And what that round trip reports stays right: durations, locks, the failing
// statement, and a COMMIT that fails is the failure of its own migration.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { MemoryLog } from './support/memory-log.js';
import { startWireCounter, type WireCounter } from './support/wire-counter.js';
import { migrate } from '../src/migrate/index.js';
import { APPLICATION_NAME } from '../src/migrate/db.js';
import { adminUrl, createDatabase, dropAll, query, settings, workspace } from './fixtures/migrate/support.js';

const created: string[] = [];
let counter: WireCounter;
beforeAll(async () => {
  counter = await startWireCounter(adminUrl());
});
afterAll(async () => {
  await counter.close();
  await dropAll(created);
});

/** `count` migrations of three statements each: on a table of their own, or an index on `big` (a lock rule: lint: error decides it). */
function files(count: number, onBig = false): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 1; i <= count; i++)
    out[`migrations/${String(i).padStart(3, '0')}_t${i}.sql`] = onBig
      ? `CREATE TABLE t${i} (id int PRIMARY KEY, note text);\nCREATE INDEX big_${i} ON big (val);\nCOMMENT ON TABLE t${i} IS 'table ${i}';\n`
      : `CREATE TABLE t${i} (id int PRIMARY KEY, note text);\nCOMMENT ON TABLE t${i} IS 'table ${i}';\nCREATE INDEX t${i}_note ON t${i} (note);\n`;
  return out;
}

async function tripsFor(count: number, lint: 'warn' | 'error', onBig = false): Promise<number> {
  const db = await createDatabase('mig_trips', created);
  await query(db.url, 'CREATE TABLE big (id int PRIMARY KEY, val int)');
  const before = counter.trips().get(APPLICATION_NAME) ?? 0;
  const result = await migrate(
    settings(counter.url(db.name), workspace(files(count, onBig)), { analyze: true, lint, lockThresholdMs: 60_000 }),
    new MemoryLog(),
  );
  expect(result.error).toBeUndefined();
  expect(result.measured).toBe(true);
  expect(result.applied).toHaveLength(count);
  expect(result.applied.every((migration) => migration.statements.length === 3)).toBe(true);
  if (onBig) expect(result.findings.filter((finding) => finding.rule === 'require-concurrent-index-creation')).toHaveLength(count);
  return (counter.trips().get(APPLICATION_NAME) ?? 0) - before;
}

// The run's fixed cost (connect, plan, lock, history table) cancels out between the two runs.
test('measured migrations that no measurement can refuse go several in one round trip, each its own transaction', async () => {
  expect((await tripsFor(11, 'warn')) - (await tripsFor(3, 'warn'))).toBe(0);
}, 60_000);

test('a measured migration that lint: error may refuse by what is measured costs one round trip, and is decided before it commits', async () => {
  expect(((await tripsFor(11, 'error', true)) - (await tripsFor(3, 'error', true))) / 8).toBe(1);
}, 60_000);

test('one round trip still measures each statement: its own duration and the locks it took, held until commit', async () => {
  const db = await createDatabase('mig_trips_locks', created);
  await query(db.url, 'CREATE TABLE big (id int PRIMARY KEY, val int); INSERT INTO big SELECT g, g FROM generate_series(1, 50000) g; ANALYZE big');
  const cwd = workspace({
    // A migration before it: its COMMIT rides ahead of the one measured here, outside its clock.
    'migrations/0_before.sql': 'CREATE TABLE before_it (id int);\n',
    'migrations/1_locks.sql': "SELECT pg_sleep(0.05);\nCREATE INDEX big_val ON big (val);\nSELECT pg_sleep(0.15);\nCOMMENT ON TABLE big IS 'big';\n",
  });
  const result = await migrate(settings(db.url, cwd, { analyze: true, lockThresholdMs: 60_000 }), new MemoryLog());
  expect(result.error).toBeUndefined();
  const [sleep1, index, sleep2, comment] = result.applied[1]!.statements;
  // Durations are the server's clock between statements: each sleep is in its own statement only.
  expect(sleep1!.durationMs).toBeGreaterThanOrEqual(45);
  expect(sleep2!.durationMs).toBeGreaterThanOrEqual(145);
  expect(index!.durationMs).toBeLessThan(sleep2!.durationMs);
  // The SHARE lock belongs to the index build (line 2) and was held through the second sleep.
  expect(index!.locks).toEqual([expect.objectContaining({ table: 'public.big', mode: 'ShareLock' })]);
  expect(index!.locks[0]!.heldMs).toBeGreaterThanOrEqual(145);
  expect(sleep1!.locks).toEqual([]);
  expect(comment!.locks).toEqual([expect.objectContaining({ table: 'public.big', mode: 'ShareUpdateExclusiveLock' })]);
  expect(result.locks).toEqual([expect.objectContaining({ table: 'public.big', mode: 'ShareLock', line: 2, rows: 50000 })]);
  expect(comment!.durationMs).toBeLessThan(sleep2!.durationMs);
}, 60_000);

const ALONE = {};
const AFTER_ANOTHER = { 'migrations/0_first.sql': 'CREATE TABLE first_one (id int);\n' };

test.each([
  ['alone', ALONE],
  ['in a batch', AFTER_ANOTHER],
])('a failing statement without a cursor position (%s) is the one after the last that came back; the migration rolls back', async (_case, before) => {
  const db = await createDatabase('mig_trips_fail', created);
  const cwd = workspace({
    ...before,
    'migrations/1_fail.sql': 'CREATE TABLE a (id int PRIMARY KEY);\nINSERT INTO a VALUES (1);\n\nINSERT INTO a VALUES (1);\nCREATE TABLE b (id int);\n',
  });
  const result = await migrate(settings(db.url, cwd, { analyze: true }), new MemoryLog());
  expect(result.ok).toBe(false);
  expect(result.error).toMatchObject({ file: 'migrations/1_fail.sql', line: 4, column: 1, code: '23505' });
  expect(result.error!.message).toContain('rolled back');
  expect(await query(db.url, "SELECT to_regclass('a')::text AS a")).toEqual([{ a: null }]);
});

test.each([
  ['alone', ALONE],
  ['in a batch', AFTER_ANOTHER],
])('an error with a cursor position in a later statement (an unknown column; %s) points into that statement', async (_case, before) => {
  const db = await createDatabase('mig_trips_column', created);
  const cwd = workspace({
    ...before,
    'migrations/1_column.sql': 'CREATE TABLE a (id int);\nCOMMENT ON TABLE a IS $$one;\ntwo$$;\nSELECT id,\n  missing FROM a;\n',
  });
  const result = await migrate(settings(db.url, cwd, { analyze: true }), new MemoryLog());
  expect(result.ok).toBe(false);
  expect(result.error).toMatchObject({ file: 'migrations/1_column.sql', line: 5, column: 3, code: '42703' });
});

async function runTrips(
  name: string,
  migrations: Record<string, string>,
): Promise<{ trips: number; result: Awaited<ReturnType<typeof migrate>>; url: string }> {
  const db = await createDatabase(name, created);
  const before = counter.trips().get(APPLICATION_NAME) ?? 0;
  const result = await migrate(settings(counter.url(db.name), workspace(migrations), { analyze: true, lint: 'warn' }), new MemoryLog());
  return { trips: (counter.trips().get(APPLICATION_NAME) ?? 0) - before, result, url: db.url };
}

test('a table created earlier in the run and locked by a later migration: its rows are counted in the same round trip', async () => {
  const create = { 'migrations/1_create.sql': 'CREATE TABLE items (id int PRIMARY KEY);\nINSERT INTO items SELECT generate_series(1, 7);\n' };
  const alter = { 'migrations/2_alter.sql': 'ALTER TABLE items ADD COLUMN note text;\n' };
  const one = await runTrips('mig_trips_count1', create);
  const two = await runTrips('mig_trips_count2', { ...create, ...alter });
  expect(two.result.error).toBeUndefined();
  expect(two.result.locks).toEqual([
    expect.objectContaining({ file: 'migrations/2_alter.sql', table: 'public.items', mode: 'AccessExclusiveLock', rows: 7, rowsEstimated: false }),
  ]);
  // One migration alone: its round trip, then its COMMIT; two in a batch: the batch, then what was measured.
  expect(two.trips - one.trips).toBe(0);
}, 60_000);

test('when that count fails (an unpopulated materialized view), the migration still applies and the rows stay unknown', async () => {
  const { result, url } = await runTrips('mig_trips_count_fail', {
    'migrations/1_view.sql': 'CREATE MATERIALIZED VIEW totals AS SELECT 1 AS x WITH NO DATA;\n',
    'migrations/2_index.sql': 'CREATE INDEX totals_x ON totals (x);\nCOMMENT ON MATERIALIZED VIEW totals IS $$after the count$$;\n',
  });
  expect(result.error).toBeUndefined();
  expect(result.applied.map((migration) => migration.file)).toEqual(['migrations/1_view.sql', 'migrations/2_index.sql']);
  expect(result.locks).toEqual([expect.objectContaining({ file: 'migrations/2_index.sql', table: 'public.totals', mode: 'ShareLock', rowsEstimated: true })]);
  expect(result.locks[0]!.rows).toBeUndefined();
  expect(await query(url, "SELECT obj_description('totals'::regclass) AS d")).toEqual([{ d: 'after the count' }]);
}, 60_000);

// A deferred foreign key is checked at COMMIT: the COMMIT that rides ahead of the next migration fails.
const DEFERRED = {
  'migrations/2_deferred.sql':
    'CREATE TABLE parent (id int PRIMARY KEY);\nCREATE TABLE child (parent int REFERENCES parent DEFERRABLE INITIALLY DEFERRED);\nINSERT INTO child VALUES (1);\n',
};
const tableExists = async (url: string, name: string) => (await query<{ t: string | null }>(url, `SELECT to_regclass('${name}')::text AS t`))[0]!.t !== null;

test.each([
  ['followed by another migration (its COMMIT rides ahead of it)', { 'migrations/3_next.sql': 'CREATE TABLE next_one (id int);\n' }],
  ['the last one (its COMMIT goes on its own)', {}],
])(
  'a COMMIT that fails is the failure of its own migration, %s: not applied, nothing after it runs',
  async (_case, after) => {
    const { result, url } = await runTrips('mig_trips_commit', { 'migrations/1_first.sql': 'CREATE TABLE first_one (id int);\n', ...DEFERRED, ...after });
    expect(result.ok).toBe(false);
    expect(result.error).toMatchObject({ file: 'migrations/2_deferred.sql' });
    expect(result.error!.message).toMatch(/violates foreign key constraint.*rolled back; migrations before it stay applied/);
    expect(result.applied.map((migration) => migration.file)).toEqual(['migrations/1_first.sql']);
    expect(await tableExists(url, 'first_one')).toBe(true);
    expect(await tableExists(url, 'child')).toBe(false);
    expect(await tableExists(url, 'next_one')).toBe(false);
    expect(await query(url, 'SELECT version FROM preview_db_migrations ORDER BY version')).toEqual([{ version: '1' }]);
  },
  60_000,
);

test('tables that earlier migrations of the run created or renamed are named without asking the observer again', async () => {
  const OBSERVER = `${APPLICATION_NAME} (observer)`;
  const observerTrips = async (name: string, migrations: Record<string, string>) => {
    const before = counter.trips().get(OBSERVER) ?? 0;
    const run = await runTrips(name, migrations);
    expect(run.result.error).toBeUndefined();
    return { ...run, observer: (counter.trips().get(OBSERVER) ?? 0) - before };
  };
  const create = { 'migrations/1_create.sql': 'CREATE TABLE items (id int PRIMARY KEY);\n' };
  const one = await observerTrips('mig_trips_observer1', create);
  const three = await observerTrips('mig_trips_observer3', {
    ...create,
    'migrations/2_rename.sql': 'ALTER TABLE items RENAME TO goods;\n',
    'migrations/3_alter.sql': 'ALTER TABLE goods ADD COLUMN note text;\n',
  });
  expect(three.observer - one.observer).toBe(0);
  expect(three.result.locks.map((lock) => [lock.file, lock.table, lock.mode])).toEqual([
    ['migrations/2_rename.sql', 'public.items', 'AccessExclusiveLock'],
    ['migrations/3_alter.sql', 'public.goods', 'AccessExclusiveLock'],
  ]);
}, 60_000);

test('migrations measured in a batch keep what was measured with their history rows, for the reports of later pushes', async () => {
  const db = await createDatabase('mig_trips_report', created);
  await query(db.url, 'CREATE TABLE big (id int PRIMARY KEY, val int); INSERT INTO big SELECT g, g FROM generate_series(1, 100) g');
  const cwd = workspace({ 'migrations/1_a.sql': 'CREATE TABLE a (id int);\n', 'migrations/2_index.sql': 'CREATE INDEX big_val ON big (val);\n' });
  const result = await migrate(settings(db.url, cwd, { analyze: true, lint: 'warn', lockThresholdMs: 60_000, pullRequest: 7 }), new MemoryLog());
  expect(result.error).toBeUndefined();
  const [row] = await query<{ report: { measured: boolean; locks: unknown[]; findings: Array<{ rule: string; message: string }> } }>(
    db.url,
    "SELECT report FROM preview_db_migrations WHERE version = '2'",
  );
  expect(row!.report.measured).toBe(true);
  expect(row!.report.locks).toEqual([expect.objectContaining({ table: 'public.big', mode: 'ShareLock', rows: 100, rowsEstimated: false })]);
  expect(row!.report.findings.find((finding) => finding.rule === 'require-concurrent-index-creation')).toMatchObject({
    message: expect.stringContaining('Measured on the preview'),
  });
}, 60_000);

test('after a statement that cannot block writes only the clock is read: its weaker locks are listed with the next statement read', async () => {
  const db = await createDatabase('mig_trips_clock', created);
  await query(db.url, 'CREATE TABLE big (id int PRIMARY KEY, val int); CREATE TABLE small (id int)');
  const cwd = workspace({
    'migrations/1_mixed.sql':
      "INSERT INTO small VALUES (1);\nCOMMENT ON TABLE big IS 'big';\nCREATE INDEX big_val ON big (val);\nCOMMENT ON TABLE small IS 'small';\n",
  });
  const result = await migrate(settings(db.url, cwd, { analyze: true, lockThresholdMs: 60_000 }), new MemoryLog());
  expect(result.error).toBeUndefined();
  const [insert, comment, index, last] = result.applied[0]!.statements;
  expect(insert!.locks).toEqual([]);
  expect(comment!.locks).toEqual([]);
  expect(index!.locks.map((lock) => [lock.table, lock.mode]).sort()).toEqual([
    ['public.big', 'ShareLock'],
    ['public.big', 'ShareUpdateExclusiveLock'],
    ['public.small', 'RowExclusiveLock'],
  ]);
  expect(last!.locks.map((lock) => [lock.table, lock.mode])).toEqual([['public.small', 'ShareUpdateExclusiveLock']]);
  // What the report says is unchanged: the write-blocking lock, at the statement that took it.
  expect(result.locks).toEqual([expect.objectContaining({ table: 'public.big', mode: 'ShareLock', line: 3 })]);
}, 60_000);
