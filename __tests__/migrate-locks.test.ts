// Measured impact on the real test Postgres: lock hold times on a table with enough rows
// to show them, and lint findings graded by what was measured.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { MemoryLog } from './support/memory-log.js';
import { migrate, type MigrateResult } from '../src/migrate/index.js';
import { createDatabase, dropAll, query, settings, workspace } from './fixtures/migrate/support.js';

const created: string[] = [];
let db: { name: string; url: string };
let result: MigrateResult;
const THRESHOLD_MS = 100;

beforeAll(async () => {
  db = await createDatabase('mig_locks', created);
  await query(db.url, 'CREATE TABLE big (id int PRIMARY KEY, val int)');
  await query(db.url, 'INSERT INTO big SELECT g, g % 1000 FROM generate_series(1, 200000) g');
  await query(db.url, 'CREATE TABLE tiny (id int)');
  await query(db.url, 'INSERT INTO tiny SELECT generate_series(1, 10)');
  const cwd = workspace({
    'migrations/1_big.sql': 'CREATE INDEX big_val ON big (val);\nALTER TABLE big ALTER COLUMN val TYPE bigint;\n',
    'migrations/2_tiny.sql': 'CREATE INDEX tiny_id ON tiny (id);\n',
    'migrations/3_fresh.sql': 'CREATE TABLE fresh (id int);\nCREATE INDEX fresh_id ON fresh (id);\n',
  });
  result = await migrate(settings(db.url, cwd, { analyze: true, lockThresholdMs: THRESHOLD_MS, lockTimeoutSeconds: 5 }), new MemoryLog());
}, 60_000);
afterAll(() => dropAll(created));

test('applies with every statement measured', () => {
  expect(result.error).toBeUndefined();
  expect(result.measured).toBe(true);
  expect(result.applied.map((m) => m.statements.length)).toEqual([2, 1, 2]);
  expect(result.applied[0]!.statements.every((s) => s.durationMs > 0)).toBe(true);
});

test('reports the big table locked ACCESS EXCLUSIVE with its row count and a hold over the threshold', () => {
  const big = result.locks.find((lock) => lock.table === 'public.big')!;
  expect(big).toMatchObject({ mode: 'AccessExclusiveLock', file: 'migrations/1_big.sql', line: 2, overThreshold: true });
  expect(big.rows).toBeGreaterThan(150_000);
  expect(big.rows).toBeLessThan(250_000);
  // The rewrite of 200k rows is measurable and longer than the tiny index build.
  const tiny = result.locks.find((lock) => lock.table === 'public.tiny')!;
  expect(tiny).toMatchObject({ mode: 'ShareLock', rows: 10, overThreshold: false });
  expect(big.heldMs).toBeGreaterThan(tiny.heldMs);
  // The SHARE lock of the index build on big was held from the first statement to commit.
  const indexLock = result.applied[0]!.statements[0]!.locks.find((lock) => lock.table === 'public.big' && lock.mode === 'ShareLock')!;
  expect(indexLock.heldMs).toBeGreaterThanOrEqual(big.heldMs);
  // A table created by the migration itself blocks nobody.
  expect(result.locks.some((lock) => lock.table === 'public.fresh')).toBe(false);
  expect(result.reportMarkdown).toMatch(/\| `public.big` \| ACCESS EXCLUSIVE \| ~?\d{3},\d{3} \| 🛑 [\d.]+m?s \|/);
});

test('grades the same lint rule by what was measured: an error on the big table, a note on the tiny one', () => {
  const onBig = result.findings.find((f) => f.rule === 'require-concurrent-index-creation' && f.file === 'migrations/1_big.sql')!;
  const onTiny = result.findings.find((f) => f.rule === 'require-concurrent-index-creation' && f.file === 'migrations/2_tiny.sql')!;
  expect(onBig.severity).toBe('error');
  expect(onBig.message).toMatch(/Measured on the preview: SHARE on public.big \(~?\d{3},\d{3} rows\) held [\d.]+m?s, over the 100ms threshold/);
  expect(onTiny.severity).toBe('note');
  expect(onTiny.message).toContain('under the 100ms threshold');
  expect(result.findings.some((f) => f.file === 'migrations/3_fresh.sql' && f.rule === 'require-concurrent-index-creation')).toBe(false);
});
