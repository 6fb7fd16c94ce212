// The linter on real histories: statements that look alike but are not (RENAME VALUE is not
// ADD VALUE), facts carried from earlier files to later ones, and names as the author wrote them.
import { RULES, RULE_ALIASES, SQUAWK_CHECKED_VERSION, lintMigrations, squawkName } from '../src/migrate/lint/index.js';
import type { LintFinding, LintOptions, RuleName } from '../src/migrate/lint/index.js';

type Files = string | Array<{ path: string; sql: string }>;

function asFiles(files: Files): Array<{ path: string; sql: string }> {
  return typeof files === 'string' ? [{ path: 'migrations/001_change.sql', sql: files }] : files;
}

async function lint(files: Files, options: Partial<LintOptions> = {}): Promise<LintFinding[]> {
  return lintMigrations(asFiles(files), { disabled: [], sessionLockTimeout: true, transactionModel: 'per-file', ...options });
}

async function rules(files: Files, options: Partial<LintOptions> = {}): Promise<string[]> {
  return (await lint(files, options)).map((finding) => finding.rule);
}

describe('ALTER TYPE ... RENAME VALUE', () => {
  test('is not an added value: require-enum-value-ordering does not apply', async () => {
    expect(await rules("ALTER TYPE status RENAME VALUE 'archived' TO 'retired';")).toEqual([]);
  });

  test('ADD VALUE without BEFORE/AFTER is still flagged, next to a RENAME VALUE', async () => {
    const findings = await lint("ALTER TYPE status RENAME VALUE 'archived' TO 'retired';\nALTER TYPE status ADD VALUE 'deleted';");
    expect(findings.map(({ rule, line }) => ({ rule, line }))).toEqual([{ rule: 'require-enum-value-ordering', line: 2 }]);
  });
});

describe('names in messages keep the case the migration wrote', () => {
  test.each([
    ['a quoted table', 'DROP TABLE "DocumentMeta";', 'ban-drop-table', 'public."DocumentMeta"'],
    ['a quoted schema and table', 'DELETE FROM "Billing"."Invoice";', 'ban-delete-without-where', '"Billing"."Invoice"'],
    ['a quoted column of a quoted table', 'ALTER TABLE "User" DROP COLUMN "lastSeenAt";', 'ban-drop-column', '"lastSeenAt" of public."User"'],
    [
      'a column added with a volatile default',
      'ALTER TABLE "User" ADD COLUMN "apiKey" uuid DEFAULT gen_random_uuid();',
      'adding-field-with-default',
      'public."User"."apiKey"',
    ],
    ['a quoted index', 'DROP INDEX "User_email_key";', 'require-concurrent-index-deletion', 'public."User_email_key"'],
    ['a renamed quoted table', 'ALTER TABLE "Post" RENAME TO "Article";', 'renaming-table', 'public."Post" to "Article"'],
    ['a table name with a quote in it', 'TRUNCATE "odd""name";', 'ban-truncate', 'public."odd""name"'],
  ])('%s', async (_name, sql, rule, shown) => {
    const finding = (await lint(sql)).find((item) => item.rule === rule);
    expect(finding?.message).toContain(shown);
    expect(finding?.message).not.toMatch(/documentmeta|invoice\b|lastseenat|user_email_key|\.post\b/);
  });

  test('unquoted names are shown as Postgres folds them, without quotes', async () => {
    const [finding] = await lint('DROP TABLE Sessions;');
    expect(finding?.message).toContain('public.sessions ');
    expect(finding?.message).not.toContain('"');
  });

  test('findings name the table they are about, as shown', async () => {
    const findings = await lint(
      'ALTER TABLE "User" DROP COLUMN "bio";\nDROP TABLE app.sessions;\nALTER TYPE mood ADD VALUE \'meh\';\nCREATE TABLE "Folder" (at timestamp);',
    );
    expect(findings.map(({ rule, table }) => ({ rule, table }))).toEqual([
      { rule: 'ban-drop-column', table: 'public."User"' },
      { rule: 'ban-drop-table', table: 'app.sessions' },
      { rule: 'require-enum-value-ordering', table: undefined },
      { rule: 'prefer-timestamptz', table: 'public."Folder"' },
    ]);
  });
});

