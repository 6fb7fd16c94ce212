/**
 * One comment per pull request that the suite edits in place ("sticky"), found again by a
 * hidden HTML marker on its first line.
 *
 * Whose comments count as ours. A comment is ours only when its body STARTS with the marker
 * (a person quoting it in a reply gets `> <!-- … -->`, which does not match) AND its author
 * is the token's own identity:
 * - `ownLogin` when the caller knows it;
 * - otherwise `GET /user`, which answers for personal access tokens and user tokens;
 * - `GET /user` answers 403 "Resource not accessible by integration" for GitHub App
 *   installation tokens, which includes the workflow's default GITHUB_TOKEN (its comments
 *   are by `github-actions[bot]`). Then any author of type `Bot` counts: people cannot
 *   author Bot comments, only apps installed on the repository can, and they would also
 *   need our marker at the start. Once we post a comment, its `user.login` narrows this to
 *   exactly our bot for the rest of the run.
 * (`performed_via_github_app` is not used: GitHub leaves it null for ordinary comments of
 * installation tokens, so it cannot tell bots apart.)
 *
 * Races. Two runs at once can both find no comment and both create one. After creating,
 * the run lists again; if more than one of ours carries the marker, the OLDEST (smallest
 * id) is kept, updated with this run's body, and every newer one is deleted (a 404 while
 * deleting means the twin already did it). Both runs therefore converge on one comment.
 *
 * Failures to comment (401 bad token, 403 read-only token, GitHub down past the deadline)
 * are reported with `log.warning` and returned as `{ action: 'failed' }`; they never throw,
 * because a missing comment must not fail the preview.
 */
import type { Log } from '../shared/log.js';
import { type CallOptions, type GitHubClient, githubMessage, httpStatus, paginate, requestWithRetries } from './client.js';
import { GITHUB_COMMENT_LIMIT, truncateMarkdown } from '../shared/markdown.js';

/** The hidden marker for one sticky comment, e.g. `commentMarker('pr-12')` → `<!-- preview-db:pr-12 -->`. */
export function commentMarker(key: string): string {
  if (!/^[\w.:/-]+$/.test(key)) throw new Error(`comment marker key '${key}' may only hold letters, digits and . _ : / -`);
  return `<!-- preview-db:${key} -->`;
}

export interface StickyCommentOptions {
  /** `getOctokit(token)` from @actions/github, or anything with a compatible `request`. */
  octokit: GitHubClient;
  owner: string;
  repo: string;
  /** The pull request (or issue) number. */
  issueNumber: number;
  /** The full hidden marker, e.g. from `commentMarker(key)`; it becomes the body's first line. */
  marker: string;
  /** The visible Markdown; shortened with a note when marker + body exceed GitHub's limit. */
  body: string;
  log: Log;
  /** The token's login when the caller knows it (skips `GET /user`). */
  ownLogin?: string;
  /** Overall budget for retries of transient answers, in ms (default 120 000). */
  timeoutMs?: number;
  /** For tests: first backoff step in ms. */
  baseDelayMs?: number;
}

export type StickyCommentResult =
  | {
      action: 'created' | 'updated' | 'unchanged';
      id: number;
      /** The comment's `html_url`. */
      url: string;
      /** The body was over GitHub's limit and was shortened. */
      truncated: boolean;
      /** Duplicates (from a race or an earlier failure) that this run deleted. */
      removedDuplicates: number;
    }
  | {
      action: 'failed';
      /** Why, already logged with `log.warning`. */
      warning: string;
      status?: number;
    };

interface IssueComment {
  id: number;
  html_url: string;
  body?: string | null;
  user: { login: string; type?: string } | null;
  created_at: string;
}

type Identity = { kind: 'login'; login: string } | { kind: 'any-bot' };

const normalize = (text: string | null | undefined) => (text ?? '').replace(/\r\n/g, '\n');

/** Marker on the first line, then the body, shortened with a visible note over the limit. */
export function composeStickyBody(marker: string, body: string, limit = GITHUB_COMMENT_LIMIT): { text: string; truncated: boolean } {
  const full = `${marker}\n${normalize(body)}`;
  const shortened = truncateMarkdown(
    full,
    limit,
    (length) =>
      `> [!NOTE]\n> This comment was shortened to fit GitHub's limit of ${limit.toLocaleString('en-US')} characters (it had ${length.toLocaleString('en-US')}). The job's step summary has the full report.`,
  );
  return shortened;
}

