// Large files: the parser reads a file window by window, so memory stays bounded; the split
// must not depend on where the windows end (strings, dollar quotes, comments, COPY data and
// multi-byte characters across window edges).
import { describe, expect, test } from '@jest/globals';
import { splitStatements, type SqlStatement } from '../src/migrate/sql.js';

const picture = (statements: SqlStatement[]) => statements.map((s) => ({ text: s.text, kind: s.kind, line: s.line, column: s.column, offset: s.offset, leading: s.leadingComments, node: JSON.stringify(s.node), copyData: s.copyData, span: s.copyDataSpan }));

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
