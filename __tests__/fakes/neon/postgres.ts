// The real Postgres behind the fake Neon: every Neon database is a real database on the test
// server, and branching is `CREATE DATABASE <new> TEMPLATE <parent's database>`.
//
// Postgres refuses to use a database as a template while anyone else is connected to it
// (SQLSTATE 55006, "source database ... is being accessed by other users"). Neon has no such
// limit, so the fake terminates the other backends on the template (pg_terminate_backend) and
// retries a few times. Consequence for tests: a client connected to a parent branch's database
// loses its connection when a child is branched from it (or a snapshot is taken); reconnect, or
// keep a pool that recovers from terminated connections.
import pg from 'pg';

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface MaskingRuleSpec {
  database_name: string;
  schema_name: string;
  table_name: string;
  column_name: string;
  masking_function?: string;
  masking_value?: string;
}

export class RealPostgres {
  readonly admin: pg.Pool;

  constructor(readonly superuserUrl: string) {
    this.admin = new pg.Pool({ connectionString: withDatabase(superuserUrl, 'postgres'), max: 4 });
    this.admin.on('error', () => {});
  }

  async createRole(name: string, password: string): Promise<void> {
    await this.admin.query(`CREATE ROLE ${quoteIdent(name)} LOGIN PASSWORD ${quoteLiteral(password)}`);
  }

  async setRolePassword(name: string, password: string): Promise<void> {
    await this.admin.query(`ALTER ROLE ${quoteIdent(name)} PASSWORD ${quoteLiteral(password)}`);
  }

  async dropRole(name: string): Promise<void> {
    await this.admin.query(`DROP ROLE IF EXISTS ${quoteIdent(name)}`);
  }

