/**
 * Retries with exponential backoff and full jitter, bounded by a deadline. Whether an
 * error heals is decided by the caller's `classify`, so one mechanism serves Neon (HTTP),
 * RDS (AWS error codes) and Postgres (connection errors).
 */
export type RetryVerdict =
  | { retry: false }
  | {
      retry: true;
      reason: string;
      retryAfterMs?: number;
      /**
       * The longest backoff this kind of failure deserves, below the caller's `maxDelayMs`.
       * A lock (Neon's 423) clears by itself at a moment nobody announces: backing off
       * further only adds seconds after it has cleared.
       */
      maxDelayMs?: number;
    };

export interface RetryOptions {
  /** Absolute time (ms since epoch) after which no new attempt starts. */
  deadline: number;
  classify: (error: unknown) => RetryVerdict;
  /** First backoff step; doubles each attempt up to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  onRetry?: (info: { attempt: number; delayMs: number; reason: string; error: unknown }) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sleeps, or rejects with the signal's reason as soon as it is aborted. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export class DeadlineExceededError extends Error {
  constructor(
    message: string,
    readonly lastError: unknown,
  ) {
    super(message);
    this.name = 'DeadlineExceededError';
  }
}

export function backoffDelay(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  // Full jitter: spreads twins apart so they do not retry in lockstep.
  return Math.max(1, Math.round(random() * ceiling));
}

export async function withRetries<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { deadline, classify, baseDelayMs = 250, maxDelayMs = 10_000, onRetry } = options;
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      const verdict = classify(error);
      if (!verdict.retry) throw error;
      const backoff = backoffDelay(attempt, baseDelayMs, Math.min(maxDelayMs, verdict.maxDelayMs ?? maxDelayMs), random);
      // A server's Retry-After is a floor, jitter is still added so twins spread out.
      const delayMs = verdict.retryAfterMs !== undefined ? verdict.retryAfterMs + Math.round(random() * baseDelayMs) : backoff;
      if (now() + delayMs > deadline) {
        throw new DeadlineExceededError(`gave up after ${attempt} attempt(s): ${verdict.reason}`, error);
      }
      onRetry?.({ attempt, delayMs, reason: verdict.reason, error });
      await wait(delayMs);
    }
  }
}

/** Parses an HTTP Retry-After header (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Network failures that a new attempt may not meet. */
export const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Classifies an HTTP status: 408, 423, 429 and 5xx heal; other 4xx do not. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 423 || status === 429 || status >= 500;
}

/**
 * Adaptive polling: checks quickly at first (most operations finish within seconds)
 * and backs off to `maxIntervalMs` for long ones, never past the deadline.
 */
export async function pollUntil<T>(
  check: () => Promise<T | undefined>,
  options: { deadline: number; what: string; initialIntervalMs?: number; maxIntervalMs?: number; sleep?: (ms: number) => Promise<void>; now?: () => number },
): Promise<T> {
  const { deadline, what, initialIntervalMs = 200, maxIntervalMs = 5_000 } = options;
  const wait = options.sleep ?? sleep;
  const now = options.now ?? Date.now;
  let interval = initialIntervalMs;
  for (;;) {
    const result = await check();
    if (result !== undefined) return result;
    if (now() + interval > deadline) throw new DeadlineExceededError(`timed out waiting for ${what}`, undefined);
    await wait(interval);
    interval = Math.min(maxIntervalMs, Math.ceil(interval * 1.5));
  }
}
