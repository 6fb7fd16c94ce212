// The migration session: connecting (shared/postgres retries transient failures), the advisory lock that
// serialises concurrent runs, session settings, and the built-in runner's history table.
import pg from 'pg';
import { createHash } from 'node:crypto';
import { quoteIdent, quoteLiteral } from '../shared/naming.js';
import { DeadlineExceededError, sleep } from '../shared/retry.js';
import { connectWithRetry, versionFromRow } from '../shared/postgres.js';
import type { Log } from '../shared/log.js';

export type Client = pg.Client;

export const APPLICATION_NAME = 'preview-db migrate';

export async function connect(url: string, log: Log, options: { deadlineMs?: number; applicationName?: string } = {}): Promise<Client> {
  const deadline = Date.now() + (options.deadlineMs ?? 60_000);
  return connectWithRetry(url, deadline, log, 'the database to migrate', {
    applicationName: options.applicationName ?? APPLICATION_NAME,
    setting: 'databaseUrl',
  });
}

export { parseTableName } from './settings.js';

/** A stable 64-bit advisory lock key per history table, so unrelated tools never collide. */
export function advisoryLockKey(historyTable: string): string {
  return BigInt.asIntN(64, BigInt(`0x${createHash('sha256').update(`preview-db:${historyTable}`).digest('hex').slice(0, 16)}`)).toString();
}

/**
 * Takes the session-level advisory lock by polling `pg_try_advisory_lock` outside any
 * transaction. A blocking `pg_advisory_lock` would keep a snapshot open while it waits,
 * and the twin holding the lock would then deadlock in `CREATE INDEX CONCURRENTLY`, which
 * waits for every older snapshot to go away.
 */
export async function acquireAdvisoryLock(
  client: Client,
  key: string,
  log: Log,
  options: { timeoutMs: number; sleep?: (ms: number) => Promise<void> },
): Promise<void> {
  const wait = options.sleep ?? sleep;
  const deadline = Date.now() + options.timeoutMs;
  let interval = 50;
  let lastNotice = 0;
  for (;;) {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [key]);
    if (rows[0]?.locked) return;
    if (Date.now() - lastNotice > 10_000) {
      lastNotice = Date.now();
      const holder = await client
        .query<{ pid: number; application_name: string; since: string }>(
          `SELECT a.pid, a.application_name, a.backend_start::text AS since FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint LIMIT 1`,
          [key],
        )
        .catch(() => ({ rows: [] as Array<{ pid: number; application_name: string; since: string }> }));
      const who = holder.rows[0] ? ` (backend ${holder.rows[0].pid}, ${holder.rows[0].application_name || 'unnamed'})` : '';
      log.info(`Another migration run holds the migration lock${who}; waiting for it to finish.`);
    }
    if (Date.now() + interval > deadline) {
      throw new DeadlineExceededError(
        `another migration run held the migration lock for more than ${Math.round(options.timeoutMs / 1000)}s; re-run when it has finished`,
        undefined,
      );
    }
    // Jittered so two waiting runners do not poll in lockstep.
    await wait(Math.round(interval / 2 + Math.random() * interval));
    interval = Math.min(1_000, interval * 2);
  }
}

export async function releaseAdvisoryLock(client: Client, key: string): Promise<void> {
  await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
}

export { serverVersionNum } from '../shared/postgres.js';

/** `SET lock_timeout` / `statement_timeout` at session level: every migration inherits them. */
export async function applySessionSettings(client: Client, settings: { lockTimeoutSeconds?: number; statementTimeoutSeconds?: number }): Promise<void> {
  if (settings.lockTimeoutSeconds !== undefined) await client.query(`SET lock_timeout = ${quoteLiteral(`${settings.lockTimeoutSeconds}s`)}`);
  if (settings.statementTimeoutSeconds !== undefined) await client.query(`SET statement_timeout = ${quoteLiteral(`${settings.statementTimeoutSeconds}s`)}`);
}

export interface HistoryRow {
  version: string;
  name: string;
  checksum: string;
  appliedAt: string;
  durationMs: number;
  kind: 'migration' | 'seed';
  /** What was found and measured when it was applied (see MigrationRecord); absent on older rows. */
  report?: unknown;
}

export async function tableExists(client: Client, qualified: string): Promise<boolean> {
  const { rows } = await client.query<{ oid: string | null }>('SELECT to_regclass($1)::text AS oid', [qualified]);
  return rows[0]?.oid !== null && rows[0]?.oid !== undefined;
}

