// Streams each table from production into the template: `COPY (SELECT ...) TO STDOUT` on a
// read-only connection inside one exported snapshot, piped straight into `COPY ... FROM
// STDIN`. No temporary files; memory stays bounded because every stage has an explicit
// highWaterMark and pg-copy-streams waits for the sockets to drain (the busy side slows
// the other down instead of filling memory).
import pg from 'pg';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import copyStreams from 'pg-copy-streams';
import type { Log } from '../shared/log.js';
import { errorMessage } from '../shared/errors.js';

/** Bytes each stage may hold before it stops asking for more. */
export const HIGH_WATER_MARK = 1 << 20;

export interface TableCopyStats {
  rows: number;
  bytes: number;
  ms: number;
  /** The most bytes seen waiting at once in the pipe (source buffer, counter, sink buffer, target socket). */
  maxBufferedBytes: number;
}

/** A read-only production session: every transaction read-only, whatever a query asks. */
export async function openSource(url: string, applicationName = 'preview-db refresh-template'): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: applicationName, connectionTimeoutMillis: 30_000 });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query('SET default_transaction_read_only = on');
    // A copy may take longer than a default the role carries, and the snapshot's own
    // session waits idle in its transaction while the others copy; everything is read-only.
    await client.query('SET statement_timeout = 0');
    await client.query('SET idle_in_transaction_session_timeout = 0');
    // As pg_dump does: a table whose row-level security would hide rows from this role fails
    // the copy instead of silently copying part of it.
    await client.query('SET row_security = off');
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
  return client;
}

export async function openTarget(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, application_name: 'preview-db refresh-template', connectionTimeoutMillis: 30_000 });
  client.on('error', () => {});
  await client.connect();
  await client.query('SET synchronous_commit = off');
  return client;
}

/** Starts the snapshot every copy reads from; returns its id for SET TRANSACTION SNAPSHOT. */
export async function beginSnapshot(source: pg.Client): Promise<string> {
  await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  const { rows } = await source.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
  return rows[0]!.id;
}

export async function joinSnapshot(source: pg.Client, snapshot: string): Promise<void> {
  await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  await source.query(`SET TRANSACTION SNAPSHOT '${snapshot.replace(/'/g, "''")}'`);
}

/**
 * Copies one table. Rejects (and the target rolls the COPY back) when either side fails.
 * `label` names the table in a warning when buffers grow past four highWaterMarks.
 */
export async function copyTable(
  source: pg.Client,
  target: pg.Client,
  copyOut: string,
  copyIn: string,
  log: Log,
  label: string,
  highWaterMark = HIGH_WATER_MARK,
): Promise<TableCopyStats> {
  const started = performance.now();
  const reader = source.query(copyStreams.to(copyOut, { highWaterMark }));
  const writer = target.query(copyStreams.from(copyIn, { highWaterMark }));
  let bytes = 0;
  let maxBuffered = 0;
  let warned = false;
  const targetSocket = () => (writer as unknown as { connection?: { stream?: { writableLength?: number } } }).connection?.stream?.writableLength ?? 0;
  const counter = new Transform({
    readableHighWaterMark: highWaterMark,
    writableHighWaterMark: highWaterMark,
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      const buffered = reader.readableLength + counter.readableLength + counter.writableLength + writer.writableLength + targetSocket();
      if (buffered > maxBuffered) maxBuffered = buffered;
      if (!warned && buffered > 4 * highWaterMark) {
        warned = true;
        log.warning(
          `${label}: ${buffered} bytes waiting in the copy pipe (source ${reader.readableLength}, sink ${writer.writableLength}, target socket ${targetSocket()}); expected at most about ${3 * highWaterMark}.`,
        );
      }
      callback(null, chunk);
    },
  });
  try {
    await pipeline(reader, counter, writer);
  } catch (error) {
    throw new Error(`copying ${label} failed: ${withoutValues(error)}`, { cause: error });
  }
  return { rows: writer.rowCount, bytes, ms: performance.now() - started, maxBufferedBytes: maxBuffered };
}

/**
 * A data exception (SQLSTATE class 22) quotes the value it choked on, which may be an
 * unmasked production value: its quoted parts are left out of what is reported.
 */
export function withoutValues(error: unknown): string {
  const code = (error as { code?: string }).code ?? '';
  const message = errorMessage(error);
  if (!code.startsWith('22')) return message;
  return `${message.replace(/"(?:[^"]|"")*"/g, '"…"')} (SQLSTATE ${code}; the value is not shown, as it may be unmasked)`;
}
