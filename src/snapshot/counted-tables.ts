// Which tables `record-counts` may name: checked by the input reader before pg loads
// (counts.ts, which counts them, re-exports these).
import { InputError } from '../shared/errors.js';

/** Tag keys under which the snapshot action records row counts (`record-counts`). */
export const ROW_COUNT_TAG_PREFIX = 'row-count:';

/** RDS allows 50 tags a resource; ours and the user's need some. */
export const MAX_COUNTED_TABLES = 20;

export function validateCountedTables(tables: string[], input = 'record-counts'): string[] {
  if (tables.length > MAX_COUNTED_TABLES)
    throw new InputError(
      input,
      `names ${tables.length} tables; at most ${MAX_COUNTED_TABLES} fit in the snapshot's tags. Pick the tables whose loss you would notice first.`,
    );
  for (const table of tables) {
    if (!/^[A-Za-z0-9_$]+(\.[A-Za-z0-9_$]+)?$/.test(table) || `${ROW_COUNT_TAG_PREFIX}${table}`.length > 128) {
      throw new InputError(
        input,
        `'${table}' is not a table name this action can record (table or schema.table; letters, digits, _ and $; the tag key row-count:<table> must fit in 128 characters).`,
      );
    }
  }
  return tables;
}
