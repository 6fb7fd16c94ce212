// Checks on a restored database: it answers `SELECT 1`, named tables hold the rows they held
// when the snapshot was taken, and the user's SQL checks hold. Everything runs inside a
// read-only transaction that is rolled back: verification never changes the restored data.
import { errorMessage } from '../shared/errors.js';
import { qualifiedTable } from '../shared/naming.js';
import type { Log } from '../shared/log.js';
import { connectWithRetry } from '../shared/postgres.js';
import type { Check } from './types.js';

export interface VerifyTarget {
  /** Credentials, database and parameters. */
  url: string;
  /** The restored database's endpoint; replaces the URL's host and port. */
  endpoint?: { address: string; port: number };
  expectCounts?: Record<string, number>;
  sql?: { path: string; text: string };
  deadline: number;
}

/** The verify URL pointed at the restored endpoint. */
export function urlFor(url: string, endpoint?: { address: string; port: number }): string {
  if (!endpoint) return url;
  const parsed = new URL(url);
  parsed.hostname = endpoint.address;
  parsed.port = String(endpoint.port);
  return parsed.toString();
}

const truthy = (value: unknown) =>
  value === true || value === 't' || (typeof value === 'number' && value !== 0) || (typeof value === 'string' && /^(true|t|1|ok)$/i.test(value));

export async function verifyRestored(target: VerifyTarget, log: Log): Promise<Check[]> {
  const checks: Check[] = [];
  const url = urlFor(target.url, target.endpoint);
  let client;
  try {
    client = await connectWithRetry(url, target.deadline, log, 'restored database');
  } catch (error) {
    checks.push({ name: 'connect', ok: false, detail: errorMessage(error) });
    return checks;
  }
  try {
    try {
      const { rows } = await client.query<{ one: number }>('SELECT 1 AS one');
      checks.push({ name: 'SELECT 1', ok: rows[0]?.one === 1, detail: rows[0]?.one === 1 ? 'answered' : `answered ${JSON.stringify(rows)}` });
    } catch (error) {
      checks.push({ name: 'SELECT 1', ok: false, detail: errorMessage(error) });
      return checks;
    }
    for (const [table, expected] of Object.entries(target.expectCounts ?? {})) {
      try {
        await client.query('BEGIN READ ONLY');
        const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${qualifiedTable(table)}`);
        const actual = Number(rows[0]?.n);
        checks.push({
          name: `rows in ${table}`,
          ok: actual === expected,
          detail: actual === expected ? `${actual}, as recorded` : `${actual}, expected ${expected}`,
        });
      } catch (error) {
        checks.push({ name: `rows in ${table}`, ok: false, detail: errorMessage(error) });
      } finally {
        await client.query('ROLLBACK').catch(() => {});
      }
    }
    if (target.sql) {
      const name = `checks in ${target.sql.path}`;
      try {
        await client.query('BEGIN READ ONLY');
        const results = await client.query(target.sql.text);
        const list = Array.isArray(results) ? results : [results];
        const failed: string[] = [];
        list.forEach((result, index) => {
          if (!result.fields || result.fields.length === 0) return;
          result.rows.forEach((row: Record<string, unknown>, rowIndex: number) => {
            const first = row[result.fields[0]!.name];
            if (!truthy(first))
              failed.push(
                `statement ${index + 1}${result.rows.length > 1 ? ` row ${rowIndex + 1}` : ''} (${result.fields[0]!.name}) returned ${JSON.stringify(first)}`,
              );
          });
        });
        checks.push({
          name,
          ok: failed.length === 0,
          detail: failed.length === 0 ? `${list.length} statement${list.length === 1 ? '' : 's'} held` : failed.join('; '),
        });
      } catch (error) {
        checks.push({ name, ok: false, detail: errorMessage(error) });
      } finally {
        await client.query('ROLLBACK').catch(() => {});
      }
    }
  } finally {
    await client.end().catch(() => {});
  }
  for (const check of checks) log.info(`${check.ok ? 'ok' : 'FAILED'}: ${check.name}: ${check.detail}`);
  return checks;
}
