// Everything that talks to Postgres shares this: opening a connection (transient failures
// retried), the one classification of errors a later attempt can outlive, telling a lost
// connection apart, describing a target for messages, and reading the server's version.
import pg from 'pg';
import { DeadlineExceededError, abortableSleep, withRetries, TRANSIENT_NETWORK_CODES, type RetryVerdict } from './retry.js';
import { SettingError } from './errors.js';
import type { Log } from './log.js';

/**
 * Postgres SQLSTATEs a later attempt can outlive: class 08 (connection exception: cannot
 * connect now, connection lost), 57P01-57P03 (the server shuts down, crashed or starts up),
 * 53300 (too many connections).
 */
export const TRANSIENT_SQLSTATES: ReadonlySet<string> = new Set(['08000', '08001', '08003', '08004', '08006', '57P01', '57P02', '57P03', '53300']);

/** What node-postgres says when the socket went away without a SQLSTATE. */
const CONNECTION_LOST_MESSAGE = /Connection terminated|connection.*(ended|closed)|not queryable|timeout expired|ECONNRESET|EPIPE/i;

function codeOf(error: unknown): string {
  return String((error as { code?: unknown } | undefined)?.code ?? '');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A later attempt may succeed: the server is starting, full, or the network dropped the connection. */
export function isTransientPostgresError(error: unknown): boolean {
  const code = codeOf(error);
  return TRANSIENT_NETWORK_CODES.has(code) || TRANSIENT_SQLSTATES.has(code) || CONNECTION_LOST_MESSAGE.test(messageOf(error));
}

export function classifyPostgresError(error: unknown): RetryVerdict {
  if (!isTransientPostgresError(error)) return { retry: false };
  const code = codeOf(error);
  return { retry: true, reason: code ? `${code} ${messageOf(error)}` : messageOf(error) };
}

/**
 * The session is gone (the server ended it, or the network did): whatever ran on it may or
 * may not have committed, so the caller must look before it reports. Unlike
 * `isTransientPostgresError`, "too many connections" is no loss: that session never existed.
 */
export function isConnectionLoss(error: unknown): boolean {
  const code = codeOf(error);
  return (
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03' ||
    code.startsWith('08') ||
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    CONNECTION_LOST_MESSAGE.test(messageOf(error))
  );
}

/** Where a URL points, without its credentials: `host:port/database`, for messages. */
export function describeTarget(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname}`;
  } catch {
    return 'the database';
  }
}

/** The server's version as a number (`170002` for 17.2), read with `SHOW server_version_num`. */
export async function serverVersionNum(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ server_version_num: string }>('SHOW server_version_num');
  return versionFromRow(rows[0]);
}

/** The number in the row `SHOW server_version_num` answers (for callers that ask it with other questions). */
export function versionFromRow(row: { server_version_num?: string | null } | undefined): number {
  const version = Number(row?.server_version_num);
  if (!Number.isSafeInteger(version) || version <= 0) throw new Error(`the server reported no usable server_version_num (${JSON.stringify(row ?? null)})`);
  return version;
}

export function newClient(url: string, options: { connectTimeoutMs?: number; applicationName?: string } = {}): pg.Client {
  return new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    application_name: options.applicationName ?? 'preview-db',
  });
}

/** What to check when a connection failed, by the error's code; '' when the error says it all. */
export function connectionFailureHint(error: unknown): string {
  const code = codeOf(error);
  if (code === '28P01' || code === '28000') return 'the server refused its user name or password.';
  if (code === '3D000') return 'the database it names does not exist on that server.';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'its host name does not resolve.';
  if (code === 'ECONNREFUSED') return 'nothing accepts connections at its host and port.';
  if (code === 'ETIMEDOUT' || /timeout expired/i.test(messageOf(error))) return 'the server did not answer in time (a firewall, or the wrong host or port).';
  return '';
}

export interface ConnectOptions {
  applicationName?: string;
  /**
   * The setting that holds this URL (`databaseUrl`, `postgresAdminUrl`): a connection that
   * still fails at the deadline is then a SettingError naming it, so the entry point can name
   * the input.
   */
  setting?: string;
  /** Backoff bounds between attempts (defaults 200 ms → 3 s); a compute known to be starting is worth polling faster. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Stops waiting (rejects with the signal's reason) when aborted. */
  signal?: AbortSignal;
}

/**
 * Opens a connection, retrying while the server starts or a compute wakes up. Each attempt
 * waits at most until `deadline` (and 10 s), so the whole wait is bounded by it.
 */
export async function connectWithRetry(url: string, deadline: number, log: Log, what = 'database', options: ConnectOptions = {}): Promise<pg.Client> {
  try {
    return await openWithRetry(url, deadline, log, what, options);
  } catch (error) {
    if (!options.setting) throw error;
    const cause = error instanceof DeadlineExceededError ? (error.lastError ?? error) : error;
    const hint = connectionFailureHint(cause);
    throw new SettingError(options.setting, `cannot connect to ${describeTarget(url)} (${what}): ${messageOf(cause)}${hint ? `; ${hint}` : '.'}`, { cause });
  }
}

async function openWithRetry(url: string, deadline: number, log: Log, what: string, options: ConnectOptions): Promise<pg.Client> {
  const { signal } = options;
  return withRetries(
    async () => {
      signal?.throwIfAborted();
      const client = newClient(url, { applicationName: options.applicationName, connectTimeoutMs: Math.max(1_000, Math.min(10_000, deadline - Date.now())) });
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
      onRetry: ({ attempt, reason, delayMs }) =>
        (attempt === 1 || attempt % 10 === 0 ? log.info : log.debug).call(log, `${what} not reachable yet (${reason}); retrying in ${delayMs}ms`),
    },
  );
}

/** The compute answers a real query: the honest definition of ready. */
export async function waitForSelectOne(url: string, deadline: number, log: Log, what = 'database', options: ConnectOptions = {}): Promise<void> {
  const client = await connectWithRetry(url, deadline, log, what, options);
  try {
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => {});
  }
}

// Light helpers on the URL alone (no pg), for the input readers too.
export { describeUrl, withCredentials, withDatabase } from './postgres-url.js';
export { abortableSleep } from './retry.js';
