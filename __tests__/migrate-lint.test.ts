// The migration linter: every rule with a positive case (finding at the right place) and a
// negative case (the safe pattern), then ignore comments, waivers, options and parsing.
import { InputError } from '../src/shared/errors.js';
import { SqlSyntaxError, splitStatements } from '../src/migrate/sql.js';
import { KNOWN_RULES, RULES, cannotRunInTransaction, lintMigrations, prWaivers, statementsNeedingNoTransaction } from '../src/migrate/lint/index.js';
import type { LintFinding, LintOptions } from '../src/migrate/lint/index.js';

type Files = string | Array<{ path: string; sql: string }>;

const NO_TX = '-- preview-db: no-transaction\n';

function asFiles(files: Files): Array<{ path: string; sql: string }> {
  return typeof files === 'string' ? [{ path: 'migrations/001_change.sql', sql: files }] : files;
}

async function lint(files: Files, options: Partial<LintOptions> = {}): Promise<LintFinding[]> {
  return lintMigrations(asFiles(files), { disabled: [], sessionLockTimeout: true, transactionModel: 'per-file', ...options });
}

/** 1-based line and column of the first occurrence of `needle` in `text`. */
function locate(text: string, needle: string): { line: number; column: number } {
  const index = text.indexOf(needle);
  if (index < 0) throw new Error(`test setup: '${needle}' is not in the SQL`);
  const before = text.slice(0, index);
  return { line: before.split('\n').length, column: index - before.lastIndexOf('\n') };
}

interface RuleCase {
  rule: string;
  /** SQL (or files) that must produce the finding. */
  bad: Files;
  /** Where the finding points: the first occurrence of this text in the file the finding is in. */
  at: string;
  /** The file the finding is in, when `bad` has several. */
  file?: string;
  /** The safe pattern: must not produce this rule's finding. */
  good: Files;
  options?: Partial<LintOptions>;
  /** Options for the safe pattern, when they differ. */
  goodOptions?: Partial<LintOptions>;
}

