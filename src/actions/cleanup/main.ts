// actions/cleanup: inputs → runCleanup (one pull request's preview, or a stale sweep) → outputs and summary.
import * as core from '@actions/core';
import { renderCleanupSummary, runCleanup, type ClosedPullRequestLookup, type CleanupReport } from '../../cleanup/index.js';
import { readRunFacts, type RunFacts } from '../context.js';
import { actionLog, runAction, setOutputs } from '../runtime.js';
import { getCleanupInputs } from './inputs.js';
import { PROVIDER_SETTING_INPUTS } from '../provider-inputs.js';

/** Octokit loads only when a sweep asks GitHub which pull requests closed. */
function closedPullRequestLookup(token: string, facts: RunFacts): ClosedPullRequestLookup {
  const [owner, repo] = facts.repository.split('/') as [string, string];
  return async (numbers) => {
    const [{ getOctokit }, { closedPullRequestNumbers }] = await Promise.all([import('@actions/github'), import('../../github/pull-requests.js')]);
    return closedPullRequestNumbers({ octokit: getOctokit(token, { baseUrl: facts.apiUrl }), owner, repo, numbers, log: actionLog });
  };
}

function outputsOf(report: Pick<CleanupReport, 'candidates' | 'deleted' | 'skipped' | 'failed'>) {
  return {
    candidates: JSON.stringify(report.candidates),
    deleted: JSON.stringify(report.deleted),
    'deleted-count': report.deleted.length,
    skipped: JSON.stringify(report.skipped),
    failed: JSON.stringify(report.failed),
  };
}

async function main(): Promise<void> {
  const facts = readRunFacts();
  const cleanup = getCleanupInputs(facts);
  if (cleanup.skipReason) {
    core.notice(cleanup.skipReason, { title: 'Preview cleanup skipped' });
    setOutputs(outputsOf({ candidates: [], deleted: [], skipped: [{ name: cleanup.settings.branchName ?? '', reason: cleanup.skipReason }], failed: [] }));
    return;
  }
  // The stores (the Neon client, pg) load once the inputs are valid.
  const { previewStoreFor } = await import('../../cleanup/stores.js');
  const store = previewStoreFor(
    { provider: cleanup.connection.provider, neon: cleanup.connection.neon, postgresUrl: cleanup.connection.postgresUrl },
    actionLog,
    { waitForDeletion: cleanup.settings.mode === 'pr', repository: facts.repository },
  );
  let report: CleanupReport;
  try {
    report = await runCleanup(cleanup.settings, store, actionLog, {
      closedPullRequests: cleanup.settings.closedPrs ? closedPullRequestLookup(cleanup.githubToken, facts) : undefined,
    });
  } finally {
    await store.close();
  }
  setOutputs(outputsOf(report));
  await core.summary.addRaw(renderCleanupSummary(report, cleanup.settings)).write();
  if (report.failure) throw new Error(report.failure);
}

await runAction(main, PROVIDER_SETTING_INPUTS);
