// Reading libpg-query 18's parse trees (types from @pgsql/types, re-exported by libpg-query):
// names as Postgres folds and shows them, the defaults Postgres gives unnamed objects, and
// what a statement or expression does (volatile defaults, statements no transaction may hold).
import type { AlterTableCmd, AlterTableStmt, ColumnDef, Constraint, DropStmt, IndexStmt, Node, RangeVar, TypeName } from 'libpg-query';
import type { SqlStatement } from '../sql.js';

/** The payload of a node of the given kind, e.g. `inner<RangeVar>(node, 'RangeVar')`. */
export function inner<T>(node: Node | undefined, kind: string): T | undefined {
  return (node as unknown as Record<string, T> | undefined)?.[kind];
}

export function kindOf(node: Node | undefined): string | undefined {
  return node ? Object.keys(node)[0] : undefined;
}

export function strings(nodes: Node[] | undefined): string[] {
  return (nodes ?? []).map((node) => inner<{ sval?: string }>(node, 'String')?.sval ?? '');
}

/** `schema.table`, lowercased, `public` when unqualified. */
export function tableName(relation: RangeVar | undefined): string {
  return `${(relation?.schemaname ?? 'public').toLowerCase()}.${(relation?.relname ?? '').toLowerCase()}`;
}

export function qualifiedName(names: string[]): string {
  const parts = names.map((name) => name.toLowerCase());
  return parts.length >= 2 ? parts.slice(-2).join('.') : `public.${parts[0] ?? ''}`;
}

// Words that must be quoted to be used as a name (the reserved ones ORMs meet most often).
export const RESERVED = new Set([
  'all',
  'analyse',
  'analyze',
  'and',
  'any',
  'array',
  'as',
  'asc',
  'both',
  'case',
  'cast',
  'check',
  'collate',
  'column',
  'constraint',
  'create',
  'current_user',
  'default',
  'desc',
  'distinct',
  'do',
  'else',
  'end',
  'except',
  'false',
  'fetch',
  'for',
  'foreign',
  'from',
  'grant',
  'group',
  'having',
  'in',
  'into',
  'is',
  'join',
  'limit',
  'not',
  'null',
  'offset',
  'on',
  'only',
  'or',
  'order',
  'primary',
  'references',
  'select',
  'session_user',
  'table',
  'then',
  'to',
  'true',
  'union',
  'unique',
  'user',
  'using',
  'when',
  'where',
  'with',
]);

/**
 * A name as SQL must spell it: bare when Postgres would fold it to itself, else in double
 * quotes (`"DocumentMeta"`), so a message shows the name the migration wrote, not a lowercased one.
 */
export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) && !RESERVED.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

/** `schema.table` for messages, `public` when unqualified, each part quoted as needed. */
export function shownTable(relation: RangeVar | undefined): string {
  return `${quoteIdent(relation?.schemaname ?? 'public')}.${quoteIdent(relation?.relname ?? '')}`;
}

export function shownQualified(names: string[]): string {
  return (names.length >= 2 ? names.slice(-2) : ['public', names[0] ?? '']).map(quoteIdent).join('.');
}

export function typeNameParts(typeName: TypeName | undefined): { schema?: string; name: string } {
  const names = strings(typeName?.names);
  return { schema: names.length > 1 ? names[names.length - 2] : undefined, name: names[names.length - 1] ?? '' };
}

export function constraintsOf(column: ColumnDef): Constraint[] {
  return (column.constraints ?? []).flatMap((node) => inner<Constraint>(node, 'Constraint') ?? []);
}

/** The name Postgres gives an index (`t_a_b_idx`, `t_pkey`, `t_a_key`); undefined when it would be truncated (over 63 bytes). */
export function defaultIndexName(table: string, columns: string[], suffix: 'idx' | 'key' | 'pkey'): string | undefined {
  const name = `${[table, ...(suffix === 'pkey' ? [] : columns)].join('_')}_${suffix}`;
  return Buffer.byteLength(name) <= 63 ? name : undefined;
}

export const SERIAL_TYPES = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

