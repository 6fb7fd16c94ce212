// The copy plan: which tables, in which foreign-key order, which foreign keys a cycle
// forces to add back after the load, and the SELECT that reads each table from production
// (masked columns, the subset, and the rows other kept rows reference).
import { quoteIdent, quoteLiteral } from '../shared/naming.js';
import type { ForeignKey, TableInfo } from './catalog.js';
import { maskExpression, type MaskingRules, type TableRule } from './rules.js';

export interface TablePlan {
  table: TableInfo;
  rule?: TableRule;
  /** Tables that must be complete before this one starts (its parents outside cycles). */
  after: string[];
  /** Columns COPY writes (generated columns left out). */
  columns: string[];
  /** The SELECT production runs: masked columns, the subset. */
  select: string;
  /** `COPY (select) TO STDOUT` on production. */
  copyOut: string;
  /** `COPY ... FROM STDIN` on the template. */
  copyIn: string;
  /** Counts the rows the table's own subset keeps (before rows referenced by others), when it has one. */
  baseCount?: string;
  /** The tables whose kept rows may pull rows of this one in. */
  referencedBy: string[];
  /** Why it gets the rows it gets, for the report. */
  subset?: string;
}

export interface CopyPlan {
  /** In foreign-key order: parents before children. */
  tables: TablePlan[];
  /** Foreign keys inside a cycle (a table referencing itself included): dropped for the load, added back and validated after. */
  deferred: ForeignKey[];
}

export function quoteTable(table: { schema: string; relname: string }): string {
  return `${quoteIdent(table.schema)}.${quoteIdent(table.relname)}`;
}

/** Strongly connected components (Tarjan), so edges inside a cycle can be told apart. */
function components(nodes: string[], edges: Map<string, string[]>): Map<string, number> {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const component = new Map<string, number>();
  let counter = 0;
  let next = 0;
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const to of edges.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      for (;;) {
        const member = stack.pop()!;
        onStack.delete(member);
        component.set(member, next);
        if (member === node) break;
      }
      next++;
    }
  };
  for (const node of nodes) if (!index.has(node)) visit(node);
  return component;
}

/**
 * Orders `tables` parents-first. A foreign key between two tables of one cycle (or from a
 * table to itself) is deferred: dropped before the load, added back and validated after.
 */
export function orderTables(tables: TableInfo[]): {
  order: TableInfo[];
  deferred: ForeignKey[];
  parents: Map<string, string[]>;
  component: Map<string, number>;
} {
  const names = new Set(tables.map((t) => t.name));
  const edges = new Map<string, string[]>();
  for (const table of tables)
    edges.set(
      table.name,
      table.foreignKeys.filter((fk) => names.has(fk.references)).map((fk) => fk.references),
    );
  const component = components([...names], edges);
  const deferred: ForeignKey[] = [];
  const parents = new Map<string, string[]>();
  for (const table of tables) {
    const kept: string[] = [];
    for (const fk of table.foreignKeys) {
      if (!names.has(fk.references)) continue;
      if (component.get(fk.references) === component.get(table.name)) deferred.push(fk);
      else if (!kept.includes(fk.references)) kept.push(fk.references);
    }
    parents.set(table.name, kept);
  }
  // Kahn's algorithm on the acyclic rest, alphabetical among equals for a stable order.
  const order: TableInfo[] = [];
  const done = new Set<string>();
  const byName = new Map(tables.map((t) => [t.name, t]));
  while (order.length < tables.length) {
    const ready = [...names].filter((name) => !done.has(name) && parents.get(name)!.every((parent) => done.has(parent))).sort();
    for (const name of ready) {
      done.add(name);
      order.push(byName.get(name)!);
    }
  }
  return { order, deferred, parents, component };
}

const restricted = (rule: TableRule | undefined) => !!rule && (rule.skip || rule.where !== undefined || rule.limit !== undefined);