export async function upsertStickyComment(options: StickyCommentOptions): Promise<StickyCommentResult> {
  const { octokit, owner, repo, issueNumber, marker, log } = options;
  if (!/^<!--[\s\S]*-->$/.test(marker) || marker.includes('\n')) {
    throw new Error(`upsertStickyComment: the marker must be one hidden HTML comment such as '<!-- preview-db:pr-1 -->', got '${marker}'`);
  }
  const call: CallOptions = { deadline: Date.now() + (options.timeoutMs ?? 120_000), log, baseDelayMs: options.baseDelayMs };
  const where = `${owner}/${repo}#${issueNumber}`;
  try {
    const desired = composeStickyBody(marker, options.body);
    if (desired.truncated)
      log.warning(`The comment on ${where} is longer than GitHub's ${GITHUB_COMMENT_LIMIT}-character limit; it was shortened with a note.`);
    let identity = await resolveIdentity(options, call);

    const listOurs = async (): Promise<IssueComment[]> => {
      const all = await paginate<IssueComment>(
        octokit,
        'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
        { owner, repo, issue_number: issueNumber },
        call,
      );
      return all.filter((comment) => isOurs(comment, identity, marker)).sort((a, b) => a.id - b.id);
    };
    const update = async (comment: IssueComment) =>
      (
        await requestWithRetries<IssueComment>(
          octokit,
          'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
          { owner, repo, comment_id: comment.id, body: desired.text },
          call,
        )
      ).data;
    const removeDuplicates = async (duplicates: IssueComment[]): Promise<number> => {
      let removed = 0;
      for (const duplicate of duplicates) {
        try {
          await requestWithRetries(octokit, 'DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}', { owner, repo, comment_id: duplicate.id }, call);
          removed++;
        } catch (error) {
          if (httpStatus(error) !== 404) throw error; // 404: a twin run deleted it first.
        }
      }
      if (removed) log.info(`Removed ${removed} duplicate preview comment(s) on ${where}.`);
      return removed;
    };

    // A comment can vanish between listing and editing (deleted by a person or a twin); then start over.
    for (let round = 1; ; round++) {
      const ours = await listOurs();
      const keeper = ours[0];
      if (keeper) {
        const removedDuplicates = await removeDuplicates(ours.slice(1));
        if (normalize(keeper.body) === desired.text) {
          log.info(`The preview comment on ${where} is already up to date: ${keeper.html_url}`);
          return { action: 'unchanged', id: keeper.id, url: keeper.html_url, truncated: desired.truncated, removedDuplicates };
        }
        try {
          const updated = await update(keeper);
          log.info(`Updated the preview comment on ${where}: ${updated.html_url}`);
          return { action: 'updated', id: updated.id, url: updated.html_url, truncated: desired.truncated, removedDuplicates };
        } catch (error) {
          if (httpStatus(error) === 404 && round < 3) continue;
          throw error;
        }
      }

      const created = (
        await requestWithRetries<IssueComment>(
          octokit,
          'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
          { owner, repo, issue_number: issueNumber, body: desired.text },
          call,
        )
      ).data;
      if (created.user?.login) identity = { kind: 'login', login: created.user.login };
      // Did a twin run create one at the same time? Keep the oldest, converge on it.
      const after = await listOurs();
      const oldest = after[0];
      if (!oldest || oldest.id === created.id) {
        const removedDuplicates = await removeDuplicates(after.filter((comment) => comment.id !== created.id));
        log.info(`Posted the preview comment on ${where}: ${created.html_url}`);
        return { action: 'created', id: created.id, url: created.html_url, truncated: desired.truncated, removedDuplicates };
      }
      log.info(`Another run posted the preview comment on ${where} at the same time; keeping the older one.`);
      const removedDuplicates = await removeDuplicates(after.slice(1));
      const kept = normalize(oldest.body) === desired.text ? oldest : await update(oldest);
      return { action: 'updated', id: kept.id, url: kept.html_url, truncated: desired.truncated, removedDuplicates };
    }
  } catch (error) {
    const status = httpStatus(error);
    const warning = `Could not post the preview comment on ${where}: ${describeFailure(status, error)}`;
    log.warning(warning);
    return { action: 'failed', warning, status };
  }
}

async function resolveIdentity(options: StickyCommentOptions, call: CallOptions): Promise<Identity> {
  if (options.ownLogin) return { kind: 'login', login: options.ownLogin };
  try {
    const user = await requestWithRetries<{ login: string }>(options.octokit, 'GET /user', undefined, call);
    return { kind: 'login', login: user.data.login };
  } catch (error) {
    // GitHub App installation tokens (GITHUB_TOKEN included) cannot read /user.
    if (httpStatus(error) === 403) {
      options.log.debug('GET /user is not available to this token (an app installation token such as GITHUB_TOKEN); matching comments written by bots.');
      return { kind: 'any-bot' };
    }
    throw error;
  }
}

function isOurs(comment: IssueComment, identity: Identity, marker: string): boolean {
  if (!normalize(comment.body).trimStart().startsWith(marker)) return false;
  if (!comment.user) return false;
  return identity.kind === 'login' ? comment.user.login === identity.login : comment.user.type === 'Bot';
}

function describeFailure(status: number | undefined, error: unknown): string {
  const message = githubMessage(error);
  switch (status) {
    case 401:
      return `GitHub rejected the token (401 ${message}). Check the 'github-token' input.`;
    case 403:
      return /not accessible by integration/i.test(message)
        ? `the token may not write comments (403 ${message}). Give the job 'permissions: pull-requests: write' (and 'issues: write'), or pass a token that has them. Pull requests from forks get a read-only token.`
        : `GitHub refused (403 ${message}).`;
    case 404:
      return `the repository or pull request was not found (404 ${message}); check the token's access to it.`;
    case 422:
      return `GitHub rejected the comment (422 ${message}).`;
    default:
      return status ? `GitHub answered HTTP ${status}: ${message}` : message;
  }
}