describe('facts carried from earlier files of the same set', () => {
  const create = { path: 'm/001_create.sql', sql: 'CREATE TABLE "Doc" (id bigint, title text);\nCREATE INDEX "Doc_title_idx" ON "Doc" (title);' };

  test('an index renamed with ALTER INDEX ... RENAME is the same index afterwards', async () => {
    const files = [
      create,
      { path: 'm/002_rename.sql', sql: 'ALTER INDEX "Doc_title_idx" RENAME TO "Doc_title_key";' },
      { path: 'm/003_drop.sql', sql: 'DROP INDEX "Doc_title_key";' },
    ];
    expect(await rules(files, { sessionLockTimeout: false })).toEqual([]);
  });

  test('an index renamed on an existing table is still on an existing table', async () => {
    const files = [
      { path: 'm/001.sql', sql: 'ALTER INDEX users_email_idx RENAME TO users_email_key;' },
      { path: 'm/002.sql', sql: 'DROP INDEX users_email_key;' },
    ];
    expect(await rules(files)).toEqual(['require-concurrent-index-deletion']);
  });

  test('an index follows its table when the new table is renamed', async () => {
    const files = [create, { path: 'm/002.sql', sql: 'ALTER TABLE "Doc" RENAME TO "Document";\nDROP INDEX "Doc_title_idx";' }];
    expect(await rules(files, { sessionLockTimeout: false })).toEqual([]);
  });

  test('indexes made by PRIMARY KEY and UNIQUE constraints of a new table are known by their names', async () => {
    const files = [
      { path: 'm/001.sql', sql: 'CREATE TABLE tags (id bigint PRIMARY KEY, slug text UNIQUE, CONSTRAINT tags_name_uq UNIQUE (id, slug));' },
      { path: 'm/002.sql', sql: 'DROP INDEX tags_pkey;\nDROP INDEX tags_slug_key;\nDROP INDEX tags_name_uq;' },
    ];
    expect(await rules(files, { sessionLockTimeout: false })).toEqual([]);
  });

  test.each([
    ['REINDEX TABLE', 'REINDEX TABLE "Doc";'],
    ['REINDEX INDEX', 'REINDEX INDEX "Doc_title_idx";'],
    ['DROP INDEX', 'DROP INDEX "Doc_title_idx";'],
    ['an unnamed index, by the name Postgres gives it', 'CREATE INDEX ON "Doc" (id, title);\nDROP INDEX "Doc_id_title_idx";'],
  ])('%s on a table created earlier in the set takes no lock on an existing table', async (_name, sql) => {
    expect(await rules([create, { path: 'm/002.sql', sql }], { sessionLockTimeout: false })).toEqual([]);
  });

  test.each([
    ['REINDEX TABLE', 'REINDEX TABLE users;', ['require-concurrent-reindex', 'require-timeout-settings']],
    ['REINDEX INDEX', 'REINDEX INDEX users_email_idx;', ['require-concurrent-reindex', 'require-timeout-settings']],
    ['DROP INDEX', 'DROP INDEX users_email_idx;', ['require-concurrent-index-deletion', 'require-timeout-settings']],
  ])('%s on an existing table is still flagged', async (_name, sql, expected) => {
    expect(await rules([create, { path: 'm/002.sql', sql }], { sessionLockTimeout: false })).toEqual(expected);
  });

  test('DROP SCHEMA IF EXISTS of a schema that does not exist takes no lock and drops nothing', async () => {
    const sql = 'DROP SCHEMA IF EXISTS legacy CASCADE;';
    expect(await rules(sql, { sessionLockTimeout: false, existingSchemas: new Set(['public']) })).toEqual([]);
    // Dropped earlier in the set, so gone by now (even when the schemas before are unknown).
    const files = [
      { path: 'm/001.sql', sql: 'CREATE SCHEMA scratch;' },
      { path: 'm/002.sql', sql: 'DROP SCHEMA scratch;' },
      { path: 'm/003.sql', sql: 'DROP SCHEMA IF EXISTS scratch;' },
    ];
    expect(await rules(files, { sessionLockTimeout: false })).toEqual([]);
  });

  test('DROP SCHEMA IF EXISTS of a schema that exists, or may exist, is still flagged', async () => {
    const sql = 'DROP SCHEMA IF EXISTS legacy CASCADE;';
    expect(await rules(sql, { sessionLockTimeout: false, existingSchemas: new Set(['public', 'legacy']) })).toEqual([
      'ban-drop-schema',
      'require-timeout-settings',
    ]);
    expect(await rules(sql, { sessionLockTimeout: false })).toEqual(['ban-drop-schema', 'require-timeout-settings']);
    // A schema with a table in it exists, whatever the schema list says.
    expect(await rules(sql, { existingSchemas: new Set(['public']), existingTables: new Set(['legacy.orders']) })).toEqual(['ban-drop-schema']);
  });

  describe('a table filled in the set is not empty', () => {
    test.each([
      ['CREATE TABLE ... AS', 'CREATE TABLE users_copy AS SELECT * FROM users;'],
      ['SELECT ... INTO', 'SELECT * INTO users_copy FROM users;'],
      ['INSERT ... SELECT', 'CREATE TABLE users_copy (id bigint, email text);\nINSERT INTO users_copy SELECT id, email FROM users;'],
      [
        'INSERT ... SELECT through a CTE',
        'CREATE TABLE users_copy (id bigint, email text);\nINSERT INTO users_copy WITH src AS (SELECT id, email FROM users) SELECT * FROM src;',
      ],
    ])('%s: later index, drop and delete rules apply to it', async (_name, sql) => {
      const files = [
        { path: 'm/001.sql', sql },
        { path: 'm/002.sql', sql: 'CREATE INDEX users_copy_email ON users_copy (email);\nDELETE FROM users_copy;\nDROP TABLE users_copy;' },
      ];
      const found = (await lint(files)).filter((finding) => finding.file === 'm/002.sql').map((finding) => finding.rule);
      expect(found).toEqual(['require-concurrent-index-creation', 'ban-delete-without-where', 'ban-drop-table']);
    });

    test.each([
      ['CREATE TABLE ... AS ... WITH NO DATA', 'CREATE TABLE users_copy AS SELECT * FROM users WITH NO DATA;'],
      ['CREATE TABLE ... AS without a table to read', "CREATE TABLE users_copy AS SELECT 1::bigint AS id, 'x'::text AS email;"],
      ['INSERT ... VALUES', "CREATE TABLE users_copy (id bigint, email text);\nINSERT INTO users_copy VALUES (1, 'a@example.org');"],
      [
        'INSERT ... SELECT from another empty new table',
        'CREATE TABLE a (id bigint, email text);\nCREATE TABLE users_copy (id bigint, email text);\nINSERT INTO users_copy SELECT * FROM a;',
      ],
    ])('%s: still empty, the rules do not apply', async (_name, sql) => {
      const files = [
        { path: 'm/001.sql', sql },
        { path: 'm/002.sql', sql: 'CREATE INDEX users_copy_email ON users_copy (email);\nDELETE FROM users_copy;\nDROP TABLE users_copy;' },
      ];
      expect((await lint(files)).filter((finding) => finding.file === 'm/002.sql')).toEqual([]);
    });

    test('a filled table renamed in the set is not renaming-table (no code uses its name yet), and stays filled', async () => {
      const files = [
        { path: 'm/001.sql', sql: 'CREATE TABLE users_next AS SELECT * FROM users;\nALTER TABLE users_next RENAME TO accounts;' },
        { path: 'm/002.sql', sql: 'CREATE INDEX accounts_email ON accounts (email);' },
      ];
      expect((await lint(files)).map(({ file, rule }) => `${file} ${rule}`)).toEqual(['m/002.sql require-concurrent-index-creation']);
    });
  });
});

