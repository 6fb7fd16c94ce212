// The lint-findings output stays under GitHub's 1 MB per output: cut at 900 KB, errors first,
// ending with one entry that counts what was left out; the report file still lists every finding.
import { expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { MemoryLog } from './support/memory-log.js';
import { migrate, FINDINGS_OUTPUT_BYTES, TRUNCATED_RULE } from '../src/migrate/index.js';
import { migrateOutputs, writeMigrateReport } from '../src/actions/migrate/outputs.js';
import { settings, workspace } from './fixtures/migrate/support.js';

test('5,000 findings: the output is cut under 900 KB with a final entry counting the rest; the report file has all', async () => {
  const statements = Array.from({ length: 2500 }, (_, i) => `ALTER TABLE accounts DROP COLUMN c${i};\nALTER TABLE accounts ADD COLUMN d${i} int NOT NULL;\n`);
  const cwd = workspace({ 'migrations/0001_many.sql': statements.join('') });
  const result = await migrate(settings('', cwd, { lintOnly: true }), new MemoryLog());
  expect(result.findings.length).toBeGreaterThanOrEqual(5000);
  const outputs = migrateOutputs(result, writeMigrateReport(result, { RUNNER_TEMP: cwd }));
  const text = String(outputs['lint-findings']);
  expect(Buffer.byteLength(text)).toBeLessThanOrEqual(FINDINGS_OUTPUT_BYTES);
  // The uncut list would not fit (over 1 MB with some findings).
  const full = JSON.stringify(result.findings.map(({ rule, severity, file, line, column, message }) => ({ rule, severity, file, line, column, message })));
  expect(Buffer.byteLength(full)).toBeGreaterThan(FINDINGS_OUTPUT_BYTES);
  const list = JSON.parse(text) as Array<{ rule: string; severity: string; more?: number; message: string }>;
  const last = list.at(-1)!;
  expect(last.rule).toBe(TRUNCATED_RULE);
  expect(last.more! + list.length - 1).toBe(result.findings.length);
  expect(last.message).toContain('report-file');
  // Errors come first: no error was left out while a warning was kept.
  const kept = list.slice(0, -1);
  const errors = result.findings.filter((f) => f.severity === 'error').length;
  if (kept.some((f) => f.severity !== 'error')) expect(kept.filter((f) => f.severity === 'error')).toHaveLength(errors);
  const report = readFileSync(String(outputs['report-file']), 'utf8');
  expect(report.split('\n').filter((line) => line.includes('`migrations/0001_many.sql:')).length).toBeGreaterThanOrEqual(result.findings.length);
});

test('a list that fits is the plain JSON of every finding, with no marker', async () => {
  const cwd = workspace({ 'migrations/0001_one.sql': 'ALTER TABLE accounts DROP COLUMN c;\n' });
  const result = await migrate(settings('', cwd, { lintOnly: true }), new MemoryLog());
  const list = JSON.parse(String(migrateOutputs(result, '')['lint-findings'])) as Array<{ rule: string }>;
  expect(list.map((f) => f.rule)).toEqual(result.findings.map((f) => f.rule));
  expect(list.some((f) => f.rule === TRUNCATED_RULE)).toBe(false);
});
