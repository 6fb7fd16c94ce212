// The rules themselves: one pass over the parse trees of a whole migration set, in order, so
// facts learnt in one file (a table created here, a NOT VALID check validated there) inform the
// next. Parse trees are libpg-query 18's JSON (types from @pgsql/types, re-exported by libpg-query).
import type {
  AlterTableCmd,
  AlterTableStmt,
  ColumnDef,
  Constraint,
  CreateStmt,
  DropStmt,
  IndexStmt,
  Node,
  RangeVar,
  RenameStmt,
  TypeName,
  VariableSetStmt,
} from 'libpg-query';
import type { FileText, SqlStatement } from '../sql.js';
import type { TransactionModel } from '../tool/profiles.js';
import type { RuleName } from './rules.js';

export interface RawFinding {
  rule: RuleName;
  line: number;
  column: number;
  message: string;
  /** Index of the statement in its file, for statement-level ignore comments. */
  statement: number;
  /** The table the finding is about, as the migration names it (`public."User"`), when there is one. */
  table?: string;
  /** Overrides of the rule's defaults for this one finding (used by ban-update-without-where). */
  severity?: 'error' | 'warning' | 'note';
  destructive?: boolean;
}

export interface CheckSettings {
  sessionLockTimeout: boolean;
  transactionModel: TransactionModel;
  existingTables?: Set<string>;
  /** Schemas that exist before these migrations (lowercased); unknown when undefined. */
  existingSchemas?: Set<string>;
}

export interface ParsedFile {
  path: string;
  source: FileText;
  statements: SqlStatement[];
  /** Comment markers: opted out of the per-file transaction, or squawk's assume-in-transaction override. */
  markers: { optOut: boolean; squawk?: boolean };
}

// ---------------------------------------------------------------- parse-tree helpers

/** The payload of a node of the given kind, e.g. `inner<RangeVar>(node, 'RangeVar')`. */
function inner<T>(node: Node | undefined, kind: string): T | undefined {
  return (node as unknown as Record<string, T> | undefined)?.[kind];
}

function kindOf(node: Node | undefined): string | undefined {
  return node ? Object.keys(node)[0] : undefined;
}

function strings(nodes: Node[] | undefined): string[] {
  return (nodes ?? []).map((node) => inner<{ sval?: string }>(node, 'String')?.sval ?? '');
}

/** `schema.table`, lowercased, `public` when unqualified. */
export function tableName(relation: RangeVar | undefined): string {
  return `${(relation?.schemaname ?? 'public').toLowerCase()}.${(relation?.relname ?? '').toLowerCase()}`;
}

function qualifiedName(names: string[]): string {
  const parts = names.map((name) => name.toLowerCase());
  return parts.length >= 2 ? parts.slice(-2).join('.') : `public.${parts[0] ?? ''}`;
}

