// One Neon API client for the whole suite: @neondatabase/api-client (axios) with
// per-request timeouts, and every call retried on Neon's transient answers.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createApiClient, type Api } from '@neondatabase/api-client';
import { PermanentError, SettingError } from '../../shared/errors.js';
import { withRetries, parseRetryAfter, isTransientStatus, TRANSIENT_NETWORK_CODES, type RetryVerdict } from '../../shared/retry.js';
import type { Log } from '../../shared/log.js';

import { DEFAULT_NEON_API_HOST } from './defaults.js';

export { DEFAULT_NEON_API_HOST };

export type NeonApi = Api<unknown>;

/** The shape of the errors the api-client's axios throws (duck-typed to avoid a direct axios dependency). */
interface HttpClientError {
  isAxiosError: true;
  code?: string;
  message: string;
  response?: { status: number; data?: unknown; headers?: Record<string, unknown> };
}

function isAxiosError(error: unknown): error is HttpClientError {
  return typeof error === 'object' && error !== null && (error as { isAxiosError?: unknown }).isAxiosError === true;
}

export interface NeonConnection {
  apiKey: string;
  projectId: string;
  apiHost?: string;
}

export interface NeonCallContext {
  api: NeonApi;
  projectId: string;
  log: Log;
  /** Absolute deadline (ms since epoch) for retries of one call. */
  deadline: number;
}

/**
 * Longest wait between attempts while Neon answers 423 (the branch or project has a running
 * operation): the lock clears when that operation ends, typically within seconds, so the
 * retry lands at most this long (plus one request) after it clears. Paced callers (the
 * cleanup sweep) still take a rate-limit token for every attempt.
 */
export const NEON_LOCKED_MAX_DELAY_MS = 750;

/** Per request: generous, since branch creation can take a while under load. */
const REQUEST_TIMEOUT_MS = 60_000;

/** The deadline of the callNeon running now, so one request never outlives wait-timeout. */
const currentDeadline = new AsyncLocalStorage<number>();

export function createNeonApi(connection: NeonConnection): NeonApi {
  const api = createApiClient({
    apiKey: connection.apiKey,
    baseURL: (connection.apiHost ?? DEFAULT_NEON_API_HOST).replace(/\/+$/, ''),
    timeout: REQUEST_TIMEOUT_MS,
    headers: { 'User-Agent': 'preview-db' },
  });
  api.instance.interceptors.request.use((config) => {
    const deadline = currentDeadline.getStore();
    if (deadline !== undefined) config.timeout = Math.max(1_000, Math.min(REQUEST_TIMEOUT_MS, deadline - Date.now()));
    return config;
  });
  return api;
}

export function neonStatus(error: unknown): number | undefined {
  return isAxiosError(error) ? error.response?.status : undefined;
}

/** Neon's own words from an error body `{ code, message }`. */
function neonMessage(error: unknown): string {
  if (isAxiosError(error)) {
    const data = error.response?.data as { message?: string; code?: string } | undefined;
    if (data?.message) return data.message;
    return error.code ? `${error.code}: ${error.message}` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export function classifyNeonError(error: unknown): RetryVerdict {
  if (!isAxiosError(error)) return { retry: false };
  const status = error.response?.status;
  if (status === undefined) {
    const code = error.code ?? '';
    // axios reports its own per-request timeout as ECONNABORTED / ETIMEDOUT.
    if (TRANSIENT_NETWORK_CODES.has(code) || code === 'ERR_NETWORK' || /socket hang up/i.test(error.message)) {
      return { retry: true, reason: `network error ${code || error.message}` };
    }
    return { retry: false };
  }
  if (!isTransientStatus(status)) return { retry: false };
  const header = error.response?.headers?.['retry-after'] as string | undefined;
  return {
    retry: true,
    reason: `HTTP ${status} ${neonMessage(error)}`,
    retryAfterMs: parseRetryAfter(header),
    ...(status === 423 ? { maxDelayMs: NEON_LOCKED_MAX_DELAY_MS } : {}),
  };
}

/** What to do about a permanent failure, for the person reading the log. */
function adviceFor(status: number | undefined, what: string): string {
  switch (status) {
    case 401:
      return 'The Neon API key was refused: check the neon-api-key secret (an API key from the Neon console, Account settings → API keys) and that it has not been revoked.';
    case 403:
      return `The Neon API key may not ${what}: use a key of the organization that owns the project.`;
    case 404:
      return `Not found while trying to ${what}: check neon-project-id (and parent or branch names).`;
    case 422:
    case 400:
      return `Neon refused the request to ${what}.`;
    default:
      return `Neon failed to ${what}.`;
  }
}

/**
 * Calls Neon, retrying 423/429/5xx/timeouts/resets with backoff and jitter (honouring
 * Retry-After) until the deadline; other failures become a PermanentError at once.
 */
export async function callNeon<T>(context: NeonCallContext, what: string, request: () => Promise<{ data: T }>): Promise<T> {
  try {
    const response = await withRetries(() => currentDeadline.run(context.deadline, request), {
      deadline: context.deadline,
      classify: classifyNeonError,
      onRetry: ({ attempt, delayMs, reason }) => context.log.info(`Neon: ${what}: ${reason}; retry ${attempt} in ${delayMs}ms`),
    });
    return response.data;
  } catch (error) {
    const status = neonStatus(error) ?? neonStatus((error as { lastError?: unknown }).lastError);
    const underlying = (error as { lastError?: unknown }).lastError ?? error;
    throw new PermanentError(`${adviceFor(status, what)} (${status ? `HTTP ${status}: ` : ''}${neonMessage(underlying)})`, status);
  }
}

/** Reads every page of a cursor-paginated Neon list. */
export async function collectPages<T>(fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | undefined;
  const seen = new Set<string>();
  for (;;) {
    const page = await fetchPage(cursor);
    all.push(...page.items);
    if (!page.next || page.items.length === 0 || seen.has(page.next)) return all;
    seen.add(page.next);
    cursor = page.next;
  }
}

/** Listing a project's branches failed: a 404 is the project id's fault and a 401 the API key's; anything else as it came. */
export function projectAccessError(error: unknown, projectId: string): unknown {
  if (error instanceof PermanentError && error.status === 404)
    return new SettingError(
      'neonProjectId',
      `project '${projectId}' was not found. Check the project id (Settings → General in the Neon console) and that the API key belongs to its organization.`,
    );
  if (error instanceof PermanentError && error.status === 401) return new SettingError('neonApiKey', error.message);
  return error;
}
