// The root action: the whole preview lifecycle from the pull-request event.
// First: may run this action again with V8 flags that keep SQL parsing fast (see the module).
import '../../shared/with-baseline-wasm.js';
import * as core from '@actions/core';
import type { MigrateResult } from '../../migrate/types.js';
import { phaseOf } from '../../lifecycle/phase.js';
import { errorMessage } from '../../shared/errors.js';
import type { CommentContext } from '../../lifecycle/comment.js';
import { workflowRunUrl } from '../../github/console-links.js';
import { readRunFacts, type RunFacts } from '../context.js';
import { actionLog, asInputError, emptyOutputs, redactSecrets, runAction, setOutputs, type Outputs } from '../runtime.js';
import { LIFECYCLE_SETTING_INPUTS, getLifecycleInputs, type LifecycleInputs } from './inputs.js';
import { exportPreviewEnv, previewOutputs } from '../create-branch/outputs.js';

/** Posts or updates the pull request's one comment; a failure is a warning, never the run's. */
async function postComment(settings: LifecycleInputs, facts: RunFacts, body: string): Promise<string> {
  if (!settings.comment || !facts.pullRequest) return '';
  const [owner, repo] = facts.repository.split('/');
  // Octokit loads only when there is a comment to post.
  const [{ getOctokit }, { commentMarker, upsertStickyComment }, { COMMENT_KEY }] = await Promise.all([
    import('@actions/github'),
    import('../../github/sticky-comment.js'),
    import('../../lifecycle/comment.js'),
  ]);
  const result = await upsertStickyComment({
    octokit: getOctokit(settings.githubToken, { baseUrl: facts.apiUrl }),
    owner: owner!,
    repo: repo!,
    issueNumber: facts.pullRequest.number,
    marker: commentMarker(COMMENT_KEY),
    body: redactSecrets(body),
    log: actionLog,
  });
  // upsertStickyComment has logged what it did (or warned why it could not).
  return result.action === 'failed' ? '' : result.url;
}

async function main(): Promise<void> {
  const facts = readRunFacts();
  const phase = phaseOf(facts.eventName, facts.action);
  const settings = getLifecycleInputs(facts, phase);
  const branchName = settings.settings.request.branchName;
  // The lifecycle (every core, the providers behind them), the comments and the migrate report
  // load once the inputs are valid.
  const [
    { closePreview, lintWithoutPreview, openPreview },
    { renderClosedComment, renderFailedComment, renderLintOnlyComment, renderOpenComment },
    { describeFailure },
    { migrateOutputs, writeMigrateReport },
  ] = await Promise.all([
    import('../../lifecycle/index.js'),
    import('../../lifecycle/comment.js'),
    import('../../migrate/index.js'),
    import('../migrate/outputs.js'),
  ]);
  /** What a run that creates nothing sets: every declared output, empty or "nothing happened". */
  const EMPTY_OUTPUTS: Outputs = { ...emptyOutputs('preview-db'), created: false, skipped: false, deleted: false, ...migrateOutputs(undefined, '') };
  if (!phase) {
    const why =
      facts.eventName === 'pull_request_target' ? " (pull_request_target would run a fork's migrations with this repository's secrets; use pull_request)" : '';
    core.notice(
      `preview-db acts on pull_request opened, reopened, synchronize and closed; this is ${facts.eventName}${facts.action ? ` (${facts.action})` : ''}, so it does nothing${why}.`,
    );
    setOutputs({ ...EMPTY_OUTPUTS, 'branch-name': branchName });
    return;
  }
  const context: CommentContext = {
    sha: facts.pullRequest?.headSha || facts.sha,
    runUrl: facts.runId ? workflowRunUrl(facts.serverUrl, facts.repository, facts.runId) : undefined,
  };
  /** No preview: the offline lint report, as the comment, the summary and the migrate outputs. */
  const reportWithoutPreview = async (reason: string, migration: MigrateResult | undefined, skipped: boolean): Promise<void> => {
    let commentUrl = '';
    if (migration) {
      const body = renderLintOnlyComment(branchName, reason, migration, context);
      commentUrl = await postComment(settings, facts, body);
      await core.summary.addRaw(`${body}\n`).write();
    }
    setOutputs({
      ...EMPTY_OUTPUTS,
      'branch-name': branchName,
      skipped,
      phase,
      ...migrateOutputs(migration, migration ? writeMigrateReport(migration) : ''),
      'comment-url': commentUrl,
    });
    if (migration && !migration.ok) process.exitCode = 1;
  };
  const lintOnly = phase === 'open' && settings.migrate?.lintOnly;
  if (settings.skipReason || lintOnly) {
    const reason = settings.skipReason ?? 'lint-only is true, so no preview database is created: the migrations are linted offline.';
    core.notice(reason, { title: 'Preview database skipped' });
    // Still a lint report for the pull request (forks get no secrets, so no preview): offline, nothing applied.
    const migration = phase === 'open' && settings.migrate ? await lintWithoutPreview(settings.migrate, actionLog) : undefined;
    await reportWithoutPreview(reason, migration, true);
    return;
  }

  if (phase === 'close') {
    const report = await closePreview({ create: settings.settings, dryRun: settings.dryRun, repository: facts.repository }, actionLog);
    const body = renderClosedComment(branchName, report, context);
    const commentUrl = await postComment(settings, facts, body);
    await core.summary.addRaw(`${body}\n`).write();
    const gone = report.deleted.includes(branchName) || report.alreadyGone.includes(branchName);
    setOutputs({ ...EMPTY_OUTPUTS, 'branch-name': branchName, phase, deleted: gone && !report.dryRun, 'comment-url': commentUrl });
    if (report.failure) core.setFailed(report.failure);
    return;
  }

  let result: Awaited<ReturnType<typeof openPreview>>;
  try {
    result = await openPreview({ create: settings.settings, migrate: settings.migrate }, actionLog);
  } catch (error) {
    // The pull request's author should see why there is no preview, not only the run's log.
    await postComment(settings, facts, renderFailedComment(branchName, errorMessage(asInputError(error, LIFECYCLE_SETTING_INPUTS) ?? error), context));
    throw error;
  }
  if (!result.preview) {
    const reason = `${result.refusedFiles} migration file(s) have problems the runner refuses, so no preview database was created; each is listed below. Fix them and push again.`;
    await reportWithoutPreview(reason, result.migration, false);
    process.exitCode = 1;
    return;
  }
  const { preview, migration } = result;
  exportPreviewEnv(settings.exportEnv, preview);
  const body = renderOpenComment(result, context);
  const commentUrl = await postComment(settings, facts, body);
  await core.summary.addRaw(`${body}\n`).write();
  setOutputs({
    ...previewOutputs(preview),
    skipped: false,
    ...migrateOutputs(migration, migration ? writeMigrateReport(migration) : ''),
    phase,
    deleted: false,
    'comment-url': commentUrl,
  });
  if (migration && !migration.ok) {
    // The migrate core has already annotated the failing file and line.
    process.exitCode = migration.exitCode || 1;
    if (migration.error) core.debug(describeFailure(migration.error));
  }
}

await runAction(main, LIFECYCLE_SETTING_INPUTS);
