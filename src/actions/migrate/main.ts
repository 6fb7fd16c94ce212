// actions/migrate: inputs → migrate → outputs, report and step summary.
// First: may run this action again with V8 flags that keep SQL parsing fast (see the module).
import '../with-baseline-wasm.js';
import * as core from '@actions/core';
import { migrate, renderMigrateSummary } from '../../migrate/index.js';
import { readRunFacts } from '../context.js';
import { actionLog, runAction, setOutputs } from '../runtime.js';
import { getMigrateInputs } from './inputs.js';
import { writeReportFile } from './report-file.js';

async function main(): Promise<void> {
  const settings = getMigrateInputs(readRunFacts());
  const result = await migrate(settings, actionLog);
  const reportFile = writeReportFile(result.reportMarkdown);
  // GitHub takes at most 1 MiB per step summary and 1 MB per output: both get the summary, the file everything.
  const summary = renderMigrateSummary(result);
  await core.summary.addRaw(summary).write();
  setOutputs({
    applied: result.applied.length,
    pending: result.pending,
    'applied-migrations': JSON.stringify(result.applied.map((m) => ({ name: m.name, version: m.version, file: m.file, duration: Math.round(m.durationMs) }))),
    'lint-findings': JSON.stringify(result.findings.map(({ rule, severity, file, line, column, message }) => ({ rule, severity, file, line, column, message }))),
    report: summary,
    'report-file': reportFile,
  });
  if (!result.ok) {
    // The core has already reported the error once, as an annotation at the file and line.
    // A tool's own exit status becomes the action's.
    process.exitCode = result.exitCode || 1;
  }
}

await runAction(main);
