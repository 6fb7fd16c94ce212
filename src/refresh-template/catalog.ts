// What the copy needs to know about a database's tables: columns and their types, primary
// keys, foreign keys, user triggers, sequences. Read the same way from production (inside
// its snapshot) and from the template being built.
import type pg from 'pg';

export interface ColumnInfo {
  name: string;
  /** format_type(): `text`, `character varying(40)`, `timestamp with time zone`, ... */
  type: string;
  /** pg_type.typcategory: `S` string, `D` date/time, `N` numeric, `I` network address, ... */
  category: string;
  notNull: boolean;
  /** A generated (stored) column: Postgres computes it, COPY cannot write it. */
  generated: boolean;
}

export interface ForeignKey {
  name: string;
  /** `schema.table` holding the constraint. */
  table: string;
  /** `schema.table` it references. */
  references: string;
  columns: string[];
  referencedColumns: string[];
  /** pg_get_constraintdef(): re-creates it after a load that had to drop it. */
  definition: string;
}

export interface TableInfo {
  /** `schema.table` */
  name: string;
  schema: string;
  relname: string;
  partitioned: boolean;
  columns: ColumnInfo[];
  primaryKey: string[];
  foreignKeys: ForeignKey[];
  hasUserTriggers: boolean;
}

export interface SequenceInfo {
  /** `schema.sequence` */
  name: string;
  lastValue: string | null;
}

const USER_SCHEMAS =
  "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'";
// Tables an extension owns (PostGIS's spatial_ref_sys) are the extension's to fill.
const NOT_EXTENSION = "NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')";

/** Ordinary and partitioned tables of the user schemas; partitions are copied through their root. */
export async function readTables(client: pg.Client): Promise<Map<string, TableInfo>> {
  const tables = await client.query<{ oid: number; schema: string; relname: string; kind: string; triggers: boolean }>(
    `SELECT c.oid::int AS oid, n.nspname AS schema, c.relname, c.relkind AS kind,
            EXISTS (SELECT 1 FROM pg_trigger tg WHERE tg.tgrelid = c.oid AND NOT tg.tgisinternal) AS triggers
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND ${USER_SCHEMAS} AND ${NOT_EXTENSION}`,
  );
  const columns = await client.query<{ oid: number; name: string; type: string; category: string; not_null: boolean; generated: boolean }>(
    `SELECT a.attrelid::int AS oid, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, t.typcategory AS category,
            a.attnotnull AS not_null, a.attgenerated <> '' AS generated
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
      WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attrelid, a.attnum`,
    [tables.rows.map((row) => row.oid)],
  );
  const constraints = await client.query<{
    oid: number;
    name: string;
    type: string;
    columns: string[];
    ref_schema: string | null;
    ref_table: string | null;
    ref_columns: string[] | null;
    definition: string;
  }>(
    `SELECT con.conrelid::int AS oid, con.conname AS name, con.contype AS type,
            ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i)::text[] AS columns,
            rn.nspname AS ref_schema, rc.relname AS ref_table,
            ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i)::text[] AS ref_columns,
            pg_get_constraintdef(con.oid) AS definition
       FROM pg_constraint con
       LEFT JOIN pg_class rc ON rc.oid = con.confrelid
       LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
      WHERE con.conrelid = ANY($1::oid[]) AND con.contype IN ('p', 'f') AND con.conparentid = 0
      ORDER BY con.conname`,
    [tables.rows.map((row) => row.oid)],
  );
  const byOid = new Map<number, TableInfo>();
  const result = new Map<string, TableInfo>();
  for (const row of tables.rows) {
    const info: TableInfo = {
      name: `${row.schema}.${row.relname}`,
      schema: row.schema,
      relname: row.relname,
      partitioned: row.kind === 'p',
      columns: [],
      primaryKey: [],
      foreignKeys: [],
      hasUserTriggers: row.triggers,
    };
    byOid.set(row.oid, info);
    result.set(info.name, info);
  }
  for (const row of columns.rows)
    byOid.get(row.oid)?.columns.push({ name: row.name, type: row.type, category: row.category, notNull: row.not_null, generated: row.generated });
  for (const row of constraints.rows) {
    const table = byOid.get(row.oid);
    if (!table) continue;
    if (row.type === 'p') table.primaryKey = row.columns;
    else
      table.foreignKeys.push({
        name: row.name,
        table: table.name,
        references: `${row.ref_schema}.${row.ref_table}`,
        columns: row.columns,
        referencedColumns: row.ref_columns ?? [],
        definition: row.definition,
      });
  }
  return new Map([...result.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

/** Sequences with their current value (null when never used, or not readable by this role). */
export async function readSequences(client: pg.Client): Promise<SequenceInfo[]> {
  const { rows } = await client.query<{ name: string; last_value: string | null }>(
    `SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) AS name,
            CASE WHEN has_sequence_privilege(quote_ident(schemaname) || '.' || quote_ident(sequencename), 'SELECT') THEN last_value END::text AS last_value
       FROM pg_sequences WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`,
  );
  return rows.map((row) => ({ name: row.name, lastValue: row.last_value }));
}
