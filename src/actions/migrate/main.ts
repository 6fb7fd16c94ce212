// actions/migrate: inputs → migrate → outputs, report and step summary.
// First: may run this action again with V8 flags that keep SQL parsing fast (see the module).
import '../../shared/with-baseline-wasm.js';
import * as core from '@actions/core';
import { readRunFacts } from '../context.js';
import { actionLog, runAction, setOutputs } from '../runtime.js';
import { MIGRATE_SETTING_INPUTS, getMigrateInputs } from './inputs.js';

async function main(): Promise<void> {
  const settings = getMigrateInputs(readRunFacts());
  // The core (pg, the SQL parser, the lint rules) and its report load once the inputs are valid.
  const [{ migrate, renderMigrateSummary }, { migrateOutputs, writeMigrateReport }] = await Promise.all([
    import('../../migrate/index.js'),
    import('./outputs.js'),
  ]);
  const result = await migrate(settings, actionLog);
  const reportFile = writeMigrateReport(result);
  // GitHub takes at most 1 MiB per step summary and 1 MB per output: both get the summary, the file everything.
  await core.summary.addRaw(renderMigrateSummary(result)).write();
  setOutputs(migrateOutputs(result, reportFile));
  if (!result.ok) {
    // The core has already reported the error once, as an annotation at the file and line.
    // A tool's own exit status becomes the action's.
    process.exitCode = result.exitCode || 1;
  }
}

await runAction(main, MIGRATE_SETTING_INPUTS);