const CASES: RuleCase[] = [
  { rule: 'ban-drop-table', bad: '-- retire\nDROP TABLE users;', at: 'DROP TABLE', good: 'CREATE TABLE scratch (id bigint);\nDROP TABLE scratch;' },
  {
    rule: 'ban-drop-column',
    bad: 'ALTER TABLE users DROP COLUMN email;',
    at: 'ALTER',
    good: 'CREATE TABLE drafts (id bigint, body text);\nALTER TABLE drafts DROP COLUMN body;',
  },
  { rule: 'ban-drop-schema', bad: 'SELECT 1;\nDROP SCHEMA legacy CASCADE;', at: 'DROP', good: 'CREATE SCHEMA scratch;\nDROP SCHEMA scratch;' },
  {
    rule: 'ban-drop-database',
    bad: 'DROP DATABASE old_reports;',
    at: 'DROP',
    good: "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$ SELECT 'DROP DATABASE old_reports' $$;",
  },
  { rule: 'ban-truncate', bad: 'TRUNCATE events;', at: 'TRUNCATE', good: "DELETE FROM events WHERE created_at < now() - interval '90 days';" },
  { rule: 'ban-truncate-cascade', bad: 'TRUNCATE events CASCADE;', at: 'TRUNCATE', good: 'TRUNCATE events, event_details;' },
  { rule: 'ban-delete-without-where', bad: '\n\n  DELETE FROM sessions;', at: 'DELETE', good: 'DELETE FROM sessions WHERE expires_at < now();' },
  { rule: 'ban-update-without-where', bad: "UPDATE users SET name = '';", at: 'UPDATE', good: "UPDATE users SET name = '' WHERE id = 1;" },
  {
    rule: 'require-concurrent-index-creation',
    bad: 'CREATE INDEX users_email ON users (email);',
    at: 'CREATE',
    good: `${NO_TX}CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email ON users (email);`,
  },
  { rule: 'require-concurrent-index-deletion', bad: 'DROP INDEX users_email;', at: 'DROP', good: `${NO_TX}DROP INDEX CONCURRENTLY IF EXISTS users_email;` },
  { rule: 'require-concurrent-reindex', bad: 'REINDEX INDEX users_email;', at: 'REINDEX', good: `${NO_TX}REINDEX INDEX CONCURRENTLY users_email;` },
  {
    rule: 'require-concurrent-partition-detach',
    bad: 'ALTER TABLE events DETACH PARTITION events_2020;',
    at: 'ALTER',
    good: `${NO_TX}ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;`,
  },
  {
    rule: 'ban-concurrent-index-creation-in-transaction',
    bad: 'SET lock_timeout = 0;\nCREATE INDEX CONCURRENTLY users_email ON users (email);',
    at: 'CREATE',
    good: `${NO_TX}CREATE INDEX CONCURRENTLY users_email ON users (email);`,
  },
  {
    rule: 'constraint-missing-not-valid',
    bad: 'ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total >= 0);',
    at: 'CONSTRAINT total_positive',
    good: [
      { path: 'm/001.sql', sql: 'ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total >= 0) NOT VALID;' },
      { path: 'm/002.sql', sql: 'ALTER TABLE orders VALIDATE CONSTRAINT total_positive;' },
    ],
  },
  {
    rule: 'adding-foreign-key-constraint',
    bad: 'ALTER TABLE orders\n  ADD CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES users (id);',
    at: 'CONSTRAINT orders_user',
    good: 'ALTER TABLE orders ADD CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;',
  },
  {
    rule: 'disallowed-unique-constraint',
    bad: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);',
    at: 'CONSTRAINT users_email_key',
    good: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;',
  },
  {
    rule: 'adding-serial-primary-key-field',
    bad: 'ALTER TABLE items ADD PRIMARY KEY (id);',
    at: 'PRIMARY',
    good: 'ALTER TABLE items ADD CONSTRAINT items_pkey PRIMARY KEY USING INDEX items_id_idx;',
  },
  {
    rule: 'adding-required-field',
    bad: 'ALTER TABLE users ADD COLUMN plan text NOT NULL;',
    at: 'plan',
    good: "ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';",
  },
  {
    rule: 'adding-not-nullable-field',
    bad: 'ALTER TABLE users ALTER COLUMN plan SET NOT NULL;',
    at: 'ALTER',
    good: [
      { path: 'm/001.sql', sql: 'ALTER TABLE users ADD CONSTRAINT plan_not_null CHECK (plan IS NOT NULL) NOT VALID;' },
      { path: 'm/002.sql', sql: 'ALTER TABLE users VALIDATE CONSTRAINT plan_not_null;\nALTER TABLE users ALTER COLUMN plan SET NOT NULL;' },
    ],
  },
  {
    rule: 'adding-field-with-default',
    bad: 'ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();',
    at: 'DEFAULT',
    good: "ALTER TABLE users ADD COLUMN created_at timestamptz DEFAULT now(), ADD COLUMN flags jsonb DEFAULT '{}'::jsonb;",
  },
  {
    rule: 'changing-column-type',
    bad: 'ALTER TABLE users ALTER COLUMN id TYPE bigint;',
    at: 'bigint',
    good: 'CREATE TABLE t (id int8);\nALTER TABLE t ALTER COLUMN id TYPE numeric;',
  },
  { rule: 'renaming-column', bad: 'ALTER TABLE users RENAME COLUMN name TO full_name;', at: 'ALTER', good: 'ALTER TABLE users ADD COLUMN full_name text;' },
  {
    rule: 'renaming-table',
    bad: 'ALTER TABLE users RENAME TO accounts;',
    at: 'ALTER',
    good: 'CREATE TABLE staging (id bigint);\nALTER TABLE staging RENAME TO imports;',
  },
  {
    rule: 'ban-drop-not-null',
    bad: 'ALTER TABLE users ALTER COLUMN email DROP NOT NULL;',
    at: 'ALTER',
    good: 'CREATE TABLE t (email text NOT NULL);\nALTER TABLE t ALTER COLUMN email DROP NOT NULL;',
  },
  { rule: 'ban-create-domain-with-constraint', bad: 'CREATE DOMAIN positive AS bigint CHECK (VALUE > 0);', at: 'CREATE', good: 'CREATE DOMAIN label AS text;' },
  {
    rule: 'ban-alter-domain-with-add-constraint',
    bad: 'ALTER DOMAIN label ADD CONSTRAINT short CHECK (length(VALUE) < 100);',
    at: 'ALTER',
    good: "ALTER DOMAIN label SET DEFAULT '';",
  },
  { rule: 'prefer-repack', bad: `${NO_TX}VACUUM FULL events;`, at: 'VACUUM', good: `${NO_TX}VACUUM (ANALYZE) events;` },
  {
    rule: 'require-timeout-settings',
    bad: 'CREATE TABLE notes (id bigint);\nALTER TABLE users ADD COLUMN note text;\nALTER TABLE users ADD COLUMN note2 text;',
    at: 'ALTER',
    good: "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN note text;",
    options: { sessionLockTimeout: false },
  },
  {
    // The same file is fine for a tool that does not wrap files in a transaction.
    rule: 'transaction-nesting',
    bad: 'BEGIN;\nALTER TABLE users ADD COLUMN note text;\nCOMMIT;',
    at: 'BEGIN',
    good: 'BEGIN;\nALTER TABLE users ADD COLUMN note text;\nCOMMIT;',
    goodOptions: { transactionModel: 'none' },
  },
  {
    rule: 'ban-uncommitted-transaction',
    bad: 'BEGIN;\nALTER TABLE users ADD COLUMN note text;',
    at: 'BEGIN',
    good: 'BEGIN;\nALTER TABLE users ADD COLUMN note text;\nCOMMIT;',
    options: { transactionModel: 'none' },
  },
  {
    rule: 'prefer-robust-stmts',
    bad: `${NO_TX}ALTER TABLE users ADD COLUMN note text;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS users_note ON users (note);`,
    at: 'ALTER',
    good: `${NO_TX}ALTER TABLE users ADD COLUMN IF NOT EXISTS note text;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS users_note ON users (note);`,
  },
  {
    rule: 'require-enum-value-ordering',
    bad: "ALTER TYPE status ADD VALUE 'archived';",
    at: 'ALTER',
    good: "ALTER TYPE status ADD VALUE 'archived' BEFORE 'deleted';",
  },
  { rule: 'ban-char-field', bad: 'CREATE TABLE codes (code char(2));', at: 'char', good: 'CREATE TABLE codes (code text);' },
  { rule: 'prefer-text-field', bad: 'CREATE TABLE people (name varchar(50));', at: 'varchar', good: 'CREATE TABLE people (name text, nick varchar);' },
  { rule: 'prefer-timestamptz', bad: 'ALTER TABLE users ADD COLUMN seen timestamp;', at: 'timestamp', good: 'ALTER TABLE users ADD COLUMN seen timestamptz;' },
  { rule: 'prefer-bigint-over-int', bad: 'CREATE TABLE t (n integer);', at: 'integer', good: 'CREATE TABLE t (n bigint);' },
  { rule: 'prefer-bigint-over-smallint', bad: 'CREATE TABLE t (n smallint);', at: 'smallint', good: 'CREATE TABLE t (n bigint);' },
  {
    rule: 'unused-ignore',
    bad: 'SELECT 1;\n-- squawk-ignore ban-drop-colum\nALTER TABLE users DROP COLUMN email;',
    at: '-- squawk',
    good: '-- squawk-ignore ban-drop-column\nALTER TABLE users DROP COLUMN email;',
  },
  {
    rule: 'prefer-identity',
    bad: 'CREATE TABLE t (id bigserial PRIMARY KEY);',
    at: 'bigserial',
    good: 'CREATE TABLE t (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY);',
  },
];