describe('rules marked as squawk rules', () => {
  // squawk 2.66.0's rule names, as its `--exclude` accepts them (checked by running squawk-cli 2.66.0
  // with each name), plus `unused-ignore`, which it reports but does not let you exclude.
  const SQUAWK_2_66 = new Set([
    'adding-field-with-default',
    'adding-foreign-key-constraint',
    'adding-not-nullable-field',
    'adding-required-field',
    'adding-serial-primary-key-field',
    'ban-alter-domain-with-add-constraint',
    'ban-char-field',
    'ban-concurrent-index-creation-in-transaction',
    'ban-create-domain-with-constraint',
    'ban-drop-column',
    'ban-drop-database',
    'ban-drop-not-null',
    'ban-drop-table',
    'ban-duplicate-column-assignments',
    'ban-truncate-cascade',
    'ban-uncommitted-transaction',
    'changing-column-type',
    'constraint-missing-not-valid',
    'disallowed-unique-constraint',
    'identifier-too-long',
    'prefer-bigint-over-int',
    'prefer-bigint-over-smallint',
    'prefer-identity',
    'prefer-repack',
    'prefer-robust-stmts',
    'prefer-text-field',
    'prefer-timestamp-tz',
    'renaming-column',
    'renaming-table',
    'require-concurrent-index-creation',
    'require-concurrent-index-deletion',
    'require-concurrent-partition-detach',
    'require-concurrent-reindex',
    'require-enum-value-ordering',
    'require-lock-timeout',
    'require-statement-timeout',
    'require-table-schema',
    'require-timeout-settings',
    'transaction-nesting',
    'unused-ignore',
  ]);

  test.each(Object.entries(RULES))('%s: marked as squawk has it', (name, info) => {
    expect({ name, inSquawk: SQUAWK_2_66.has(squawkName(name as RuleName) ?? name) }).toEqual({ name, inSquawk: info.squawk });
  });

  test('squawk has no ban-drop-schema, ban-truncate or *-without-where rules: they are ours', () => {
    for (const name of ['ban-drop-schema', 'ban-truncate', 'ban-delete-without-where', 'ban-update-without-where'] as const) {
      expect(RULES[name].squawk).toBe(false);
      expect(squawkName(name)).toBeUndefined();
    }
  });

  test("squawk's own spelling is given where it differs, and is accepted as an alias", () => {
    expect(squawkName('prefer-timestamptz')).toBe('prefer-timestamp-tz');
    expect(squawkName('ban-drop-table')).toBe('ban-drop-table');
    expect(RULE_ALIASES['prefer-timestamp-tz']).toBe('prefer-timestamptz');
    expect(SQUAWK_CHECKED_VERSION).toBe('2.66.0');
  });
});

