// Rules on indexes and constraints: building an index or adding and validating a constraint on
// a table that may hold rows, and what a NOT VALID constraint promises until it is validated.
import type { Walker } from '../walker.js';
import type { Constraint, IndexStmt } from 'libpg-query';
import { inner, strings, tableName, quoteIdent, shownTable, defaultIndexName, notNullCheckColumn, defaultConstraintName } from '../tree.js';

export function createIndex(w: Walker, index: IndexStmt, robust: boolean): boolean {
  const table = tableName(index.relation);
  const columns = (index.indexParams ?? []).map((param) => {
    const element = inner<{ name?: string }>(param, 'IndexElem');
    return element?.name ?? 'expr';
  });
  w.facts.rememberIndex(index.relation?.schemaname, index.idxname ?? defaultIndexName(index.relation?.relname ?? '', columns, 'idx'), table);
  if (robust && !index.if_not_exists)
    w.report('prefer-robust-stmts', 'CREATE INDEX without IF NOT EXISTS in a file that runs without a transaction: a re-run after a later failure stops here.');
  if (w.facts.isNew(table)) return false;
  w.subject = shownTable(index.relation);
  if (!index.concurrent) {
    w.report(
      'require-concurrent-index-creation',
      `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX without CONCURRENTLY on the existing table ${w.subject} blocks writes (SHARE lock) until the index is built.`,
    );
  }
  return true;
}

export function addConstraint(w: Walker, table: string, shown: string, existing: boolean, constraint: Constraint): void {
  const notValid = constraint.skip_validation === true;
  const label = constraint.conname ? ` ${quoteIdent(constraint.conname)}` : '';
  // The column a CHECK (col IS NOT NULL) or a Postgres 18 `NOT NULL col` constraint covers.
  const notNullWritten = constraint.contype === 'CONSTR_NOTNULL' ? strings(constraint.keys)[0] : notNullCheckColumn(constraint);
  const notNullColumn = notNullWritten?.toLowerCase();
  if (notValid) {
    const name = constraint.conname?.toLowerCase() ?? defaultConstraintName(table, constraint, notNullColumn);
    if (name) {
      if (!w.facts.notValid.has(table)) w.facts.notValid.set(table, new Map());
      w.facts.notValid.get(table)!.set(name, { column: notNullColumn, transaction: w.transaction, foreignKey: constraint.contype === 'CONSTR_FOREIGN' });
    }
  } else if (notNullColumn && constraint.contype === 'CONSTR_CHECK') {
    markNotNull(w, table, notNullColumn);
  }
  if (!existing) return;
  switch (constraint.contype) {
    case 'CONSTR_CHECK':
      if (!notValid) {
        w.report(
          'constraint-missing-not-valid',
          `Adding CHECK${label} without NOT VALID scans the whole table under an ACCESS EXCLUSIVE lock, blocking reads and writes.`,
          constraint.location,
        );
      }
      break;
    case 'CONSTR_FOREIGN':
      if (!notValid) {
        w.report(
          'adding-foreign-key-constraint',
          `Adding FOREIGN KEY${label} without NOT VALID validates every row at once, blocking writes to ${shown} and ${shownTable(constraint.pktable)} while it scans.`,
          constraint.location,
        );
      }
      break;
    case 'CONSTR_UNIQUE':
      if (!constraint.indexname) {
        w.report(
          'disallowed-unique-constraint',
          `Adding UNIQUE${label} builds its index under an ACCESS EXCLUSIVE lock on ${shown}, blocking reads and writes.`,
          constraint.location,
        );
      }
      break;
    case 'CONSTR_PRIMARY':
      if (!constraint.indexname) {
        w.report(
          'adding-serial-primary-key-field',
          `Adding PRIMARY KEY builds its index under an ACCESS EXCLUSIVE lock on ${shown}, blocking reads and writes.`,
          constraint.location,
        );
      }
      break;
    case 'CONSTR_NOTNULL':
      // Postgres 18: ADD CONSTRAINT name NOT NULL col [NOT VALID] behaves like SET NOT NULL.
      if (!notValid && notNullColumn && !w.facts.validatedNotNull.get(table)?.has(notNullColumn)) {
        w.report(
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

export function validateConstraint(w: Walker, table: string, existing: boolean, written: string): void {
  const name = quoteIdent(written);
  const pending = w.facts.notValid.get(table)?.get(written.toLowerCase());
  if (!pending) return;
  if (pending.column) markNotNull(w, table, pending.column);
  if (existing && pending.transaction === w.transaction) {
    const lock = pending.foreignKey ? 'SHARE ROW EXCLUSIVE lock (blocking writes to both tables)' : 'ACCESS EXCLUSIVE lock';
    w.report(
      'constraint-missing-not-valid',
      `VALIDATE CONSTRAINT ${name} runs in the same transaction that added it NOT VALID, so the ${lock} the ADD took is still held while the table is scanned.`,
    );
  }
}

export function markNotNull(w: Walker, table: string, column: string): void {
  if (!w.facts.validatedNotNull.has(table)) w.facts.validatedNotNull.set(table, new Set());
  w.facts.validatedNotNull.get(table)!.add(column.toLowerCase());
}