describe('every rule', () => {
  test('has a positive and a negative case below', () => {
    expect(CASES.map((item) => item.rule).sort()).toEqual([...KNOWN_RULES].sort());
  });

  test.each(CASES)('$rule: flags the unsafe statement at its position', async ({ rule, bad, at, file, options }) => {
    const files = asFiles(bad);
    const findings = (await lint(files, options)).filter((finding) => finding.rule === rule);
    const target = files.find((item) => item.path === (file ?? files[files.length - 1]!.path))!;
    expect(findings.length).toBeGreaterThanOrEqual(1);
    const info = RULES[rule as keyof typeof RULES];
    expect(findings[0]).toMatchObject({ rule, file: target.path, ...locate(target.sql, at), safer: info.safer });
    expect(findings[0]!.message.length).toBeGreaterThan(20);
    if (rule !== 'ban-update-without-where') expect(findings[0]).toMatchObject({ severity: info.severity, destructive: info.destructive });
  });

  test.each(CASES)('$rule: the safe pattern produces no finding', async ({ rule, good, options, goodOptions }) => {
    const findings = await lint(good, goodOptions ?? options);
    // No finding at all, except that a TRUNCATE without CASCADE is still a TRUNCATE.
    const expected = rule === 'ban-truncate-cascade' ? ['ban-truncate'] : [];
    expect(findings.map((finding) => finding.rule)).toEqual(expected);
  });
});

