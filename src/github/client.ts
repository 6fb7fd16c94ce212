/**
 * The slice of Octokit the GitHub pieces use, and retries around it. The action layer
 * passes `getOctokit(token)` from @actions/github (which satisfies `GitHubClient`); tests
 * pass a real Octokit pointed at the fake GitHub API. This module never imports either.
 *
 * @actions/github 9 composes Octokit without @octokit/plugin-retry or plugin-throttling
 * (neither is installed), so transient answers are retried here with the suite's shared
 * `withRetries`: 5xx, 429, secondary rate limits (403 with `retry-after` or GitHub's
 * "secondary rate limit" message) and an exhausted primary limit (403/429 with
 * `x-ratelimit-remaining: 0`, waiting for `x-ratelimit-reset`), all within a deadline.
 */
import { PermanentError, errorMessage } from '../shared/errors.js';
import type { Log } from '../shared/log.js';
import { DeadlineExceededError, parseRetryAfter, withRetries, type RetryVerdict } from '../shared/retry.js';

export interface GitHubResponse<T = any> {
  status: number;
  url: string;
  headers: Record<string, string | number | undefined>;
  data: T;
}

/** What the GitHub pieces need from Octokit: `octokit.request`. */
export interface GitHubClient {
  request(route: string, parameters?: Record<string, unknown>): Promise<GitHubResponse>;
}

/** The parts of an Octokit `RequestError` (or any HTTP error) the classifier reads. */
interface HttpErrorLike {
  status?: number;
  message?: string;
  code?: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
  cause?: unknown;
}

/**
 * The request never reached GitHub (refused, unknown host, reset): Octokit reports that as
 * HTTP 500 with no response, which GitHub itself never answers.
 */
export function isUnreachable(error: unknown): boolean {
  if (error instanceof DeadlineExceededError) return isUnreachable(error.lastError);
  const e = error as HttpErrorLike | undefined;
  return e?.status === 500 && e.response === undefined;
}

/** The deepest cause of a failed fetch, with its code: `connect ECONNREFUSED 127.0.0.1:9`. */
function networkReason(error: unknown): string {
  let reason = errorMessage(error);
  for (let cause = (error as HttpErrorLike | undefined)?.cause, depth = 0; cause && depth < 5; cause = (cause as HttpErrorLike).cause, depth++) {
    const code = (cause as HttpErrorLike).code;
    const message = errorMessage(cause);
    reason = code && !message.includes(code) ? `${code} ${message}` : message;
  }
  return reason;
}