/** The name Postgres gives the sequence of a serial or identity column; undefined when it would be truncated. */
export function defaultSequenceName(table: string, column: string): string | undefined {
  const name = `${table}_${column}_seq`;
  return Buffer.byteLength(name) <= 63 ? name : undefined;
}

/** Whether a query reads rows from a table (not only constants or CTEs of its own): walks the whole tree. */
export function readsRelations(query: unknown, readsData: (relation: RangeVar) => boolean): boolean {
  const cteNames = new Set<string>();
  const walk = (value: unknown): boolean => {
    if (Array.isArray(value)) return value.some(walk);
    if (value === null || typeof value !== 'object') return false;
    for (const [key, child] of Object.entries(value)) {
      if (key === 'CommonTableExpr') cteNames.add(((child as { ctename?: string }).ctename ?? '').toLowerCase());
      if (key === 'RangeVar') {
        const relation = child as RangeVar;
        if (!(relation.schemaname === undefined && cteNames.has((relation.relname ?? '').toLowerCase())) && readsData(relation)) return true;
        continue;
      }
      if (walk(child)) return true;
    }
    return false;
  };
  return walk(query);
}

export function defElemNames(nodes: Node[] | undefined): string[] {
  return (nodes ?? []).map((node) => inner<{ defname?: string }>(node, 'DefElem')?.defname ?? '');
}

// Zero-argument (or constant-argument) functions that are STABLE or IMMUTABLE, so a column
// default built from them is evaluated once and does not rewrite the table (Postgres 11+).
export const NON_VOLATILE_FUNCTIONS = new Set([
  'now',
  'transaction_timestamp',
  'statement_timestamp',
  'current_timestamp',
  'current_date',
  'localtimestamp',
  'current_user',
  'current_schema',
  'current_database',
  'version',
  'lower',
  'upper',
  'length',
  'abs',
  'round',
  'concat',
  'make_interval',
  'make_date',
  'to_jsonb',
  'to_json',
  'jsonb_build_object',
  'json_build_object',
  'jsonb_build_array',
  'json_build_array',
  'array_fill',
  'to_timestamp',
  'to_date',
  'date_trunc',
  'md5',
  'inet',
]);
export const VOLATILE_FUNCTIONS = new Set([
  'random',
  'gen_random_uuid',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'uuidv4',
  'uuidv7',
  'clock_timestamp',
  'timeofday',
  'nextval',
  'setseed',
  'txid_current',
  'pg_current_xact_id',
]);

/** Why a column default would rewrite the table, or undefined when it is a non-volatile expression. */
export function volatileDefault(expr: Node | undefined): string | undefined {
  const kind = kindOf(expr);
  switch (kind) {
    case undefined:
    case 'A_Const':
    case 'SQLValueFunction':
      return undefined;
    case 'TypeCast':
      return volatileDefault(inner<{ arg?: Node }>(expr, kind)?.arg);
    case 'A_Expr': {
      const operation = inner<{ lexpr?: Node; rexpr?: Node }>(expr, kind);
      return volatileDefault(operation?.lexpr) ?? volatileDefault(operation?.rexpr);
    }
    case 'A_ArrayExpr':
      return (inner<{ elements?: Node[] }>(expr, kind)?.elements ?? []).map(volatileDefault).find(Boolean);
    case 'FuncCall': {
      const call = inner<{ funcname?: Node[]; args?: Node[] }>(expr, kind);
      const name = strings(call?.funcname).at(-1)?.toLowerCase() ?? '';
      if (VOLATILE_FUNCTIONS.has(name)) return `${name}() is volatile, so every existing row gets its own value: the table is rewritten`;
      if (!NON_VOLATILE_FUNCTIONS.has(name)) return `${name}() may be volatile (the linter cannot tell), which would rewrite the table`;
      return (call?.args ?? []).map(volatileDefault).find(Boolean);
    }
    default:
      return `the default expression may be volatile (the linter cannot tell), which would rewrite the table`;
  }
}