describe('safe patterns end to end', () => {
  const clean: Array<{ name: string; files: Files; options?: Partial<LintOptions> }> = [
    {
      name: 'NOT NULL via a validated check in a later migration',
      files: [
        { path: 'm/001.sql', sql: "SET lock_timeout = '2s';\nALTER TABLE users ADD CONSTRAINT plan_not_null CHECK (plan IS NOT NULL) NOT VALID;" },
        {
          path: 'm/002.sql',
          sql: "SET lock_timeout = '2s';\nALTER TABLE users VALIDATE CONSTRAINT plan_not_null;\nALTER TABLE users ALTER COLUMN plan SET NOT NULL;",
        },
      ],
    },
    {
      name: 'unique constraint from a concurrently built index',
      files: [
        { path: 'm/001.sql', sql: `${NO_TX}SET lock_timeout = '2s';\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);` },
        { path: 'm/002.sql', sql: "SET LOCAL lock_timeout = '2s';\nALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;" },
      ],
    },
    {
      name: 'a new table with its indexes and constraints',
      files:
        "SET lock_timeout = '2s';\nCREATE TABLE accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE, created timestamptz NOT NULL DEFAULT now());\nCREATE INDEX accounts_created ON accounts (created);\nALTER TABLE accounts ADD CONSTRAINT email_lower CHECK (email = lower(email)), ADD COLUMN plan text NOT NULL;\nINSERT INTO accounts (email, created, plan) VALUES ('a@example.org', now(), 'free');",
      options: { sessionLockTimeout: false },
    },
  ];
  test.each(clean)('$name produces no finding at all', async ({ files, options }) => {
    expect(await lint(files, { sessionLockTimeout: false, ...options })).toEqual([]);
  });
});

describe('rule details', () => {
  test('an UPDATE without WHERE that only backfills columns added in this set is a non-destructive warning', async () => {
    const files = [
      { path: 'm/001.sql', sql: 'ALTER TABLE users ADD COLUMN score bigint;' },
      { path: 'm/002.sql', sql: 'UPDATE users SET score = 0;\nUPDATE users SET score = 0, name = lower(name);' },
    ];
    const findings = (await lint(files)).filter((finding) => finding.rule === 'ban-update-without-where');
    expect(findings.map(({ line, severity, destructive }) => ({ line, severity, destructive }))).toEqual([
      { line: 1, severity: 'warning', destructive: false },
      { line: 2, severity: 'error', destructive: true },
    ]);
  });

  test('NOT VALID and VALIDATE in the same transaction is flagged at the VALIDATE', async () => {
    const sql = 'ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total >= 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT total_positive;';
    const findings = await lint(sql);
    expect(findings.map(({ rule, line }) => ({ rule, line }))).toEqual([{ rule: 'constraint-missing-not-valid', line: 2 }]);
    // Run without a transaction, each statement commits on its own: the lock is released in between.
    const autocommit = await lint(sql, { transactionModel: 'none' });
    expect(autocommit.filter((finding) => finding.rule === 'constraint-missing-not-valid')).toEqual([]);
  });

  test('a check validated in the same file satisfies SET NOT NULL, and an unnamed check is found by its default name', async () => {
    const sql =
      'ALTER TABLE users ADD CHECK (plan IS NOT NULL) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT users_plan_check;\nALTER TABLE users ALTER COLUMN plan SET NOT NULL;';
    const rules = (await lint(sql)).map((finding) => finding.rule);
    expect(rules).not.toContain('adding-not-nullable-field');
    expect(rules).toContain('constraint-missing-not-valid');
  });

  test("Postgres 18's NOT NULL constraint: NOT VALID then VALIDATE is the safe path; without NOT VALID it scans", async () => {
    const files = [
      { path: 'm/001.sql', sql: 'ALTER TABLE users ADD CONSTRAINT plan_nn NOT NULL plan NOT VALID;' },
      { path: 'm/002.sql', sql: 'ALTER TABLE users VALIDATE CONSTRAINT plan_nn;\nALTER TABLE users ALTER COLUMN plan SET NOT NULL;' },
    ];
    expect(await lint(files)).toEqual([]);
    const sql = 'ALTER TABLE users ADD CONSTRAINT plan_nn NOT NULL plan;';
    expect(await lint(sql)).toEqual([expect.objectContaining({ rule: 'adding-not-nullable-field', ...locate(sql, 'CONSTRAINT') })]);
  });

  test('an unnamed foreign key validated in the same transaction is found by its default name', async () => {
    const sql = 'ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_id_fkey;';
    const findings = await lint(sql);
    expect(findings).toEqual([
      expect.objectContaining({ rule: 'constraint-missing-not-valid', line: 2, message: expect.stringContaining('SHARE ROW EXCLUSIVE') }),
    ]);
  });

  test('a check on another column, or one not yet validated, does not satisfy SET NOT NULL', async () => {
    for (const sql of [
      'ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT c;\nALTER TABLE users ALTER COLUMN plan SET NOT NULL;',
      'ALTER TABLE users ADD CONSTRAINT c CHECK (plan IS NOT NULL) NOT VALID;\nALTER TABLE users ALTER COLUMN plan SET NOT NULL;',
    ]) {
      expect((await lint(sql)).map((finding) => finding.rule)).toContain('adding-not-nullable-field');
    }
  });

  test('adding-field-with-default: constants, casts and stable functions pass; volatile, unknown and stored generated defaults do not', async () => {
    const ok =
      "ALTER TABLE t ADD COLUMN a int DEFAULT 1, ADD COLUMN b text DEFAULT 'x', ADD COLUMN c jsonb DEFAULT '{}'::jsonb, ADD COLUMN d timestamptz DEFAULT CURRENT_TIMESTAMP, ADD COLUMN e int GENERATED ALWAYS AS (a + 1) VIRTUAL;";
    expect((await lint(ok)).filter((finding) => finding.rule === 'adding-field-with-default')).toEqual([]);
    const bad =
      'ALTER TABLE t ADD COLUMN a float8 DEFAULT random(), ADD COLUMN b int DEFAULT my_func(), ADD COLUMN c int GENERATED ALWAYS AS (a + 1) STORED, ADD COLUMN d bigint GENERATED BY DEFAULT AS IDENTITY;';
    const findings = (await lint(bad)).filter((finding) => finding.rule === 'adding-field-with-default');
    expect(findings.map((finding) => finding.column)).toEqual([
      locate(bad, 'DEFAULT random').column,
      locate(bad, 'DEFAULT my_func').column,
      locate(bad, 'GENERATED ALWAYS').column,
      locate(bad, 'GENERATED BY').column,
    ]);
  });

  test('an inline REFERENCES, UNIQUE or PRIMARY KEY on a column added to an existing table is flagged', async () => {
    const sql = 'ALTER TABLE orders ADD COLUMN user_id bigint REFERENCES users (id), ADD COLUMN code text UNIQUE, ADD COLUMN k bigint PRIMARY KEY;';
    const rules = (await lint(sql)).map((finding) => finding.rule);
    expect(rules).toEqual(expect.arrayContaining(['adding-foreign-key-constraint', 'disallowed-unique-constraint', 'adding-serial-primary-key-field']));
  });

  test('DROP INDEX of an index created in this set on a new table is fine; on an existing table it is not', async () => {
    expect(await lint('CREATE TABLE t (a bigint);\nCREATE INDEX t_a ON t (a);\nDROP INDEX t_a;')).toEqual([]);
    const findings = await lint('CREATE INDEX CONCURRENTLY users_a ON users (a);\nDROP INDEX users_a;', { transactionModel: 'none' });
    expect(findings.map((finding) => finding.rule)).toContain('require-concurrent-index-deletion');
  });
});

