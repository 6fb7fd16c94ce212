// The load: every table of the plan streamed from one snapshot of production into
// `<template>_next`, in foreign-key order, `parallel` at a time; around it, what a load into
// a schema that already has its constraints and triggers needs (rows the migrations
// inserted removed, cycle keys dropped and added back, triggers off, sequences, views).
import type pg from 'pg';
import { errorMessage } from '../shared/errors.js';
import { quoteIdent } from '../shared/naming.js';
import type { Log } from '../shared/log.js';
import type { TableInfo } from './catalog.js';
import { readSequences } from './catalog.js';
import { beginSnapshot, copyTable, joinSnapshot, openSource, openTarget, type TableCopyStats } from './copy.js';
import { quoteTable, type CopyPlan, type TablePlan } from './plan.js';

export interface TableReport {
  table: string;
  rows: number;
  bytes: number;
  ms: number;
  /** Rows the table's own subset kept, when it has one. */
  subsetRows?: number;
  /** Why the table got these rows. */
  why: string;
  maxBufferedBytes: number;
}

/**
 * Copies every table of the plan in foreign-key order, `parallel` at a time, all from one
 * snapshot of production; then adds back the deferred foreign keys, re-enables triggers,
 * sets the sequences and analyzes.
 */
export async function loadRows(
  nextUrl: string,
  sourceUrl: string,
  parallel: number,
  plan: CopyPlan,
  source: pg.Client,
  log: Log,
): Promise<{ reports: TableReport[]; sequences: number }> {
  const main = await openTarget(nextUrl);
  const workers: Array<{ source: pg.Client; target: pg.Client }> = [];
  try {
    const names = plan.tables.map((t) => quoteTable(t.table));
    if (names.length > 0) await main.query(`TRUNCATE ${names.join(', ')}`);
    for (const fk of plan.deferred) await main.query(`ALTER TABLE ${quoteTable(tableOf(plan, fk.table))} DROP CONSTRAINT ${quoteIdent(fk.name)}`);
    // Production's rows already went through its triggers once.
    for (const t of plan.tables) if (t.table.hasUserTriggers) await main.query(`ALTER TABLE ${quoteTable(t.table)} DISABLE TRIGGER USER`);

    const snapshot = await beginSnapshot(source);
    const count = Math.min(parallel, Math.max(1, plan.tables.length));
    for (let i = 0; i < count; i++) {
      const worker = { source: await openSource(sourceUrl), target: await openTarget(nextUrl) };
      workers.push(worker);
      await joinSnapshot(worker.source, snapshot);
    }
    const stats = await runInOrder(plan.tables, workers, log);

    const reports: TableReport[] = [];
    for (const t of plan.tables) {
      const s = stats.get(t.table.name)!;
      let subsetRows: number | undefined;
      let why = 'whole table';
      if (t.baseCount) {
        subsetRows = Number((await source.query<{ n: string }>(t.baseCount)).rows[0]!.n);
        const pulled = s.rows - subsetRows;
        why = `${t.subset}: ${subsetRows} row(s)${pulled > 0 ? `; +${pulled} referenced by ${t.referencedBy.join(', ')}` : ''}`;
      }
      reports.push({ table: t.table.name, rows: s.rows, bytes: s.bytes, ms: s.ms, subsetRows, why, maxBufferedBytes: s.maxBufferedBytes });
    }
    const sequences = await readSequences(source);
    await source.query('COMMIT');

    for (const fk of plan.deferred) {
      try {
        await main.query(`ALTER TABLE ${quoteTable(tableOf(plan, fk.table))} ADD CONSTRAINT ${quoteIdent(fk.name)} ${fk.definition}`);
      } catch (error) {
        throw new Error(`foreign key ${fk.table}.${fk.name}, added back after the load, does not hold on the copied rows: ${errorMessage(error)}`);
      }
    }
    for (const t of plan.tables) if (t.table.hasUserTriggers) await main.query(`ALTER TABLE ${quoteTable(t.table)} ENABLE TRIGGER USER`);
    let set = 0;
    for (const sequence of sequences) {
      if (sequence.lastValue === null) continue;
      await main.query('SELECT setval($1::regclass, $2::bigint, true)', [sequence.name, sequence.lastValue]);
      set++;
    }
    // Materialized views the migrations made were computed over empty tables.
    const views = await main.query<{ name: string }>(
      "SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'm' AND c.relispopulated ORDER BY c.oid",
    );
    for (const view of views.rows) await main.query(`REFRESH MATERIALIZED VIEW ${view.name}`);
    await main.query('ANALYZE');
    return { reports, sequences: set };
  } finally {
    for (const worker of workers) {
      await worker.source.end().catch(() => {});
      await worker.target.end().catch(() => {});
    }
    await main.end().catch(() => {});
  }
}

function tableOf(plan: CopyPlan, name: string): TableInfo {
  return plan.tables.find((t) => t.table.name === name)!.table;
}

/** Hands tables to free workers as soon as their parents are complete; stops at the first failure. */
async function runInOrder(tables: TablePlan[], workers: Array<{ source: pg.Client; target: pg.Client }>, log: Log): Promise<Map<string, TableCopyStats>> {
  const stats = new Map<string, TableCopyStats>();
  const pending = [...tables];
  const done = new Set<string>();
  let failure: unknown;
  let wake: () => void = () => {};
  const changed = () => new Promise<void>((resolve) => (wake = resolve));
  let signal = changed();
  const work = async (worker: { source: pg.Client; target: pg.Client }) => {
    for (;;) {
      if (failure !== undefined) return;
      const index = pending.findIndex((t) => t.after.every((parent) => done.has(parent)));
      if (index === -1) {
        if (pending.length === 0) return;
        await signal;
        continue;
      }
      const [t] = pending.splice(index, 1);
      try {
        const result = await copyTable(worker.source, worker.target, t!.copyOut, t!.copyIn, log, t!.table.name);
        stats.set(t!.table.name, result);
        done.add(t!.table.name);
        log.info(`${t!.table.name}: ${result.rows} row(s), ${result.bytes} bytes in ${Math.round(result.ms)}ms`);
      } catch (error) {
        failure ??= error;
      }
      const wakeAll = wake;
      signal = changed();
      wakeAll();
    }
  };
  await Promise.all(workers.map(work));
  if (failure !== undefined) throw failure;
  return stats;
}
