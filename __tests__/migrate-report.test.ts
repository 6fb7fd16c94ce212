// The migrate report on a large history: the report file keeps every row; the step summary and
// the pull-request comment aggregate (per rule, per table, worst locks first) and stay under
// GitHub's limits (1 MiB per step summary, 65,536 characters per comment).
import { lintMigrations } from '../src/migrate/lint/index.js';
import { STEP_SUMMARY_CHARS, renderMigrateReport, renderMigrateSummary } from '../src/migrate/report.js';
import { MIGRATION_SECTION_CHARS, renderOpenComment } from '../src/lifecycle/comment.js';
import { composeStickyBody } from '../src/github/sticky-comment.js';
import { GITHUB_COMMENT_LIMIT } from '../src/shared/markdown.js';
import type { LockReportEntry, MigrateResult } from '../src/migrate/types.js';

type Result = Omit<MigrateResult, 'reportMarkdown'>;

const TABLES = 60;

/** A generated history of `count` migrations that touch existing tables the way real ones do. */
function history(count: number): Array<{ path: string; sql: string }> {
  return Array.from({ length: count }, (_, i) => {
    const table = i % 7 === 0 ? `"Account${i % TABLES}"` : `orders_${i % TABLES}`;
    const statements = [
      `ALTER TABLE ${table} ADD COLUMN note_${i} varchar(80), ADD COLUMN seen_${i} timestamp`,
      `CREATE INDEX ${table === `orders_${i % TABLES}` ? `orders_${i % TABLES}_note_${i}` : `"Account_note_${i}"`} ON ${table} (note_${i})`,
      `ALTER TABLE ${table} ALTER COLUMN amount_${i % 5} TYPE numeric(12, 2)`,
      `ALTER TABLE ${table} ADD CONSTRAINT positive_${i} CHECK (amount_${i % 5} >= 0)`,
      i % 3 === 0 ? `ALTER TABLE ${table} DROP COLUMN legacy_${i}` : `UPDATE ${table} SET note_${i} = 'x'`,
      i % 11 === 0 ? `DROP TABLE old_things_${i}` : `CREATE TABLE things_${i} (id serial PRIMARY KEY, at timestamp)`,
    ];
    return { path: `prisma/migrations/2024${String(i).padStart(6, '0')}_change_${i}/migration.sql`, sql: `${statements.join(';\n')};\n` };
  });
}

function locks(files: Array<{ path: string }>): LockReportEntry[] {
  return files.flatMap((file, i) => [
    {
      migration: file.path,
      file: file.path,
      line: 1,
      table: `public.orders_${i % TABLES}`,
      mode: 'AccessExclusiveLock',
      rows: 1000 * (i % 13),
      rowsEstimated: true,
      heldMs: (i * 37) % 900,
      overThreshold: false,
    },
    {
      migration: file.path,
      file: file.path,
      line: 2,
      table: `public.orders_${i % TABLES}`,
      mode: 'ShareLock',
      rows: 1000 * (i % 13),
      rowsEstimated: false,
      heldMs: (i * 53) % 700,
      overThreshold: false,
    },
  ]);
}

async function largeResult(): Promise<Result> {
  const files = history(400);
  const findings = await lintMigrations(files, { disabled: [], sessionLockTimeout: false, transactionModel: 'per-file' });
  const lockList = locks(files);
  // One lock far over the threshold, on a table late in the history.
  lockList[731] = { ...lockList[731]!, table: 'public."Ledger"', heldMs: 12_345, overThreshold: true };
  return {
    ok: true,
    problems: [],
    runner: 'builtin',
    dryRun: false,
    pending: files.length,
    pendingMigrations: files.map((file, i) => ({ version: String(i), name: `change_${i}`, file: file.path })),
    applied: files.map((file, i) => ({
      version: String(i),
      name: `change_${i}`,
      file: file.path,
      durationMs: 5 + ((i * 7919) % 400),
      statements: [],
      noTransaction: false,
    })),
    findings,
    locks: lockList,
    lockThresholdMs: 2000,
    measured: true,
    drifted: [],
    missing: [],
    failedInHistory: [],
    outOfOrder: [],
    seeded: [],
    warnings: [],
    durationMs: 90_000,
  };
}

function smallResult(): Result {
  return {
    ok: true,
    problems: [],
    runner: 'builtin',
    dryRun: false,
    pending: 1,
    pendingMigrations: [{ version: '1', name: 'drop', file: 'migrations/001_drop.sql' }],
    applied: [{ version: '1', name: 'drop', file: 'migrations/001_drop.sql', durationMs: 12, statements: [], noTransaction: false }],
    findings: [
      {
        rule: 'ban-drop-table',
        severity: 'error',
        file: 'migrations/001_drop.sql',
        line: 1,
        column: 1,
        message: 'DROP TABLE public.users deletes the table.',
        safer: 'Drop it later.',
        destructive: true,
        table: 'public.users',
      },
    ],
    locks: [
      {
        migration: '001',
        file: 'migrations/001_drop.sql',
        line: 1,
        table: 'public.users',
        mode: 'AccessExclusiveLock',
        rows: 10,
        rowsEstimated: false,
        heldMs: 3,
        overThreshold: false,
      },
    ],
    lockThresholdMs: 2000,
    measured: true,
    drifted: [],
    missing: [],
    failedInHistory: [],
    outOfOrder: [],
    seeded: [],
    warnings: [],
    durationMs: 100,
  };
}

