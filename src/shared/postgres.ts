import pg from 'pg';
import { withRetries, TRANSIENT_NETWORK_CODES, type RetryVerdict } from './retry.js';
import type { Log } from './log.js';

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

/** Opens a connection, retrying while the server starts or a compute wakes up. */
export async function connectWithRetry(url: string, deadline: number, log: Log, what = 'database'): Promise<pg.Client> {
  return withRetries(
    async () => {
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
    { deadline, classify: classifyPostgresError, baseDelayMs: 200, maxDelayMs: 3_000, onRetry: ({ reason, delayMs }) => log.info(`${what} not reachable yet (${reason}); retrying in ${delayMs}ms`) },
  );
}

/** The compute answers a real query: the honest definition of ready. */
export async function waitForSelectOne(url: string, deadline: number, log: Log, what = 'database'): Promise<void> {
  const client = await connectWithRetry(url, deadline, log, what);
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
