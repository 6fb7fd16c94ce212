// actions/create-branch: inputs → createPreview → outputs.
import * as core from '@actions/core';
import { readRunFacts } from '../context.js';
import { actionLog, emptyOutputs, runAction, setOutputs } from '../runtime.js';
import { getCreateBranchInputs } from './inputs.js';
import { exportPreviewEnv, previewOutputs } from './outputs.js';
import { PROVIDER_SETTING_INPUTS } from '../provider-inputs.js';

const EMPTY_OUTPUTS = { ...emptyOutputs('create-branch'), created: false };

async function main(): Promise<void> {
  const facts = readRunFacts();
  const { settings, exportEnv, skipReason } = getCreateBranchInputs(facts);
  if (skipReason) {
    core.notice(skipReason, { title: 'Preview database skipped' });
    setOutputs({ ...EMPTY_OUTPUTS, 'branch-name': settings.request.branchName, skipped: true });
    return;
  }
  // The core (and the provider behind it: the Neon client, pg) loads once the inputs are valid.
  const { createPreview, describePreview } = await import('../../create-branch/index.js');
  const preview = await createPreview(settings, actionLog);
  exportPreviewEnv(exportEnv, preview);
  setOutputs({ ...previewOutputs(preview), skipped: false });
  await core.summary
    .addRaw(
      `### Preview database\n\n${describePreview(preview)
        .map((line) => `- ${line}`)
        .join('\n')}\n`,
    )
    .write();
}

await runAction(main, PROVIDER_SETTING_INPUTS);
