// actions/migrate: inputs → migrate → outputs, report and step summary.
import * as core from '@actions/core';
import { migrate } from '../../migrate/index.js';
import { readRunFacts } from '../context.js';
import { actionLog, runAction, setOutputs } from '../runtime.js';
import { MIGRATE_SETTING_INPUTS, getMigrateInputs } from './inputs.js';
import { migrateOutputs, writeMigrateReport } from './outputs.js';

async function main(): Promise<void> {
  const settings = getMigrateInputs(readRunFacts());
  const result = await migrate(settings, actionLog);
  const reportFile = writeMigrateReport(result);
  await core.summary.addRaw(result.reportMarkdown).write();
  setOutputs(migrateOutputs(result, reportFile));
  if (!result.ok) {
    // The core has already reported the error once, as an annotation at the file and line.
    // A tool's own exit status becomes the action's.
    process.exitCode = result.exitCode || 1;
  }
}

await runAction(main, MIGRATE_SETTING_INPUTS);
