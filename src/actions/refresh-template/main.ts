// actions/refresh-template: inputs → refresh → outputs and step summary.
import * as core from '@actions/core';
import { actionLog, runAction, setOutputs } from '../runtime.js';
import { getRefreshTemplateInputs } from './inputs.js';

async function main(): Promise<void> {
  const settings = getRefreshTemplateInputs();
  // The core (pg, the migrate core, the masking file's parser) loads once the inputs are valid.
  const { refreshTemplate } = await import('../../refresh-template/index.js');
  const result = await refreshTemplate(settings, actionLog);
  await core.summary.addRaw(result.reportMarkdown).write();
  setOutputs({
    template: result.template,
    tables: result.tables.length,
    'rows-copied': result.rowsCopied,
    'masked-columns': JSON.stringify(result.maskedColumns.map((m) => m.column)),
    'unmasked-personal-columns': JSON.stringify(result.unmaskedPersonalColumns.map((p) => p.column)),
    'duration-seconds': result.durationSeconds,
  });
}

await runAction(main);
