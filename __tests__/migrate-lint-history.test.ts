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
