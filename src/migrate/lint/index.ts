// Lints migration SQL with Postgres's own parser (libpg-query), using squawk's rule names and
// ignore comments so teams that know squawk feel at home. The rules live in checks.ts, their
// severities and safer patterns in rules.ts, and the comments that steer them in comments.ts.
import { FileText, SqlSyntaxError, splitStatements, withoutCopyData } from '../sql.js';
import type { SqlStatement } from '../sql.js';
import type { Node } from 'libpg-query';
import { cannotRunInTransaction, migrationSetChecker } from './checks.js';
import type { ParsedFile, RawFinding } from './checks.js';
import { ignoreDirective, scanComments, transactionMarkers } from './comments.js';
import type { IgnoreDirective } from './comments.js';
import { RULES } from './rules.js';
import { validateRuleNames } from '../settings.js';

export { cannotRunInTransaction } from './checks.js';
export { RULES, RULE_ALIASES, SQUAWK_CHECKED_VERSION, squawkName } from './rules.js';
/** The rules a pull request's description waives, and names there that are not rules (to warn about). */
export { prWaivers } from './comments.js';
export type { RuleInfo, RuleName } from './rules.js';

export interface LintFinding {
  rule: string;
  severity: 'error' | 'warning' | 'note';
  file: string;
  line: number;
  column: number;
  message: string;
  safer: string;
  destructive: boolean;
  /** The table the finding is about, as the migration names it (`public."User"`), when there is one. */
  table?: string;
}

export interface LintOptions {
  /** Rule names switched off by the `lint-disable` input. */
  disabled: string[];
  /** The action's `lock-timeout` input sets lock_timeout on the session. */
  sessionLockTimeout: boolean;
  /** How the migration tool runs files: each in its own transaction, all in one, or none. */
  transactionModel: 'per-file' | 'single' | 'none';
  /** Tables that exist before these migrations (`schema.table`, lowercased). */
  existingTables?: Set<string>;
  /** Schemas that exist before these migrations (lowercased), so `DROP SCHEMA IF EXISTS` of another one is known to do nothing. */
  existingSchemas?: Set<string>;
  /** Keep every parse tree whole (see shrinkInsert; tests compare both ways). */
  wholeTrees?: boolean;
}

export { KNOWN_RULES, validateRuleNames } from '../settings.js';

/** The statements of a file that cannot run inside a transaction block. */
export function statementsNeedingNoTransaction(statements: SqlStatement[]): SqlStatement[] {
  return statements.filter(cannotRunInTransaction);
}

interface PreparedFile extends ParsedFile {
  ignores: IgnoreDirective[];
}

/** Every ignore comment and transaction marker contains one of these (see comments.ts). */
const STEERING_WORDS = /squawk-|preview-db:|migrate:up/i;

/** True when a parse tree holds a reference to a relation (a subquery, a CTE, a function's FROM) anywhere. */
function namesRelation(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(namesRelation);
  if (value === null || typeof value !== 'object') return false;
  for (const [key, child] of Object.entries(value)) if (key === 'RangeVar' || key === 'CommonTableExpr' || namesRelation(child)) return true;
  return false;
}

/**
 * A plain `INSERT ... VALUES` whose values name no relation keeps only its target: the checks
 * read an INSERT's target and the relations its rows come from (a table filled from another is
 * not empty), and VALUES of constants names none. A dump or data migration of 400,000 INSERTs
 * otherwise holds 400,000 whole parse trees while the file is checked (900 MB).
 */
export function shrinkInsert(node: Node, kind: string): Node {
  if (kind !== 'InsertStmt') return node;
  const insert = (node as unknown as { InsertStmt: { relation?: unknown; selectStmt?: unknown; withClause?: unknown; returningList?: unknown } }).InsertStmt;
  if (insert.withClause !== undefined || namesRelation(insert.selectStmt) || namesRelation(insert.returningList)) return node;
  return { InsertStmt: { relation: insert.relation } } as unknown as Node;
}

