// Reads and validates every cleanup input before anything is listed or deleted.
import { InputError } from '../../shared/errors.js';
import { DEFAULT_MAX_DELETIONS, DEFAULT_OLDER_THAN_SECONDS, DEFAULT_PREFIXES, type CleanupSettings } from '../../cleanup/index.js';
import { startsWithPrefix, validatePrefixes } from '../../cleanup/select.js';
import type { RunFacts } from '../context.js';
import { inputs } from '../runtime.js';
import { missingCredential, readBranchName, readProviderConnection, requireProviderConnection, type ProviderConnectionInputs } from '../provider-inputs.js';

export interface CleanupInputs {
  settings: CleanupSettings;
  connection: ProviderConnectionInputs;
  /** For `closed-prs`: a token that may read the repository's pull requests. */
  githubToken: string;
  /** Set when the run must skip (a fork's pull request has no secrets). */
  skipReason?: string;
}

export function getCleanupInputs(facts: RunFacts): CleanupInputs {
  const connection = readProviderConnection();
  // Read every input up front, so a mistake anywhere is reported before any change.
  const mode = inputs.choice('mode', ['pr', 'stale'] as const, 'pr');
  const branchNameGiven = inputs.text('branch-name');
  const prefixesText = inputs.text('prefixes');
  const olderThan = inputs.duration('older-than', { min: 60, max: 10 * 365 * 86400 });
  const closedPrs = inputs.boolean('closed-prs', false);
  const githubToken = inputs.secret('github-token');
  const dryRun = inputs.boolean('dry-run', false);
  const maxDeletions = inputs.count('max-deletions', DEFAULT_MAX_DELETIONS)!;

  // Not given → the default; given but listing nothing (e.g. `,`) → refused as empty.
  const prefixes = validatePrefixes(prefixesText === '' ? DEFAULT_PREFIXES : inputs.list('prefixes'));
  if (maxDeletions < 1) throw new InputError('max-deletions', 'must be at least 1. It caps how many previews one run may delete.');
  if (mode === 'stale' && branchNameGiven)
    throw new InputError('branch-name', 'is only used in mode pr; a stale sweep selects by prefixes and older-than. Remove it, or set mode: pr.');
  if (mode === 'pr' && closedPrs)
    throw new InputError(
      'closed-prs',
      'is only used in mode stale (mode pr deletes the one preview of the closed pull request). Remove it, or set mode: stale.',
    );
  if (closedPrs && !githubToken)
    throw new InputError(
      'github-token',
      'is required for closed-prs: true. Pass github-token: ${{ github.token }} (the job needs permissions: pull-requests: read).',
    );
  if (closedPrs && !/^[^/]+\/[^/]+$/.test(facts.repository))
    throw new InputError('closed-prs', 'needs the repository (GITHUB_REPOSITORY) to look pull requests up; run it in a GitHub workflow.');

  let branchName: string | undefined;
  if (mode === 'pr') {
    branchName = readBranchName(facts);
    if (!startsWithPrefix(branchName, prefixes)) {
      throw new InputError(
        'branch-name',
        `'${branchName}' does not start with any of prefixes (${prefixes.join(', ')}), so cleanup does not treat it as a preview. Add its prefix to prefixes if it is one.`,
      );
    }
  }

  const settings: CleanupSettings = {
    mode,
    branchName,
    prefixes,
    olderThanSeconds: olderThan ?? DEFAULT_OLDER_THAN_SECONDS,
    closedPrs,
    dryRun,
    maxDeletions,
  };
  const missing = missingCredential(connection);
  if (missing && facts.pullRequest?.fromFork) {
    return {
      settings,
      connection,
      githubToken,
      skipReason: `This pull request comes from a fork, and GitHub gives such runs no secrets (${missing} is empty), so its preview cannot be deleted here. A scheduled sweep with mode: stale and closed-prs: true removes it.`,
    };
  }
  requireProviderConnection(connection);
  return { settings, connection, githubToken };
}
