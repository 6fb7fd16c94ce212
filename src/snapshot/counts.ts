// Row counts recorded with a snapshot (`record-counts`), so a restore can check the restored
// copy against them (`expect-counts: recorded`). Counted in one REPEATABLE READ, read-only
// transaction just before the snapshot is started: one consistent view of all tables. Writes
// between the count and the snapshot make them differ; count on a quiet database (the
// pre-deploy moment usually is one) or give expect-counts as JSON instead.
import { InputError, errorMessage } from '../shared/errors.js';
import type { Log } from '../shared/log.js';
import { connectWithRetry } from '../shared/postgres.js';
import { qualifiedTable } from '../shared/naming.js';
import { ROW_COUNT_TAG_PREFIX } from './counted-tables.js';

export { MAX_COUNTED_TABLES, ROW_COUNT_TAG_PREFIX, validateCountedTables } from './counted-tables.js';

export async function countRows(url: string, tables: string[], deadline: number, log: Log): Promise<Record<string, number>> {
  const client = await connectWithRetry(url, deadline, log, 'database to count');
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const counts: Record<string, number> = {};
    for (const table of tables) {
      try {
        const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${qualifiedTable(table)}`);
        counts[table] = Number(rows[0]!.n);
      } catch (error) {
        throw new InputError(
          'record-counts',
          `cannot count ${table}: ${errorMessage(error)}. Check the table name and that database-url's user may read it; no snapshot was taken.`,
        );
      }
    }
    log.info(
      `Row counts: ${Object.entries(counts)
        .map(([t, n]) => `${t}=${n}`)
        .join(', ')}`,
    );
    return counts;
  } finally {
    await client.query('ROLLBACK').catch(() => {});
    await client.end().catch(() => {});
  }
}

export function countTags(counts: Record<string, number>): Array<{ Key: string; Value: string }> {
  return Object.entries(counts).map(([table, n]) => ({ Key: `${ROW_COUNT_TAG_PREFIX}${table}`, Value: String(n) }));
}

export function recordedCounts(tags: Record<string, string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [key, value] of Object.entries(tags)) {
    if (key.startsWith(ROW_COUNT_TAG_PREFIX) && /^\d+$/.test(value)) counts[key.slice(ROW_COUNT_TAG_PREFIX.length)] = Number(value);
  }
  return counts;
}