describe('where a statement starts, after the comments before it', () => {
  /** 1-based line and column of the first occurrence of `needle`. */
  function locate(text: string, needle: string): { line: number; column: number } {
    const index = text.indexOf(needle);
    const before = text.slice(0, index);
    return { line: before.split('\n').length, column: index - before.lastIndexOf('\n') };
  }

  test.each([
    ['a line comment', 'SELECT 1;\n-- CreateTable\nDROP TABLE users;'],
    ['a nested C comment with -- and ; inside', 'SELECT 1;\n/* outer /* inner; -- not a line comment */ still; */\nDROP TABLE users;'],
    ['/* inside a line comment', 'SELECT 1;\n-- a /* that opens nothing\nDROP TABLE users;'],
    ['CRLF line ends', 'SELECT 1;\r\n-- why\r\n\r\nDROP TABLE users;'],
    ['a comment longer than 4 KB', `SELECT 1;\n/* ${'long remark '.repeat(400)} */\n-- ${'x'.repeat(3000)}\nDROP TABLE users;`],
    ['multi-byte text in the comments', 'SELECT 1;\n-- Zürich — café ☕\n/* 日本語 */ DROP TABLE users;'],
    ['a Prisma header block', 'SELECT 1;\n/*\n  Warnings:\n\n  - You are about to drop the `users` table.\n\n*/\n-- DropTable\nDROP TABLE users;'],
    ['the first statement of the file', '-- only a comment first\n\n  DROP TABLE users;'],
  ])('%s', async (_name, sql) => {
    const findings = (await lint(sql)).filter((finding) => finding.rule === 'ban-drop-table');
    expect(findings.map(({ line, column }) => ({ line, column }))).toEqual([locate(sql.replace(/\r\n/g, '\n'), 'DROP TABLE')]);
  });
});

describe('comments that steer the linter are found however they are written', () => {
  test.each([
    ['upper case', '-- SQUAWK-IGNORE ban-drop-column\nALTER TABLE users DROP COLUMN email;', []],
    [
      'a C comment in the middle of a long file',
      `${'SELECT 1;\n'.repeat(200)}/* Preview-DB: ignore ban-drop-column */ ALTER TABLE users DROP COLUMN email;`,
      [],
    ],
    ['the marker in upper case', '-- PREVIEW-DB: NO-TRANSACTION\nCREATE INDEX CONCURRENTLY users_a ON users (a);', []],
    ['no steering comment: findings stay', '-- drop it\nALTER TABLE users DROP COLUMN email; -- squawk would warn\n', ['ban-drop-column']],
  ])('%s', async (_name, sql, expected) => {
    expect(await rules(sql)).toEqual(expected);
  });
});

describe('other objects made earlier in the set', () => {
  test.each([
    ['an enum type', "CREATE TYPE \"InviteStatus\" AS ENUM ('PENDING', 'ACCEPTED');", 'DROP TYPE "InviteStatus";'],
    ['a domain', 'CREATE DOMAIN email AS text;', 'DROP DOMAIN email;'],
    ['a sequence', 'CREATE SEQUENCE invoice_numbers;', 'DROP SEQUENCE invoice_numbers;'],
    [
      'the sequence of a serial column',
      'CREATE TABLE "Webhook" (id SERIAL NOT NULL, CONSTRAINT "Webhook_pkey" PRIMARY KEY (id));',
      'DROP SEQUENCE "Webhook_id_seq";',
    ],
    ['a view', 'CREATE VIEW active_users AS SELECT 1 AS id;', 'DROP VIEW active_users;'],
  ])('dropping %s made earlier takes no lock on anything that existed', async (_name, create, drop) => {
    const files = [
      { path: 'm/001.sql', sql: create },
      { path: 'm/002.sql', sql: drop },
    ];
    expect((await lint(files, { sessionLockTimeout: false })).filter((finding) => finding.rule === 'require-timeout-settings')).toEqual([]);
  });

  test.each([
    ['a type', 'DROP TYPE "InviteStatus";'],
    ['a sequence', 'DROP SEQUENCE "Webhook_id_seq";'],
    ['a view', 'DROP VIEW active_users;'],
  ])('dropping %s that existed before still needs a lock timeout', async (_name, drop) => {
    expect((await lint(drop, { sessionLockTimeout: false })).map((finding) => finding.rule)).toEqual(['require-timeout-settings']);
  });
});
