// actions/migrate: inputs → migrate → outputs, report and step summary.
import * as core from '@actions/core';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { migrate } from '../../migrate/index.js';
import { readRunFacts } from '../context.js';
import { actionLog, runAction, setOutputs } from '../runtime.js';
import { MIGRATE_SETTING_INPUTS, getMigrateInputs } from './inputs.js';

async function main(): Promise<void> {
  const settings = getMigrateInputs(readRunFacts());
  const result = await migrate(settings, actionLog);
  const reportFile = join(process.env.RUNNER_TEMP || tmpdir(), 'preview-db-migrate-report.md');
  writeFileSync(reportFile, result.reportMarkdown);
  await core.summary.addRaw(result.reportMarkdown).write();
  setOutputs({
    applied: result.applied.length,
    pending: result.pending,
    'applied-migrations': JSON.stringify(result.applied.map((m) => ({ name: m.name, version: m.version, file: m.file, duration: Math.round(m.durationMs) }))),
    'lint-findings': JSON.stringify(result.findings.map(({ rule, severity, file, line, column, message }) => ({ rule, severity, file, line, column, message }))),
    report: result.reportMarkdown,
    'report-file': reportFile,
  });
  if (!result.ok) {
    // The core has already reported the error once, as an annotation at the file and line.
    // A tool's own exit status becomes the action's.
    process.exitCode = result.exitCode || 1;
  }
}

await runAction(main, MIGRATE_SETTING_INPUTS);
