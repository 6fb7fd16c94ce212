// The one place that decides what cleanup may delete. Pure: resources and rules in,
// candidates and reasons out, so the safety rules can be tested exhaustively (see the
// property test in __tests__/cleanup-select.test.ts) without a provider.
import { InputError } from '../shared/errors.js';
import { formatDuration } from '../shared/duration.js';
import type { CleanupMode, PreviewResource } from '../providers/store.js';

export type { CleanupMode, PreviewResource } from '../providers/store.js';

export interface SelectionRules {
  mode: CleanupMode;
  /** Names that are previews start with one of these (validated by `validatePrefixes`). */
  prefixes: string[];
  /** PR mode: the one preview to delete. */
  branchName?: string;
  /** Stale mode: delete previews without activity for this long. */
  olderThanSeconds: number;
  now: Date;
  /** Stale mode: pull requests known to be closed (their previews go whatever their activity). */
  closedPullRequests?: ReadonlySet<number>;
}

export interface Skipped {
  name: string;
  reason: string;
}

export interface Selection {
  candidates: Array<PreviewResource & { why: string }>;
  /** Previews (or the named branch) kept, with the reason. */
  skipped: Skipped[];
  /** How many resources were not previews at all (other names, unmarked or reserved databases). */
  notPreviews: number;
}

export function startsWithPrefix(name: string, prefixes: readonly string[]): boolean {
  return prefixes.some((prefix) => prefix.length > 0 && name.startsWith(prefix));
}

/**
 * Decides, for each resource, whether cleanup deletes it. Whatever the rules say, it never
 * selects: a reserved or unmarked database, a name outside `prefixes`, the default branch,
 * a protected branch, or a branch with children.
 */
export function selectForDeletion(resources: readonly PreviewResource[], rules: SelectionRules): Selection {
  const selection: Selection = { candidates: [], skipped: [], notPreviews: 0 };
  const cutoff = rules.now.getTime() - rules.olderThanSeconds * 1000;
  for (const resource of resources) {
    if (rules.mode === 'pr' && resource.name !== rules.branchName) continue;
    const keep = (reason: string) => selection.skipped.push({ name: resource.name, reason });
    // Never previews: reported only when named explicitly (PR mode), else counted.
    const notPreview = resource.reserved
      ? resource.reserved
      : resource.marked === false
        ? 'it does not carry the managed-by=preview-db mark that create-branch writes'
        : !startsWithPrefix(resource.name, rules.prefixes)
          ? `its name does not start with ${rules.prefixes.map((prefix) => `'${prefix}'`).join(' or ')}`
          : undefined;
    if (notPreview) {
      if (rules.mode === 'pr') keep(`not a preview: ${notPreview}`);
      else selection.notPreviews++;
      continue;
    }
    if (resource.isDefault) {
      keep("the project's default branch");
      continue;
    }
    if (resource.isProtected) {
      keep('a protected branch');
      continue;
    }
    if (resource.children.length > 0) {
      keep(`has child branches (${resource.children.join(', ')}); delete them first`);
      continue;
    }
    if (rules.mode === 'pr') {
      selection.candidates.push({ ...resource, why: 'its pull request closed' });
      continue;
    }
    if (resource.pullRequest !== undefined && rules.closedPullRequests?.has(resource.pullRequest)) {
      selection.candidates.push({ ...resource, why: `pull request #${resource.pullRequest} is closed` });
      continue;
    }
    if (resource.expiresAt && resource.expiresAt.getTime() <= rules.now.getTime()) {
      selection.candidates.push({ ...resource, why: `it expired at ${resource.expiresAt.toISOString()} (expires-in)` });
      continue;
    }
    const activity = resource.lastActivity?.getTime();
    if (activity === undefined || Number.isNaN(activity)) {
      keep('its last activity is unknown');
      continue;
    }
    const idle = formatAge(Math.max(0, Math.floor((rules.now.getTime() - activity) / 1000)));
    const source = resource.activitySource ? ` (${resource.activitySource})` : '';
    if (activity < cutoff) {
      selection.candidates.push({ ...resource, why: `no activity for ${idle}${source}` });
    } else {
      keep(`active ${idle} ago${source}, within older-than ${formatDuration(rules.olderThanSeconds)}`);
    }
  }
  return selection;
}

/** An age for people: its two leading units, `9d4h` rather than `9d4h12m3s`. */
export function formatAge(seconds: number): string {
  const units = [86400, 3600, 60, 1];
  const first = units.findIndex((size) => seconds >= size);
  if (first < 0) return '0s';
  const kept = units[Math.min(first + 1, units.length - 1)]!;
  return formatDuration(seconds - (seconds % kept));
}

/**
 * Prefixes decide what is a preview, so one that matches (nearly) everything is refused
 * before anything is listed: it needs a letter or digit and at least three characters,
 * and is literal (no wildcards).
 */
export function validatePrefixes(prefixes: readonly string[], input = 'prefixes'): string[] {
  if (prefixes.length === 0) throw new InputError(input, 'is empty. Name the prefixes of preview branches, e.g. preview/.');
  for (const prefix of prefixes) {
    if (/[*?[\]]/.test(prefix)) throw new InputError(input, `'${prefix}' contains a wildcard; prefixes are literal name beginnings such as preview/.`);
    if (prefix.length < 3 || !/[A-Za-z0-9]/.test(prefix)) {
      throw new InputError(
        input,
        `'${prefix}' would match nearly every branch. Use a specific prefix of at least three characters with a letter, such as preview/.`,
      );
    }
  }
  return [...new Set(prefixes)];
}
