// What changed between the parent's schema and the preview's.
import type { SchemaObject, SchemaObjectKind } from './catalog.js';

export interface SchemaChange {
  change: 'added' | 'changed' | 'removed';
  kind: SchemaObjectKind;
  name: string;
  table: string;
  before?: string;
  after?: string;
}

export function diffSchemas(parent: SchemaObject[], preview: SchemaObject[]): SchemaChange[] {
  const key = (object: SchemaObject) => `${object.kind}:${object.name}`;
  const before = new Map(parent.map((object) => [key(object), object]));
  const after = new Map(preview.map((object) => [key(object), object]));
  const changes: SchemaChange[] = [];
  for (const [id, object] of after) {
    const old = before.get(id);
    if (!old) changes.push({ change: 'added', kind: object.kind, name: object.name, table: object.table, after: object.definition });
    else if (old.definition !== object.definition)
      changes.push({ change: 'changed', kind: object.kind, name: object.name, table: object.table, before: old.definition, after: object.definition });
  }
  for (const [id, object] of before)
    if (!after.has(id)) changes.push({ change: 'removed', kind: object.kind, name: object.name, table: object.table, before: object.definition });
  // The parts of a table added or removed as a whole say nothing new.
  const wholeTables = new Set(changes.filter((c) => c.kind === 'table').map((c) => `${c.change}:${c.table}`));
  const order = { table: 0, column: 1, index: 2, constraint: 3 } as const;
  return changes
    .filter((c) => c.kind === 'table' || !wholeTables.has(`${c.change}:${c.table}`))
    .sort((a, b) => order[a.kind] - order[b.kind] || a.name.localeCompare(b.name));
}

/** Neon's compare_schema answers a unified diff of two schema dumps; count what it shows. */
export function summarizeUnifiedDiff(diff: string): { added: number; removed: number; text: string } {
  const lines = diff.split('\n');
  return {
    added: lines.filter((line) => line.startsWith('+') && !line.startsWith('+++')).length,
    removed: lines.filter((line) => line.startsWith('-') && !line.startsWith('---')).length,
    text: diff,
  };
}
