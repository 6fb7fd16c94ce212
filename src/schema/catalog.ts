// A comparable picture of a database's schema, read from the catalogs: tables, columns,
// indexes and constraints of every user schema. Used to show what a pull request changes.
import type pg from 'pg';

export type SchemaObjectKind = 'table' | 'column' | 'index' | 'constraint';

export interface SchemaObject {
  kind: SchemaObjectKind;
  /** Qualified name: `schema.table`, `schema.table.column`, `schema.index`, `schema.table.constraint`. */
  name: string;
  /** The table it belongs to (`schema.table`); for a table, itself. */
  table: string;
  /** What makes two versions differ: the column's type and nullability, the index or constraint definition. */
  definition: string;
}

const USER_SCHEMAS =
  "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'";

export async function readSchema(client: pg.Client, options: { ignoreTables?: string[] } = {}): Promise<SchemaObject[]> {
  const ignored = new Set(options.ignoreTables ?? []);
  const tables = await client.query<{ name: string; kind: string }>(
    `SELECT n.nspname || '.' || c.relname AS name, c.relkind AS kind
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND ${USER_SCHEMAS}`,
  );
  const columns = await client.query<{ table_name: string; name: string; definition: string }>(
    `SELECT n.nspname || '.' || c.relname AS table_name, a.attname AS name,
            format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
              || COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '') AS definition
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped AND ${USER_SCHEMAS}`,
  );
  const indexes = await client.query<{ table_name: string; name: string; definition: string }>(
    `SELECT n.nspname || '.' || t.relname AS table_name, n.nspname || '.' || i.relname AS name, pg_get_indexdef(i.oid) AS definition
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = i.relnamespace
      WHERE ${USER_SCHEMAS}`,
  );
  const constraints = await client.query<{ table_name: string; name: string; definition: string }>(
    `SELECT n.nspname || '.' || t.relname AS table_name, con.conname AS name,
            pg_get_constraintdef(con.oid) || CASE WHEN con.convalidated THEN '' ELSE ' (not validated)' END AS definition
       FROM pg_constraint con
       JOIN pg_class t ON t.oid = con.conrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE con.contype IN ('p', 'u', 'f', 'c', 'x') AND ${USER_SCHEMAS}`,
  );
  const objects: SchemaObject[] = [];
  for (const row of tables.rows)
    if (!ignored.has(row.name)) objects.push({ kind: 'table', name: row.name, table: row.name, definition: row.kind === 'p' ? 'partitioned' : '' });
  for (const row of columns.rows)
    if (!ignored.has(row.table_name))
      objects.push({ kind: 'column', name: `${row.table_name}.${row.name}`, table: row.table_name, definition: row.definition });
  for (const row of indexes.rows)
    if (!ignored.has(row.table_name)) objects.push({ kind: 'index', name: row.name, table: row.table_name, definition: row.definition });
  for (const row of constraints.rows)
    if (!ignored.has(row.table_name))
      objects.push({ kind: 'constraint', name: `${row.table_name}.${row.name}`, table: row.table_name, definition: row.definition });
  return objects.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}
