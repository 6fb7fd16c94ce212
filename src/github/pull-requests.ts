/**
 * Pull-request facts the cleanup sweep needs (`closed-prs`): whether a preview's pull
 * request is still open. Per-number lookups (`GET /repos/{o}/{r}/pulls/{n}`), a few at a
 * time, so the cost follows the number of previews rather than the repository's history.
 *
 * A number GitHub does not know as a pull request (404: never existed, or an issue number)
 * is `missing`, never `closed`: the sweep must not delete a preview on a guess.
 */
import type { Log } from '../shared/log.js';
import { type CallOptions, type GitHubClient, httpStatus, requestWithRetries } from './client.js';

export type PullRequestState = 'open' | 'closed' | 'merged' | 'missing';

export interface PullRequestInfo {
  number: number;
  state: 'open' | 'closed';
  merged: boolean;
  draft: boolean;
  body: string;
  /** `owner/repo` of the head; differs from the base repository for a fork. */
  headRepository: string | undefined;
  headSha: string;
  updatedAt: string;
}

export interface PullRequestLookup {
  octokit: GitHubClient;
  owner: string;
  repo: string;
  log?: Log;
  /** Overall budget for retries of transient answers, in ms (default 120 000). */
  timeoutMs?: number;
  baseDelayMs?: number;
}

/** One pull request, or undefined when GitHub has none with that number (404). */
export async function getPullRequest(options: PullRequestLookup & { number: number }): Promise<PullRequestInfo | undefined> {
  return fetchPullRequest(options, options.number, callOptions(options));
}

/** `open`, `closed`, `merged` or `missing` (no such pull request). */
export async function pullRequestState(options: PullRequestLookup & { number: number }): Promise<PullRequestState> {
  return stateOf(await getPullRequest(options));
}

/** True only for a pull request GitHub reports as open. */
export async function isPullRequestOpen(options: PullRequestLookup & { number: number }): Promise<boolean> {
  return (await pullRequestState(options)) === 'open';
}

/**
 * The state of each pull request in `numbers` (duplicates looked up once), `concurrency`
 * lookups at a time (default 4, well inside GitHub's secondary limits). Errors other than
 * 404 (a bad token, GitHub down past the deadline) reject the whole call.
 */
export async function pullRequestStates(
  options: PullRequestLookup & { numbers: Iterable<number>; concurrency?: number },
): Promise<Map<number, PullRequestState>> {
  const call = callOptions(options);
  const queue = [...new Set(options.numbers)];
  for (const number of queue) if (!Number.isInteger(number) || number < 1) throw new Error(`'${number}' is not a pull request number`);
  const states = new Map<number, PullRequestState>();
  const worker = async () => {
    for (let number = queue.shift(); number !== undefined; number = queue.shift()) {
      states.set(number, stateOf(await fetchPullRequest(options, number, call)));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, queue.length)) }, worker));
  return states;
}

/** The numbers among `numbers` whose pull request is closed or merged (never the missing ones). */
export async function closedPullRequestNumbers(options: PullRequestLookup & { numbers: Iterable<number>; concurrency?: number }): Promise<Set<number>> {
  const states = await pullRequestStates(options);
  return new Set([...states].filter(([, state]) => state === 'closed' || state === 'merged').map(([number]) => number));
}

function callOptions(options: PullRequestLookup): CallOptions {
  return { deadline: Date.now() + (options.timeoutMs ?? 120_000), log: options.log, baseDelayMs: options.baseDelayMs };
}

function stateOf(pull: PullRequestInfo | undefined): PullRequestState {
  if (!pull) return 'missing';
  if (pull.merged) return 'merged';
  return pull.state;
}

async function fetchPullRequest(options: PullRequestLookup, number: number, call: CallOptions): Promise<PullRequestInfo | undefined> {
  try {
    const { data } = await requestWithRetries<any>(
      options.octokit,
      'GET /repos/{owner}/{repo}/pulls/{pull_number}',
      { owner: options.owner, repo: options.repo, pull_number: number },
      call,
    );
    return {
      number: Number(data.number),
      state: data.state === 'open' ? 'open' : 'closed',
      merged: Boolean(data.merged ?? data.merged_at),
      draft: Boolean(data.draft),
      body: typeof data.body === 'string' ? data.body : '',
      headRepository: data.head?.repo?.full_name ?? undefined,
      headSha: String(data.head?.sha ?? ''),
      updatedAt: String(data.updated_at ?? ''),
    };
  } catch (error) {
    if (httpStatus(error) === 404) return undefined;
    throw error;
  }
}