/**
 * Builds the plan. A table with a subset keeps the rows its `where`/`limit` selects plus
 * every row that a kept row of another table references (closure over foreign keys,
 * children first; inside a cycle, a table referencing itself included, followed to any
 * depth by one recursive query); a table without one is copied whole, and so keeps every
 * row anything references.
 */
export function buildPlan(tables: TableInfo[], rules: MaskingRules, salt: string): CopyPlan {
  const { order, deferred, parents, component } = orderTables(tables);
  const byName = new Map(tables.map((t) => [t.name, t]));
  // Children referencing each table, whatever the key (inside a cycle or not).
  const children = new Map<string, ForeignKey[]>();
  for (const table of tables) {
    for (const fk of table.foreignKeys) {
      if (byName.has(fk.references)) children.set(fk.references, [...(children.get(fk.references) ?? []), fk]);
    }
  }
  const isRestricted = (name: string) => restricted(rules.tables.get(name));
  const members = (c: number) => order.filter((t) => component.get(t.name) === c);

  // By position, not by name: long names would be cut at 63 bytes and could meet.
  const position = new Map(order.map((t, i) => [t.name, i]));
  const cteName = (table: string) => `keep_${position.get(table)}`;
  const only = (table: TableInfo) => `${table.partitioned ? '' : 'ONLY '}${quoteTable(table)}`;
  const tuple = (alias: string, columns: string[]) => `(${columns.map((c) => `${alias}.${quoteIdent(c)}`).join(', ')})`;
  const baseSelect = (table: TableInfo, rule: TableRule) => {
    if (rule.skip) return `SELECT tableoid, ctid FROM ${only(table)} WHERE false`;
    const order = table.primaryKey.length > 0 ? table.primaryKey.map(quoteIdent).join(', ') : 'tableoid, ctid';
    const limit = rule.limit !== undefined ? ` ORDER BY ${order} LIMIT ${rule.limit}` : '';
    return `SELECT tableoid, ctid FROM ${only(table)}${rule.where ? ` WHERE (${rule.where})` : ''}${limit}`;
  };
  /** The rows of `child` that are kept: all of them, or its own keep-set. */
  const keptRows = (child: TableInfo, alias: string) =>
    isRestricted(child.name)
      ? `${only(child)} ${alias} WHERE (${alias}.tableoid, ${alias}.ctid) IN (SELECT tableoid, ctid FROM ${cteName(child.name)})`
      : `${only(child)} ${alias}`;
  /** Rows of `table` that the kept rows of `fk`'s table reference. */
  const referencedBy = (table: TableInfo, fk: ForeignKey) =>
    `SELECT p.tableoid, p.ctid FROM ${only(table)} p WHERE ${tuple('p', fk.referencedColumns)} IN (SELECT ${fk.columns.map((c) => `c.${quoteIdent(c)}`).join(', ')} FROM ${keptRows(byName.get(fk.table)!, 'c')})`;

  /**
   * Adds to `into` the CTEs that define the keep-sets of the restricted tables of `name`'s
   * component, after those of the restricted tables outside it whose kept rows they depend on.
   */
  const ctes = (name: string, into: Map<string, string>, recursive: { value: boolean }) => {
    const c = component.get(name)!;
    const key = `component ${c}`;
    if (into.has(key)) return;
    into.set(key, ''); // reserved; filled below, after what it depends on
    const group = members(c).filter((t) => isRestricted(t.name));
    const inside = (fk: ForeignKey) => component.get(fk.table) === c;
    for (const table of group) {
      for (const fk of children.get(table.name) ?? []) if (!inside(fk) && isRestricted(fk.table)) ctes(fk.table, into, recursive);
    }
    // Within the component, only keys from one restricted table to another need the recursion;
    // rows an unrestricted member (copied whole) references are selected directly.
    const cyclic = group.flatMap((table) => (children.get(table.name) ?? []).filter((fk) => inside(fk) && isRestricted(fk.table)));
    const direct = (table: TableInfo) => (children.get(table.name) ?? []).filter((fk) => !inside(fk) || !isRestricted(fk.table));
    let text: string;
    if (cyclic.length === 0) {
      text = group
        .map((table) => {
          const parts = [`(${baseSelect(table, rules.tables.get(table.name)!)})`, ...direct(table).map((fk) => referencedBy(table, fk))];
          return `${cteName(table.name)} AS (\n  ${parts.join('\n  UNION ')}\n)`;
        })
        .join(',\n');
    } else {
      // One recursive query over the whole cycle: rows tagged by table, each kept row of a
      // table pulling in the rows it references in the others (or in itself), to any depth.
      recursive.value = true;
      const cycle = `cycle_${c}`;
      const seeds = group.flatMap((table) => [
        `SELECT ${quoteLiteral(table.name)}::text AS rel, b.tableoid, b.ctid FROM (${baseSelect(table, rules.tables.get(table.name)!)}) b`,
        ...direct(table).map((fk) => `SELECT ${quoteLiteral(table.name)}::text, r.tableoid, r.ctid FROM (${referencedBy(table, fk)}) r`),
      ]);
      const steps = cyclic.map((fk) => {
        const parent = byName.get(fk.references)!;
        const child = byName.get(fk.table)!;
        return `SELECT ${quoteLiteral(parent.name)}::text AS rel, p.tableoid, p.ctid FROM ${only(parent)} p JOIN ${only(child)} c ON ${tuple('p', fk.referencedColumns)} = ${tuple('c', fk.columns)} WHERE k.rel = ${quoteLiteral(child.name)} AND c.tableoid = k.tableoid AND c.ctid = k.ctid`;
      });
      text = [
        `${cycle} (rel, tableoid, ctid) AS (\n  (${seeds.join('\n  UNION ')})\n  UNION SELECT x.rel, x.tableoid, x.ctid FROM ${cycle} k CROSS JOIN LATERAL (\n    ${steps.join('\n    UNION ALL ')}\n  ) x\n)`,
        ...group.map((table) => `${cteName(table.name)} AS (SELECT tableoid, ctid FROM ${cycle} WHERE rel = ${quoteLiteral(table.name)})`),
      ].join(',\n');
    }
    into.delete(key);
    into.set(key, text);
  };

  const plans: TablePlan[] = order.map((table) => {
    const rule = rules.tables.get(table.name);
    const columns = table.columns.filter((c) => !c.generated);
    const select = columns.map((c) => maskExpression(rule?.columns.get(c.name), c, salt)).join(', ');
    const from = `${table.partitioned ? '' : 'ONLY '}${quoteTable(table)} t`;
    const pulledBy = [...new Set((children.get(table.name) ?? []).map((fk) => fk.table))];
    let query = `SELECT ${select} FROM ${from}`;
    let baseCount: string | undefined;
    let subset: string | undefined;
    if (restricted(rule)) {
      const into = new Map<string, string>();
      const recursive = { value: false };
      ctes(table.name, into, recursive);
      const own = into.size > 0 ? `WITH ${recursive.value ? 'RECURSIVE ' : ''}${[...into.values()].join(',\n')}\n` : '';
      query = `${own}SELECT ${select} FROM ${from} WHERE (t.tableoid, t.ctid) IN (SELECT tableoid, ctid FROM ${cteName(table.name)})`;
      baseCount = `SELECT count(*)::bigint AS n FROM (${baseSelect(table, rule!)}) base`;
      subset = rule!.skip
        ? 'skip'
        : [rule!.where ? `where ${rule!.where}` : '', rule!.limit !== undefined ? `limit ${rule!.limit}` : ''].filter(Boolean).join(', ');
    }
    return {
      table,
      rule,
      after: parents.get(table.name)!,
      columns: columns.map((c) => c.name),
      select: query,
      copyOut: `COPY (${query}) TO STDOUT`,
      copyIn: `COPY ${quoteTable(table)} (${columns.map((c) => quoteIdent(c.name)).join(', ')}) FROM STDIN`,
      baseCount,
      referencedBy: pulledBy,
      subset,
    };
  });
  return { tables: plans, deferred };
}