describe('lock_timeout', () => {
  const lockRule = async (files: Files, options: Partial<LintOptions> = {}) =>
    (await lint(files, { sessionLockTimeout: false, ...options })).filter((finding) => finding.rule === 'require-timeout-settings');

  test.each([
    ['SET before the first locking statement', "SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN a text;", 0],
    ['SET LOCAL inside the per-file transaction', "SET LOCAL lock_timeout TO '2s';\nALTER TABLE users ADD COLUMN a text;", 0],
    ['set_config', "SELECT set_config('lock_timeout', '2s', false);\nALTER TABLE users ADD COLUMN a text;", 0],
    ['SET after the locking statement', "ALTER TABLE users ADD COLUMN a text;\nSET lock_timeout = '2s';", 1],
    ['SET to 0 (disabled)', 'SET lock_timeout = 0;\nALTER TABLE users ADD COLUMN a text;', 1],
    ['RESET', "SET lock_timeout = '2s';\nRESET lock_timeout;\nALTER TABLE users ADD COLUMN a text;", 1],
    ['SET LOCAL in a file without a transaction has no effect', `${NO_TX}SET LOCAL lock_timeout = '2s';\nALTER TABLE users ADD COLUMN a text;`, 1],
    ['only new tables are touched', 'CREATE TABLE t (a bigint);\nCREATE INDEX t_a ON t (a);\nALTER TABLE t ADD COLUMN b text;', 0],
    ['a new table referencing an existing one locks it', 'CREATE TABLE t (user_id bigint REFERENCES users (id));', 1],
  ])('%s', async (_name, sql, count) => {
    expect(await lockRule(sql)).toHaveLength(count);
  });

  test("the action's lock-timeout input satisfies it", async () => {
    expect(await lockRule('ALTER TABLE users ADD COLUMN a text;', { sessionLockTimeout: true })).toEqual([]);
  });

  test('is reported once per file, and each file must set it (per-file model) but not in the single-transaction model', async () => {
    const files = [
      { path: 'm/001.sql', sql: "SET LOCAL lock_timeout = '2s';\nALTER TABLE users ADD COLUMN a text;" },
      { path: 'm/002.sql', sql: 'ALTER TABLE users ADD COLUMN b text;\nALTER TABLE users ADD COLUMN c text;' },
    ];
    expect((await lockRule(files)).map(({ file, line }) => ({ file, line }))).toEqual([{ file: 'm/002.sql', line: 1 }]);
    expect(await lockRule(files, { transactionModel: 'single' })).toEqual([]);
  });
});