/** `noTransaction`: the runner runs the file outside a transaction for a reason its text may not show (Diesel's metadata.toml, its own BEGIN/COMMIT). */
async function prepare(file: { path: string; sql: string; noTransaction?: boolean }, wholeTrees = false): Promise<PreparedFile> {
  let statements: SqlStatement[];
  try {
    // libpg-query refuses an empty string ("Query cannot be empty"); an empty migration is just empty.
    statements = file.sql === '' ? [] : await splitStatements(file.sql, wholeTrees ? {} : { shrink: shrinkInsert });
  } catch (error) {
    if (error instanceof SqlSyntaxError) throw new SqlSyntaxError(`${file.path}: ${error.message}`, error.line, error.column);
    throw error;
  }
  const source = new FileText(file.sql);
  // Rows of COPY ... FROM stdin are data, not SQL: the scanner reads the file without them.
  // Only comments that steer the linter matter, and each names one of these words: a file
  // without them needs no second pass of the scanner.
  const comments = STEERING_WORDS.test(file.sql) ? await scanComments(source, withoutCopyData(file.sql, statements)) : [];
  const firstStatement = statements[0]?.offset ?? file.sql.length;
  return {
    path: file.path,
    source,
    statements,
    markers: file.noTransaction ? { ...transactionMarkers(comments, firstStatement), optOut: true } : transactionMarkers(comments, firstStatement),
    ignores: comments.flatMap((comment) => ignoreDirective(comment) ?? []),
  };
}

/** Whether an ignore comment covers a finding: squawk's rule (the comment on the finding's line or the line before) or, in addition, anywhere in the comments right before the statement. */
function ignored(file: PreparedFile, finding: RawFinding): boolean {
  const statement = file.statements[finding.statement];
  const previous = file.statements[finding.statement - 1];
  const regionStart = previous ? previous.offset + previous.text.length : 0;
  return file.ignores.some((directive) => {
    if (!directive.all && !directive.rules.has(finding.rule)) return false;
    if (directive.scope === 'file') return true;
    const { comment } = directive;
    if (comment.line === finding.line || comment.line === finding.line - 1) return true;
    return statement !== undefined && comment.start >= regionStart && comment.end <= statement.offset;
  });
}

/**
 * Lints a set of migration files, in the order they will run. Throws InputError for an unknown
 * rule in `disabled`, and SqlSyntaxError (message prefixed with the file) for unparsable SQL.
 */
export async function lintMigrations(files: Array<{ path: string; sql: string; noTransaction?: boolean }>, options: LintOptions): Promise<LintFinding[]> {
  const disabled = new Set(validateRuleNames(options.disabled));
  const checker = migrationSetChecker({
    sessionLockTimeout: options.sessionLockTimeout,
    transactionModel: options.transactionModel,
    existingTables: options.existingTables,
    existingSchemas: options.existingSchemas,
  });
  const findings: LintFinding[] = [];
  // One file at a time: its parse trees are dropped before the next file is parsed, so memory
  // stays that of the largest file however long the history.
  for (const source of files) {
    const file = await prepare(source, options.wholeTrees);
    const unknownNames: RawFinding[] = file.ignores.flatMap((directive) =>
      directive.unknown.map((name) => ({
        rule: 'unused-ignore' as const,
        ...file.source.position(directive.comment.start),
        message: `Unknown rule name '${name}' in an ignore comment: it ignores nothing.`,
        statement: -1,
      })),
    );
    const fileFindings = [...checker.check(file), ...unknownNames]
      .filter((finding) => !disabled.has(finding.rule) && !ignored(file, finding))
      .sort((a, b) => a.line - b.line || a.column - b.column);
    for (const finding of fileFindings) {
      const rule = RULES[finding.rule];
      findings.push({
        rule: finding.rule,
        severity: finding.severity ?? rule.severity,
        file: file.path,
        line: finding.line,
        column: finding.column,
        message: finding.message,
        safer: rule.safer,
        destructive: finding.destructive ?? rule.destructive,
        ...(finding.table !== undefined ? { table: finding.table } : {}),
      });
    }
  }
  return findings;
}
