// Large files with inline COPY data (pg_dump style) are read in chunks: their rows stay on disk
// and stream to COPY from there, so memory does not grow with the file. What the runner sees of
// such a file is what it saw reading it whole (statements, lines, columns, checksum, errors),
// minus the rows. Real test Postgres; the memory bound is checked in a child process whose heap
// is smaller than the file, so a run that holds the file's text cannot finish.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { MemoryLog } from './support/memory-log.js';
import { NODE24, ROOT } from './support/run-action.js';
import { migrate } from '../src/migrate/index.js';
import { blank, decodeSql, findMetaCommands, readMigrations, readSeeds } from '../src/migrate/files.js';
import { CHUNKED_FILE_BYTES, readChunked, readRange } from '../src/migrate/copy-data.js';
import { splitStatements } from '../src/migrate/sql.js';
import { createDatabase, dropAll, query, settings, workspace } from './fixtures/migrate/support.js';

const created: string[] = [];
afterAll(() => dropAll(created));

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Rows of about 90 bytes (multi-byte characters included) until the data passes `bytes`. */
function rows(bytes: number, from = 1, line = (i: number) => `${i}\tacct-${i % 97}\tgratuité € 😀 ${'x'.repeat(i % 40)}\n`): { text: string; count: number } {
  const lines: string[] = [];
  let size = 0;
  let i = from;
  while (size < bytes) {
    const row = line(i++);
    lines.push(row);
    size += Buffer.byteLength(row);
  }
  return { text: lines.join(''), count: lines.length };
}

/**
 * A pg_dump-like file with what a light scanner could get wrong: a byte-order mark, psql's
 * \restrict line, a dollar-quoted body holding a `\.` line and a COPY's text, strings and
 * comments holding semicolons and COPY's words, an E'' string with an escaped quote, CR LF rows,
 * an empty COPY, and rows that look like SQL.
 */
function trickyFile(): string {
  const big = rows(CHUNKED_FILE_BYTES + 300_000);
  return [
    '\ufeff\\restrict AbCdEf123',
    '-- pg_dump style; a comment with COPY t FROM stdin; in it',
    'CREATE TABLE notes (id int PRIMARY KEY, account text, body text);',
    "CREATE FUNCTION dot() RETURNS text LANGUAGE sql AS $body$ SELECT 'COPY notes FROM stdin;\n\\.\n' $body$;",
    "/* a block comment; /* nested */ COPY notes FROM stdin; */ SELECT E'it\\'s; COPY x FROM stdin;' AS s;",
    'COPY notes (id, account, body) FROM stdin; -- the rows follow',
    big.text + '\\.',
    'COPY notes (id, account, body) FROM stdin;',
    '\\.',
    'COPY notes (id, account, body) FROM STDIN WITH (FORMAT csv);\r',
    `${big.count + 1},"csv; row","SELECT 1; -- not SQL"\r`,
    `${big.count + 2},x,"DROP TABLE notes;"\r`,
    '\\.\r',
    'CREATE INDEX notes_account_idx ON notes (account);',
    '\\unrestrict AbCdEf123',
    '',
  ].join('\n');
}