describe('transaction models', () => {
  const cic = 'CREATE INDEX CONCURRENTLY users_a ON users (a);';
  test.each([
    ['per-file without marker', cic, 'per-file', true],
    ['per-file with the no-transaction marker', `${NO_TX}${cic}`, 'per-file', false],
    ['single transaction, even with the marker', `${NO_TX}${cic}`, 'single', true],
    ['no transaction', cic, 'none', false],
    ['no transaction, inside an explicit BEGIN', `BEGIN;\n${cic}\nCOMMIT;`, 'none', true],
  ] as const)('CREATE INDEX CONCURRENTLY, %s', async (_name, sql, transactionModel, flagged) => {
    const rules = (await lint(sql, { transactionModel })).map((finding) => finding.rule);
    expect(rules.includes('ban-concurrent-index-creation-in-transaction')).toBe(flagged);
  });

  test.each([
    ["dbmate's transaction:false", '-- migrate:up transaction:false\n', 'per-file', false],
    ['squawk-disable-assume-in-transaction', '-- squawk-disable-assume-in-transaction\n', 'single', false],
    ['squawk-enable-assume-in-transaction', '-- squawk-enable-assume-in-transaction\n', 'none', true],
    ['the marker after the first statement does not count', 'SELECT 1;\n-- preview-db: no-transaction\n', 'per-file', true],
  ] as const)('transaction markers: %s', async (_name, header, transactionModel, flagged) => {
    const rules = (await lint(`${header}${cic}`, { transactionModel })).map((finding) => finding.rule);
    expect(rules.includes('ban-concurrent-index-creation-in-transaction')).toBe(flagged);
  });

  test('a COMMIT inside a file the runner wraps in a transaction is transaction-nesting', async () => {
    const findings = await lint('ALTER TABLE users ADD COLUMN a text;\nCOMMIT;');
    expect(findings.map(({ rule, line }) => ({ rule, line }))).toEqual([{ rule: 'transaction-nesting', line: 2 }]);
  });

  test('prefer-robust-stmts only applies to files that run without a transaction and have several statements', async () => {
    const sql = 'ALTER TABLE users ADD COLUMN a text;\nDROP INDEX CONCURRENTLY users_b;';
    expect((await lint(sql, { transactionModel: 'none' })).map((finding) => finding.rule)).toEqual(['prefer-robust-stmts', 'prefer-robust-stmts']);
    expect((await lint('ALTER TABLE users ADD COLUMN a text;', { transactionModel: 'none' })).map((finding) => finding.rule)).toEqual([]);
  });

  test('cannotRunInTransaction / statementsNeedingNoTransaction', async () => {
    const sql = [
      'CREATE INDEX CONCURRENTLY i ON t (a)',
      'CREATE INDEX i ON t (a)',
      'DROP INDEX CONCURRENTLY i',
      'REINDEX INDEX CONCURRENTLY i',
      'REINDEX INDEX i',
      'VACUUM t',
      'ANALYZE t',
      'CREATE DATABASE d',
      "ALTER SYSTEM SET work_mem = '64MB'",
      'ALTER TABLE t DETACH PARTITION p CONCURRENTLY',
      'ALTER TABLE t DETACH PARTITION p',
    ].join(';\n');
    const statements = await splitStatements(sql);
    expect(statements.map(cannotRunInTransaction)).toEqual([true, false, true, true, false, true, false, true, true, true, false]);
    expect(statementsNeedingNoTransaction(statements)).toHaveLength(7);
  });
});