/** The server's version and whether the history table exists, in one round trip (the run's first question). */
export async function probeServer(client: Client, table: { qualified: string }): Promise<{ serverVersion: number; historyExists: boolean }> {
  const results = (await client.query(`SHOW server_version_num;\nSELECT to_regclass(${quoteLiteral(table.qualified)})::text AS oid`)) as unknown as Array<{
    rows: Array<Record<string, string | null>>;
  }>;
  const oid = results[1]?.rows[0]?.oid;
  return { serverVersion: versionFromRow(results[0]?.rows[0]), historyExists: oid !== null && oid !== undefined };
}

/** Makes the history table when it is not there; true when it made it (so it is empty: the caller holds the migration lock). */
export async function ensureHistoryTable(client: Client, table: { schema: string; table?: string; qualified: string }): Promise<boolean> {
  // Whether it is there, and whether it has the report column (tables made before it get it once; checked first, so no lock is taken when it is there).
  const { rows } = await client.query<{ oid: string | null; has_report: boolean }>(
    "SELECT to_regclass($1)::text AS oid, EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = 'report' AND NOT attisdropped) AS has_report",
    [table.qualified],
  );
  if (rows[0]?.oid !== null && rows[0]?.oid !== undefined) {
    if (!rows[0].has_report) await client.query(`ALTER TABLE ${table.qualified} ADD COLUMN IF NOT EXISTS report jsonb`);
    return false;
  }
  // One round trip, one implicit transaction: the table and its mark together.
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(table.schema)};
  CREATE TABLE IF NOT EXISTS ${table.qualified} (
    version text PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    duration_ms integer NOT NULL,
    kind text NOT NULL DEFAULT 'migration',
    report jsonb
  );
  COMMENT ON TABLE ${table.qualified} IS 'Migrations applied by preview-db (managed-by=preview-db).'`);
  return true;
}

/** The history rows; `exists`, when the caller knows whether the table is there, saves asking. */
export async function readHistory(client: Client, table: { qualified: string }, known?: { exists: boolean }): Promise<HistoryRow[]> {
  if (!(known?.exists ?? (await tableExists(client, table.qualified)))) return [];
  // to_jsonb(h) -> 'report': null on tables made before the column, without failing.
  const { rows } = await client.query<{
    version: string;
    name: string;
    checksum: string;
    applied_at: string;
    duration_ms: number;
    kind: string;
    report: unknown;
  }>(`SELECT version, name, checksum, applied_at::text AS applied_at, duration_ms, kind, to_jsonb(h) -> 'report' AS report FROM ${table.qualified} h`);
  return rows.map((row) => ({
    version: row.version,
    name: row.name,
    checksum: row.checksum,
    appliedAt: row.applied_at,
    durationMs: row.duration_ms,
    kind: row.kind === 'seed' ? 'seed' : 'migration',
    report: row.report ?? undefined,
  }));
}

/** The UPDATE that keeps what was found and measured with history rows (measured after they committed), by version. */
export function historyReports(table: { qualified: string }, reports: Array<{ version: string; report: unknown }>): string {
  const rows = reports.map(
    ({ version, report }) => `(${quoteLiteral(version)}, E'${JSON.stringify(report).replace(/\\/g, '\\\\').replace(/'/g, "''")}'::jsonb)`,
  );
  return `UPDATE ${table.qualified} h SET report = v.report FROM (VALUES ${rows.join(',\n')}) AS v (version, report) WHERE h.version = v.version`;
}

/** The INSERT that records a migration, as one literal statement (it rides in the migration's own round trip). */
export function historyInsert(
  table: { qualified: string },
  row: { version: string; name: string; checksum: string; durationMs: number | 'transaction' | 'since-started'; kind?: 'migration' | 'seed'; report?: unknown },
): string {
  // Inside the migration's transaction, its duration is the time since the transaction began
  // (or, in a batch, since the `preview_db.started` mark set at its BEGIN).
  const duration =
    row.durationMs === 'transaction'
      ? '(extract(epoch FROM clock_timestamp() - now()) * 1000)::integer'
      : row.durationMs === 'since-started'
        ? "(extract(epoch FROM clock_timestamp() - current_setting('preview_db.started')::timestamptz) * 1000)::integer"
        : String(Math.round(row.durationMs));
  // An escape string literal: right whatever standard_conforming_strings says.
  const report = row.report === undefined ? '' : `, E'${JSON.stringify(row.report).replace(/\\/g, '\\\\').replace(/'/g, "''")}'::jsonb`;
  return `INSERT INTO ${table.qualified} (version, name, checksum, duration_ms, kind${report ? ', report' : ''}) VALUES (${quoteLiteral(row.version)}, ${quoteLiteral(row.name)}, ${quoteLiteral(row.checksum)}, ${duration}, ${quoteLiteral(row.kind ?? 'migration')}${report})
${row.kind === 'seed' ? ' ON CONFLICT (version) DO UPDATE SET checksum = EXCLUDED.checksum, duration_ms = EXCLUDED.duration_ms, applied_at = now()' : ''}`;
}