/** The column of a `CHECK (col IS NOT NULL)` constraint, if that is what it is. */
export function notNullCheckColumn(constraint: Constraint): string | undefined {
  const test = inner<{ arg?: Node; nulltesttype?: string }>(constraint.raw_expr, 'NullTest');
  if (test?.nulltesttype !== 'IS_NOT_NULL') return undefined;
  const fields = strings(inner<{ fields?: Node[] }>(test.arg, 'ColumnRef')?.fields);
  return fields.length === 1 ? fields[0] : undefined;
}

/** Statements that can never run inside a transaction block. */
export function cannotRunInTransaction(statement: SqlStatement): boolean {
  const node = statement.node;
  switch (statement.kind) {
    case 'IndexStmt':
      return inner<IndexStmt>(node, 'IndexStmt')?.concurrent === true;
    case 'DropStmt':
      return inner<DropStmt>(node, 'DropStmt')?.concurrent === true;
    case 'ReindexStmt': {
      const reindex = inner<{ kind?: string; params?: Node[] }>(node, 'ReindexStmt');
      return defElemNames(reindex?.params).includes('concurrently') || reindex?.kind === 'REINDEX_OBJECT_SYSTEM' || reindex?.kind === 'REINDEX_OBJECT_DATABASE';
    }
    case 'VacuumStmt':
      return inner<{ is_vacuumcmd?: boolean }>(node, 'VacuumStmt')?.is_vacuumcmd === true;
    case 'AlterTableStmt':
      return (inner<AlterTableStmt>(node, 'AlterTableStmt')?.cmds ?? []).some((cmd) => {
        const command = inner<AlterTableCmd>(cmd, 'AlterTableCmd');
        return command?.subtype === 'AT_DetachPartition' && inner<{ concurrent?: boolean }>(command.def, 'PartitionCmd')?.concurrent === true;
      });
    case 'CreatedbStmt':
    case 'DropdbStmt':
    case 'AlterSystemStmt':
    case 'CreateTableSpaceStmt':
    case 'DropTableSpaceStmt':
    case 'CreateSubscriptionStmt':
    case 'DropSubscriptionStmt':
      return true;
    default:
      return false;
  }
}

export const NO_TRANSACTION_LABELS: Record<string, string> = {
  IndexStmt: 'CREATE INDEX CONCURRENTLY',
  DropStmt: 'DROP INDEX CONCURRENTLY',
  ReindexStmt: 'REINDEX CONCURRENTLY (or of a whole database or system)',
  VacuumStmt: 'VACUUM',
  AlterTableStmt: 'DETACH PARTITION ... CONCURRENTLY',
  CreatedbStmt: 'CREATE DATABASE',
  DropdbStmt: 'DROP DATABASE',
  AlterSystemStmt: 'ALTER SYSTEM',
  CreateTableSpaceStmt: 'CREATE TABLESPACE',
  DropTableSpaceStmt: 'DROP TABLESPACE',
  CreateSubscriptionStmt: 'CREATE SUBSCRIPTION',
  DropSubscriptionStmt: 'DROP SUBSCRIPTION',
};

/** The name Postgres gives an unnamed constraint, for the kinds a later VALIDATE may name. */
export function defaultConstraintName(table: string, constraint: Constraint, notNullColumn: string | undefined): string | undefined {
  const bare = table.slice(table.indexOf('.') + 1);
  if (constraint.contype === 'CONSTR_CHECK' && notNullColumn) return `${bare}_${notNullColumn}_check`;
  if (constraint.contype === 'CONSTR_NOTNULL' && notNullColumn) return `${bare}_${notNullColumn}_not_null`;
  if (constraint.contype === 'CONSTR_FOREIGN') return `${bare}_${strings(constraint.fk_attrs).join('_').toLowerCase()}_fkey`;
  return undefined;
}

/** The text of a constant (string or number), as SET and set_config see it. */
export function constantText(node: Node | undefined): string | undefined {
  const constant = inner<{ sval?: { sval?: string }; ival?: { ival?: number }; fval?: { fval?: string }; isnull?: boolean }>(node, 'A_Const');
  if (!constant || constant.isnull) return undefined;
  if (constant.sval) return constant.sval.sval ?? '';
  if (constant.fval) return constant.fval.fval ?? '0';
  if (constant.ival) return String(constant.ival.ival ?? 0);
  return undefined;
}