describe('ignore comments (squawk syntax)', () => {
  const drop = 'ALTER TABLE users DROP COLUMN email;';
  test.each([
    ['squawk-ignore on the line before', `-- squawk-ignore ban-drop-column\n${drop}`, []],
    ['a list with spaces and commas', `-- squawk-ignore renaming-column, ban-drop-column,ban-drop-table\n${drop}`, []],
    ['a C-style comment', `/* squawk-ignore ban-drop-column */\n${drop}`, []],
    ['among other comments before the statement', `-- why: the column moved\n-- squawk-ignore ban-drop-column\n\n-- reviewed\n${drop}`, []],
    ['a remark after --', `-- squawk-ignore ban-drop-column -- moved to profiles\n${drop}`, []],
    ['the preview-db alias', `-- preview-db: ignore ban-drop-column\n${drop}`, []],
    ['another rule only', `-- squawk-ignore ban-drop-table\n${drop}`, ['ban-drop-column']],
    ['no rule names at statement level (ignores nothing, as squawk)', `-- squawk-ignore\n${drop}`, ['ban-drop-column']],
    ['for an earlier statement only', `-- squawk-ignore ban-drop-column\n${drop}\nALTER TABLE users DROP COLUMN phone;`, ['ban-drop-column']],
    ['squawk-ignore-file anywhere in the file', `${drop}\n-- squawk-ignore-file ban-drop-column\nALTER TABLE users DROP COLUMN phone;`, []],
    ['squawk-ignore-file without names ignores everything', `-- squawk-ignore-file\n${drop}\nDROP TABLE users;`, []],
    ['preview-db: ignore-file alias', `-- preview-db: ignore-file ban-drop-column\n${drop}`, []],
    ['text in a string is not a comment', `SELECT '-- squawk-ignore ban-drop-column';\n${drop}`, ['ban-drop-column']],
  ])('%s', async (_name, sql, expected) => {
    expect((await lint(sql)).map((finding) => finding.rule)).toEqual(expected);
  });

  test('an ignore comment inside a multi-line statement covers the line after it', async () => {
    const sql =
      'ALTER TABLE users\n  -- squawk-ignore adding-field-with-default\n  ADD COLUMN token uuid DEFAULT gen_random_uuid(),\n  ADD COLUMN other uuid DEFAULT gen_random_uuid();';
    const findings = await lint(sql);
    expect(findings.map(({ rule, line }) => ({ rule, line }))).toEqual([{ rule: 'adding-field-with-default', line: 4 }]);
  });

  test('ignore comments in one file do not affect another', async () => {
    const findings = await lint([
      { path: 'm/001.sql', sql: `-- squawk-ignore-file\n${drop}` },
      { path: 'm/002.sql', sql: drop },
    ]);
    expect(findings.map(({ file, rule }) => ({ file, rule }))).toEqual([{ file: 'm/002.sql', rule: 'ban-drop-column' }]);
  });
});

describe('pull request waivers, disabled rules', () => {
  const sql = 'ALTER TABLE users DROP COLUMN email;\nDROP TABLE sessions;\nALTER TABLE users RENAME COLUMN a TO b;';
  // The description only names rules (a finding is then shown as acknowledged); it waives nothing.
  test.each([
    ['preview-db: allow', 'Moves email to profiles.\n\npreview-db: allow ban-drop-column', ['ban-drop-column']],
    ['several names and a reason', '- preview-db: allow ban-drop-column, ban-drop-table because the data moved', ['ban-drop-column', 'ban-drop-table']],
    ['squawk-ignore in the description', 'squawk-ignore renaming-column', ['renaming-column']],
    ['names in backticks, in a list item', '* preview-db: allow `ban-drop-table`, `renaming-column`', ['ban-drop-table', 'renaming-column']],
    ['a misspelt name names nothing', 'preview-db: allow ban-drop-colum', []],
    ['an unrelated description', 'We drop nothing important.', []],
  ])('%s', async (_name, prBody, named) => {
    expect([...prWaivers(prBody).rules].sort()).toEqual(named);
    expect((await lint(sql)).map((finding) => finding.rule)).toEqual(['ban-drop-column', 'ban-drop-table', 'renaming-column']);
  });

  test('disabled rules are not reported; squawk aliases are accepted', async () => {
    expect((await lint(sql, { disabled: ['ban-drop-column', 'renaming-column'] })).map((finding) => finding.rule)).toEqual(['ban-drop-table']);
    expect(await lint('CREATE TABLE t (a timestamp);', { disabled: ['prefer-timestamp-tz'] })).toEqual([]);
  });

  test('an unknown rule name in disabled is an InputError naming the input and the known rules', async () => {
    const attempt = lint(sql, { disabled: ['ban-drop-colum'] });
    await expect(attempt).rejects.toBeInstanceOf(InputError);
    await expect(attempt).rejects.toMatchObject({ input: 'lint-disable', message: expect.stringContaining("'ban-drop-colum'") });
    await expect(attempt).rejects.toMatchObject({ message: expect.stringContaining('ban-drop-column') });
  });
});

