// Large files: the parser reads a file window by window, so memory stays bounded; the split
// must not depend on where the windows end (strings, dollar quotes, comments, COPY data and
// multi-byte characters across window edges).
import { afterAll, describe, expect, test } from '@jest/globals';
import { MemoryLog } from './support/memory-log.js';
import { seedParts } from '../src/migrate/files.js';
import { migrate } from '../src/migrate/index.js';
import { splitStatements, type SqlStatement } from '../src/migrate/sql.js';
import { createDatabase, dropAll, query, settings, workspace, writeFiles } from './fixtures/migrate/support.js';

const picture = (statements: SqlStatement[]) =>
  statements.map((s) => ({
    text: s.text,
    kind: s.kind,
    line: s.line,
    column: s.column,
    offset: s.offset,
    leading: s.leadingComments,
    node: JSON.stringify(s.node),
    copyData: s.copyData,
    span: s.copyDataSpan,
  }));

function sample(repeat: number): string {
  let sql = '-- a history squashed into one file\n';
  for (let i = 0; i < repeat; i++) {
    sql += `CREATE TABLE t${i} (\n  id int PRIMARY KEY,\n  note text DEFAULT 'semi; colon\n and a newline'\n);\n`;
    sql += `/* block /* nested */ comment ; */ INSERT INTO t${i} VALUES (1, 'café ${i}'), (2, E'it\\'s; ok');\n`;
    sql += `CREATE FUNCTION f${i}() RETURNS text LANGUAGE plpgsql AS $body$\nBEGIN\n  RETURN 'x;\n\\. not data';\nEND;\n$body$;\n`;
    sql += `COPY t${i} (id, note) FROM stdin;\n1\tline; one ü\n2\t\\N\n\\.\n`;
    sql += `CREATE INDEX ON t${i} (note); SELECT ${i};\n`;
  }
  return `${sql}SELECT 'last without semicolon'\n`;
}

describe('window-by-window parsing', () => {
  test.each([37, 101, 256, 1000])('windows of %d bytes split exactly like one parse of the whole file', async (windowBytes) => {
    const sql = sample(12);
    const whole = await splitStatements(sql, { windowBytes: 1 << 30 });
    expect(whole).toHaveLength(12 * 6 + 1);
    expect(picture(await splitStatements(sql, { windowBytes }))).toEqual(picture(whole));
  });

  test('a syntax error far into a file is reported at its line', async () => {
    const sql = `${'SELECT 1;\n'.repeat(500)}SELECT FROM FROM;\n${'SELECT 2;\n'.repeat(10)}`;
    await expect(splitStatements(sql, { windowBytes: 64 })).rejects.toMatchObject({ line: 501 });
  });

  test('data statements can leave their parse trees behind', async () => {
    const [create, insert] = await splitStatements('CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\n', { keepNode: (kind) => kind !== 'InsertStmt' });
    expect(Object.keys((create!.node as unknown as { CreateStmt: object }).CreateStmt).length).toBeGreaterThan(0);
    expect(insert!.node).toEqual({ InsertStmt: {} });
    expect(insert!.text).toBe('INSERT INTO t VALUES (1)');
  });
});

describe('large seeds', () => {
  const created: string[] = [];
  afterAll(() => dropAll(created));

  test('a seed of several pieces runs in one transaction with its history row; a failure in a later piece rolls all of it back and names the line', async () => {
    const rows = 30_000;
    let sql = 'CREATE TABLE big (id int PRIMARY KEY, note text);\n';
    for (let i = 1; i <= rows; i++) sql += `INSERT INTO big VALUES (${i}, 'row ${i} with a note long enough to fill pieces');\n`;
    expect(sql.length).toBeGreaterThan(2 * (1 << 20));
    const parts = await seedParts(sql);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    expect(parts.map((part) => ('start' in part ? sql.slice(part.start, part.end) : '')).join(';\n')).toBe(sql.trimEnd().replace(/;$/, ''));

    const db = await createDatabase('hist_bigseed', created);
    const failing = `${sql}SELECT no_such_column FROM big;\n`;
    const cwd = workspace({ 'migrations/1_a.sql': 'SELECT 1;\n', 'seed.sql': failing });
    const failed = await migrate(settings(db.url, cwd, { seed: ['seed.sql'] }), new MemoryLog());
    expect(failed.ok).toBe(false);
    expect(failed.error).toMatchObject({ file: 'seed.sql', line: rows + 2 });
    expect(await query(db.url, "SELECT to_regclass('big')::text AS t")).toEqual([{ t: null }]);

    writeFiles(cwd, { 'seed.sql': sql });
    const result = await migrate(settings(db.url, cwd, { seed: ['seed.sql'] }), new MemoryLog());
    expect(result.error).toBeUndefined();
    expect(result.seeded).toEqual(['seed.sql']);
    expect(await query(db.url, 'SELECT count(*)::int AS n FROM big')).toEqual([{ n: rows }]);
    expect(await query(db.url, "SELECT count(*)::int AS n FROM preview_db_migrations WHERE kind = 'seed'")).toEqual([{ n: 1 }]);
  });
});
