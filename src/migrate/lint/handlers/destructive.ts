// Rules on destructive changes: DROP, TRUNCATE, DELETE and UPDATE without a safe bound, and
// renames that break the code still running against the old name.
import type { Walker } from '../walker.js';
import type { DropStmt, Node, RangeVar, RenameStmt, TypeName } from 'libpg-query';
import { inner, strings, tableName, qualifiedName, quoteIdent, shownTable, shownQualified } from '../tree.js';

export function drop(w: Walker, drop: DropStmt, robust: boolean): boolean {
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
    w.report('prefer-robust-stmts', 'DROP without IF EXISTS in a file that runs without a transaction: a re-run after a later failure stops here.');
  }
  const cascade = drop.behavior === 'DROP_CASCADE' ? ' CASCADE also drops everything that depends on it.' : '';
  switch (drop.removeType) {
    case 'OBJECT_TABLE': {
      const existing = names.filter((name) => !w.facts.isNew(name));
      w.subject = shown.get(existing[0] ?? names[0] ?? '');
      if (existing.length > 0)
        w.report('ban-drop-table', `DROP TABLE ${show(existing)} deletes the table and all its rows; code still using it breaks.${cascade}`);
      for (const name of names) {
        w.facts.newTables.delete(name);
        w.facts.filled.delete(name);
      }
      return existing.length > 0;
    }
    case 'OBJECT_SCHEMA': {
      const existing = names.filter((name) => !w.facts.newSchemas.has(name) && !(drop.missing_ok && w.facts.schemaAbsent(name)));
      for (const name of names) {
        w.facts.newSchemas.delete(name);
        w.facts.droppedSchemas.add(name);
      }
      if (existing.length > 0)
        w.report(
          'ban-drop-schema',
          `DROP SCHEMA ${show(existing)} deletes the schema${cascade || ' (it fails unless empty; with CASCADE it deletes every table in it).'}`,
        );
      return existing.length > 0;
    }
    case 'OBJECT_INDEX': {
      const existing = names.filter((name) => {
        const table = w.facts.indexTables.get(name.includes('.') ? name : `public.${name}`);
        return table === undefined || !w.facts.isNew(table);
      });
      if (existing.length === 0) return false;
      if (!drop.concurrent)
        w.report(
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
      const made = names.filter((name) => w.facts.newObjects.has(name) || w.facts.isNew(name));
      for (const name of made) w.facts.newObjects.delete(name);
      return made.length < names.length;
    }
    default:
      return false;
  }
}

export function truncate(w: Walker, node: Node): boolean {
  const truncate = inner<{ relations?: Node[]; behavior?: string }>(node, 'TruncateStmt');
  const relations = (truncate?.relations ?? []).flatMap((item) => inner<RangeVar>(item, 'RangeVar') ?? []);
  const existing = relations.filter((relation) => !w.facts.isNew(tableName(relation))).map(shownTable);
  const all = relations.map(shownTable);
  w.subject = existing[0] ?? all[0];
  if (existing.length > 0) w.report('ban-truncate', `TRUNCATE ${existing.join(', ')} deletes every row under an ACCESS EXCLUSIVE lock.`);
  if (truncate?.behavior === 'DROP_CASCADE') {
    w.report(
      'ban-truncate-cascade',
      `TRUNCATE ... CASCADE also empties every table with a foreign key to ${all.join(', ')}, recursively, without naming them.`,
    );
  }
  return existing.length > 0;
}

export function deleteOrUpdate(w: Walker, node: Node, kind: 'DeleteStmt' | 'UpdateStmt'): boolean {
  const statement = inner<{ relation?: RangeVar; whereClause?: Node; targetList?: Node[] }>(node, kind);
  const table = tableName(statement?.relation);
  if (statement?.whereClause || w.facts.isNew(table)) return false;
  const shown = (w.subject = shownTable(statement?.relation));
  if (kind === 'DeleteStmt') {
    w.report('ban-delete-without-where', `DELETE FROM ${shown} without WHERE deletes every row of the table.`);
    return false;
  }
  const columns = (statement?.targetList ?? []).map((item) => inner<{ name?: string }>(item, 'ResTarget')?.name ?? '');
  const added = w.facts.addedColumns.get(table) ?? new Set<string>();
  const overwrites = columns.filter((column) => !added.has(column.toLowerCase()));
  if (overwrites.length > 0) {
    w.report(
      'ban-update-without-where',
      `UPDATE ${shown} without WHERE overwrites ${overwrites.map(quoteIdent).join(', ')} in every row; the old values are lost.`,
      undefined,
      { severity: 'error', destructive: true },
    );
  } else {
    w.report(
      'ban-update-without-where',
      `UPDATE ${shown} without WHERE backfills every row in one transaction, holding a row lock on each until commit and bloating the table.`,
    );
  }
  return false;
}

export function rename(w: Walker, rename: RenameStmt): boolean {
  const table = tableName(rename.relation);
  w.subject = rename.relation ? shownTable(rename.relation) : undefined;
  if (rename.renameType === 'OBJECT_TABLE') {
    const target = `${table.split('.')[0]}.${(rename.newname ?? '').toLowerCase()}`;
    if (w.facts.createdHere(table)) {
      w.facts.newTables.delete(table);
      w.facts.newTables.add(target);
      if (w.facts.filled.delete(table)) w.facts.filled.add(target);
      for (const [index, indexed] of w.facts.indexTables) if (indexed === table) w.facts.indexTables.set(index, target);
      return false;
    }
    w.report('renaming-table', `Renaming ${w.subject} to ${quoteIdent(rename.newname ?? '')}: code still using the old name fails as soon as this runs.`);
    w.facts.renamedExisting.add(target);
    return true;
  }
  if (rename.renameType === 'OBJECT_INDEX' && rename.relation) {
    // The same index under its new name (in the same schema).
    const indexed = w.facts.indexTable(rename.relation);
    w.subject = undefined;
    if (indexed === undefined) return true;
    w.facts.indexTables.delete(`${(rename.relation.schemaname ?? 'public').toLowerCase()}.${(rename.relation.relname ?? '').toLowerCase()}`);
    w.facts.rememberIndex(rename.relation.schemaname, rename.newname, indexed);
    return !w.facts.isNew(indexed);
  }
  if (rename.renameType === 'OBJECT_COLUMN' && rename.relation) {
    if (w.facts.isNew(table)) return false;
    w.report(
      'renaming-column',
      `Renaming column ${quoteIdent(rename.subname ?? '')} of ${w.subject} to ${quoteIdent(rename.newname ?? '')}: code still using the old name fails as soon as this runs.`,
    );
    return true;
  }
  return rename.relation !== undefined && !w.facts.isNew(table);
}
