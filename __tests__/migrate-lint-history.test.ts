// The linter on real histories: statements that look alike but are not (RENAME VALUE is not
// ADD VALUE), facts carried from earlier files to later ones, and names as the author wrote them.
import { lintMigrations } from '../src/migrate/lint/index.js';
import type { LintFinding, LintOptions } from '../src/migrate/lint/index.js';

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
    ['a column added with a volatile default', 'ALTER TABLE "User" ADD COLUMN "apiKey" uuid DEFAULT gen_random_uuid();', 'adding-field-with-default', 'public."User"."apiKey"'],
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
    const findings = await lint('ALTER TABLE "User" DROP COLUMN "bio";\nDROP TABLE app.sessions;\nALTER TYPE mood ADD VALUE \'meh\';');
    expect(findings.map(({ rule, table }) => ({ rule, table }))).toEqual([
      { rule: 'ban-drop-column', table: 'public."User"' },
      { rule: 'ban-drop-table', table: 'app.sessions' },
      { rule: 'require-enum-value-ordering', table: undefined },
    ]);
  });
});