// Words that must be quoted to be used as a name (the reserved ones ORMs meet most often).
const RESERVED = new Set([
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

function shownQualified(names: string[]): string {
  return (names.length >= 2 ? names.slice(-2) : ['public', names[0] ?? '']).map(quoteIdent).join('.');
}

function typeNameParts(typeName: TypeName | undefined): { schema?: string; name: string } {
  const names = strings(typeName?.names);
  return { schema: names.length > 1 ? names[names.length - 2] : undefined, name: names[names.length - 1] ?? '' };
}

function constraintsOf(column: ColumnDef): Constraint[] {
  return (column.constraints ?? []).flatMap((node) => inner<Constraint>(node, 'Constraint') ?? []);
}

/** The name Postgres gives an index (`t_a_b_idx`, `t_pkey`, `t_a_key`); undefined when it would be truncated (over 63 bytes). */
function defaultIndexName(table: string, columns: string[], suffix: 'idx' | 'key' | 'pkey'): string | undefined {
  const name = `${[table, ...(suffix === 'pkey' ? [] : columns)].join('_')}_${suffix}`;
  return Buffer.byteLength(name) <= 63 ? name : undefined;
}

const SERIAL_TYPES = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

/** The name Postgres gives the sequence of a serial or identity column; undefined when it would be truncated. */
function defaultSequenceName(table: string, column: string): string | undefined {
  const name = `${table}_${column}_seq`;
  return Buffer.byteLength(name) <= 63 ? name : undefined;
}

/** Whether a query reads rows from a table (not only constants or CTEs of its own): walks the whole tree. */
function readsRelations(query: unknown, readsData: (relation: RangeVar) => boolean): boolean {
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

function defElemNames(nodes: Node[] | undefined): string[] {
  return (nodes ?? []).map((node) => inner<{ defname?: string }>(node, 'DefElem')?.defname ?? '');
}

// Zero-argument (or constant-argument) functions that are STABLE or IMMUTABLE, so a column
// default built from them is evaluated once and does not rewrite the table (Postgres 11+).
const NON_VOLATILE_FUNCTIONS = new Set([
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
const VOLATILE_FUNCTIONS = new Set([
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
function volatileDefault(expr: Node | undefined): string | undefined {
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
function notNullCheckColumn(constraint: Constraint): string | undefined {
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

const NO_TRANSACTION_LABELS: Record<string, string> = {
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

// ---------------------------------------------------------------- the pass over the set

interface PendingCheck {
  /** The column, for a CHECK (col IS NOT NULL) or NOT NULL constraint. */
  column?: string;
  /** The transaction that added it NOT VALID. */
  transaction: number;
  foreignKey: boolean;
}

/** The name Postgres gives an unnamed constraint, for the kinds a later VALIDATE may name. */
function defaultConstraintName(table: string, constraint: Constraint, notNullColumn: string | undefined): string | undefined {
  const bare = table.slice(table.indexOf('.') + 1);
  if (constraint.contype === 'CONSTR_CHECK' && notNullColumn) return `${bare}_${notNullColumn}_check`;
  if (constraint.contype === 'CONSTR_NOTNULL' && notNullColumn) return `${bare}_${notNullColumn}_not_null`;
  if (constraint.contype === 'CONSTR_FOREIGN') return `${bare}_${strings(constraint.fk_attrs).join('_').toLowerCase()}_fkey`;
  return undefined;
}

class Linter {
  readonly findings: RawFinding[] = [];
  /** Tables (and materialized views) created by this migration set: no lock rule applies to them. */
  private readonly newTables = new Set<string>();
  private readonly newSchemas = new Set<string>();
  /** Schemas dropped in this set (and not created again since): they no longer exist. */
  private readonly droppedSchemas = new Set<string>();
  /** Types, domains, sequences and views made in this set (`schema.name`): dropping them locks nothing that existed. */
  private readonly newObjects = new Set<string>();
  /** Tables created in this set that were filled from other tables (CREATE TABLE ... AS, INSERT ... SELECT): not empty. */
  private readonly filled = new Set<string>();
  /** New names of existing tables renamed in this set: they still hold the old table's rows. */
  private readonly renamedExisting = new Set<string>();
  /** Index name → its table, for indexes created in this set. */
  private readonly indexTables = new Map<string, string>();
  /** Columns added to existing tables in this set (a backfill of them is not destructive). */
  private readonly addedColumns = new Map<string, Set<string>>();
  /** NOT VALID constraints, by table then constraint name. */
  private readonly notValid = new Map<string, Map<string, PendingCheck>>();
  /** Columns with a validated CHECK (col IS NOT NULL), by table. */
  private readonly validatedNotNull = new Map<string, Set<string>>();
  private transactionCounter = 0;
  private singleTransaction = -1;
  private lockTimeout: 'none' | 'session' | 'transaction' = 'none';

  // Per file.
  private file!: ParsedFile;
  private statementIndex = 0;
  private statement!: SqlStatement;
  private toolTransaction = false;
  private explicitBegin: SqlStatement | undefined;
  private transaction = 0;
  private lockTimeoutReported = false;
  private droppedIfExists = new Set<string>();
  /** The table the current statement is about, as shown in messages (set by the statement's handler). */
  private subject: string | undefined;

  private readonly existingBareNames: Set<string>;

  constructor(private readonly settings: CheckSettings) {
    this.existingBareNames = new Set([...(settings.existingTables ?? [])].map((name) => name.slice(name.indexOf('.') + 1)));
  }

  lintFile(file: ParsedFile): void {
    this.file = file;
    const model = this.settings.transactionModel;
    this.toolTransaction = file.markers.squawk ?? (model === 'single' || (model === 'per-file' && !file.markers.optOut));
    if (model === 'single') {
      if (this.singleTransaction < 0) this.singleTransaction = this.nextTransaction();
      this.transaction = this.singleTransaction;
    } else {
      this.transaction = this.nextTransaction();
      this.lockTimeout = 'none';
    }
    this.explicitBegin = undefined;
    this.lockTimeoutReported = false;
    this.droppedIfExists = new Set();
    const robustCandidates = file.statements.filter((statement) => statement.kind !== 'VariableSetStmt').length > 1;
    file.statements.forEach((statement, index) => {
      this.statement = statement;
      this.statementIndex = index;
      this.subject = undefined;
      if (!this.inTransaction) this.transaction = this.nextTransaction(); // autocommit: each statement on its own
      const locks = this.check(statement, robustCandidates);
      if (locks) this.requireLockTimeout();
    });
    if (this.explicitBegin) {
      this.reportAt('ban-uncommitted-transaction', this.explicitBegin, 'BEGIN without a matching COMMIT: the transaction is left open at the end of the file.');
    }
  }

  private get inTransaction(): boolean {
    return this.toolTransaction || this.explicitBegin !== undefined;
  }

  private nextTransaction(): number {
    return ++this.transactionCounter;
  }

  /**
   * A table is new when this set creates it, or when `existingTables` is known and the table is
   * not in it (it cannot hold data yet: created by something the linter cannot read, such as a
   * JavaScript migration, or the statement will fail). An unqualified name counts as existing if
   * a table of that name exists in any schema, since the search_path may point there.
   */
  private isNew(table: string): boolean {
    if (this.filled.has(table)) return false;
    return this.newTables.has(table) || (!this.renamedExisting.has(table) && this.absentBefore(table));
  }

  /** A table this set made (or that was not there before), even if it has been filled since: no code uses its name yet. */
  private createdHere(table: string): boolean {
    return this.newTables.has(table) || this.isNew(table);
  }

  /** Marks a table made in this set as holding rows when the query that fills it reads from a table that may have rows. */
  private fillFrom(table: string, query: unknown): void {
    if (!this.createdHere(table)) return;
    if (readsRelations(query, (relation) => !this.isNew(tableName(relation)))) this.filled.add(table);
  }

  /** The table of an index created in this set, by the index's name as a statement writes it. */
  private indexTable(relation: { schemaname?: string; relname?: string } | undefined): string | undefined {
    return this.indexTables.get(`${(relation?.schemaname ?? 'public').toLowerCase()}.${(relation?.relname ?? '').toLowerCase()}`);
  }

  private rememberIndex(schema: string | undefined, name: string | undefined, table: string): void {
    if (name) this.indexTables.set(`${(schema ?? 'public').toLowerCase()}.${name.toLowerCase()}`, table);
  }

  /** Whether a schema is known not to exist at this point: dropped earlier in the set, or absent from the schemas known before. */
  private schemaAbsent(schema: string): boolean {
    if (this.newSchemas.has(schema)) return false;
    if (this.droppedSchemas.has(schema)) return true;
    const tables = this.settings.existingTables;
    if (tables && [...tables].some((table) => table.startsWith(`${schema}.`))) return false;
    return this.settings.existingSchemas !== undefined && !this.settings.existingSchemas.has(schema);
  }

  private absentBefore(table: string): boolean {
    const existing = this.settings.existingTables;
    if (!existing) return false;
    if (existing.has(table)) return false;
    return !(table.startsWith('public.') && this.existingBareNames.has(table.slice('public.'.length)));
  }

  private report(rule: RuleName, message: string, byteLocation?: number, extra: Partial<RawFinding> = {}): void {
    const position =
      byteLocation !== undefined && byteLocation >= 0
        ? this.file.source.positionOfByte(byteLocation)
        : { line: this.statement.line, column: this.statement.column };
    this.findings.push({ rule, message, ...position, statement: this.statementIndex, table: this.subject, ...extra });
  }

  private reportAt(rule: RuleName, statement: SqlStatement, message: string): void {
    this.findings.push({ rule, message, line: statement.line, column: statement.column, statement: this.file.statements.indexOf(statement) });
  }

  private requireLockTimeout(): void {
    if (this.settings.sessionLockTimeout || this.lockTimeout !== 'none' || this.lockTimeoutReported) return;
    this.lockTimeoutReported = true;
    this.report(
      'require-timeout-settings',
      'Missing `SET lock_timeout` before the first statement that locks an existing table: if the lock is not granted at once, it waits behind running queries and every later query on the table waits behind it.',
    );
  }

  /** Runs the rules for one statement; returns whether it takes a lock that blocks traffic on an existing object. */
  private check(statement: SqlStatement, robustCandidates: boolean): boolean {
    const node = statement.node;
    const robust = robustCandidates && !this.inTransaction;
    if (cannotRunInTransaction(statement) && this.inTransaction) {
      const where = this.explicitBegin
        ? 'inside its BEGIN block'
        : this.settings.transactionModel === 'single'
          ? 'inside the one transaction the migration tool wraps around all files'
          : 'inside the transaction the migration runner wraps around each file';
      this.report(
        'ban-concurrent-index-creation-in-transaction',
        `${NO_TRANSACTION_LABELS[statement.kind] ?? statement.kind} cannot run in a transaction block, and this file runs it ${where}: it will fail.`,
      );
    }
    switch (statement.kind) {
      case 'CreateStmt':
        return this.createTable(inner<CreateStmt>(node, 'CreateStmt')!, robust);
      case 'CreateTableAsStmt': {
        const create = inner<{ into?: { rel?: RangeVar; skipData?: boolean }; query?: Node }>(node, 'CreateTableAsStmt');
        const table = tableName(create?.into?.rel);
        this.newTables.add(table);
        if (!create?.into?.skipData) this.fillFrom(table, create?.query);
        return false;
      }
      case 'SelectStmt': {
        const select = inner<{ intoClause?: { rel?: RangeVar }; targetList?: Node[] }>(node, 'SelectStmt');
        if (select?.intoClause) {
          const table = tableName(select.intoClause.rel);
          this.newTables.add(table);
          this.fillFrom(table, { ...select, intoClause: undefined });
        }
        this.setConfig(select?.targetList);
        return false;
      }
      case 'InsertStmt': {
        const insert = inner<{ relation?: RangeVar; selectStmt?: Node; withClause?: unknown }>(node, 'InsertStmt');
        this.fillFrom(tableName(insert?.relation), [insert?.withClause, insert?.selectStmt]);
        return false;
      }
      case 'CreateEnumStmt':
      case 'CreateRangeStmt':
        this.newObjects.add(qualifiedName(strings(inner<{ typeName?: Node[] }>(node, statement.kind)?.typeName)));
        return false;
      case 'CreateDomainStmt':
        this.newObjects.add(qualifiedName(strings(inner<{ domainname?: Node[] }>(node, 'CreateDomainStmt')?.domainname)));
        return this.createDomain(node);
      case 'CompositeTypeStmt':
        this.newObjects.add(tableName(inner<{ typevar?: RangeVar }>(node, 'CompositeTypeStmt')?.typevar));
        return false;
      case 'CreateSeqStmt':
        this.newObjects.add(tableName(inner<{ sequence?: RangeVar }>(node, 'CreateSeqStmt')?.sequence));
        return false;
      case 'ViewStmt':
        this.newObjects.add(tableName(inner<{ view?: RangeVar }>(node, 'ViewStmt')?.view));
        return false;
      case 'CreateSchemaStmt': {
        const create = inner<{ schemaname?: string; if_not_exists?: boolean }>(node, 'CreateSchemaStmt');
        const schema = (create?.schemaname ?? '').toLowerCase();
        const alreadyThere = create?.if_not_exists && this.settings.existingSchemas?.has(schema) && !this.droppedSchemas.has(schema);
        if (!alreadyThere) this.newSchemas.add(schema);
        this.droppedSchemas.delete(schema);
        return false;
      }
      case 'IndexStmt':
        return this.createIndex(inner<IndexStmt>(node, 'IndexStmt')!, robust);
      case 'DropStmt':
        return this.drop(inner<DropStmt>(node, 'DropStmt')!, robust);
      case 'DropdbStmt':
        this.report(
          'ban-drop-database',
          `DROP DATABASE ${quoteIdent(inner<{ dbname?: string }>(node, 'DropdbStmt')?.dbname ?? '')} deletes the whole database.`,
        );
        return false;
      case 'TruncateStmt':
        return this.truncate(node);
      case 'DeleteStmt':
        return this.deleteOrUpdate(node, 'DeleteStmt');
      case 'UpdateStmt':
        return this.deleteOrUpdate(node, 'UpdateStmt');
      case 'RenameStmt':
        return this.rename(inner<RenameStmt>(node, 'RenameStmt')!);
      case 'AlterTableStmt':
        return this.alterTable(inner<AlterTableStmt>(node, 'AlterTableStmt')!, robust);
      case 'AlterDomainStmt': {
        const alter = inner<{ subtype?: string }>(node, 'AlterDomainStmt');
        if (alter?.subtype === 'C')
          this.report(
            'ban-alter-domain-with-add-constraint',
            'Adding a constraint to a domain checks every column of every table that uses the domain while holding locks.',
          );
        return true;
      }
      case 'AlterEnumStmt': {
        // RENAME VALUE has an oldVal too; only ADD VALUE appends.
        const alter = inner<{ oldVal?: string; newVal?: string; newValNeighbor?: string }>(node, 'AlterEnumStmt');
        if (alter?.newVal && alter.oldVal === undefined && !alter.newValNeighbor)
          this.report(
            'require-enum-value-ordering',
            `ADD VALUE '${alter.newVal}' without BEFORE or AFTER appends it at the end, which changes the order comparisons see.`,
          );
        return false;
      }
      case 'VacuumStmt': {
        const vacuum = inner<{ options?: Node[]; rels?: Node[] }>(node, 'VacuumStmt');
        if (defElemNames(vacuum?.options).includes('full')) {
          this.report('prefer-repack', 'VACUUM FULL rewrites the table under an ACCESS EXCLUSIVE lock, blocking reads and writes until it finishes.');
          return true;
        }
        return false;
      }
      case 'ClusterStmt':
        this.report('prefer-repack', 'CLUSTER rewrites the table under an ACCESS EXCLUSIVE lock, blocking reads and writes until it finishes.');
        return true;
      case 'ReindexStmt': {
        const reindex = inner<{ kind?: string; params?: Node[]; relation?: RangeVar }>(node, 'ReindexStmt');
        const table =
          reindex?.kind === 'REINDEX_OBJECT_INDEX'
            ? this.indexTable(reindex.relation)
            : reindex?.kind === 'REINDEX_OBJECT_TABLE'
              ? tableName(reindex.relation)
              : undefined;
        if (table !== undefined && this.isNew(table)) return false;
        if (reindex?.kind === 'REINDEX_OBJECT_TABLE') this.subject = shownTable(reindex.relation);
        if (!defElemNames(reindex?.params).includes('concurrently')) {
          this.report(
            'require-concurrent-reindex',
            'REINDEX without CONCURRENTLY blocks writes to the table (and reads that use the index) until the rebuild finishes.',
          );
        }
        return true;
      }
      case 'TransactionStmt':
        this.transactionStatement(inner<{ kind?: string }>(node, 'TransactionStmt')?.kind ?? '');
        return false;
      case 'VariableSetStmt':
        this.variableSet(inner<VariableSetStmt>(node, 'VariableSetStmt')!);
        return false;
      case 'LockStmt':
      case 'RefreshMatViewStmt':
      case 'CreateTrigStmt':
      case 'CreatePolicyStmt':
      case 'AlterPolicyStmt':
      case 'RuleStmt':
        return !this.onlyNewRelations(node);
      default:
        return false;
    }
  }

  private createDomain(node: Node): boolean {
    const domain = inner<{ constraints?: Node[] }>(node, 'CreateDomainStmt');
    const constrained = (domain?.constraints ?? []).some((item) =>
      ['CONSTR_CHECK', 'CONSTR_NOTNULL'].includes(inner<Constraint>(item, 'Constraint')?.contype ?? ''),
    );
    if (constrained)
      this.report(
        'ban-create-domain-with-constraint',
        'A domain with a constraint: changing that constraint later checks every column that uses the domain while holding locks.',
      );
    return false;
  }

  /** For statements naming a relation: false when all are tables created in this set. */
  private onlyNewRelations(node: Node): boolean {
    const payload = Object.values(node)[0] as { relation?: RangeVar; table?: RangeVar; relations?: Node[] } | undefined;
    const relations = [payload?.relation, payload?.table, ...(payload?.relations ?? []).map((item) => inner<RangeVar>(item, 'RangeVar'))].filter(
      (item): item is RangeVar => item !== undefined,
    );
    return relations.length > 0 && relations.every((relation) => this.isNew(tableName(relation)));
  }

  // ------------------------------------------------------------ statements

  private createTable(create: CreateStmt, robust: boolean): boolean {
    const table = tableName(create.relation);
    this.subject = shownTable(create.relation);
    const alreadyThere = create.if_not_exists && this.settings.existingTables !== undefined && !this.absentBefore(table);
    if (!alreadyThere) this.newTables.add(table);
    if (robust && !create.if_not_exists)
      this.report(
        'prefer-robust-stmts',
        'CREATE TABLE without IF NOT EXISTS in a file that runs without a transaction: a re-run after a later failure stops here.',
      );
    let locksOthers = false;
    const bare = create.relation?.relname ?? '';
    const constraintIndex = (constraint: Constraint | undefined, columns: string[]): void => {
      if (constraint?.contype !== 'CONSTR_PRIMARY' && constraint?.contype !== 'CONSTR_UNIQUE') return;
      const name = constraint.conname ?? defaultIndexName(bare, columns, constraint.contype === 'CONSTR_PRIMARY' ? 'pkey' : 'key');
      this.rememberIndex(create.relation?.schemaname, name, table);
    };
    for (const element of create.tableElts ?? []) {
      const column = inner<ColumnDef>(element, 'ColumnDef');
      if (column) {
        for (const constraint of constraintsOf(column)) constraintIndex(constraint, [column.colname ?? '']);
        // serial and identity columns own a sequence named <table>_<column>_seq.
        const typeName = strings(column.typeName?.names).at(-1) ?? '';
        const owned = SERIAL_TYPES.has(typeName) || constraintsOf(column).some((constraint) => constraint.contype === 'CONSTR_IDENTITY');
        const sequence = owned ? defaultSequenceName(bare, column.colname ?? '') : undefined;
        if (sequence) this.newObjects.add(`${(create.relation?.schemaname ?? 'public').toLowerCase()}.${sequence.toLowerCase()}`);
        this.columnType(column.typeName);
        if (constraintsOf(column).some((constraint) => constraint.contype === 'CONSTR_FOREIGN' && !this.isNew(tableName(constraint.pktable))))
          locksOthers = true;
      }
      const constraint = inner<Constraint>(element, 'Constraint');
      constraintIndex(constraint, strings(constraint?.keys));
      if (constraint?.contype === 'CONSTR_FOREIGN' && !this.isNew(tableName(constraint.pktable))) locksOthers = true;
    }
    // PARTITION OF / INHERITS lock the parent.
    const parents = (create.inhRelations ?? []).map((item) => tableName(inner<RangeVar>(item, 'RangeVar')));
    if (parents.some((parent) => !this.isNew(parent))) locksOthers = true;
    return locksOthers;
  }

  private createIndex(index: IndexStmt, robust: boolean): boolean {
    const table = tableName(index.relation);
    const columns = (index.indexParams ?? []).map((param) => {
      const element = inner<{ name?: string }>(param, 'IndexElem');
      return element?.name ?? 'expr';
    });
    this.rememberIndex(index.relation?.schemaname, index.idxname ?? defaultIndexName(index.relation?.relname ?? '', columns, 'idx'), table);
    if (robust && !index.if_not_exists)
      this.report(
        'prefer-robust-stmts',
        'CREATE INDEX without IF NOT EXISTS in a file that runs without a transaction: a re-run after a later failure stops here.',
      );
    if (this.isNew(table)) return false;
    this.subject = shownTable(index.relation);
    if (!index.concurrent) {
      this.report(
        'require-concurrent-index-creation',
        `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX without CONCURRENTLY on the existing table ${this.subject} blocks writes (SHARE lock) until the index is built.`,
      );
    }
    return true;
  }

  private drop(drop: DropStmt, robust: boolean): boolean {
    const written = (drop.objects ?? []).map((object) => {
      const list = inner<{ items?: Node[] }>(object, 'List');
      if (list) return strings(list.items);
      const type = inner<TypeName>(object, 'TypeName');
      return type ? strings(type.names) : [inner<{ sval?: string }>(object, 'String')?.sval ?? ''];
    });
    // Schemas (and databases) have one-part names; everything else is `schema.name`.
    const onePart = drop.removeType === 'OBJECT_SCHEMA';
    const names = written.map((parts) => (onePart ? (parts[0] ?? '').toLowerCase() : qualifiedName(parts)));
    const shown = new Map(names.map((name, index) => [name, onePart ? quoteIdent(written[index]![0] ?? '') : shownQualified(written[index]!)]));
    const show = (list: string[]): string => list.map((name) => shown.get(name) ?? name).join(', ');
    if (robust && !drop.missing_ok && ['OBJECT_TABLE', 'OBJECT_INDEX'].includes(drop.removeType ?? '')) {
      this.report('prefer-robust-stmts', 'DROP without IF EXISTS in a file that runs without a transaction: a re-run after a later failure stops here.');
    }
    const cascade = drop.behavior === 'DROP_CASCADE' ? ' CASCADE also drops everything that depends on it.' : '';
    switch (drop.removeType) {
      case 'OBJECT_TABLE': {
        const existing = names.filter((name) => !this.isNew(name));
        this.subject = shown.get(existing[0] ?? names[0] ?? '');
        if (existing.length > 0)
          this.report('ban-drop-table', `DROP TABLE ${show(existing)} deletes the table and all its rows; code still using it breaks.${cascade}`);
        for (const name of names) {
          this.newTables.delete(name);
          this.filled.delete(name);
        }
        return existing.length > 0;
      }
      case 'OBJECT_SCHEMA': {
        const existing = names.filter((name) => !this.newSchemas.has(name) && !(drop.missing_ok && this.schemaAbsent(name)));
        for (const name of names) {
          this.newSchemas.delete(name);
          this.droppedSchemas.add(name);
        }
        if (existing.length > 0)
          this.report(
            'ban-drop-schema',
            `DROP SCHEMA ${show(existing)} deletes the schema${cascade || ' (it fails unless empty; with CASCADE it deletes every table in it).'}`,
          );
        return existing.length > 0;
      }
      case 'OBJECT_INDEX': {
        const existing = names.filter((name) => {
          const table = this.indexTables.get(name.includes('.') ? name : `public.${name}`);
          return table === undefined || !this.isNew(table);
        });
        if (existing.length === 0) return false;
        if (!drop.concurrent)
          this.report(
            'require-concurrent-index-deletion',
            `DROP INDEX ${show(existing)} without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table, blocking reads and writes.`,
          );
        return true;
      }
      case 'OBJECT_VIEW':
      case 'OBJECT_MATVIEW':
      case 'OBJECT_SEQUENCE':
      case 'OBJECT_FOREIGN_TABLE':
      case 'OBJECT_TRIGGER':
      case 'OBJECT_POLICY':
      case 'OBJECT_RULE':
      case 'OBJECT_TYPE':
      case 'OBJECT_DOMAIN': {
        const made = names.filter((name) => this.newObjects.has(name) || this.isNew(name));
        for (const name of made) this.newObjects.delete(name);
        return made.length < names.length;
      }
      default:
        return false;
    }
  }

  private truncate(node: Node): boolean {
    const truncate = inner<{ relations?: Node[]; behavior?: string }>(node, 'TruncateStmt');
    const relations = (truncate?.relations ?? []).flatMap((item) => inner<RangeVar>(item, 'RangeVar') ?? []);
    const existing = relations.filter((relation) => !this.isNew(tableName(relation))).map(shownTable);
    const all = relations.map(shownTable);
    this.subject = existing[0] ?? all[0];
    if (existing.length > 0) this.report('ban-truncate', `TRUNCATE ${existing.join(', ')} deletes every row under an ACCESS EXCLUSIVE lock.`);
    if (truncate?.behavior === 'DROP_CASCADE') {
      this.report(
        'ban-truncate-cascade',
        `TRUNCATE ... CASCADE also empties every table with a foreign key to ${all.join(', ')}, recursively, without naming them.`,
      );
    }
    return existing.length > 0;
  }

  private deleteOrUpdate(node: Node, kind: 'DeleteStmt' | 'UpdateStmt'): boolean {
    const statement = inner<{ relation?: RangeVar; whereClause?: Node; targetList?: Node[] }>(node, kind);
    const table = tableName(statement?.relation);
    if (statement?.whereClause || this.isNew(table)) return false;
    const shown = (this.subject = shownTable(statement?.relation));
    if (kind === 'DeleteStmt') {
      this.report('ban-delete-without-where', `DELETE FROM ${shown} without WHERE deletes every row of the table.`);
      return false;
    }
    const columns = (statement?.targetList ?? []).map((item) => inner<{ name?: string }>(item, 'ResTarget')?.name ?? '');
    const added = this.addedColumns.get(table) ?? new Set<string>();
    const overwrites = columns.filter((column) => !added.has(column.toLowerCase()));
    if (overwrites.length > 0) {
      this.report(
        'ban-update-without-where',
        `UPDATE ${shown} without WHERE overwrites ${overwrites.map(quoteIdent).join(', ')} in every row; the old values are lost.`,
        undefined,
        { severity: 'error', destructive: true },
      );
    } else {
      this.report(
        'ban-update-without-where',
        `UPDATE ${shown} without WHERE backfills every row in one transaction, holding a row lock on each until commit and bloating the table.`,
      );
    }
    return false;
  }

  private rename(rename: RenameStmt): boolean {
    const table = tableName(rename.relation);
    this.subject = rename.relation ? shownTable(rename.relation) : undefined;
    if (rename.renameType === 'OBJECT_TABLE') {
      const target = `${table.split('.')[0]}.${(rename.newname ?? '').toLowerCase()}`;
      if (this.createdHere(table)) {
        this.newTables.delete(table);
        this.newTables.add(target);
        if (this.filled.delete(table)) this.filled.add(target);
        for (const [index, indexed] of this.indexTables) if (indexed === table) this.indexTables.set(index, target);
        return false;
      }
      this.report(
        'renaming-table',
        `Renaming ${this.subject} to ${quoteIdent(rename.newname ?? '')}: code still using the old name fails as soon as this runs.`,
      );
      this.renamedExisting.add(target);
      return true;
    }
    if (rename.renameType === 'OBJECT_INDEX' && rename.relation) {
      // The same index under its new name (in the same schema).
      const indexed = this.indexTable(rename.relation);
      this.subject = undefined;
      if (indexed === undefined) return true;
      this.indexTables.delete(`${(rename.relation.schemaname ?? 'public').toLowerCase()}.${(rename.relation.relname ?? '').toLowerCase()}`);
      this.rememberIndex(rename.relation.schemaname, rename.newname, indexed);
      return !this.isNew(indexed);
    }
    if (rename.renameType === 'OBJECT_COLUMN' && rename.relation) {
      if (this.isNew(table)) return false;
      this.report(
        'renaming-column',
        `Renaming column ${quoteIdent(rename.subname ?? '')} of ${this.subject} to ${quoteIdent(rename.newname ?? '')}: code still using the old name fails as soon as this runs.`,
      );
      return true;
    }
    return rename.relation !== undefined && !this.isNew(table);
  }

  private alterTable(alter: AlterTableStmt, robust: boolean): boolean {
    const table = tableName(alter.relation);
    const shown = (this.subject = shownTable(alter.relation));
    const existing = !this.isNew(table);
    const isTable = alter.objtype === 'OBJECT_TABLE' || alter.objtype === undefined;
    let robustReported = false;
    const robustness = (message: string): void => {
      if (robust && !robustReported) {
        robustReported = true;
        this.report('prefer-robust-stmts', `${message} in a file that runs without a transaction: a re-run after a later failure stops here.`);
      }
    };
    for (const item of alter.cmds ?? []) {
      const command = inner<AlterTableCmd>(item, 'AlterTableCmd');
      if (!command) continue;
      switch (command.subtype) {
        case 'AT_AddColumn': {
          const column = inner<ColumnDef>(command.def, 'ColumnDef');
          if (!column) break;
          this.columnType(column.typeName);
          if (!command.missing_ok) robustness('ADD COLUMN without IF NOT EXISTS');
          if (existing && isTable) {
            this.addedColumn(table, shown, column);
          }
          break;
        }
        case 'AT_DropColumn':
          if (!command.missing_ok) robustness('DROP COLUMN without IF EXISTS');
          if (existing)
            this.report('ban-drop-column', `Dropping column ${quoteIdent(command.name ?? '')} of ${shown} deletes its data; code still using it breaks.`);
          break;
        case 'AT_AlterColumnType': {
          const column = inner<ColumnDef>(command.def, 'ColumnDef');
          this.columnType(column?.typeName);
          if (existing) {
            this.report(
              'changing-column-type',
              `Changing the type of ${shown}.${quoteIdent(command.name ?? '')} rewrites the table and its indexes under an ACCESS EXCLUSIVE lock, blocking reads and writes.`,
              column?.typeName?.location,
            );
          }
          break;
        }
        case 'AT_SetNotNull':
          if (existing && !this.validatedNotNull.get(table)?.has((command.name ?? '').toLowerCase())) {
            this.report(
              'adding-not-nullable-field',
              `SET NOT NULL on ${shown}.${quoteIdent(command.name ?? '')} scans the whole table under an ACCESS EXCLUSIVE lock, since no validated CHECK (${quoteIdent(command.name ?? '')} IS NOT NULL) exists.`,
            );
          }
          break;
        case 'AT_DropNotNull':
          if (existing)
            this.report(
              'ban-drop-not-null',
              `Dropping NOT NULL on ${shown}.${quoteIdent(command.name ?? '')}: code that assumes the column is never NULL may break.`,
            );
          break;
        case 'AT_AddConstraint': {
          const constraint = inner<Constraint>(command.def, 'Constraint');
          if (!constraint) break;
          if (!constraint.conname || !this.droppedIfExists.has(constraint.conname.toLowerCase()))
            robustness('ADD CONSTRAINT without a preceding DROP CONSTRAINT IF EXISTS');
          this.addConstraint(table, shown, existing, constraint);
          break;
        }
        case 'AT_DropConstraint':
          if (!command.missing_ok) robustness('DROP CONSTRAINT without IF EXISTS');
          else if (command.name) this.droppedIfExists.add(command.name.toLowerCase());
          break;
        case 'AT_ValidateConstraint':
          this.validateConstraint(table, existing, command.name ?? '');
          break;
        case 'AT_DetachPartition':
          if (existing && !inner<{ concurrent?: boolean }>(command.def, 'PartitionCmd')?.concurrent) {
            this.report(
              'require-concurrent-partition-detach',
              `DETACH PARTITION without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on ${shown}, blocking reads and writes.`,
            );
          }
          break;
        default:
          break;
      }
    }
    return existing;
  }

  private addedColumn(table: string, shown: string, column: ColumnDef): void {
    if (!this.addedColumns.has(table)) this.addedColumns.set(table, new Set());
    this.addedColumns.get(table)!.add((column.colname ?? '').toLowerCase());
    const name = quoteIdent(column.colname ?? '');
    const constraints = constraintsOf(column);
    const has = (type: string): Constraint | undefined => constraints.find((constraint) => constraint.contype === type);
    const defaultValue = has('CONSTR_DEFAULT');
    const generated = has('CONSTR_GENERATED');
    const identity = has('CONSTR_IDENTITY');
    if (has('CONSTR_NOTNULL') && !defaultValue && !generated && !identity) {
      this.report('adding-required-field', `Adding ${shown}.${name} as NOT NULL without a DEFAULT fails on a table that has rows.`, column.location);
    }
    if (defaultValue) {
      const why = volatileDefault(defaultValue.raw_expr);
      if (why)
        this.report('adding-field-with-default', `Adding ${shown}.${name} with this default: ${why}, under an ACCESS EXCLUSIVE lock.`, defaultValue.location);
    }
    if (generated && generated.generated_kind !== 'v') {
      this.report(
        'adding-field-with-default',
        `Adding the stored generated column ${shown}.${name} rewrites the table under an ACCESS EXCLUSIVE lock.`,
        generated.location,
      );
    }
    if (identity) {
      this.report(
        'adding-field-with-default',
        `Adding the identity column ${shown}.${name} fills every existing row: the table is rewritten under an ACCESS EXCLUSIVE lock.`,
        identity.location,
      );
    }
    const foreignKey = has('CONSTR_FOREIGN');
    if (foreignKey) {
      this.report(
        'adding-foreign-key-constraint',
        `Adding ${shown}.${name} with REFERENCES validates the foreign key at once, locking ${shown} and ${shownTable(foreignKey.pktable)} against writes while it scans.`,
        foreignKey.location,
      );
    }
    const unique = has('CONSTR_UNIQUE');
    if (unique)
      this.report(
        'disallowed-unique-constraint',
        `Adding ${shown}.${name} with UNIQUE builds the index under an ACCESS EXCLUSIVE lock, blocking reads and writes.`,
        unique.location,
      );
    const primary = has('CONSTR_PRIMARY');
    if (primary)
      this.report(
        'adding-serial-primary-key-field',
        `Adding ${shown}.${name} as PRIMARY KEY builds the index under an ACCESS EXCLUSIVE lock, blocking reads and writes.`,
        primary.location,
      );
  }

  private addConstraint(table: string, shown: string, existing: boolean, constraint: Constraint): void {
    const notValid = constraint.skip_validation === true;
    const label = constraint.conname ? ` ${quoteIdent(constraint.conname)}` : '';
    // The column a CHECK (col IS NOT NULL) or a Postgres 18 `NOT NULL col` constraint covers.
    const notNullWritten = constraint.contype === 'CONSTR_NOTNULL' ? strings(constraint.keys)[0] : notNullCheckColumn(constraint);
    const notNullColumn = notNullWritten?.toLowerCase();
    if (notValid) {
      const name = constraint.conname?.toLowerCase() ?? defaultConstraintName(table, constraint, notNullColumn);
      if (name) {
        if (!this.notValid.has(table)) this.notValid.set(table, new Map());
        this.notValid.get(table)!.set(name, { column: notNullColumn, transaction: this.transaction, foreignKey: constraint.contype === 'CONSTR_FOREIGN' });
      }
    } else if (notNullColumn && constraint.contype === 'CONSTR_CHECK') {
      this.markNotNull(table, notNullColumn);
    }
    if (!existing) return;
    switch (constraint.contype) {
      case 'CONSTR_CHECK':
        if (!notValid) {
          this.report(
            'constraint-missing-not-valid',
            `Adding CHECK${label} without NOT VALID scans the whole table under an ACCESS EXCLUSIVE lock, blocking reads and writes.`,
            constraint.location,
          );
        }
        break;
      case 'CONSTR_FOREIGN':
        if (!notValid) {
          this.report(
            'adding-foreign-key-constraint',
            `Adding FOREIGN KEY${label} without NOT VALID validates every row at once, blocking writes to ${shown} and ${shownTable(constraint.pktable)} while it scans.`,
            constraint.location,
          );
        }
        break;
      case 'CONSTR_UNIQUE':
        if (!constraint.indexname) {
          this.report(
            'disallowed-unique-constraint',
            `Adding UNIQUE${label} builds its index under an ACCESS EXCLUSIVE lock on ${shown}, blocking reads and writes.`,
            constraint.location,
          );
        }
        break;
      case 'CONSTR_PRIMARY':
        if (!constraint.indexname) {
          this.report(
            'adding-serial-primary-key-field',
            `Adding PRIMARY KEY builds its index under an ACCESS EXCLUSIVE lock on ${shown}, blocking reads and writes.`,
            constraint.location,
          );
        }
        break;
      case 'CONSTR_NOTNULL':
        // Postgres 18: ADD CONSTRAINT name NOT NULL col [NOT VALID] behaves like SET NOT NULL.
        if (!notValid && notNullColumn && !this.validatedNotNull.get(table)?.has(notNullColumn)) {
          this.report(
            'adding-not-nullable-field',
            `Adding NOT NULL on ${shown}.${quoteIdent(notNullWritten ?? '')} scans the whole table under an ACCESS EXCLUSIVE lock, since no validated CHECK (${quoteIdent(notNullWritten ?? '')} IS NOT NULL) exists.`,
            constraint.location,
          );
        }
        break;
      default:
        break;
    }
  }

  private validateConstraint(table: string, existing: boolean, written: string): void {
    const name = quoteIdent(written);
    const pending = this.notValid.get(table)?.get(written.toLowerCase());
    if (!pending) return;
    if (pending.column) this.markNotNull(table, pending.column);
    if (existing && pending.transaction === this.transaction) {
      const lock = pending.foreignKey ? 'SHARE ROW EXCLUSIVE lock (blocking writes to both tables)' : 'ACCESS EXCLUSIVE lock';
      this.report(
        'constraint-missing-not-valid',
        `VALIDATE CONSTRAINT ${name} runs in the same transaction that added it NOT VALID, so the ${lock} the ADD took is still held while the table is scanned.`,
      );
    }
  }

  private markNotNull(table: string, column: string): void {
    if (!this.validatedNotNull.has(table)) this.validatedNotNull.set(table, new Set());
    this.validatedNotNull.get(table)!.add(column.toLowerCase());
  }

  private columnType(typeName: TypeName | undefined): void {
    if (!typeName) return;
    const { schema, name } = typeNameParts(typeName);
    const builtin = schema === undefined || schema === 'pg_catalog';
    if (!builtin) return;
    const at = typeName.location;
    const catalog = schema === 'pg_catalog';
    if (catalog && name === 'bpchar') this.report('ban-char-field', 'char(n) pads values with spaces and is almost never what you want.', at);
    if (catalog && name === 'varchar' && (typeName.typmods?.length ?? 0) > 0) {
      this.report('prefer-text-field', 'varchar(n): raising the limit later needs an ACCESS EXCLUSIVE lock; a CHECK constraint on text can change online.', at);
    }
    if (catalog && name === 'timestamp')
      this.report('prefer-timestamptz', 'timestamp without time zone stores no offset, so values are ambiguous across time zones.', at);
    if ((catalog && name === 'int4') || ['serial', 'serial4'].includes(name)) {
      this.report('prefer-bigint-over-int', 'A 32-bit integer column can run out of values (2,147,483,647) on a busy table.', at);
    }
    if ((catalog && name === 'int2') || ['smallserial', 'serial2'].includes(name)) {
      this.report('prefer-bigint-over-smallint', 'A 16-bit integer column can run out of values (32,767).', at);
    }
    if (!catalog && ['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2'].includes(name)) {
      this.report('prefer-identity', `${name} columns own a separate sequence with its own permissions; identity columns are the standard replacement.`, at);
    }
  }

  // ------------------------------------------------------------ transactions and settings

  private transactionStatement(kind: string): void {
    switch (kind) {
      case 'TRANS_STMT_BEGIN':
      case 'TRANS_STMT_START':
        if (this.explicitBegin)
          this.report(
            'transaction-nesting',
            'BEGIN inside a transaction that is already open: Postgres ignores it with a warning, and the first COMMIT ends both.',
          );
        else if (this.toolTransaction)
          this.report(
            'transaction-nesting',
            "BEGIN in a file that the migration tool already runs inside a transaction: its COMMIT will end the tool's transaction early.",
          );
        if (!this.explicitBegin) {
          this.explicitBegin = this.statement;
          if (!this.toolTransaction) this.transaction = this.nextTransaction();
        }
        break;
      case 'TRANS_STMT_COMMIT':
      case 'TRANS_STMT_ROLLBACK':
        if (!this.explicitBegin && this.toolTransaction) {
          this.report(
            'transaction-nesting',
            `${kind === 'TRANS_STMT_COMMIT' ? 'COMMIT' : 'ROLLBACK'} ends the transaction the migration tool wraps around this file: later statements run outside it and a failure can no longer roll the file back.`,
          );
        }
        this.explicitBegin = undefined;
        if (this.lockTimeout === 'transaction') this.lockTimeout = 'none';
        this.transaction = this.nextTransaction();
        break;
      default:
        break;
    }
  }

  private variableSet(set: VariableSetStmt): void {
    if (set.kind === 'VAR_RESET_ALL') {
      this.lockTimeout = 'none';
      return;
    }
    if ((set.name ?? '').toLowerCase() !== 'lock_timeout') return;
    if (set.kind !== 'VAR_SET_VALUE') {
      this.lockTimeout = 'none';
      return;
    }
    this.applyLockTimeout(constantText(set.args?.[0]), set.is_local === true);
  }

  /** `SELECT set_config('lock_timeout', '2s', is_local)` counts like SET. */
  private setConfig(targets: Node[] | undefined): void {
    for (const target of targets ?? []) {
      const call = inner<{ funcname?: Node[]; args?: Node[] }>(inner<{ val?: Node }>(target, 'ResTarget')?.val, 'FuncCall');
      if (strings(call?.funcname).at(-1)?.toLowerCase() !== 'set_config') continue;
      const [name, value, local] = call?.args ?? [];
      if (constantText(name)?.toLowerCase() !== 'lock_timeout') continue;
      this.applyLockTimeout(constantText(value), inner<{ boolval?: { boolval?: boolean } }>(local, 'A_Const')?.boolval?.boolval === true);
    }
  }

  private applyLockTimeout(value: string | undefined, local: boolean): void {
    const disabled = value === undefined || /^\s*0+\s*(ms|s|min|h|d)?\s*$/i.test(value);
    if (disabled) this.lockTimeout = 'none';
    else if (!local) this.lockTimeout = 'session';
    // SET LOCAL outside a transaction block has no effect (Postgres only warns).
    else if (this.inTransaction) this.lockTimeout = this.lockTimeout === 'session' ? 'session' : 'transaction';
  }
}

/** The text of a constant (string or number), as SET and set_config see it. */
function constantText(node: Node | undefined): string | undefined {
  const constant = inner<{ sval?: { sval?: string }; ival?: { ival?: number }; fval?: { fval?: string }; isnull?: boolean }>(node, 'A_Const');
  if (!constant || constant.isnull) return undefined;
  if (constant.sval) return constant.sval.sval ?? '';
  if (constant.fval) return constant.fval.fval ?? '0';
  if (constant.ival) return String(constant.ival.ival ?? 0);
  return undefined;
}

/**
 * The rules over a set of files, fed one file at a time in the order they run (so a caller can
 * parse, check and drop each file's trees in turn). Ignore comments, waivers and disabled rules
 * are applied by the caller.
 */
export function migrationSetChecker(settings: CheckSettings): { check(file: ParsedFile): RawFinding[] } {
  const linter = new Linter(settings);
  return {
    check(file: ParsedFile): RawFinding[] {
      const before = linter.findings.length;
      linter.lintFile(file);
      return linter.findings.splice(before);
    },
  };
}
