// Annotations stay within what GitHub shows (10 errors, 10 warnings, 10 notices per step): the
// first findings are annotated, one line per kind counts the rest and says where they all are.
// Offline (no database), so no server is needed; the counts come from real files and the real linter.
import { expect, test } from '@jest/globals';
import { MemoryLog } from './support/memory-log.js';
import { migrate, ANNOTATIONS_PER_KIND } from '../src/migrate/index.js';
import { settings, workspace } from './fixtures/migrate/support.js';

/** n migrations, each dropping a column of a table created before the set: one ban-drop-column finding each. */
function history(n: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 1; i <= n; i++) files[`migrations/${String(i).padStart(4, '0')}_drop.sql`] = `ALTER TABLE accounts DROP COLUMN c${i};\n`;
  return files;
}

test('400 findings make at most 10 annotations per kind, the last one counting the rest', async () => {
  const cwd = workspace(history(400));
  const log = new MemoryLog();
  const result = await migrate(settings('', cwd, { lintOnly: true, lint: 'error' }), log);
  const errors = result.findings.filter((f) => f.severity === 'error').length;
  expect(errors).toBeGreaterThanOrEqual(400);
  const lines = log.lines.filter((l) => l.level === 'error');
  expect(lines.length).toBeLessThanOrEqual(ANNOTATIONS_PER_KIND);
  // The run's own failure message is among the ten.
  expect(lines.at(-1)!.message).toMatch(/lint found \d+ error/);
  const counted = lines.find((l) => /more lint finding\(s\) of this kind are not annotated/.test(l.message))!;
  expect(counted.message).toContain('report-file');
  expect(counted.message).toContain('lint-findings');
  const annotated = lines.filter((l) => /Safer:/.test(l.message)).length;
  expect(Number(/^(\d+) more/.exec(counted.message)![1]) + annotated).toBe(errors);
  for (const kind of ['warning', 'notice']) expect(log.lines.filter((l) => l.level === kind).length).toBeLessThanOrEqual(ANNOTATIONS_PER_KIND);
});

test('under the limit every finding is annotated and no counting line is written', async () => {
  const cwd = workspace(history(3));
  const log = new MemoryLog();
  const result = await migrate(settings('', cwd, { lintOnly: true }), log);
  const warnings = log.lines.filter((l) => l.level === 'warning' && /Safer:/.test(l.message));
  expect(warnings).toHaveLength(result.findings.filter((f) => f.severity !== 'note').length);
  expect(log.text()).not.toMatch(/not annotated/);
});

test('refused files: at most nine annotated, one line counting the rest, and the failure message', async () => {
  const files: Record<string, string> = {};
  for (let i = 1; i <= 30; i++) files[`migrations/${String(i).padStart(4, '0')}_bad.sql`] = 'CREATE TABLE (;\n';
  const log = new MemoryLog();
  const result = await migrate(settings('', workspace(files), { lintOnly: true }), log);
  expect(result.problems).toHaveLength(30);
  const errors = log.lines.filter((l) => l.level === 'error');
  expect(errors.length).toBeLessThanOrEqual(ANNOTATIONS_PER_KIND);
  expect(errors.some((l) => /^22 more problem\(s\) in migration files are not annotated/.test(l.message))).toBe(true);
  expect(errors.at(-1)!.message).toMatch(/30 file\(s\) have problems/);
});
