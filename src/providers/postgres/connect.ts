import pg from 'pg';
import { withRetries, TRANSIENT_NETWORK_CODES, type RetryVerdict } from '../../shared/retry.js';
import type { Log } from '../../shared/log.js';

/** Postgres SQLSTATEs that a later attempt can outlive: startup, shutdown, too many connections. */
const TRANSIENT_SQLSTATES = new Set(['57P03', '57P01', '57P02', '53300', '08000', '08001', '08003', '08004', '08006']);

export function classifyPostgresError(error: unknown): RetryVerdict {
  const code = (error as { code?: string }).code ?? '';
  if (TRANSIENT_NETWORK_CODES.has(code) || TRANSIENT_SQLSTATES.has(code)) return { retry: true, reason: `${code} ${(error as Error).message}` };
  if (/Connection terminated|timeout expired|ECONNRESET/i.test((error as Error).message ?? '')) return { retry: true, reason: (error as Error).message };
  return { retry: false };
}

export function newClient(url: string, options: { connectTimeoutMs?: number; applicationName?: string } = {}): pg.Client {
  return new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    application_name: options.applicationName ?? 'preview-db',
  });
}

export interface ConnectRetryOptions {
  /** Backoff bounds between attempts (defaults 200 ms → 3 s); a compute known to be starting is worth polling faster. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Stops waiting (rejects with the signal's reason) when aborted. */
  signal?: AbortSignal;
}

/** Opens a connection, retrying while the server starts or a compute wakes up. */
export async function connectWithRetry(url: string, deadline: number, log: Log, what = 'database', options: ConnectRetryOptions = {}): Promise<pg.Client> {
  const { signal } = options;
  return withRetries(
    async () => {
      signal?.throwIfAborted();
      const client = newClient(url);
      // An idle client whose server goes away emits 'error'; without a listener Node exits.
      client.on('error', (error) => log.debug(`${what}: connection error: ${error.message}`));
      try {
        await client.connect();
        return client;
      } catch (error) {
        await client.end().catch(() => {});
        throw error;
      }
    },
    {
      deadline,
      classify: (error) => (signal?.aborted ? { retry: false } : classifyPostgresError(error)),
      baseDelayMs: options.baseDelayMs ?? 200,
      maxDelayMs: options.maxDelayMs ?? 3_000,
      ...(signal ? { sleep: (ms: number) => abortableSleep(ms, signal) } : {}),
      // Fast polling would flood the log: the first miss and then every tenth say so.
      onRetry: ({ attempt, reason, delayMs }) => (attempt === 1 || attempt % 10 === 0 ? log.info : log.debug).call(log, `${what} not reachable yet (${reason}); retrying in ${delayMs}ms`),
    },
  );
}

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

/** The compute answers a real query: the honest definition of ready. */
export async function waitForSelectOne(url: string, deadline: number, log: Log, what = 'database', options: ConnectRetryOptions = {}): Promise<void> {
  const client = await connectWithRetry(url, deadline, log, what, options);
  try {
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => {});
  }
}

/** Splits a connection URL into the parts the actions output; the password stays a separate value. */
export function describeUrl(url: string): { host: string; port: string; database: string; user: string; password: string } {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: parsed.port,
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
  };
}

/** The same server and credentials, another database. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** The same server and database, other credentials. */
export function withCredentials(url: string, user: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(user);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}
