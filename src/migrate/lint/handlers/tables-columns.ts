// Rules on tables, columns and types: CREATE TABLE, ALTER TABLE and its commands (added and
// changed columns, defaults that rewrite, types to avoid), domains.
import type { Walker } from '../walker.js';
import type { AlterTableCmd, AlterTableStmt, ColumnDef, Constraint, CreateStmt, Node, RangeVar, TypeName } from 'libpg-query';
import {
  inner,
  strings,
  tableName,
  quoteIdent,
  shownTable,
  typeNameParts,
  constraintsOf,
  defaultIndexName,
  SERIAL_TYPES,
  defaultSequenceName,
  volatileDefault,
} from '../tree.js';
import { addConstraint, validateConstraint } from './indexes-constraints.js';

export function createTable(w: Walker, create: CreateStmt, robust: boolean): boolean {
  const table = tableName(create.relation);
  w.subject = shownTable(create.relation);
  const alreadyThere = create.if_not_exists && w.settings.existingTables !== undefined && !w.facts.absentBefore(table);
  if (!alreadyThere) w.facts.newTables.add(table);
  if (robust && !create.if_not_exists)
    w.report('prefer-robust-stmts', 'CREATE TABLE without IF NOT EXISTS in a file that runs without a transaction: a re-run after a later failure stops here.');
  let locksOthers = false;
  const bare = create.relation?.relname ?? '';
  const constraintIndex = (constraint: Constraint | undefined, columns: string[]): void => {
    if (constraint?.contype !== 'CONSTR_PRIMARY' && constraint?.contype !== 'CONSTR_UNIQUE') return;
    const name = constraint.conname ?? defaultIndexName(bare, columns, constraint.contype === 'CONSTR_PRIMARY' ? 'pkey' : 'key');
    w.facts.rememberIndex(create.relation?.schemaname, name, table);
  };
  for (const element of create.tableElts ?? []) {
    const column = inner<ColumnDef>(element, 'ColumnDef');
    if (column) {
      for (const constraint of constraintsOf(column)) constraintIndex(constraint, [column.colname ?? '']);
      // serial and identity columns own a sequence named <table>_<column>_seq.
      const typeName = strings(column.typeName?.names).at(-1) ?? '';
      const owned = SERIAL_TYPES.has(typeName) || constraintsOf(column).some((constraint) => constraint.contype === 'CONSTR_IDENTITY');
      const sequence = owned ? defaultSequenceName(bare, column.colname ?? '') : undefined;
      if (sequence) w.facts.newObjects.add(`${(create.relation?.schemaname ?? 'public').toLowerCase()}.${sequence.toLowerCase()}`);
      columnType(w, column.typeName);
      if (constraintsOf(column).some((constraint) => constraint.contype === 'CONSTR_FOREIGN' && !w.facts.isNew(tableName(constraint.pktable))))
        locksOthers = true;
    }
    const constraint = inner<Constraint>(element, 'Constraint');
    constraintIndex(constraint, strings(constraint?.keys));
    if (constraint?.contype === 'CONSTR_FOREIGN' && !w.facts.isNew(tableName(constraint.pktable))) locksOthers = true;
  }
  // PARTITION OF / INHERITS lock the parent.
  const parents = (create.inhRelations ?? []).map((item) => tableName(inner<RangeVar>(item, 'RangeVar')));
  if (parents.some((parent) => !w.facts.isNew(parent))) locksOthers = true;
  return locksOthers;
}

export function createDomain(w: Walker, node: Node): boolean {
  const domain = inner<{ constraints?: Node[] }>(node, 'CreateDomainStmt');
  const constrained = (domain?.constraints ?? []).some((item) =>
    ['CONSTR_CHECK', 'CONSTR_NOTNULL'].includes(inner<Constraint>(item, 'Constraint')?.contype ?? ''),
  );
  if (constrained)
    w.report(
      'ban-create-domain-with-constraint',
      'A domain with a constraint: changing that constraint later checks every column that uses the domain while holding locks.',
    );
  return false;
}

