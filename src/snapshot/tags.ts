// The tags on every snapshot the action takes: the user's, and our own that tell our
// snapshots apart (for pruning) and find the one a workflow run already took (for re-runs).
import { InputError } from '../shared/errors.js';
import { MANAGED_BY } from '../shared/naming.js';

export const TAG_MANAGED_BY = 'managed-by';
export const TAG_REPOSITORY = 'repository';
export const TAG_COMMIT = 'commit';
export const TAG_WORKFLOW_RUN = 'workflow-run';
export const TAG_RUN_ATTEMPT = 'run-attempt';
const OWN_KEYS = [TAG_MANAGED_BY, TAG_REPOSITORY, TAG_COMMIT, TAG_WORKFLOW_RUN, TAG_RUN_ATTEMPT];

export interface TagRun {
  repository: string;
  sha: string;
  runId: string;
  runAttempt: string;
}

export interface SnapshotTag {
  Key: string;
  Value: string;
}

/** RDS tag rules: key 1-128 characters, value up to 256, no `aws:` prefix, our keys reserved. */
export function validateUserTags(pairs: Array<[string, string]>, input = 'tags'): Array<[string, string]> {
  for (const [key, value] of pairs) {
    if (OWN_KEYS.includes(key)) throw new InputError(input, `'${key}' is set by the action itself; remove it from ${input}.`);
    if (key.length > 128) throw new InputError(input, `key '${key.slice(0, 20)}…' is longer than 128 characters.`);
    if (value.length > 256) throw new InputError(input, `the value of '${key}' is longer than 256 characters.`);
    if (/^aws:/i.test(key)) throw new InputError(input, `'${key}': keys starting with aws: are reserved by AWS.`);
    if (!/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(key) || !/^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(value)) {
      throw new InputError(input, `'${key}=${value}': tags may contain only letters, digits, spaces and _ . : / = + - @`);
    }
  }
  return pairs;
}

export function snapshotTags(run: TagRun, userTags: Array<[string, string]>): SnapshotTag[] {
  const own: Array<[string, string]> = [
    [TAG_MANAGED_BY, MANAGED_BY],
    [TAG_REPOSITORY, run.repository],
    [TAG_COMMIT, run.sha],
    [TAG_WORKFLOW_RUN, run.runId],
    [TAG_RUN_ATTEMPT, run.runAttempt],
  ];
  return [...userTags, ...own].filter(([, value]) => value !== '').map(([Key, Value]) => ({ Key, Value }));
}

export function isManaged(tags: Record<string, string>): boolean {
  return tags[TAG_MANAGED_BY] === MANAGED_BY;
}

/** Taken by this workflow run (any attempt): a re-run reuses it instead of taking another. */
export function isFromRun(tags: Record<string, string>, run: TagRun): boolean {
  return isManaged(tags) && run.runId !== '' && tags[TAG_WORKFLOW_RUN] === run.runId && tags[TAG_REPOSITORY] === run.repository;
}