  async createEmptyDatabase(name: string, owner: string): Promise<void> {
    await this.admin.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0 OWNER ${quoteIdent(owner)}`);
  }

  /** CREATE DATABASE name TEMPLATE template, terminating the template's other sessions and retrying. */
  async cloneDatabase(name: string, template: string, owner: string): Promise<void> {
    const attempts = 6;
    for (let attempt = 1; ; attempt++) {
      await this.admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [template]);
      try {
        await this.admin.query(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)} OWNER ${quoteIdent(owner)}`);
        return;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code !== '55006' || attempt >= attempts) throw error;
        await sleep(20 * attempt);
      }
    }
  }

  async dropDatabase(name: string): Promise<void> {
    await this.admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  }

  async renameDatabase(from: string, to: string): Promise<void> {
    await this.admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [from]);
    await this.admin.query(`ALTER DATABASE ${quoteIdent(from)} RENAME TO ${quoteIdent(to)}`);
  }

  async withClient<T>(database: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: withDatabase(this.superuserUrl, database) });
    client.on('error', () => {});
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end().catch(() => {});
    }
  }

  /** Schema-only branches: the clone keeps every object but no rows (identities restart). */
  async truncateUserTables(database: string): Promise<void> {
    await this.withClient(database, async (client) => {
      const { rows } = await client.query<{ name: string }>(
        `SELECT format('%I.%I', n.nspname, c.relname) AS name
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
            AND n.nspname NOT IN ('pg_catalog', 'information_schema')
            AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
            AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')`,
      );
      if (rows.length > 0) await client.query(`TRUNCATE ${rows.map((r) => r.name).join(', ')} RESTART IDENTITY CASCADE`);
    });
  }

  /** A deterministic, pg_dump-like text of the user schema, built from the catalogs. */
  async schemaDump(database: string): Promise<string> {
    return this.withClient(database, async (client) => {
      const userNs = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;
      const out: string[] = [];
      const schemas = await client.query<{ nspname: string }>(`SELECT n.nspname FROM pg_namespace n WHERE ${userNs} AND n.nspname <> 'public' ORDER BY 1`);
      for (const s of schemas.rows) out.push(`CREATE SCHEMA ${quoteIdent(s.nspname)};`, '');
      const enums = await client.query<{ name: string; labels: string[] }>(
        `SELECT format('%I.%I', n.nspname, t.typname) AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
           FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
          WHERE ${userNs} GROUP BY 1 ORDER BY 1`,
      );
      for (const e of enums.rows) out.push(`CREATE TYPE ${e.name} AS ENUM (${e.labels.map(quoteLiteral).join(', ')});`, '');
      const seqs = await client.query<{ name: string; data_type: string }>(
        `SELECT format('%I.%I', schemaname, sequencename) AS name, data_type::text AS data_type FROM pg_sequences
          WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
      );
      for (const s of seqs.rows) out.push(`CREATE SEQUENCE ${s.name} AS ${s.data_type};`, '');
      const cols = await client.query<{ tbl: string; col: string; type: string; notnull: boolean; def: string | null }>(
        `SELECT format('%I.%I', n.nspname, c.relname) AS tbl, quote_ident(a.attname) AS col,
                format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull, pg_get_expr(d.adbin, d.adrelid) AS def
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
           LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
          WHERE c.relkind IN ('r', 'p') AND ${userNs}
          ORDER BY 1, a.attnum`,
      );
      const tables = new Map<string, string[]>();
      for (const c of cols.rows) {
        const list = tables.get(c.tbl) ?? [];
        list.push(`    ${c.col} ${c.type}${c.def ? ` DEFAULT ${c.def}` : ''}${c.notnull ? ' NOT NULL' : ''}`);
        tables.set(c.tbl, list);
      }
      const empty = await client.query<{ tbl: string }>(
        `SELECT format('%I.%I', n.nspname, c.relname) AS tbl FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ('r', 'p') AND ${userNs} ORDER BY 1`,
      );
      for (const t of empty.rows) {
        out.push(`CREATE TABLE ${t.tbl} (`, (tables.get(t.tbl) ?? []).join(',\n'), ');', '');
      }
      const views = await client.query<{ name: string; def: string }>(
        `SELECT format('%I.%I', schemaname, viewname) AS name, definition AS def FROM pg_views
          WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
      );
      for (const v of views.rows) out.push(`CREATE VIEW ${v.name} AS`, v.def.trim(), '');
      const cons = await client.query<{ tbl: string; name: string; def: string }>(
        `SELECT format('%I.%I', n.nspname, c.relname) AS tbl, quote_ident(con.conname) AS name, pg_get_constraintdef(con.oid) AS def
           FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE ${userNs} ORDER BY 1, 2`,
      );
      for (const c of cons.rows) out.push(`ALTER TABLE ONLY ${c.tbl} ADD CONSTRAINT ${c.name} ${c.def};`);
      if (cons.rows.length) out.push('');
      const idx = await client.query<{ def: string }>(
        `SELECT pg_get_indexdef(i.indexrelid) AS def FROM pg_index i
           JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE ${userNs} AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid)
          ORDER BY 1`,
      );
      for (const i of idx.rows) out.push(`${i.def};`);
      if (idx.rows.length) out.push('');
      const fns = await client.query<{ def: string }>(
        `SELECT pg_get_functiondef(p.oid) AS def FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE ${userNs} AND p.prokind IN ('f', 'p')
            AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
          ORDER BY n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)`,
      );
      for (const f of fns.rows) out.push(`${f.def.trim()};`, '');
      return out.join('\n');
    });
  }

  /**
   * Static masking without the PostgreSQL Anonymizer extension: each rule becomes an UPDATE.
   * `masking_value` sets a literal; a few common anon.* functions are emulated
   * (fake_email/dummy_free_email, fake_first_name, fake_last_name, random_string(n),
   * random_int_between(a,b), hash(x)/md5, partial_email); anything else hashes the value.
   * Returns the number of masked columns.
   */
  async applyMasking(database: string, rules: MaskingRuleSpec[]): Promise<number> {
    if (rules.length === 0) return 0;
    return this.withClient(database, async (client) => {
      for (const rule of rules) {
        const col = quoteIdent(rule.column_name);
        const { rows } = await client.query<{ type: string }>(
          `SELECT format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
             JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = $3 AND NOT a.attisdropped`,
          [rule.schema_name, rule.table_name, rule.column_name],
        );
        if (rows.length === 0) {
          throw new Error(`masking rule: column ${rule.schema_name}.${rule.table_name}.${rule.column_name} not found`);
        }
        const expr = maskingExpression(rule, col);
        await client.query(
          `UPDATE ${quoteIdent(rule.schema_name)}.${quoteIdent(rule.table_name)} SET ${col} = (${expr})::${rows[0]!.type} WHERE ${col} IS NOT NULL`,
        );
      }
      return rules.length;
    });
  }

  async close(): Promise<void> {
    await this.admin.end().catch(() => {});
  }
}

function maskingExpression(rule: MaskingRuleSpec, col: string): string {
  if (rule.masking_value !== undefined) return quoteLiteral(rule.masking_value);
  const fn = (rule.masking_function ?? '').trim().toLowerCase();
  const rnd = `substr(md5(random()::text || ${col}::text), 1, 10)`;
  if (/email/.test(fn)) return `'user_' || ${rnd} || '@example.com'`;
  if (/first_name/.test(fn)) return `'First_' || ${rnd}`;
  if (/last_name/.test(fn)) return `'Last_' || ${rnd}`;
  if (/(^|\.)fake_|dummy_/.test(fn)) return `'masked_' || ${rnd}`;
  const str = /random_string\((\d+)\)/.exec(fn);
  if (str) return `substr(md5(random()::text) || md5(random()::text) || md5(random()::text), 1, ${Number(str[1])})`;
  const between = /random_int_between\((-?\d+)\s*,\s*(-?\d+)\)/.exec(fn);
  if (between) return `floor(random() * (${Number(between[2])} - ${Number(between[1])} + 1) + ${Number(between[1])})::bigint`;
  if (fn === 'null') return 'NULL';
  return `md5(${col}::text)`;
}