/** The HTTP status GitHub answered; undefined when it did not answer (see `isUnreachable`). */
export function httpStatus(error: unknown): number | undefined {
  if (error instanceof DeadlineExceededError) return httpStatus(error.lastError);
  if (isUnreachable(error)) return undefined;
  const status = (error as HttpErrorLike | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** GitHub's `message` from an error response, else the error's own message. */
export function githubMessage(error: unknown): string {
  if (error instanceof DeadlineExceededError && isUnreachable(error.lastError))
    return `${githubMessage(error.lastError)} (${error.message.replace(/:.*$/, '')})`;
  if (error instanceof DeadlineExceededError) return `${error.message} (${githubMessage(error.lastError)})`;
  if (isUnreachable(error)) return `the GitHub API could not be reached: ${networkReason(error)}`;
  const data = (error as HttpErrorLike | undefined)?.response?.data as { message?: unknown } | undefined;
  if (data && typeof data.message === 'string') return data.message;
  return errorMessage(error);
}

function header(error: HttpErrorLike, name: string): string | undefined {
  const value = error.response?.headers?.[name];
  return value === undefined ? undefined : String(value);
}

/** Decides whether a GitHub API error heals by waiting; see the module comment. */
export function classifyGitHubError(error: unknown, now = Date.now()): RetryVerdict {
  const e = (error ?? {}) as HttpErrorLike;
  // Refused, reset or unresolved: a network that may come back, not an answer from GitHub.
  if (isUnreachable(error)) return { retry: true, reason: `the GitHub API could not be reached (${networkReason(error)})` };
  const status = typeof e.status === 'number' ? e.status : undefined;
  if (status === undefined) {
    // Anything else without a status is a bug.
    return { retry: false };
  }
  const retryAfter = parseRetryAfter(header(e, 'retry-after'), now);
  const remaining = header(e, 'x-ratelimit-remaining');
  const reset = header(e, 'x-ratelimit-reset');
  if ((status === 403 || status === 429) && remaining === '0' && reset !== undefined) {
    return { retry: true, reason: `GitHub API rate limit exhausted (HTTP ${status})`, retryAfterMs: Math.max(0, Number(reset) * 1000 - now) + 1000 };
  }
  if (status === 429 || (status === 403 && (retryAfter !== undefined || /secondary rate limit|abuse detection/i.test(githubMessage(error))))) {
    // GitHub asks for at least a minute when it gives no retry-after for a secondary limit.
    return { retry: true, reason: `GitHub secondary rate limit (HTTP ${status})`, retryAfterMs: retryAfter ?? 60_000 };
  }
  if (status >= 500 || status === 408) return { retry: true, reason: `GitHub answered HTTP ${status}`, retryAfterMs: retryAfter };
  return { retry: false };
}

export interface CallOptions {
  /** Absolute time (ms since epoch) after which no new attempt starts. */
  deadline: number;
  log?: Log;
  /** For tests: a faster clock for backoff. */
  baseDelayMs?: number;
}

/** `client.request` with retries of transient answers until `deadline`. */
export async function requestWithRetries<T = any>(
  client: GitHubClient,
  route: string,
  parameters: Record<string, unknown> | undefined,
  options: CallOptions,
): Promise<GitHubResponse<T>> {
  return withRetries(() => client.request(route, parameters) as Promise<GitHubResponse<T>>, {
    deadline: options.deadline,
    classify: (error) => classifyGitHubError(error),
    baseDelayMs: options.baseDelayMs ?? 500,
    maxDelayMs: 15_000,
    onRetry: ({ attempt, delayMs, reason }) => options.log?.info(`${route}: ${reason}; retrying in ${(delayMs / 1000).toFixed(1)}s (attempt ${attempt + 1})`),
  });
}

/** The URL with `rel="next"` in a `Link` header, if any. */
export function nextPageUrl(link: string | number | undefined): string | undefined {
  if (typeof link !== 'string') return undefined;
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="?([^";]+)"?/.exec(part.trim());
    if (match && match[2]!.split(/\s+/).includes('next')) return match[1];
  }
  return undefined;
}

/**
 * Every item of a paginated list: requests `route` with `per_page=100`, then follows the
 * `Link: rel="next"` URL exactly as GitHub gives it until there is none. Each page is
 * retried on its own. `maxPages` guards against a server that never stops.
 */
export async function paginate<T>(
  client: GitHubClient,
  route: string,
  parameters: Record<string, unknown>,
  options: CallOptions & { maxPages?: number },
): Promise<T[]> {
  const items: T[] = [];
  const maxPages = options.maxPages ?? 1_000;
  let response = await requestWithRetries<T[]>(client, route, { per_page: 100, ...parameters }, options);
  for (let page = 1; ; page++) {
    if (!Array.isArray(response.data)) throw new PermanentError(`${route}: expected a list, GitHub answered ${typeof response.data}`);
    items.push(...response.data);
    const next = nextPageUrl(response.headers.link);
    if (!next) return items;
    if (page >= maxPages) throw new PermanentError(`${route}: more than ${maxPages} pages; stopped`);
    options.log?.debug(`${route}: reading page ${page + 1}`);
    response = await requestWithRetries<T[]>(client, `GET ${next}`, undefined, options);
  }
}
