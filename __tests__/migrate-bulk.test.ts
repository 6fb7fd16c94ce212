// Bulk data in a measured migration: a long run of INSERTs (a data migration, a dump) travels in
// groups, one round trip and one lock reading per group, instead of one or two per statement.
// What is applied, recorded and reported stays the same; a failure still names its line.
// Real test Postgres, databases of this file's own.
import { afterAll, describe, expect, test } from '@jest/globals';
import { MemoryLog } from './support/memory-log.js';
import { migrate } from '../src/migrate/index.js';
import { BULK_RUN, statementCount } from '../src/migrate/measure.js';
import { createDatabase, dropAll, query, settings, workspace } from './fixtures/migrate/support.js';

const created: string[] = [];
afterAll(() => dropAll(created));

/** CREATE TABLE on line 1, then `rows` INSERTs (row i on line i + 1), then an index. */
function bulkFile(rows: number, replace?: { row: number; sql: string }): string {
  let sql = 'CREATE TABLE bulk (id int PRIMARY KEY, note text);\n';
  for (let i = 1; i <= rows; i++) sql += replace?.row === i ? `${replace.sql}\n` : `INSERT INTO bulk VALUES (${i}, 'note ${i}; with a semicolon');\n`;
  return `${sql}CREATE INDEX bulk_note_idx ON bulk (note);\n`;
}

const recorded = (url: string) => query<{ n: number }>(url, 'SELECT count(*)::int AS n FROM preview_db_migrations');
const bulkExists = async (url: string) => (await query<{ t: string | null }>(url, "SELECT to_regclass('bulk')::text AS t"))[0]!.t !== null;

