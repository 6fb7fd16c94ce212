// The statement walker: one pass over the parse trees of a whole migration set, in order. It
// keeps the state of the file and transaction being read (which transaction a statement runs in,
// whether lock_timeout is set), updates the facts carried across files, and hands each statement
// to the rule handlers of its kind (handlers/*.ts), which report findings through it.
import type { SqlStatement } from '../sql.js';
import type { CheckSettings, ParsedFile, RawFinding } from './checks.js';
import type { RuleName } from './rules.js';
import { SetFacts } from './facts.js';
import type { AlterTableStmt, CreateStmt, DropStmt, IndexStmt, Node, RangeVar, RenameStmt, VariableSetStmt } from 'libpg-query';
import { inner, strings, tableName, qualifiedName, quoteIdent, shownTable, defElemNames, cannotRunInTransaction, NO_TRANSACTION_LABELS } from './tree.js';
import { drop, truncate, deleteOrUpdate, rename } from './handlers/destructive.js';
import { createIndex } from './handlers/indexes-constraints.js';
import { createTable, createDomain, alterTable } from './handlers/tables-columns.js';
import { requireLockTimeout, transactionStatement, variableSet, setConfig } from './handlers/transactions.js';

export class Walker {
  readonly findings: RawFinding[] = [];
  readonly facts: SetFacts;
  transactionCounter = 0;
  singleTransaction = -1;
  lockTimeout: 'none' | 'session' | 'transaction' = 'none';
  // Per file.
  file!: ParsedFile;
  statementIndex = 0;
  statement!: SqlStatement;
  toolTransaction = false;
  explicitBegin: SqlStatement | undefined;
  transaction = 0;
  lockTimeoutReported = false;
  droppedIfExists = new Set<string>();
  /** The table the current statement is about, as shown in messages (set by the statement's handler). */
  subject: string | undefined;

  constructor(readonly settings: CheckSettings) {
    this.facts = new SetFacts(settings);
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
      if (locks) requireLockTimeout(this);
    });
    if (this.explicitBegin) {
      this.reportAt('ban-uncommitted-transaction', this.explicitBegin, 'BEGIN without a matching COMMIT: the transaction is left open at the end of the file.');
    }
  }

  get inTransaction(): boolean {
    return this.toolTransaction || this.explicitBegin !== undefined;
  }

  nextTransaction(): number {
    return ++this.transactionCounter;
  }

  report(rule: RuleName, message: string, byteLocation?: number, extra: Partial<RawFinding> = {}): void {
    const position =
      byteLocation !== undefined && byteLocation >= 0
        ? this.file.source.positionOfByte(byteLocation)
        : { line: this.statement.line, column: this.statement.column };
    this.findings.push({ rule, message, ...position, statement: this.statementIndex, table: this.subject, ...extra });
  }

  reportAt(rule: RuleName, statement: SqlStatement, message: string): void {
    this.findings.push({ rule, message, line: statement.line, column: statement.column, statement: this.file.statements.indexOf(statement) });
  }

  /** Runs the rules for one statement; returns whether it takes a lock that blocks traffic on an existing object. */
  check(statement: SqlStatement, robustCandidates: boolean): boolean {
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
        return createTable(this, inner<CreateStmt>(node, 'CreateStmt')!, robust);
      case 'CreateTableAsStmt': {
        const create = inner<{ into?: { rel?: RangeVar; skipData?: boolean }; query?: Node }>(node, 'CreateTableAsStmt');
        const table = tableName(create?.into?.rel);
        this.facts.newTables.add(table);
        if (!create?.into?.skipData) this.facts.fillFrom(table, create?.query);
        return false;
      }
      case 'SelectStmt': {
        const select = inner<{ intoClause?: { rel?: RangeVar }; targetList?: Node[] }>(node, 'SelectStmt');
        if (select?.intoClause) {
          const table = tableName(select.intoClause.rel);
          this.facts.newTables.add(table);
          this.facts.fillFrom(table, { ...select, intoClause: undefined });
        }
        setConfig(this, select?.targetList);
        return false;
      }
      case 'InsertStmt': {
        const insert = inner<{ relation?: RangeVar; selectStmt?: Node; withClause?: unknown }>(node, 'InsertStmt');
        this.facts.fillFrom(tableName(insert?.relation), [insert?.withClause, insert?.selectStmt]);
        return false;
      }
      case 'CreateEnumStmt':
      case 'CreateRangeStmt':
        this.facts.newObjects.add(qualifiedName(strings(inner<{ typeName?: Node[] }>(node, statement.kind)?.typeName)));
        return false;
      case 'CreateDomainStmt':
        this.facts.newObjects.add(qualifiedName(strings(inner<{ domainname?: Node[] }>(node, 'CreateDomainStmt')?.domainname)));
        return createDomain(this, node);
      case 'CompositeTypeStmt':
        this.facts.newObjects.add(tableName(inner<{ typevar?: RangeVar }>(node, 'CompositeTypeStmt')?.typevar));
        return false;
      case 'CreateSeqStmt':
        this.facts.newObjects.add(tableName(inner<{ sequence?: RangeVar }>(node, 'CreateSeqStmt')?.sequence));
        return false;
      case 'ViewStmt':
        this.facts.newObjects.add(tableName(inner<{ view?: RangeVar }>(node, 'ViewStmt')?.view));
        return false;
      case 'CreateSchemaStmt': {
        const create = inner<{ schemaname?: string; if_not_exists?: boolean }>(node, 'CreateSchemaStmt');
        const schema = (create?.schemaname ?? '').toLowerCase();
        const alreadyThere = create?.if_not_exists && this.settings.existingSchemas?.has(schema) && !this.facts.droppedSchemas.has(schema);
        if (!alreadyThere) this.facts.newSchemas.add(schema);
        this.facts.droppedSchemas.delete(schema);
        return false;
      }
      case 'IndexStmt':
        return createIndex(this, inner<IndexStmt>(node, 'IndexStmt')!, robust);
      case 'DropStmt':
        return drop(this, inner<DropStmt>(node, 'DropStmt')!, robust);
      case 'DropdbStmt':
        this.report(
          'ban-drop-database',
          `DROP DATABASE ${quoteIdent(inner<{ dbname?: string }>(node, 'DropdbStmt')?.dbname ?? '')} deletes the whole database.`,
        );
        return false;
      case 'TruncateStmt':
        return truncate(this, node);
      case 'DeleteStmt':
        return deleteOrUpdate(this, node, 'DeleteStmt');
      case 'UpdateStmt':
        return deleteOrUpdate(this, node, 'UpdateStmt');
      case 'RenameStmt':
        return rename(this, inner<RenameStmt>(node, 'RenameStmt')!);
      case 'AlterTableStmt':
        return alterTable(this, inner<AlterTableStmt>(node, 'AlterTableStmt')!, robust);
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
            ? this.facts.indexTable(reindex.relation)
            : reindex?.kind === 'REINDEX_OBJECT_TABLE'
              ? tableName(reindex.relation)
              : undefined;
        if (table !== undefined && this.facts.isNew(table)) return false;
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
        transactionStatement(this, inner<{ kind?: string }>(node, 'TransactionStmt')?.kind ?? '');
        return false;
      case 'VariableSetStmt':
        variableSet(this, inner<VariableSetStmt>(node, 'VariableSetStmt')!);
        return false;
      case 'LockStmt':
      case 'RefreshMatViewStmt':
      case 'CreateTrigStmt':
      case 'CreatePolicyStmt':
      case 'AlterPolicyStmt':
      case 'RuleStmt':
        return !this.facts.onlyNewRelations(node);
      default:
        return false;
    }
  }
}
