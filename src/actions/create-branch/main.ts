// actions/create-branch: inputs → createPreview → outputs.
import * as core from '@actions/core';
import { createPreview, describePreview } from '../../create-branch/index.js';
import { readRunFacts } from '../context.js';
import { actionLog, runAction, setOutputs } from '../runtime.js';
import { getCreateBranchInputs } from './inputs.js';

const EMPTY_OUTPUTS = {
  'branch-id': '', 'branch-name': '', created: 'false', 'database-url': '', 'database-url-direct': '',
  host: '', database: '', role: '', password: '', 'expires-at': '',
};

async function main(): Promise<void> {
  const facts = readRunFacts();
  const { settings, exportEnv, skipReason } = getCreateBranchInputs(facts);
  if (skipReason) {
    core.notice(skipReason, { title: 'Preview database skipped' });
    setOutputs({ ...EMPTY_OUTPUTS, 'branch-name': settings.request.branchName, skipped: true });
    return;
  }
  const preview = await createPreview(settings, actionLog);
  for (const { name, kind } of exportEnv) core.exportVariable(name, kind === 'pooled' ? preview.databaseUrl : preview.databaseUrlDirect);
  setOutputs({
    'branch-id': preview.branchId,
    'branch-name': preview.branchName,
    created: preview.created,
    'database-url': preview.databaseUrl,
    'database-url-direct': preview.databaseUrlDirect,
    host: preview.host,
    database: preview.database,
    role: preview.role,
    password: preview.password,
    'expires-at': preview.expiresAt,
    skipped: false,
  });
  await core.summary.addRaw(`### Preview database\n\n${describePreview(preview).map((line) => `- ${line}`).join('\n')}\n`).write();
}

await runAction(main);
