// The facts carried across the files of a migration set, in the order they run: what the set
// created, filled, renamed or dropped before the statement being checked. A lock or destructive
// rule asks them whether a table can hold rows yet.
import type { Node, RangeVar } from 'libpg-query';
import type { CheckSettings } from './checks.js';
import { inner, readsRelations, tableName } from './tree.js';

interface PendingCheck {
  /** The column, for a CHECK (col IS NOT NULL) or NOT NULL constraint. */
  column?: string;
  /** The transaction that added it NOT VALID. */
  transaction: number;
  foreignKey: boolean;
}

export class SetFacts {
  /** Tables (and materialized views) created by this migration set: no lock rule applies to them. */
  readonly newTables = new Set<string>();
  readonly newSchemas = new Set<string>();
  /** Schemas dropped in this set (and not created again since): they no longer exist. */
  readonly droppedSchemas = new Set<string>();
  /** Types, domains, sequences and views made in this set (`schema.name`): dropping them locks nothing that existed. */
  readonly newObjects = new Set<string>();
  /** Tables created in this set that were filled from other tables (CREATE TABLE ... AS, INSERT ... SELECT): not empty. */
  readonly filled = new Set<string>();
  /** New names of existing tables renamed in this set: they still hold the old table's rows. */
  readonly renamedExisting = new Set<string>();
  /** Index name → its table, for indexes created in this set. */
  readonly indexTables = new Map<string, string>();
  /** Columns added to existing tables in this set (a backfill of them is not destructive). */
  readonly addedColumns = new Map<string, Set<string>>();
  /** NOT VALID constraints, by table then constraint name. */
  readonly notValid = new Map<string, Map<string, PendingCheck>>();
  /** Columns with a validated CHECK (col IS NOT NULL), by table. */
  readonly validatedNotNull = new Map<string, Set<string>>();
  private readonly existingBareNames: Set<string>;

  constructor(private readonly settings: CheckSettings) {
    this.existingBareNames = new Set([...(settings.existingTables ?? [])].map((name) => name.slice(name.indexOf('.') + 1)));
  }

  /**
   * A table is new when this set creates it, or when `existingTables` is known and the table is
   * not in it (it cannot hold data yet: created by something the linter cannot read, such as a
   * JavaScript migration, or the statement will fail). An unqualified name counts as existing if
   * a table of that name exists in any schema, since the search_path may point there.
   */
  isNew(table: string): boolean {
    if (this.filled.has(table)) return false;
    return this.newTables.has(table) || (!this.renamedExisting.has(table) && this.absentBefore(table));
  }

  /** A table this set made (or that was not there before), even if it has been filled since: no code uses its name yet. */
  createdHere(table: string): boolean {
    return this.newTables.has(table) || this.isNew(table);
  }

  /** Marks a table made in this set as holding rows when the query that fills it reads from a table that may have rows. */
  fillFrom(table: string, query: unknown): void {
    if (!this.createdHere(table)) return;
    if (readsRelations(query, (relation) => !this.isNew(tableName(relation)))) this.filled.add(table);
  }

  /** The table of an index created in this set, by the index's name as a statement writes it. */
  indexTable(relation: { schemaname?: string; relname?: string } | undefined): string | undefined {
    return this.indexTables.get(`${(relation?.schemaname ?? 'public').toLowerCase()}.${(relation?.relname ?? '').toLowerCase()}`);
  }

  rememberIndex(schema: string | undefined, name: string | undefined, table: string): void {
    if (name) this.indexTables.set(`${(schema ?? 'public').toLowerCase()}.${name.toLowerCase()}`, table);
  }

  /** Whether a schema is known not to exist at this point: dropped earlier in the set, or absent from the schemas known before. */
  schemaAbsent(schema: string): boolean {
    if (this.newSchemas.has(schema)) return false;
    if (this.droppedSchemas.has(schema)) return true;
    const tables = this.settings.existingTables;
    if (tables && [...tables].some((table) => table.startsWith(`${schema}.`))) return false;
    return this.settings.existingSchemas !== undefined && !this.settings.existingSchemas.has(schema);
  }

  absentBefore(table: string): boolean {
    const existing = this.settings.existingTables;
    if (!existing) return false;
    if (existing.has(table)) return false;
    return !(table.startsWith('public.') && this.existingBareNames.has(table.slice('public.'.length)));
  }

  /** For statements naming a relation: false when all are tables created in this set. */
  onlyNewRelations(node: Node): boolean {
    const payload = Object.values(node)[0] as { relation?: RangeVar; table?: RangeVar; relations?: Node[] } | undefined;
    const relations = [payload?.relation, payload?.table, ...(payload?.relations ?? []).map((item) => inner<RangeVar>(item, 'RangeVar'))].filter(
      (item): item is RangeVar => item !== undefined,
    );
    return relations.length > 0 && relations.every((relation) => this.isNew(tableName(relation)));
  }
}