let result: Result;
let full: string;
let summary: string;

beforeAll(async () => {
  result = await largeResult();
  full = renderMigrateReport(result);
  summary = renderMigrateSummary(result);
});

test('the generated history has thousands of findings, and its full report is far over the comment limit', () => {
  expect(result.findings.length).toBeGreaterThan(2000);
  expect(full.length).toBeGreaterThan(GITHUB_COMMENT_LIMIT * 4);
});

test('the full report (the report file) keeps every finding and every lock', () => {
  const findingRows = full.split('\n').filter((line) => /^\| (🛑 error|⚠️ warning|ℹ️ note) \|/.test(line));
  expect(findingRows).toHaveLength(result.findings.length);
  const lockRows = full.split('\n').filter((line) => /^\| `public\./.test(line) && / (ACCESS EXCLUSIVE|SHARE) \|/.test(line));
  expect(lockRows).toHaveLength(result.locks.length);
});

test('the step summary aggregates and stays under 1 MiB without being cut', () => {
  expect(Buffer.byteLength(summary)).toBeLessThan(1024 * 1024);
  expect(summary.length).toBeLessThanOrEqual(STEP_SUMMARY_CHARS);
  expect(summary).not.toContain('This text was shortened');
  expect(summary).toContain('full report');
  // Far shorter than one row per finding.
  expect(summary.split('\n').length).toBeLessThan(250);
});

test('findings per rule: every rule with its exact count, errors first', () => {
  const byRule = new Map<string, number>();
  for (const finding of result.findings) byRule.set(`${finding.severity} ${finding.rule}`, (byRule.get(`${finding.severity} ${finding.rule}`) ?? 0) + 1);
  const section = summary.slice(summary.indexOf('By rule:'), summary.indexOf('By table'));
  const rows = section.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| Severity') && !line.startsWith('| ---'));
  expect(rows).toHaveLength(byRule.size);
  for (const [key, count] of byRule) {
    const [severity, rule] = key.split(' ');
    expect(rows.some((row) => row.includes(`\`${rule}\` | ${count.toLocaleString('en-US')} |`) && row.includes(severity!))).toBe(true);
  }
  expect(rows[0]).toContain('error');
  expect(rows[rows.length - 1]).not.toContain('error');
});

test('findings per table: the table with the most errors first, names as the migrations wrote them', () => {
  const errors = new Map<string, number>();
  for (const finding of result.findings) if (finding.table && finding.severity === 'error') errors.set(finding.table, (errors.get(finding.table) ?? 0) + 1);
  const most = Math.max(...errors.values());
  const section = summary.slice(summary.indexOf('By table'), summary.indexOf('Errors:'));
  const firstRow = section.split('\n').find((line) => line.startsWith('| `'))!;
  expect(firstRow).toContain(`| ${most.toLocaleString('en-US')} |`);
  expect(section).toContain('public."Account');
});

test('locks: one row per table, the lock over the threshold first, then the strongest and longest', () => {
  const section = summary.slice(summary.indexOf('#### Locks measured'), summary.indexOf('#### Lint findings'));
  const rows = section.split('\n').filter((line) => line.startsWith('| `'));
  expect(rows[0]).toContain('public."Ledger"');
  expect(rows[0]).toContain('🛑 12.3');
  const tables = rows.map((row) => row.split('|')[1]!.trim());
  expect(new Set(tables).size).toBe(tables.length);
  expect(rows.length).toBeLessThanOrEqual(25);
  expect(section).toMatch(/and \d+ more tables/);
});

test('error findings are named one by one (the first ones), with how many more', () => {
  const errors = result.findings.filter((finding) => finding.severity === 'error');
  expect(summary).toContain(`\`${errors[0]!.rule}\` at \`${errors[0]!.file}:${errors[0]!.line}\``);
  expect(summary).toContain(`and ${(errors.length - 25).toLocaleString('en-US')} more errors`);
});

test("the pull-request comment fits GitHub's limit whole: nothing is cut, the footer stays", () => {
  const body = renderOpenComment(
    {
      preview: {
        provider: 'postgres',
        branchId: 'pr-42',
        branchName: 'preview/pr-42',
        created: true,
        outcome: 'created',
        databaseUrl: 'postgres://fake',
        databaseUrlDirect: 'postgres://fake',
        host: 'db.example.invalid',
        database: 'pr_42',
        role: 'pr_42',
        password: 'not-a-real-password',
      },
      migration: { ...result, reportMarkdown: full },
    },
    { sha: '0123456789abcdef' },
  );
  expect(body.length).toBeLessThan(GITHUB_COMMENT_LIMIT);
  expect(body).toContain('<sub>preview-db for `0123456`</sub>');
  expect(composeStickyBody('<!-- preview-db:preview -->', body).truncated).toBe(false);
  expect(renderMigrateSummary(result, MIGRATION_SECTION_CHARS).length).toBeLessThanOrEqual(MIGRATION_SECTION_CHARS);
});

test('a tight limit still yields a valid summary under it', () => {
  const tight = renderMigrateSummary(result, 5000);
  expect(tight.length).toBeLessThanOrEqual(5000);
  expect(tight).toContain('### Migrations');
});

test('a small run gets the full report unchanged', () => {
  const small = smallResult();
  expect(renderMigrateSummary(small)).toBe(renderMigrateReport(small));
});