export function alterTable(w: Walker, alter: AlterTableStmt, robust: boolean): boolean {
  const table = tableName(alter.relation);
  const shown = (w.subject = shownTable(alter.relation));
  const existing = !w.facts.isNew(table);
  const isTable = alter.objtype === 'OBJECT_TABLE' || alter.objtype === undefined;
  let robustReported = false;
  const robustness = (message: string): void => {
    if (robust && !robustReported) {
      robustReported = true;
      w.report('prefer-robust-stmts', `${message} in a file that runs without a transaction: a re-run after a later failure stops here.`);
    }
  };
  for (const item of alter.cmds ?? []) {
    const command = inner<AlterTableCmd>(item, 'AlterTableCmd');
    if (!command) continue;
    switch (command.subtype) {
      case 'AT_AddColumn': {
        const column = inner<ColumnDef>(command.def, 'ColumnDef');
        if (!column) break;
        columnType(w, column.typeName);
        if (!command.missing_ok) robustness('ADD COLUMN without IF NOT EXISTS');
        if (existing && isTable) {
          addedColumn(w, table, shown, column);
        }
        break;
      }
      case 'AT_DropColumn':
        if (!command.missing_ok) robustness('DROP COLUMN without IF EXISTS');
        if (existing)
          w.report('ban-drop-column', `Dropping column ${quoteIdent(command.name ?? '')} of ${shown} deletes its data; code still using it breaks.`);
        break;
      case 'AT_AlterColumnType': {
        const column = inner<ColumnDef>(command.def, 'ColumnDef');
        columnType(w, column?.typeName);
        if (existing) {
          w.report(
            'changing-column-type',
            `Changing the type of ${shown}.${quoteIdent(command.name ?? '')} rewrites the table and its indexes under an ACCESS EXCLUSIVE lock, blocking reads and writes.`,
            column?.typeName?.location,
          );
        }
        break;
      }
      case 'AT_SetNotNull':
        if (existing && !w.facts.validatedNotNull.get(table)?.has((command.name ?? '').toLowerCase())) {
          w.report(
            'adding-not-nullable-field',
            `SET NOT NULL on ${shown}.${quoteIdent(command.name ?? '')} scans the whole table under an ACCESS EXCLUSIVE lock, since no validated CHECK (${quoteIdent(command.name ?? '')} IS NOT NULL) exists.`,
          );
        }
        break;
      case 'AT_DropNotNull':
        if (existing)
          w.report(
            'ban-drop-not-null',
            `Dropping NOT NULL on ${shown}.${quoteIdent(command.name ?? '')}: code that assumes the column is never NULL may break.`,
          );
        break;
      case 'AT_AddConstraint': {
        const constraint = inner<Constraint>(command.def, 'Constraint');
        if (!constraint) break;
        if (!constraint.conname || !w.droppedIfExists.has(constraint.conname.toLowerCase()))
          robustness('ADD CONSTRAINT without a preceding DROP CONSTRAINT IF EXISTS');
        addConstraint(w, table, shown, existing, constraint);
        break;
      }
      case 'AT_DropConstraint':
        if (!command.missing_ok) robustness('DROP CONSTRAINT without IF EXISTS');
        else if (command.name) w.droppedIfExists.add(command.name.toLowerCase());
        break;
      case 'AT_ValidateConstraint':
        validateConstraint(w, table, existing, command.name ?? '');
        break;
      case 'AT_DetachPartition':
        if (existing && !inner<{ concurrent?: boolean }>(command.def, 'PartitionCmd')?.concurrent) {
          w.report(
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

export function addedColumn(w: Walker, table: string, shown: string, column: ColumnDef): void {
  if (!w.facts.addedColumns.has(table)) w.facts.addedColumns.set(table, new Set());
  w.facts.addedColumns.get(table)!.add((column.colname ?? '').toLowerCase());
  const name = quoteIdent(column.colname ?? '');
  const constraints = constraintsOf(column);
  const has = (type: string): Constraint | undefined => constraints.find((constraint) => constraint.contype === type);
  const defaultValue = has('CONSTR_DEFAULT');
  const generated = has('CONSTR_GENERATED');
  const identity = has('CONSTR_IDENTITY');
  if (has('CONSTR_NOTNULL') && !defaultValue && !generated && !identity) {
    w.report('adding-required-field', `Adding ${shown}.${name} as NOT NULL without a DEFAULT fails on a table that has rows.`, column.location);
  }
  if (defaultValue) {
    const why = volatileDefault(defaultValue.raw_expr);
    if (why) w.report('adding-field-with-default', `Adding ${shown}.${name} with this default: ${why}, under an ACCESS EXCLUSIVE lock.`, defaultValue.location);
  }
  if (generated && generated.generated_kind !== 'v') {
    w.report(
      'adding-field-with-default',
      `Adding the stored generated column ${shown}.${name} rewrites the table under an ACCESS EXCLUSIVE lock.`,
      generated.location,
    );
  }
  if (identity) {
    w.report(
      'adding-field-with-default',
      `Adding the identity column ${shown}.${name} fills every existing row: the table is rewritten under an ACCESS EXCLUSIVE lock.`,
      identity.location,
    );
  }
  const foreignKey = has('CONSTR_FOREIGN');
  if (foreignKey) {
    w.report(
      'adding-foreign-key-constraint',
      `Adding ${shown}.${name} with REFERENCES validates the foreign key at once, locking ${shown} and ${shownTable(foreignKey.pktable)} against writes while it scans.`,
      foreignKey.location,
    );
  }
  const unique = has('CONSTR_UNIQUE');
  if (unique)
    w.report(
      'disallowed-unique-constraint',
      `Adding ${shown}.${name} with UNIQUE builds the index under an ACCESS EXCLUSIVE lock, blocking reads and writes.`,
      unique.location,
    );
  const primary = has('CONSTR_PRIMARY');
  if (primary)
    w.report(
      'adding-serial-primary-key-field',
      `Adding ${shown}.${name} as PRIMARY KEY builds the index under an ACCESS EXCLUSIVE lock, blocking reads and writes.`,
      primary.location,
    );
}

export function columnType(w: Walker, typeName: TypeName | undefined): void {
  if (!typeName) return;
  const { schema, name } = typeNameParts(typeName);
  const builtin = schema === undefined || schema === 'pg_catalog';
  if (!builtin) return;
  const at = typeName.location;
  const catalog = schema === 'pg_catalog';
  if (catalog && name === 'bpchar') w.report('ban-char-field', 'char(n) pads values with spaces and is almost never what you want.', at);
  if (catalog && name === 'varchar' && (typeName.typmods?.length ?? 0) > 0) {
    w.report('prefer-text-field', 'varchar(n): raising the limit later needs an ACCESS EXCLUSIVE lock; a CHECK constraint on text can change online.', at);
  }
  if (catalog && name === 'timestamp')
    w.report('prefer-timestamptz', 'timestamp without time zone stores no offset, so values are ambiguous across time zones.', at);
  if ((catalog && name === 'int4') || ['serial', 'serial4'].includes(name)) {
    w.report('prefer-bigint-over-int', 'A 32-bit integer column can run out of values (2,147,483,647) on a busy table.', at);
  }
  if ((catalog && name === 'int2') || ['smallserial', 'serial2'].includes(name)) {
    w.report('prefer-bigint-over-smallint', 'A 16-bit integer column can run out of values (32,767).', at);
  }
  if (!catalog && ['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2'].includes(name)) {
    w.report('prefer-identity', `${name} columns own a separate sequence with its own permissions; identity columns are the standard replacement.`, at);
  }
}
