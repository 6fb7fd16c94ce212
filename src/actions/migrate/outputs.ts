// What migrate hands to later steps; the root action hands over the same, built here once.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { findingsOutput, renderMigrateSummary, type MigrateResult } from '../../migrate/index.js';
import type { OutputOf } from '../contract.generated.js';

export type MigrateOutputs = Record<OutputOf<'migrate'>, string | number>;

/** Writes the report where later steps of the job can read it (RUNNER_TEMP); returns its path. */
export function writeMigrateReport(result: MigrateResult, env: NodeJS.ProcessEnv = process.env): string {
  const reportFile = join(env.RUNNER_TEMP || tmpdir(), 'preview-db-migrate-report.md');
  writeFileSync(reportFile, result.reportMarkdown);
  return reportFile;
}

/** The migrate outputs of a run; without a result (nothing to migrate) the empty lists and no report. */
export function migrateOutputs(result: MigrateResult | undefined, reportFile: string): MigrateOutputs {
  return {
    applied: result?.applied.length ?? 0,
    pending: result?.pending ?? 0,
    'applied-migrations': JSON.stringify(
      (result?.applied ?? []).map((m) => ({ name: m.name, version: m.version, file: m.file, duration: Math.round(m.durationMs) })),
    ),
    'lint-findings': findingsOutput(result?.findings ?? []),
    // The summary: the full report of a long history is over GitHub's 1 MB per output; report-file has it all.
    report: result ? renderMigrateSummary(result) : '',
    'report-file': result ? reportFile : '',
  };
}