describe('parsing', () => {
  test('statements inside function bodies and DO blocks are not linted, and their semicolons do not split', async () => {
    const sql = [
      'CREATE FUNCTION purge() RETURNS void LANGUAGE plpgsql AS $body$',
      'BEGIN',
      '  DROP TABLE users; TRUNCATE events; DELETE FROM sessions;',
      'END $body$;',
      "DO $$ BEGIN EXECUTE 'DROP TABLE users'; ALTER TABLE users DROP COLUMN x; END $$;",
      "COMMENT ON TABLE users IS 'DROP TABLE users;';",
      'ALTER TABLE users RENAME COLUMN a TO b;',
    ].join('\n');
    const findings = await lint(sql);
    expect(findings.map(({ rule, line, column }) => ({ rule, line, column }))).toEqual([{ rule: 'renaming-column', line: 7, column: 1 }]);
  });

  test('tables created earlier in the set are new: index and lock rules do not apply to them', async () => {
    const files = [
      { path: 'm/001_create.sql', sql: 'CREATE TABLE audit.log (id bigint GENERATED ALWAYS AS IDENTITY, at timestamptz);' },
      {
        path: 'm/002_index.sql',
        sql: 'CREATE INDEX log_at ON audit.log (at);\nALTER TABLE audit.log ADD CONSTRAINT at_set CHECK (at IS NOT NULL), ALTER COLUMN at SET NOT NULL;',
      },
    ];
    expect(await lint(files, { sessionLockTimeout: false })).toEqual([]);
    // The same index on a table that is not created here is flagged.
    expect((await lint(files.slice(1))).map((finding) => finding.rule)).toContain('require-concurrent-index-creation');
  });

  test('CREATE TABLE IF NOT EXISTS of a table that already exists does not make it new', async () => {
    const sql = 'CREATE TABLE IF NOT EXISTS users (id bigint);\nCREATE INDEX users_id ON users (id);';
    expect(await lint(sql, { existingTables: new Set(['public.users']) })).toEqual([
      expect.objectContaining({ rule: 'require-concurrent-index-creation', line: 2 }),
    ]);
    expect(await lint(sql, { existingTables: new Set(['public.orders']) })).toEqual([]);
  });

  test('with existingTables known, a table that was not there before holds no data: lock and drop rules do not apply', async () => {
    // e.g. created by a JavaScript migration the linter cannot read.
    const sql = 'CREATE INDEX jobs_state ON jobs (state);\nALTER TABLE jobs DROP COLUMN legacy;\nCREATE INDEX users_email ON users (email);';
    const findings = await lint(sql, { existingTables: new Set(['public.users']) });
    expect(findings.map(({ rule, line }) => ({ rule, line }))).toEqual([{ rule: 'require-concurrent-index-creation', line: 3 }]);
    // A table renamed in this set keeps its rows under the new name.
    const renamed = await lint('ALTER TABLE users RENAME TO accounts;\nCREATE INDEX accounts_email ON accounts (email);', {
      existingTables: new Set(['public.users']),
    });
    expect(renamed.map((finding) => finding.rule)).toEqual(['renaming-table', 'require-concurrent-index-creation']);
    // An unqualified name matches a table of that name in any schema (the search_path may point there).
    const other = await lint('CREATE INDEX jobs_state ON jobs (state);', { existingTables: new Set(['queue.jobs']) });
    expect(other.map((finding) => finding.rule)).toEqual(['require-concurrent-index-creation']);
  });

  test('schema-qualified names are told apart', async () => {
    const sql = 'CREATE TABLE app.users (id bigint);\nCREATE INDEX a ON app.users (id);\nCREATE INDEX b ON users (id);';
    expect((await lint(sql)).map(({ rule, line }) => ({ rule, line }))).toEqual([{ rule: 'require-concurrent-index-creation', line: 3 }]);
  });

  test('columns are counted in characters after multi-byte text', async () => {
    const sql = "COMMENT ON TABLE users IS 'Zürich — café';\nALTER TABLE users ADD COLUMN café_name text, ADD COLUMN seen timestamp;";
    const finding = (await lint(sql)).find((item) => item.rule === 'prefer-timestamptz');
    expect(finding).toMatchObject(locate(sql, 'timestamp;'));
  });

  test('a syntax error raises SqlSyntaxError with the file and line', async () => {
    const attempt = lint([{ path: 'migrations/007_broken.sql', sql: 'CREATE TABLE ok (id bigint);\n\nALTER TABLE users ADD COLUMN;\n' }]);
    await expect(attempt).rejects.toBeInstanceOf(SqlSyntaxError);
    await expect(attempt).rejects.toMatchObject({ line: 3, message: expect.stringContaining('migrations/007_broken.sql') });
  });

  test('empty and comment-only files have no findings', async () => {
    expect(
      await lint(
        [
          { path: 'm/001.sql', sql: '' },
          { path: 'm/002.sql', sql: '-- nothing yet\n/* later */\n' },
        ],
        { sessionLockTimeout: false },
      ),
    ).toEqual([]);
  });

  test('findings carry everything the report needs', async () => {
    const [finding] = await lint([{ path: 'db/0001_drop.sql', sql: '\n  DROP TABLE users;' }]);
    expect(finding).toEqual({
      rule: 'ban-drop-table',
      severity: 'error',
      file: 'db/0001_drop.sql',
      line: 2,
      column: 3,
      message: expect.stringContaining('public.users'),
      safer: RULES['ban-drop-table'].safer,
      destructive: true,
      table: 'public.users',
    });
  });
});
