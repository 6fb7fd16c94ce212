// The cleanup core: delete a pull request's preview (PR mode), or sweep the previews that
// nobody used for a while or whose pull request closed (stale mode). Providers list and
// delete; `selectForDeletion` alone decides; this module runs the deletions and reports.
import { escapeTableCell as cell } from '../shared/markdown.js';
import { errorMessage } from '../shared/errors.js';
import { formatDuration, formatMillis } from '../shared/duration.js';
import type { Log } from '../shared/log.js';
import type { ProviderKind } from '../providers/types.js';
import { forEachBounded } from '../shared/pacer.js';
import { selectForDeletion, type Skipped } from './select.js';
import type { CleanupMode, PreviewStore } from '../providers/store.js';

export { selectForDeletion, validatePrefixes, startsWithPrefix } from './select.js';
export type { SelectionRules, Selection, Skipped } from './select.js';
export type { CleanupMode, ListRequest, PreviewResource, PreviewStore } from '../providers/store.js';

export const DEFAULT_OLDER_THAN_SECONDS = 7 * 86400;
export const DEFAULT_MAX_DELETIONS = 50;
export const DEFAULT_PREFIXES = ['preview/'];

export interface CleanupSettings {
  mode: CleanupMode;
  /** PR mode: the preview to delete. */
  branchName?: string;
  prefixes: string[];
  olderThanSeconds: number;
  /** Stale mode: also delete previews whose pull request is closed. */
  closedPrs: boolean;
  dryRun: boolean;
  /** Above this many candidates nothing is deleted and the run fails. */
  maxDeletions: number;
}

/** Which of these pull requests are closed (or merged); open and unknown ones are not. */
export type ClosedPullRequestLookup = (numbers: number[]) => Promise<ReadonlySet<number>>;

export interface CleanupRow {
  name: string;
  result: 'deleted' | 'already gone' | 'would delete' | 'kept' | 'failed' | 'not deleted';
  detail: string;
}

export interface CleanupReport {
  provider: ProviderKind;
  mode: CleanupMode;
  dryRun: boolean;
  candidates: string[];
  deleted: string[];
  alreadyGone: string[];
  skipped: Skipped[];
  failed: Array<{ name: string; error: string }>;
  notPreviews: number;
  rows: CleanupRow[];
  elapsedMs: number;
  /** Set when the run must fail (the cap, or failed deletions); outputs are still valid. */
  failure?: string;
}

export interface CleanupDependencies {
  closedPullRequests?: ClosedPullRequestLookup;
  now?: () => Date;
}