describe('a large file with inline COPY data, read in chunks', () => {
  test('gives the text and statements of the whole read, with the rows emptied and left on disk; the checksum of its bytes', async () => {
    const cwd = workspace({ 'migrations/1_dump.sql': trickyFile() });
    const path = join(cwd, 'migrations/1_dump.sql');
    const bytes = readFileSync(path);
    expect(bytes.length).toBeGreaterThan(CHUNKED_FILE_BYTES);
    const whole = decodeSql(bytes, path);
    // The whole text with every row emptied (its newline kept); psql's \restrict lines are not SQL.
    const wholeStatements = await splitStatements(findMetaCommands(whole).reduce((text, command) => blank(text, command.start, command.end), whole));
    const lines = whole.split('\n');
    for (const statement of wholeStatements) {
      if (!statement.copyDataSpan) continue;
      const count = statement.copyData!.split('\n').length - 1;
      for (let k = 0; k < count; k++) lines[statement.copyDataSpan.line - 1 + k] = '';
    }
    const chunked = (await readChunked(path))!;
    expect(chunked.text).toBe(lines.join('\n'));
    expect(chunked.checksum).toBe(sha256(bytes));
    expect(chunked.spans).toHaveLength(3);

    const set = await readMigrations('migrations', cwd);
    expect(set.problems).toEqual([]);
    const file = set.files[0]!;
    expect(file.checksum).toBe(sha256(bytes));
    // What the runner keeps of the file: its SQL and one newline a row, not the rows.
    expect(file.sql.length).toBeLessThan(bytes.length / 10);
    const shape = (list: typeof wholeStatements) => list.map((s) => [s.kind, s.line, s.column, s.text]);
    expect(shape(file.statements)).toEqual(shape(wholeStatements));
    const copies = file.statements.filter((s) => s.copyData !== undefined);
    expect(copies).toHaveLength(3);
    for (const [index, statement] of copies.entries()) {
      const expected = wholeStatements.filter((s) => s.copyData !== undefined)[index]!;
      expect(statement.copyData).toBe('');
      expect(statement.copyDataSpan!.line).toBe(expected.copyDataSpan!.line);
      const source = statement.copySource!;
      expect(bytes.subarray(source.start, source.end).toString('utf8')).toBe(expected.copyData);
    }
    expect(file.notes.join('\n')).toMatch(/skipped psql's \\restrict line/);
  });

  test('applies row for row, records the checksum of its bytes (as earlier versions did), and a second run is a no-op', async () => {
    const db = await createDatabase('large_data_apply', created);
    const cwd = workspace({ 'migrations/1_dump.sql': trickyFile() });
    const bytes = readFileSync(join(cwd, 'migrations/1_dump.sql'));
    for (const analyze of [false, true]) {
      const result = await migrate(settings(db.url, cwd, { analyze }), new MemoryLog());
      expect(result.error).toBeUndefined();
      expect(result.applied).toHaveLength(analyze ? 0 : 1);
    }
    const expected = rows(CHUNKED_FILE_BYTES + 300_000);
    const stored = await query<{ n: number; last: string; csv: string }>(
      db.url,
      "SELECT count(*)::int AS n, (SELECT body FROM notes WHERE id = $1) AS last, (SELECT body FROM notes WHERE account = 'csv; row') AS csv FROM notes",
      [expected.count],
    );
    expect(stored).toEqual([{ n: expected.count + 2, last: expected.text.split('\n').at(-2)!.split('\t')[2], csv: 'SELECT 1; -- not SQL' }]);
    const history = await query<{ checksum: string }>(db.url, 'SELECT checksum FROM public.preview_db_migrations');
    expect(history).toEqual([{ checksum: sha256(bytes) }]);
  });

  test("a failing row deep in the data fails the migration, names the row's line, and leaves nothing applied", async () => {
    const db = await createDatabase('large_data_bad_row', created);
    const data = rows(CHUNKED_FILE_BYTES * 2);
    const bad = 20_000;
    const text = data.text.replace(`\n${bad}\tacct-`, `\n${bad - 1}\tacct-`);
    expect(text).not.toBe(data.text);
    const cwd = workspace({
      'migrations/1_dump.sql': `CREATE TABLE rows_pk (id int PRIMARY KEY, account text, body text);\nCOPY rows_pk FROM stdin;\n${text}\\.\n`,
    });
    for (const analyze of [false, true]) {
      const result = await migrate(settings(db.url, cwd, { analyze }), new MemoryLog());
      expect(result.ok).toBe(false);
      expect(result.error).toMatchObject({ file: 'migrations/1_dump.sql', line: 2 + bad, column: 1 });
      expect(result.error!.message).toMatch(/duplicate key/);
      expect(await query(db.url, "SELECT to_regclass('rows_pk')::text AS t")).toEqual([{ t: null }]);
    }
  });

  test('invalid UTF-8 deep in the rows is refused with its line and byte offset, as when read whole', async () => {
    const data = rows(CHUNKED_FILE_BYTES * 2);
    const head = 'CREATE TABLE latin (id int, account text, body text);\nCOPY latin FROM stdin;\n';
    const bytes = Buffer.from(`${head}${data.text}\\.\n`);
    const offset = Buffer.byteLength(head) + Buffer.byteLength(data.text.split('\n').slice(0, 15_000).join('\n')) + 3;
    bytes[offset] = 0xe9; // Latin-1 é
    const cwd = workspace({});
    mkdirSync(join(cwd, 'migrations'));
    writeFileSync(join(cwd, 'migrations/1_latin.sql'), bytes);
    const set = await readMigrations('migrations', cwd);
    expect(set.files).toEqual([]);
    expect(set.problems).toHaveLength(1);
    expect(set.problems[0]).toMatchObject({ file: 'migrations/1_latin.sql', line: 2 + 15_001 });
    expect(set.problems[0]!.reason).toContain(`byte offset ${offset}`);
  });

  test('a seed with inline COPY data streams its rows from disk; the seed is recorded once', async () => {
    const db = await createDatabase('large_data_seed', created);
    const data = rows(CHUNKED_FILE_BYTES * 2);
    const cwd = workspace({
      'migrations/1_t.sql': 'CREATE TABLE seeded (id int PRIMARY KEY, account text, body text);\n',
      'seed/data.sql': `-- a data-only dump\nCOPY seeded (id, account, body) FROM stdin;\n${data.text}\\.\nUPDATE seeded SET account = upper(account) WHERE id = 1;\n`,
    });
    const seeds = await readSeeds(['seed/data.sql'], cwd);
    // Nothing of the text is kept: the statements are read again from the file when they are sent.
    expect(seeds[0]!.sql).toBe('');
    expect(seeds[0]!.parts.map((part) => Object.keys(part)[0])).toEqual(['copy', 'read']);
    expect(seeds[0]!.checksum).toBe(sha256(readFileSync(join(cwd, 'seed/data.sql'))));
    for (let run = 0; run < 2; run++) {
      const result = await migrate(settings(db.url, cwd, { seed: ['seed/data.sql'] }), new MemoryLog());
      expect(result.error).toBeUndefined();
    }
    expect(await query(db.url, 'SELECT count(*)::int AS n, (SELECT account FROM seeded WHERE id = 1) AS first FROM seeded')).toEqual([
      { n: data.count, first: 'ACCT-1' },
    ]);
  });

  test('a large seed of statements is parsed piece by piece and not kept: the pieces hold the same statements on the same lines, and it applies', async () => {
    const db = await createDatabase('large_data_seed_sql', created);
    // What a piece boundary must respect: strings with semicolons and newlines, dollar-quoted
    // bodies, comments, psql's \\restrict pair (skipped), a byte-order mark.
    const statements = ['\ufeff\\restrict Xy12', 'CREATE TABLE notes (id int PRIMARY KEY, body text);'];
    for (let i = 1; i <= 30_000; i++) {
      if (i % 1000 === 0) statements.push(`DO $do$ BEGIN\n  INSERT INTO notes VALUES (${i}, 'from a DO block; with a semicolon');\nEND $do$;`);
      else if (i % 700 === 0) statements.push(`INSERT INTO notes VALUES (${i}, 'two lines;\n-- not a comment; still the string'); /* a comment; */`);
      else statements.push(`INSERT INTO notes VALUES (${i}, 'note ${i} gratuité €');`);
    }
    statements.push('\\unrestrict Xy12', '');
    const sql = statements.join('\n');
    const cwd = workspace({ 'seed.sql': sql, 'migrations/1_a.sql': 'SELECT 1;\n' });
    const path = join(cwd, 'seed.sql');
    const bytes = readFileSync(path);
    expect(bytes.length).toBeGreaterThan(CHUNKED_FILE_BYTES);
    const [seed] = await readSeeds(['seed.sql'], cwd);
    expect(seed!.sql).toBe('');
    expect(seed!.checksum).toBe(sha256(bytes));
    const pieces = seed!.parts.map((part) => ('read' in part ? part.read : undefined));
    expect(pieces.length).toBeGreaterThanOrEqual(3);
    // The pieces' statements, placed in the file, are the whole read's.
    const seen: Array<[string, number, string]> = [];
    for (const piece of pieces) {
      for (const statement of await splitStatements(readRange(path, piece!.start, piece!.end)))
        seen.push([statement.kind, statement.line + piece!.line - 1, statement.text]);
    }
    const whole = decodeSql(bytes, path);
    const expected = (await splitStatements(findMetaCommands(whole).reduce((text, command) => blank(text, command.start, command.end), whole))).map(
      (statement): [string, number, string] => [statement.kind, statement.line, statement.text],
    );
    expect(seen).toEqual(expected);

    const result = await migrate(settings(db.url, cwd, { seed: ['seed.sql'] }), new MemoryLog());
    expect(result.error).toBeUndefined();
    expect(await query(db.url, 'SELECT count(*)::int AS n, (SELECT body FROM notes WHERE id = 700) AS multiline FROM notes')).toEqual([
      { n: 30_000, multiline: 'two lines;\n-- not a comment; still the string' },
    ]);
  });

  test('a large seed with a syntax error or a meta-command deep inside is refused with its line before anything runs', async () => {
    const db = await createDatabase('large_data_seed_bad', created);
    const rows = Array.from({ length: 30_000 }, (_, i) => `INSERT INTO t VALUES (${i + 1}, 'row ${i + 1} with some text');`);
    for (const [bad, reason] of [
      ['INSERT INTO t VALUES (1, 2));', /Postgres cannot parse this file/],
      ['\\connect other', /meta-command \\connect/],
    ] as const) {
      const lines = ['CREATE TABLE t (id int, note text);', ...rows.slice(0, 20_000), bad, ...rows.slice(20_000), ''];
      const cwd = workspace({ 'seed.sql': lines.join('\n'), 'migrations/1_a.sql': 'CREATE TABLE marker (id int);\n' });
      const result = await migrate(settings(db.url, cwd, { seed: ['seed.sql'] }), new MemoryLog());
      expect(result.ok).toBe(false);
      expect(result.problems).toEqual([expect.objectContaining({ file: 'seed.sql', line: 20_002, reason: expect.stringMatching(reason) })]);
      expect(await query(db.url, "SELECT to_regclass('marker')::text AS t")).toEqual([{ t: null }]);
    }
  });

  // Tried on a real pg_dump 15.18 dump (pagila's schema with 150,000 generated actors, 12 MB, 68 COPY
  // blocks): applied identically to psql -1 -f. What pg_dump writes for values with tabs, newlines
  // and backslashes, kept here: text-format escapes pass to COPY untouched, and a one-column row
  // whose value is `\.` (written `\\.`) does not end the data.
  test("pg_dump's text-format escapes pass through untouched; a row whose value is \\. does not end the data", async () => {
    const db = await createDatabase('large_data_escapes', created);
    const escaped = (i: number) => `${i}\tLast "q" tab\\t${i}\\\\ back é\tline one\\nline two\n`;
    const big = rows(CHUNKED_FILE_BYTES + 100_000, 1, escaped);
    const sql = [
      '\\restrict Zz9',
      'CREATE TABLE people (id int PRIMARY KEY, last_name text, note text);',
      'CREATE TABLE marks (mark text);',
      'COPY public.people (id, last_name, note) FROM stdin;',
      big.text + '\\.',
      'COPY public.marks (mark) FROM stdin;',
      '\\\\.',
      'a',
      '\\.',
      '\\unrestrict Zz9',
      '',
    ].join('\n');
    const cwd = workspace({ 'migrations/1_dump.sql': sql });
    expect(await readChunked(join(cwd, 'migrations/1_dump.sql'))).toBeDefined();
    const result = await migrate(settings(db.url, cwd, { analyze: true }), new MemoryLog());
    expect(result.error).toBeUndefined();
    const stored = await query<{ n: number; name: string; note: string; marks: string[] }>(
      db.url,
      'SELECT count(*)::int AS n, (SELECT last_name FROM people WHERE id = 7) AS name, (SELECT note FROM people WHERE id = 7) AS note, (SELECT array_agg(mark ORDER BY mark) FROM marks) AS marks FROM people',
    );
    expect(stored).toEqual([{ n: big.count, name: 'Last "q" tab\t7\\ back é', note: 'line one\nline two', marks: ['\\.', 'a'] }]);
  });

  test('a large file without COPY data is read whole, as before (its SQL is what the parser needs)', async () => {
    const inserts = ['CREATE TABLE plain (id int PRIMARY KEY, body text);\n'];
    for (let i = 1, size = 0; size < CHUNKED_FILE_BYTES + 1000; i++)
      size += inserts[inserts.push(`INSERT INTO plain VALUES (${i}, 'row ${i}; not \\. a terminator');\n`) - 1]!.length;
    const sql = inserts.join('');
    const cwd = workspace({ 'migrations/1_plain.sql': sql });
    const path = join(cwd, 'migrations/1_plain.sql');
    expect(await readChunked(path)).toBeUndefined();
    const set = await readMigrations('migrations', cwd);
    expect(set.files[0]!.sql).toBe(sql);
    expect(set.files[0]!.checksum).toBe(sha256(readFileSync(path)));
  });
});

describe('memory', () => {
  let probe: string;
  beforeAll(async () => {
    probe = join(ROOT, 'node_modules', '.cache', 'preview-db-tests', 'migrate-probe.mjs');
    await build({
      absWorkingDir: ROOT,
      entryPoints: ['__tests__/support/migrate-probe.ts'],
      outfile: probe,
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      logLevel: 'warning',
    });
  });

  /** A pg_dump-style data file of about `megabytes` MB of rows, written in pieces (the test's own memory stays small too). */
  function dataFile(cwd: string, megabytes: number): number {
    mkdirSync(join(cwd, 'migrations'));
    const fd = openSync(join(cwd, 'migrations/20240101000000_bulk.sql'), 'w');
    writeSync(fd, 'CREATE TABLE bulk (id bigint PRIMARY KEY, account text NOT NULL, payload text);\n\nCOPY bulk (id, account, payload) FROM stdin;\n');
    let written = 0;
    let count = 0;
    while (written < megabytes << 20) {
      const piece = rows(1 << 20, count + 1, (i) => `${i}\tacct-${i % 9973}\t{"n": ${i}, "note": "generated row with a little text"}\n`);
      writeSync(fd, piece.text);
      written += Buffer.byteLength(piece.text);
      count += piece.count;
    }
    writeSync(fd, '\\.\n\nCREATE INDEX bulk_account_idx ON bulk (account);\n');
    closeSync(fd);
    return count;
  }

  test("memory does not grow with the data file: 16 MB and 48 MB peak alike, with the action defaults on the actions' Node", async () => {
    const peaks: number[] = [];
    for (const megabytes of [16, 48]) {
      const db = await createDatabase('large_data_heap', created);
      const cwd = workspace({});
      const count = dataFile(cwd, megabytes);
      // A 24 MB JavaScript heap, smaller than the larger file.
      const run = spawnSync(NODE24, ['--max-old-space-size=24', probe, db.url, cwd, 'migrations'], { encoding: 'utf8', timeout: 120_000 });
      expect({ status: run.status, stderr: run.stderr.slice(-400) }).toEqual({ status: 0, stderr: '' });
      const report = JSON.parse(run.stdout.trim()) as { ok: boolean; applied: number; peakMb: number };
      expect(report).toMatchObject({ ok: true, applied: 1 });
      expect(await query(db.url, 'SELECT count(*)::int AS n FROM bulk')).toEqual([{ n: count }]);
      peaks.push(report.peakMb);
    }
    // The whole process, WebAssembly and buffers included: about 80 MB either way, +8 MB for the
    // larger file (measured); reading the file whole, as before, took +52 MB (119 MB, then 171 MB).
    expect(peaks[1]! - peaks[0]!).toBeLessThan(24);
    expect(Math.max(...peaks)).toBeLessThan(300);
  }, 240_000);
});