describe('bulk INSERTs in a measured migration', () => {
  test('1,500 INSERTs are measured in groups: all rows applied, every statement counted in the report', async () => {
    const db = await createDatabase('bulk_ok', created);
    const cwd = workspace({ 'migrations/1_bulk.sql': bulkFile(1500) });
    const result = await migrate(settings(db.url, cwd, { analyze: true }), new MemoryLog());
    expect(result.error).toBeUndefined();
    expect(result.measured).toBe(true);
    const { statements } = result.applied[0]!;
    // CREATE TABLE, the INSERTs in groups of at most 1,000, CREATE INDEX.
    expect(statements.map((s) => [s.kind, s.line, s.count ?? 1])).toEqual([
      ['CreateStmt', 1, 1],
      ['InsertStmt', 2, 1000],
      ['InsertStmt', 1002, 500],
      ['IndexStmt', 1502, 1],
    ]);
    expect(statements[1]!.summary).toBe("INSERT INTO bulk VALUES (1, 'note 1; with a semicolon') (and 999 more INSERTs)");
    expect(statementCount(statements)).toBe(1502);
    expect(result.reportMarkdown).toContain('| 1502 |');
    expect(await query(db.url, 'SELECT count(*)::int AS n, max(id) AS top FROM bulk')).toEqual([{ n: 1500, top: 1500 }]);
    expect(await recorded(db.url)).toEqual([{ n: 1 }]);
  });

  test(`a run shorter than ${BULK_RUN} INSERTs is measured statement by statement`, async () => {
    const db = await createDatabase('bulk_short', created);
    const cwd = workspace({ 'migrations/1_bulk.sql': bulkFile(BULK_RUN - 1) });
    const result = await migrate(settings(db.url, cwd, { analyze: true }), new MemoryLog());
    expect(result.error).toBeUndefined();
    expect(result.applied[0]!.statements).toHaveLength(BULK_RUN + 1);
    expect(result.applied[0]!.statements.every((s) => s.count === undefined)).toBe(true);
  });

  test('a failing row deep in a group (no cursor position: a duplicate key) names its line; the migration rolls back', async () => {
    const db = await createDatabase('bulk_dup', created);
    const cwd = workspace({ 'migrations/1_bulk.sql': bulkFile(1500, { row: 1234, sql: "INSERT INTO bulk VALUES (7, 'again');" }) });
    const result = await migrate(settings(db.url, cwd, { analyze: true }), new MemoryLog());
    expect(result.ok).toBe(false);
    expect(result.error).toMatchObject({ file: 'migrations/1_bulk.sql', line: 1235, code: '23505' });
    expect(result.error!.message).toContain('rolled back');
    expect(await bulkExists(db.url)).toBe(false);
    expect(
      await query(db.url, "SELECT to_regclass('preview_db_migrations')::text IS NULL OR (SELECT count(*) FROM preview_db_migrations) = 0 AS empty"),
    ).toEqual([{ empty: true }]);
  });

  test('an error with a cursor position inside a group points at its line and column', async () => {
    const db = await createDatabase('bulk_type', created);
    const cwd = workspace({ 'migrations/1_bulk.sql': bulkFile(300, { row: 77, sql: "INSERT INTO bulk VALUES ('seventy-seven', 'x');" }) });
    const result = await migrate(settings(db.url, cwd, { analyze: true }), new MemoryLog());
    expect(result.ok).toBe(false);
    expect(result.error).toMatchObject({ file: 'migrations/1_bulk.sql', line: 78, code: '22P02' });
    expect(await bulkExists(db.url)).toBe(false);
  });

  test('with measurement off, a file off the fast path (inline COPY data) groups its INSERTs too, and a failure still names its line', async () => {
    const db = await createDatabase('bulk_copy', created);
    const copy = 'COPY bulk (id, note) FROM stdin;\n9001\tfrom copy\n\\.\n';
    const cwd = workspace({ 'migrations/1_bulk.sql': `${bulkFile(200, { row: 150, sql: "INSERT INTO bulk VALUES (3, 'dup');" })}${copy}` });
    const failed = await migrate(settings(db.url, cwd, { analyze: false }), new MemoryLog());
    expect(failed.ok).toBe(false);
    expect(failed.error).toMatchObject({ line: 151, code: '23505' });
    expect(await bulkExists(db.url)).toBe(false);

    const fixed = workspace({ 'migrations/1_bulk.sql': `${bulkFile(200)}${copy}` });
    const result = await migrate(settings(db.url, fixed, { analyze: false }), new MemoryLog());
    expect(result.error).toBeUndefined();
    expect(await query(db.url, 'SELECT count(*)::int AS n FROM bulk')).toEqual([{ n: 201 }]);
  });
});

describe('large inline COPY data', () => {
  test('data of several megabytes (multi-byte characters across the pieces it is sent in) arrives row for row', async () => {
    const db = await createDatabase('bulk_copy_big', created);
    const rows = 40_000;
    let data = '';
    for (let i = 1; i <= rows; i++) data += `${i}\tgratuité € 😀 row ${i} ${'x'.repeat(i % 50)}\n`;
    expect(Buffer.byteLength(data)).toBeGreaterThan(2 * (1 << 20));
    const cwd = workspace({
      'migrations/1_copy.sql': `CREATE TABLE big_copy (id int PRIMARY KEY, note text);\nCOPY big_copy (id, note) FROM stdin;\n${data}\\.\n`,
    });
    const result = await migrate(settings(db.url, cwd, { analyze: false }), new MemoryLog());
    expect(result.error).toBeUndefined();
    const expected = data
      .slice(0, -1)
      .split('\n')
      .map((line) => line.split('\t')[1]!);
    const stored = (await query<{ note: string }>(db.url, 'SELECT note FROM big_copy ORDER BY id')).map((row) => row.note);
    const firstDifference = stored.findIndex((note, index) => note !== expected[index]);
    expect({ rows: stored.length, firstDifference, stored: stored[firstDifference], expected: expected[firstDifference] }).toEqual({
      rows,
      firstDifference: -1,
      stored: undefined,
      expected: undefined,
    });
  });
});