export async function runCleanup(settings: CleanupSettings, store: PreviewStore, log: Log, dependencies: CleanupDependencies = {}): Promise<CleanupReport> {
  const started = Date.now();
  const now = (dependencies.now ?? (() => new Date()))();
  const report: CleanupReport = {
    provider: store.kind,
    mode: settings.mode,
    dryRun: settings.dryRun,
    candidates: [],
    deleted: [],
    alreadyGone: [],
    skipped: [],
    failed: [],
    notPreviews: 0,
    rows: [],
    elapsedMs: 0,
  };
  const what =
    settings.mode === 'pr' ? `preview '${settings.branchName}'` : `previews starting with ${settings.prefixes.map((prefix) => `'${prefix}'`).join(', ')}`;
  const resources = await log.group(`List ${what}`, () =>
    store.list({ mode: settings.mode, branchName: settings.branchName, olderThanSeconds: settings.olderThanSeconds, now }),
  );
  const rules = { mode: settings.mode, prefixes: settings.prefixes, branchName: settings.branchName, olderThanSeconds: settings.olderThanSeconds, now };
  let selection = selectForDeletion(resources, rules);

  if (settings.mode === 'stale' && settings.closedPrs && dependencies.closedPullRequests) {
    // Only the previews kept for their activity can change their verdict: ask about those.
    const kept = new Set(selection.skipped.map((entry) => entry.name));
    const undecided = resources.filter(
      (resource) =>
        kept.has(resource.name) && resource.pullRequest !== undefined && !resource.isDefault && !resource.isProtected && resource.children.length === 0,
    );
    const numbers = [...new Set(undecided.map((resource) => resource.pullRequest!))];
    if (numbers.length > 0) {
      const closed = await log.group(`Look up ${numbers.length} pull request(s) on GitHub`, () => dependencies.closedPullRequests!(numbers));
      log.info(`${closed.size} of ${numbers.length} pull request(s) are closed.`);
      selection = selectForDeletion(resources, { ...rules, closedPullRequests: closed });
    }
  }

  report.skipped = selection.skipped;
  report.notPreviews = selection.notPreviews;
  report.candidates = selection.candidates.map((candidate) => candidate.name);
  for (const entry of selection.skipped) report.rows.push({ name: entry.name, result: 'kept', detail: entry.reason });
  if (settings.mode === 'stale') {
    log.info(
      `${resources.length} listed: ${selection.candidates.length} to delete, ${selection.skipped.length} previews kept, ${selection.notPreviews} not previews (left alone).`,
    );
  }
  for (const entry of selection.skipped) log.info(`Keeping '${entry.name}': ${entry.reason}.`);
  if (settings.mode === 'pr' && resources.every((resource) => resource.name !== settings.branchName)) {
    log.notice(`Preview '${settings.branchName}' does not exist (already deleted, or never created); nothing to do.`, { title: 'Preview already gone' });
    report.alreadyGone.push(settings.branchName!);
    report.rows.push({ name: settings.branchName!, result: 'already gone', detail: 'no such preview' });
    return finish(report, started);
  }
  for (const entry of settings.mode === 'pr' ? selection.skipped : []) {
    log.warning(`Not deleting '${entry.name}': ${entry.reason}.`, { title: 'Preview kept' });
  }

  if (selection.candidates.length > settings.maxDeletions) {
    report.failure = `${selection.candidates.length} previews were selected for deletion, more than max-deletions (${settings.maxDeletions}); nothing was deleted. Check prefixes and older-than (the candidates output lists them), then raise max-deletions if this many is intended.`;
    for (const candidate of selection.candidates)
      report.rows.push({ name: candidate.name, result: 'not deleted', detail: `${candidate.why}; above max-deletions` });
    return finish(report, started);
  }

  if (settings.dryRun) {
    for (const candidate of selection.candidates) {
      log.info(`Would delete '${candidate.name}': ${candidate.why}.`);
      report.rows.push({ name: candidate.name, result: 'would delete', detail: candidate.why });
    }
    log.notice(`Dry run: ${selection.candidates.length} preview(s) would be deleted; nothing was changed.`, { title: 'Cleanup dry run' });
    return finish(report, started);
  }

  if (selection.candidates.length > 0) {
    await log.group(`Delete ${selection.candidates.length} preview(s)`, async () => {
      const outcomes = await forEachBounded(selection.candidates, store.concurrency, async (candidate) => {
        try {
          const { alreadyGone, note } = await store.remove(candidate);
          return { candidate, alreadyGone, note };
        } catch (error) {
          return { candidate, error: errorMessage(error) };
        }
      });
      for (const outcome of outcomes) {
        const { candidate } = outcome;
        if ('error' in outcome) {
          log.error(`Could not delete '${candidate.name}': ${outcome.error}`, { title: 'Preview not deleted' });
          report.failed.push({ name: candidate.name, error: outcome.error! });
          report.rows.push({ name: candidate.name, result: 'failed', detail: outcome.error! });
        } else if (outcome.alreadyGone) {
          log.notice(`Preview '${candidate.name}' was already gone.`, { title: 'Preview already gone' });
          report.alreadyGone.push(candidate.name);
          report.rows.push({ name: candidate.name, result: 'already gone', detail: candidate.why });
        } else {
          log.info(`Deleted '${candidate.name}': ${candidate.why}${outcome.note ? `; ${outcome.note}` : ''}.`);
          report.deleted.push(candidate.name);
          report.rows.push({ name: candidate.name, result: 'deleted', detail: `${candidate.why}${outcome.note ? `; ${outcome.note}` : ''}` });
        }
      }
    });
  }
  if (report.failed.length > 0) {
    report.failure = `${report.failed.length} of ${selection.candidates.length} deletion(s) failed (${report.failed
      .map((entry) => entry.name)
      .slice(0, 5)
      .join(
        ', ',
      )}${report.failed.length > 5 ? ', …' : ''}); the others went ahead. See the failed output and the errors above; a re-run retries only what is left.`;
  }
  return finish(report, started);
}

function finish(report: CleanupReport, started: number): CleanupReport {
  report.elapsedMs = Date.now() - started;
  return report;
}

const SUMMARY_ROW_LIMIT = 300;

/** The step summary: what happened to each preview, most important first. */
export function renderCleanupSummary(report: CleanupReport, settings: Pick<CleanupSettings, 'olderThanSeconds' | 'prefixes'>): string {
  const order: Record<CleanupRow['result'], number> = { failed: 0, 'not deleted': 1, deleted: 2, 'would delete': 3, 'already gone': 4, kept: 5 };
  const rows = [...report.rows].sort((a, b) => order[a.result] - order[b.result] || a.name.localeCompare(b.name));
  const lines = [
    `### Preview cleanup (${report.provider}, ${report.mode === 'pr' ? 'pull request' : `stale: no activity for ${formatDuration(settings.olderThanSeconds)}`}${report.dryRun ? ', dry run' : ''})`,
    '',
    `${report.deleted.length} deleted, ${report.alreadyGone.length} already gone, ${report.failed.length} failed, ${report.skipped.length} kept${report.mode === 'stale' ? `; ${report.notPreviews} other branch(es) or database(s) are not previews and were left alone (prefixes: ${settings.prefixes.map((prefix) => `\`${prefix}\``).join(', ')})` : ''}. Took ${formatMillis(report.elapsedMs)}.`,
  ];
  if (report.failure) lines.push('', `**${cell(report.failure)}**`);
  if (rows.length > 0) {
    lines.push('', '| Preview | Result | Detail |', '| --- | --- | --- |');
    for (const row of rows.slice(0, SUMMARY_ROW_LIMIT)) lines.push(`| \`${cell(row.name)}\` | ${row.result} | ${cell(row.detail)} |`);
    if (rows.length > SUMMARY_ROW_LIMIT) lines.push('', `… and ${rows.length - SUMMARY_ROW_LIMIT} more (see the outputs for the full lists).`);
  }
  return `${lines.join('\n')}\n`;
}
