// Measured impact: runs a migration statement by statement inside its transaction, reads
// the relation locks its own backend holds after each statement (pg_locks), and turns
// them into hold times at commit. What no static linter can know.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Client } from './db.js';
import type { SqlStatement } from './sql.js';
import { formatMillis } from '../shared/duration.js';

/** Postgres's table lock modes, weakest first. */
export const LOCK_MODES = [
  'AccessShareLock',
  'RowShareLock',
  'RowExclusiveLock',
  'ShareUpdateExclusiveLock',
  'ShareLock',
  'ShareRowExclusiveLock',
  'ExclusiveLock',
  'AccessExclusiveLock',
] as const;

export function lockStrength(mode: string): number {
  return LOCK_MODES.indexOf(mode as (typeof LOCK_MODES)[number]);
}

/** `AccessExclusiveLock` → `ACCESS EXCLUSIVE`. */
export function lockModeName(mode: string): string {
  return mode
    .replace(/Lock$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
}

/** SHARE and stronger block writes; ACCESS EXCLUSIVE blocks reads too. */
export function blocksWrites(mode: string): boolean {
  return lockStrength(mode) >= lockStrength('ShareLock');
}

export interface StatementLock {
  table: string;
  mode: string;
  /** From the start of the statement that took it until commit. */
  heldMs: number;
}

export interface MeasuredStatement {
  line: number;
  column: number;
  kind: string;
  /** The statement's first line, shortened. */
  summary: string;
  durationMs: number;
  /** Locks this statement took on tables that existed before the migration. */
  locks: StatementLock[];
  /** How many statements this entry stands for: a long run of INSERTs is measured in groups (see runStatements). Absent: one. */
  count?: number;
}

/** The statements a list of measured entries stands for. */
export function statementCount(statements: MeasuredStatement[]): number {
  return statements.reduce((sum, statement) => sum + (statement.count ?? 1), 0);
}

export interface LockReportEntry {
  migration: string;
  file: string;
  /** Line of the statement that took the lock. */
  line: number;
  table: string;
  mode: string;
  /** Row count: pg_class.reltuples when the table has statistics, else count(*). Undefined when unknown. */
  rows?: number;
  rowsEstimated: boolean;
  heldMs: number;
  overThreshold: boolean;
}

interface SeenLock {
  oid: number;
  mode: string;
  statementIndex: number;
  /** Start of the statement that took it (ms, performance.now()). */
  since: number;
}

/** A threshold as the user wrote it: `1s`, `500ms`, `2m`. */
export function formatThreshold(ms: number): string {
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0 && ms > 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

export function summarize(text: string): string {
  const first =
    text
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim() ?? '';
  return first.length > 80 ? `${first.slice(0, 77)}...` : first;
}

// Own backend, user relations only (OIDs below 16384 are the system catalogs), and of those only
// tables (or relations this session can no longer see: dropped by the migration). Locks on
// indexes, sequences and views count for nothing in the report, and naming them would cost
// the observer a query each.
const LOCK_ROWS = `FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted AND l.relation::int >= 16384
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND (c.relkind IS NULL OR c.relkind IN ('r', 'p', 'm'))`;
const OWN_LOCKS = `SELECT l.relation::int AS oid, l.mode ${LOCK_ROWS}`;

/** The relation locks this session holds now (user relations of this database). */
export async function ownLocks(client: Client): Promise<Array<{ oid: number; mode: string }>> {
  return (await client.query<{ oid: number; mode: string }>(OWN_LOCKS)).rows;
}

export class StatementFailure extends Error {
  constructor(
    readonly statementIndex: number,
    override readonly cause: unknown,
    readonly completed: MeasuredStatement[],
  ) {
    super((cause as Error)?.message ?? String(cause));
    this.name = 'StatementFailure';
  }
}

/**
 * `before` (the previous migration's history row and COMMIT, sent ahead of this one's statements)
 * failed: nothing of this migration ran.
 */
export class BeforeFailure extends Error {
  constructor(override readonly cause: unknown) {
    super((cause as Error)?.message ?? String(cause));
    this.name = 'BeforeFailure';
  }
}

export interface MeasuredRun {
  statements: MeasuredStatement[];
  seen: SeenLock[];
  /** Rows counted in the migration's own round trip (see runInOneTrip's `countOids`), by `schema.table`. */
  counted?: Map<string, number>;
  /** The relations it locked as its own session saw them at the end (null: dropped); see RelationCache.describe. */
  facts?: Map<number, RelationFacts | null>;
}

/** COPY data goes in pieces of about this many characters, cut at line ends: no second copy of a large data section at once. */
const COPY_CHUNK = 1 << 20;

/** Rows read from disk in pieces of this many bytes. */
const COPY_READ_BYTES = 1 << 18;

function* copyChunks(data: string): Generator<Buffer> {
  for (let at = 0; at < data.length;) {
    const newline = data.indexOf('\n', at + COPY_CHUNK);
    const end = newline === -1 ? data.length : newline + 1;
    yield Buffer.from(data.slice(at, end), 'utf8');
    at = end;
  }
}

/**
 * Runs one statement. A `COPY ... FROM stdin` with inline data streams its rows to the server
 * with COPY's own protocol, as psql does; a failing row fails the statement.
 */
export async function runStatement(client: Client, statement: SqlStatement): Promise<void> {
  if (statement.copyData === undefined) {
    await client.query(statement.text);
    return;
  }
  const source = statement.copySource;
  // A large file's rows stream from disk, read as they are sent (see copy-data.ts).
  const rows =
    source === undefined
      ? Readable.from(copyChunks(statement.copyData))
      : source.end > source.start
        ? createReadStream(source.path, { start: source.start, end: source.end - 1, highWaterMark: COPY_READ_BYTES })
        : Readable.from([]);
  await pipeline(rows, client.query(copyFrom(statement.text)));
}

/** A run of at least this many consecutive INSERTs is bulk data: it travels in groups, each measured as one. */
export const BULK_RUN = 50;
/** A group holds up to this many statements or bytes of SQL. */
const GROUP_STATEMENTS = 1000;
const GROUP_BYTES = 256 << 10;

/** The bulk groups of a statement list: index ranges [start, end) of runs of plain INSERTs, cut to the group limits. */
function bulkGroups(statements: SqlStatement[]): Map<number, number> {
  const groups = new Map<number, number>();
  const plainInsert = (statement: SqlStatement | undefined) => statement?.kind === 'InsertStmt' && statement.copyData === undefined;
  for (let i = 0; i < statements.length;) {
    let end = i;
    while (plainInsert(statements[end])) end++;
    if (end - i < BULK_RUN) {
      i = Math.max(end, i + 1);
      continue;
    }
    while (i < end) {
      let to = i;
      let bytes = 0;
      while (to < end && to - i < GROUP_STATEMENTS && (to === i || bytes + statements[to]!.text.length <= GROUP_BYTES)) bytes += statements[to++]!.text.length;
      groups.set(i, to);
      i = to;
    }
  }
  return groups;
}

/**
 * Runs statements one by one on a client already inside a transaction (or in autocommit
 * for no-transaction files, where `measureLocks` is false: their locks end with each
 * statement). Throws StatementFailure naming the statement that failed.
 *
 * Bulk data (a run of BULK_RUN or more plain INSERTs, as a data migration or a dump holds) goes
 * in groups of whole statements, one round trip and one lock reading per group, measured as one
 * entry: 400,000 INSERTs one round trip each (and two when measured) cost minutes, and their
 * locks are the table's ROW EXCLUSIVE. Each group runs in a savepoint: when it fails, it is
 * rolled back to the savepoint and replayed statement by statement to name the failing one.
 */
export async function runStatements(
  client: Client,
  statements: SqlStatement[],
  options: { measureLocks: boolean; begin?: boolean; perStatement?: boolean; countOids?: number[]; before?: string },
): Promise<MeasuredRun> {
  if (options.measureLocks && !options.perStatement && oneTrip(statements))
    return runInOneTrip(client, statements, options.begin === true, options.countOids ?? [], options.before);
  if (options.before !== undefined)
    await client.query(options.before).catch((error: unknown) => {
      throw new BeforeFailure(error);
    });
  const done: MeasuredStatement[] = [];
  const seen = new Map<string, SeenLock>();
  // `begin`: open the transaction here, riding with the first statement (one round trip less).
  let begin = options.begin === true;
  if (begin && (statements.length === 0 || statements[0]!.copyData !== undefined)) {
    await client.query('BEGIN');
    begin = false;
  }
  const groups = bulkGroups(statements);
  for (let index = 0; index < statements.length;) {
    const statement = statements[index]!;
    const started = performance.now();
    const groupEnd = groups.get(index);
    const last = groupEnd ?? index + 1;
    let rows: Array<{ oid: number; mode: string }> = [];
    try {
      if (groupEnd !== undefined) {
        rows = await runGroup(client, statements, index, groupEnd, { measureLocks: options.measureLocks, begin });
        begin = false;
      } else if (statement.copyData === undefined && (options.measureLocks || begin)) {
        // One round trip: [BEGIN;] the statement, then the locks it left (a simple query of several statements).
        const prefix = begin ? 'BEGIN;\n' : '';
        begin = false;
        const results = await client
          .query(`${prefix}${statement.text}\n;\n${options.measureLocks ? OWN_LOCKS : 'SELECT 1 WHERE false'}`)
          .catch((error: { position?: string }) => {
            // The cursor position counts from the start of what was sent: make it the statement's.
            if (prefix && error.position !== undefined) error.position = String(Math.max(1, Number(error.position) - prefix.length));
            throw error;
          });
        if (options.measureLocks) rows = ((Array.isArray(results) ? results.at(-1) : results) as { rows: Array<{ oid: number; mode: string }> }).rows;
      } else {
        await runStatement(client, statement);
        if (options.measureLocks) rows = (await client.query<{ oid: number; mode: string }>(OWN_LOCKS)).rows;
      }
    } catch (error) {
      if (error instanceof StatementFailure) throw new StatementFailure(error.statementIndex, error.cause, done);
      throw new StatementFailure(index, error, done);
    }
    const durationMs = performance.now() - started;
    if (options.measureLocks) {
      for (const row of rows) {
        const key = `${row.oid}:${row.mode}`;
        if (!seen.has(key)) seen.set(key, { oid: row.oid, mode: row.mode, statementIndex: done.length, since: started });
      }
    }
    const count = last - index;
    done.push({
      line: statement.line,
      column: statement.column,
      kind: statement.kind,
      summary: count > 1 ? `${summarize(statement.text)} (and ${count - 1} more INSERTs)` : summarize(statement.text),
      durationMs,
      locks: [],
      ...(count > 1 ? { count } : {}),
    });
    index = last;
  }
  return { statements: done, seen: [...seen.values()] };
}

/** Files without COPY data or bulk groups are measured in one round trip (see runInOneTrip). */
export function oneTrip(statements: SqlStatement[]): boolean {
  return statements.length > 0 && statements.every((statement) => statement.copyData === undefined) && bulkGroups(statements).size === 0;
}

/** The locked relations as the migration's own session sees them after its last statement: what others will see once it commits. */
function ownFacts(row: StepRow | undefined): Map<number, RelationFacts | null> {
  const facts = new Map<number, RelationFacts | null>();
  for (const [i, oid] of (row?.oids ?? []).entries()) {
    const name = row!.names?.[i];
    facts.set(oid, name ? { oid, name, relkind: row!.relkinds?.[i] ?? '', reltuples: row!.reltuples?.[i] ?? -1 } : null);
  }
  return facts;
}

/** What the step query after statement `preview_db_step` returns: milliseconds since the query arrived, and the tables locked now. */
/**
 * The statements' durations (server clock: each step's time less the one before, from `started`)
 * and the locks each first took, from the step rows of one round trip sent at `sentAt`.
 */
function measuredSteps(
  statements: SqlStatement[],
  steps: Array<Pick<StepRow, 'ms' | 'oids' | 'modes'>>,
  started: number,
  sentAt: number,
): { measured: MeasuredStatement[]; locks: Map<string, SeenLock> } {
  const measured: MeasuredStatement[] = [];
  const locks = new Map<string, SeenLock>();
  let before = started;
  for (const [index, row] of steps.entries()) {
    const statement = statements[index]!;
    const modes = row.modes ?? [];
    for (const [i, oid] of (row.oids ?? []).entries()) {
      const key = `${oid}:${modes[i]}`;
      if (!locks.has(key)) locks.set(key, { oid, mode: modes[i]!, statementIndex: index, since: sentAt + before });
    }
    measured.push({
      line: statement.line,
      column: statement.column,
      kind: statement.kind,
      summary: summarize(statement.text),
      durationMs: Math.max(0, row.ms - before),
      locks: [],
    });
    before = row.ms;
  }
  return { measured, locks };
}

interface StepRow {
  preview_db_step: number;
  ms: number;
  oids: number[] | null;
  modes: string[] | null;
  /** What this session sees of each locked relation (null names: dropped by the migration). */
  names: Array<string | null> | null;
  relkinds: Array<string | null> | null;
  reltuples: Array<number | null> | null;
}

// statement_timestamp() is when the server received the query: the same for every statement of
// a simple query, so `ms` counts from the start of the first statement. Prepared once per session
// (a prepared statement outlives the transactions it was made in): planning the lock query each
// time would cost more than running it.
const STEP_NAME = 'preview_db_step';
const STEP = `PREPARE ${STEP_NAME}(int) AS SELECT $1 AS preview_db_step, (extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000)::float8 AS ms,
  array_agg(l.relation::int) AS oids, array_agg(l.mode::text) AS modes,
  array_agg(CASE WHEN c.oid IS NOT NULL THEN format('%I.%I', n.nspname, c.relname) END) AS names,
  array_agg(c.relkind::text) AS relkinds, array_agg(c.reltuples::float8) AS reltuples,
  set_config('preview_db.blocking', coalesce(array_agg(l.relation::int) FILTER (WHERE l.mode IN (${LOCK_MODES.filter((mode) => blocksWrites(mode))
    .map((mode) => `'${mode}'`)
    .join(', ')})), '{}')::text, true) AS preview_db_blocking ${LOCK_ROWS}`;
// After a statement that cannot take a write-blocking lock (see mayBlockWrites), only the clock: the
// lock table is what costs (pg_locks reads every session's locks). The weaker locks such a
// statement takes are read, and listed, with the next statement whose locks are read.
const CLOCK_NAME = 'preview_db_clock';
const CLOCK = `PREPARE ${CLOCK_NAME}(int) AS SELECT $1 AS preview_db_step, (extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000)::float8 AS ms`;
/** The step query to send after `statements[index]`: the last one's locks are always read. */
const stepAfter = (statements: SqlStatement[], index: number) =>
  `EXECUTE ${index === statements.length - 1 || mayBlockWrites(statements[index]!) ? STEP_NAME : CLOCK_NAME}(${index})`;
const COUNT_NAME = 'preview_db_count_rows';
const prepared = new WeakSet<Client>();

/** The step and the row count (see countInTrip), prepared in one round trip the first time a session measures. */
async function prepareStep(client: Client): Promise<void> {
  if (prepared.has(client)) return;
  await client.query(`${STEP};\n${CLOCK};\n${COUNT}`).catch((error: { code?: string }) => {
    // 42P05: prepared already (by an earlier run on this session).
    if (error.code !== '42P05') throw error;
  });
  prepared.add(client);
}

/**
 * The measured statements in one round trip: one simple query "[BEGIN;] s1; step 0; s2; step 1; ...",
 * each step reading the server's clock and the locks held after its statement. Durations are the
 * differences of the server's clock; a lock is held from the start of the statement that took it.
 * Postgres stops at the first error: the failing statement is the one its cursor position points
 * into, or else the one after the last step that came back.
 */
async function runInOneTrip(client: Client, statements: SqlStatement[], begin: boolean, countOids: number[], ahead?: string): Promise<MeasuredRun> {
  await prepareStep(client);
  // `ahead` (the previous migration's history row and COMMIT) first; the row that starts this
  // migration's clock also says it is done.
  let text = ahead === undefined ? '' : `${ahead};\n`;
  if (begin) text += 'BEGIN;\n';
  if (ahead !== undefined) text += 'SELECT (extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000)::float8 AS preview_db_started;\n';
  const starts: number[] = [];
  for (const [index, statement] of statements.entries()) {
    starts.push(text.length);
    text += `${statement.text}\n;\n${stepAfter(statements, index)};\n`;
  }
  const counting = countOids.length > 0 && statements.some(mayBlockWrites);
  if (counting) text += countInTrip(countOids);
  const steps: StepRow[] = [];
  const counted = new Map<string, number>();
  let beforeDone = ahead === undefined;
  let started = 0;
  const query = new pg.Query(text);
  query.on('row', (row: Partial<StepRow> & { preview_db_counted?: string; n?: string; preview_db_started?: number }) => {
    if (typeof row.preview_db_step === 'number') steps.push(row as StepRow);
    else if (typeof row.preview_db_counted === 'string' && row.n !== undefined) counted.set(row.preview_db_counted, Number(row.n));
    else if (typeof row.preview_db_started === 'number') {
      // `ahead` committed: this row comes after it.
      beforeDone = true;
      started = row.preview_db_started;
    }
  });
  const finished = new Promise<void>((resolve, reject) => {
    query.once('end', () => resolve());
    query.once('error', reject);
  });
  const sentAt = performance.now();
  client.query(query);
  const failure = await finished.then(
    () => undefined,
    (error: unknown) => error ?? new Error('the query failed'),
  );
  if (failure !== undefined && !beforeDone) throw new BeforeFailure(failure);
  const { measured: done, locks: seen } = measuredSteps(statements, steps, started, sentAt);
  if (failure === undefined) return { statements: done, seen: [...seen.values()], ...(counting ? { counted } : {}), facts: ownFacts(steps.at(-1)) };
  if (counting && steps.length === statements.length) {
    // Every statement ran; the count failed (a timeout, a table it may not read): undo it, and
    // the tables are counted one by one later (countRows), as without it.
    await client.query(`ROLLBACK TO SAVEPOINT ${COUNT_SAVEPOINT}; RELEASE SAVEPOINT ${COUNT_SAVEPOINT}`).catch(() => {
      throw failure;
    });
    return { statements: done, seen: [...seen.values()] };
  }
  let index = Math.min(steps.length, statements.length - 1);
  // The cursor position counts from the start of what was sent: make it the statement's.
  const error = failure as { position?: string };
  if (error.position !== undefined) {
    const offset = Number(error.position) - 1;
    const at = starts.findLastIndex((start) => start <= offset);
    if (at >= 0 && offset < starts[at]! + statements[at]!.text.length) {
      index = at;
      error.position = String(offset - starts[at]! + 1);
    } else delete error.position;
  }
  throw new StatementFailure(index, failure, done.slice(0, index));
}

/** A migration in a measured batch (see runMigrationsInOneTrip). */
export interface TripMigration {
  statements: SqlStatement[];
  /** Sent after its statements (and count): its history row and COMMIT. */
  tail: string;
}

export interface TripFailure {
  /** The migration that did not commit; those before it did. */
  index: number;
  /** What went wrong: a statement (`statementIndex`), the row count (undone by the caller), or its tail (COMMIT). */
  kind: 'statement' | 'count' | 'tail';
  statementIndex: number;
  cause: unknown;
  /** What was measured of it (all of it for 'count' and 'tail'). */
  run: MeasuredRun & { startedAt: number; finishedAt: number };
}

const clock = `(extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000)::float8`;

/**
 * Several measured migrations in one round trip, each "BEGIN; its statements, each followed by
 * the step; the count; its tail (history row, COMMIT)": each commits on its own, as in the
 * unmeasured fast path, and is measured as runInOneTrip measures one. Only for migrations no
 * measurement can refuse (the caller's to know): nothing is decided between them. Postgres
 * stops at the first error: the migrations before it are committed; `failure` says which failed
 * and where. `ahead` as in runInOneTrip (BeforeFailure when it fails).
 */
export async function runMigrationsInOneTrip(
  client: Client,
  migrations: TripMigration[],
  ahead?: string,
): Promise<{ runs: Array<MeasuredRun & { startedAt: number; finishedAt: number }>; failure?: TripFailure }> {
  await prepareStep(client);
  let text = ahead === undefined ? '' : `${ahead};\n`;
  const starts: number[][] = [];
  for (const [m, migration] of migrations.entries()) {
    text += `BEGIN;\nSELECT ${m} AS preview_db_file, ${clock} AS preview_db_started;\n`;
    const offsets: number[] = [];
    for (const [index, statement] of migration.statements.entries()) {
      offsets.push(text.length);
      text += `${statement.text}\n;\n${stepAfter(migration.statements, index)};\n`;
    }
    starts.push(offsets);
    // Every table without statistics it locks write-blocking is counted (earlier migrations of the
    // batch may have created it: not known here); the caller keeps the counts of tables it reports.
    if (migration.statements.some(mayBlockWrites)) text += `${countInTrip('all')}SELECT ${m} AS preview_db_count_done;\n`;
    text += `${migration.tail};\nSELECT ${m} AS preview_db_file_done, ${clock} AS ms;\n`;
  }
  const seen = migrations.map(() => ({ started: -1, steps: [] as StepRow[], counted: new Map<string, number>(), counting: false, countDone: false, done: -1 }));
  let current = -1;
  const query = new pg.Query(text);
  query.on(
    'row',
    (
      row: Partial<StepRow> & {
        preview_db_file?: number;
        preview_db_started?: number;
        preview_db_counted?: string;
        n?: string;
        preview_db_count_done?: number;
        preview_db_file_done?: number;
      },
    ) => {
      if (typeof row.preview_db_step === 'number') seen[current]?.steps.push(row as StepRow);
      else if (typeof row.preview_db_started === 'number' && typeof row.preview_db_file === 'number') {
        current = row.preview_db_file;
        seen[current]!.started = row.preview_db_started;
      } else if (typeof row.preview_db_counted === 'string' && row.n !== undefined) seen[current]?.counted.set(row.preview_db_counted, Number(row.n));
      else if (typeof row.preview_db_count_done === 'number') seen[current]!.countDone = true;
      else if (typeof row.preview_db_file_done === 'number') seen[current]!.done = row.ms ?? 0;
    },
  );
  const finished = new Promise<void>((resolve, reject) => {
    query.once('end', () => resolve());
    query.once('error', reject);
  });
  const sentAt = performance.now();
  client.query(query);
  const failure = await finished.then(
    () => undefined,
    (error: unknown) => error ?? new Error('the query failed'),
  );
  if (failure !== undefined && ahead !== undefined && seen[0]!.started < 0) throw new BeforeFailure(failure);
  const measuredRun = (m: number): MeasuredRun & { startedAt: number; finishedAt: number } => {
    const { steps, counted, started, done } = seen[m]!;
    const statements = migrations[m]!.statements;
    const { measured, locks } = measuredSteps(statements, steps, started, sentAt);
    const counting = statements.some(mayBlockWrites);
    return {
      statements: measured,
      seen: [...locks.values()],
      ...(counting && seen[m]!.countDone ? { counted } : {}),
      facts: ownFacts(steps.at(-1)),
      startedAt: sentAt + started,
      finishedAt: sentAt + (done >= 0 ? done : (steps.at(-1)?.ms ?? started)),
    };
  };
  const committed = seen.findIndex((entry) => entry.done < 0);
  const upTo = committed === -1 ? migrations.length : committed;
  const runs = Array.from({ length: upTo }, (_, m) => measuredRun(m));
  if (failure === undefined || committed === -1) return { runs };
  const m = committed;
  const entry = seen[m]!;
  const statements = migrations[m]!.statements;
  const run = measuredRun(m);
  const counting = statements.some(mayBlockWrites);
  if (entry.steps.length === statements.length && entry.started >= 0) {
    const kind = counting && !entry.countDone ? 'count' : 'tail';
    return { runs, failure: { index: m, kind, statementIndex: statements.length - 1, cause: failure, run } };
  }
  let index = Math.min(entry.steps.length, statements.length - 1);
  const error = failure as { position?: string };
  if (error.position !== undefined) {
    const offset = Number(error.position) - 1;
    const offsets = starts[m]!;
    const at = offsets.findLastIndex((start) => start <= offset);
    if (at >= 0 && offset < offsets[at]! + statements[at]!.text.length) {
      index = at;
      error.position = String(offset - offsets[at]! + 1);
    } else delete error.position;
  }
  return { runs, failure: { index: m, kind: 'statement', statementIndex: index, cause: failure, run: { ...run, statements: run.statements.slice(0, index) } } };
}

/** Undoes a failed row count (see countInTrip): the migration's transaction goes on from before it. */
export async function undoCount(client: Client): Promise<void> {
  await client.query(`ROLLBACK TO SAVEPOINT ${COUNT_SAVEPOINT}; RELEASE SAVEPOINT ${COUNT_SAVEPOINT}`);
}

const COUNT_SAVEPOINT = 'preview_db_count';
/** At most this many candidate tables ride in a migration's round trip to be counted. */
const COUNT_IN_TRIP = 2000;

/** Plain DML and comments take no write-blocking lock on a table (ROW EXCLUSIVE at most, SHARE UPDATE EXCLUSIVE for COMMENT). */
const NEVER_BLOCKS_WRITES = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'CommentStmt', 'VariableSetStmt', 'CreateFunctionStmt', 'CreateEnumStmt']);

/**
 * Whether a statement may take a write-blocking lock on a table that already exists: if none of a
 * migration's may, nothing is counted in its round trip, and after such a statement only the
 * clock is read (see stepAfter). Only a shortcut: what it lets through (a trigger that locks a
 * table) is still read with the next statement, and counted after the migration's round trip.
 */
function mayBlockWrites(statement: SqlStatement): boolean {
  if (statement.kind === 'CreateStmt') return /\b(references|partition\s+of|inherits)\b/i.test(statement.text);
  return !NEVER_BLOCKS_WRITES.has(statement.kind);
}

const COUNT = `PREPARE ${COUNT_NAME}(oid[]) AS SELECT format('%I.%I', n.nspname, c.relname) AS preview_db_counted,
    (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text AS n
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'm') AND c.oid = ANY(current_setting('preview_db.blocking', true)::oid[]) AND ($1 IS NULL OR c.oid = ANY($1))`;

/**
 * Appended to a migration's round trip: the rows of each table in `oids` (tables that existed
 * before the migration and have no statistics) that the migration now holds a write-blocking
 * lock on (as its last step read them: `preview_db.blocking`), counted as countRows would (in a savepoint that is rolled back, 5 s at most), saving
 * it a round trip of its own. A table the migration dropped or created is not counted here.
 */
function countInTrip(oids: number[] | 'all'): string {
  return `SAVEPOINT ${COUNT_SAVEPOINT};
SET LOCAL statement_timeout = '5s';
EXECUTE ${COUNT_NAME}(${oids === 'all' ? 'NULL' : `'{${oids.join(',')}}'`});
ROLLBACK TO SAVEPOINT ${COUNT_SAVEPOINT};
RELEASE SAVEPOINT ${COUNT_SAVEPOINT};
`;
}

const GROUP_SAVEPOINT = 'preview_db_bulk';

/** Statements [from, to) in one round trip inside a savepoint, then the locks; a failure is replayed to name its statement (StatementFailure). */
async function runGroup(
  client: Client,
  statements: SqlStatement[],
  from: number,
  to: number,
  options: { measureLocks: boolean; begin: boolean },
): Promise<Array<{ oid: number; mode: string }>> {
  if (options.begin) await client.query('BEGIN');
  let text = `SAVEPOINT ${GROUP_SAVEPOINT};\n`;
  for (let i = from; i < to; i++) text += `${statements[i]!.text}\n;\n`;
  text += `RELEASE SAVEPOINT ${GROUP_SAVEPOINT};\n${options.measureLocks ? OWN_LOCKS : 'SELECT 1 WHERE false'}`;
  try {
    const results = await client.query(text);
    return options.measureLocks ? ((Array.isArray(results) ? results.at(-1) : results) as { rows: Array<{ oid: number; mode: string }> }).rows : [];
  } catch (error) {
    // Which statement: back to the savepoint, then one by one (the group's work is undone, so each runs as it did).
    await client.query(`ROLLBACK TO SAVEPOINT ${GROUP_SAVEPOINT}`).catch(() => {
      throw error;
    });
    for (let i = from; i < to; i++) {
      try {
        await client.query(statements[i]!.text);
      } catch (replayed) {
        throw new StatementFailure(i, replayed, []);
      }
    }
    throw new StatementFailure(from, error, []);
  }
}

interface RelationFacts {
  oid: number;
  name: string;
  relkind: string;
  reltuples: number;
}

/**
 * Names the locked relations through a second connection, which sees only committed
 * catalogs: a relation it cannot see was created by this migration (nobody else could
 * have waited for it), and a table the migration dropped is still there under its name.
 */
export async function describeRelations(observer: Client, oids: number[]): Promise<Map<number, RelationFacts>> {
  const facts = new Map<number, RelationFacts>();
  if (oids.length === 0) return facts;
  const { rows } = await observer.query<{ oid: number; name: string; relkind: string; reltuples: number }>(
    `SELECT c.oid::int AS oid, format('%I.%I', n.nspname, c.relname) AS name, c.relkind::text AS relkind, c.reltuples::float8 AS reltuples
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ANY($1::oid[])`,
    [oids],
  );
  for (const row of rows) facts.set(row.oid, row);
  return facts;
}

/**
 * What the observer knows about relations, kept for one run: every user relation as committed
 * when the run's first migration was measured (one query), then whatever later migrations
 * created, read when it is first locked by a later migration. A relation neither known nor seen
 * before was created by the migration being measured, which nobody else could have waited for:
 * no query is needed for it. A rename or schema move forgets the relations it touched.
 */
export class RelationCache {
  private readonly facts = new Map<number, RelationFacts>();
  /** Locked once while unknown: created by an earlier migration of this run (or by this one, if still in it). */
  private readonly seenUnknown = new Set<number>();
  private loaded = false;
  /** What the last migration described left behind (its own session's view): true for all once it has committed. */
  private pending: Map<number, RelationFacts | null> | undefined;

  /**
   * Tables known to have existed before the migration about to run, without statistics: their rows
   * would be counted after it (countRows), so its round trip counts them (none past COUNT_IN_TRIP: then after it).
   */
  countCandidates(): number[] {
    const oids = [...this.seenUnknown].filter((oid) => !this.facts.has(oid));
    for (const facts of this.facts.values()) {
      if (oids.length > COUNT_IN_TRIP) return [];
      if (facts.reltuples < 0 && ['r', 'p', 'm'].includes(facts.relkind)) oids.push(facts.oid);
    }
    return oids.length > COUNT_IN_TRIP ? [] : oids;
  }

  /**
   * `own`: the relations the migration locked as its own session saw them at its end (see
   * MeasuredRun.facts). Describe is called again only once this migration has committed (a
   * failed or refused one ends the run), so they are then what the observer would see: no query
   * for a relation an earlier migration of the run created or renamed.
   */
  /**
   * Before a batch of migrations (runMigrationsInOneTrip), which are described after they all
   * committed: everything they need is known beforehand (the observer then sees their effects).
   */
  async ready(observer: Client): Promise<void> {
    await this.describe(observer, [], []);
    const ask = [...this.seenUnknown].filter((oid) => !this.facts.has(oid));
    if (ask.length > 0) for (const [oid, facts] of await describeRelations(observer, ask)) this.facts.set(oid, facts);
  }

  async describe(
    observer: Client | undefined,
    seen: Array<{ oid: number; mode: string }>,
    statements: Array<{ kind: string }>,
    own?: Map<number, RelationFacts | null>,
  ): Promise<Map<number, RelationFacts>> {
    for (const [oid, facts] of this.pending ?? []) {
      if (facts) this.facts.set(oid, facts);
      else this.facts.delete(oid);
    }
    this.pending = own;
    const oids = [...new Set(seen.map((lock) => lock.oid))];
    if (!this.loaded && observer) {
      const { rows } = await observer.query<RelationFacts>(
        `SELECT c.oid::int AS oid, format('%I.%I', n.nspname, c.relname) AS name, c.relkind::text AS relkind, c.reltuples::float8 AS reltuples
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid >= 16384`,
      );
      for (const row of rows) this.facts.set(row.oid, row);
      this.loaded = true;
    }
    const ask = oids.filter((oid) => !this.facts.has(oid) && this.seenUnknown.has(oid));
    if (ask.length > 0 && observer) for (const [oid, facts] of await describeRelations(observer, ask)) this.facts.set(oid, facts);
    const result = new Map<number, RelationFacts>();
    for (const oid of oids) {
      const known = this.facts.get(oid);
      if (known) result.set(oid, known);
      else this.seenUnknown.add(oid);
    }
    if (statements.some((statement) => statement.kind === 'RenameStmt' || statement.kind === 'AlterObjectSchemaStmt')) {
      for (const oid of oids) {
        this.facts.delete(oid);
        this.seenUnknown.add(oid);
      }
    }
    return result;
  }
}

export interface MigrationLocks {
  /** Per statement, the tables it locked (attached to `statements`). */
  entries: Array<Omit<LockReportEntry, 'rows' | 'rowsEstimated'> & { reltuples: number }>;
}

/**
 * Builds the lock report of one migration: tables (existing before it) locked SHARE or
 * stronger, each with its strongest mode and how long it was held (from the start of the
 * statement that took it until commit). Also fills each statement's `locks`.
 */
export function lockEntries(
  run: MeasuredRun,
  relations: Map<number, RelationFacts>,
  finishedAt: number,
  migration: { name: string; file: string },
  thresholdMs: number,
): MigrationLocks {
  const byTable = new Map<number, SeenLock>();
  for (const lock of run.seen) {
    const facts = relations.get(lock.oid);
    const statement = run.statements[lock.statementIndex];
    if (facts && statement && ['r', 'p', 'm'].includes(facts.relkind))
      statement.locks.push({ table: facts.name, mode: lock.mode, heldMs: Math.max(0, finishedAt - lock.since) });
    if (!facts || !['r', 'p', 'm'].includes(facts.relkind) || !blocksWrites(lock.mode)) continue;
    const current = byTable.get(lock.oid);
    if (!current || lockStrength(lock.mode) > lockStrength(current.mode)) byTable.set(lock.oid, lock);
  }
  const entries = [...byTable.values()].map((lock) => {
    const facts = relations.get(lock.oid)!;
    const heldMs = Math.max(0, finishedAt - lock.since);
    return {
      migration: migration.name,
      file: migration.file,
      line: run.statements[lock.statementIndex]?.line ?? 1,
      table: facts.name,
      mode: lock.mode,
      reltuples: facts.reltuples,
      heldMs,
      overThreshold: heldMs >= thresholdMs,
    };
  });
  return { entries };
}

/**
 * Row counts: statistics when present, else a bounded count(*). `inTransaction`: the client is
 * inside the migration's own transaction (not yet committed), so each count runs in a savepoint
 * that is rolled back, leaving the migration's transaction as it was.
 */
export async function countRows(
  client: Client,
  entries: Array<{ table: string; reltuples: number }>,
  options: { inTransaction?: boolean; counted?: Map<string, number> } = {},
): Promise<Map<string, { rows?: number; estimated: boolean }>> {
  const [open, close] = options.inTransaction
    ? ['SAVEPOINT preview_db_count', 'ROLLBACK TO SAVEPOINT preview_db_count; RELEASE SAVEPOINT preview_db_count']
    : ['BEGIN', 'ROLLBACK'];
  const counts = new Map<string, { rows?: number; estimated: boolean }>();
  const toCount: string[] = [];
  for (const entry of entries) {
    if (counts.has(entry.table) || toCount.includes(entry.table)) continue;
    const counted = options.counted?.get(entry.table);
    if (entry.reltuples >= 0) counts.set(entry.table, { rows: Math.round(entry.reltuples), estimated: true });
    else if (counted !== undefined) counts.set(entry.table, { rows: counted, estimated: false });
    else toCount.push(entry.table);
  }
  // One round trip for all of them while all goes well (the undo is sent on its own only after
  // an error); after an error, table by table, so one unreadable table does not hide the rest.
  const count = async (tables: string[]): Promise<boolean> => {
    try {
      const select = tables.map((table, index) => `SELECT ${index} AS i, count(*)::text AS n FROM ${table}`).join(' UNION ALL ');
      const results = await client.query(`${open};\nSET LOCAL statement_timeout = '5s';\n${select};\n${close}`);
      const counted = (Array.isArray(results) ? results : [results]).find((result) => result.rows?.[0]?.n !== undefined);
      for (const row of (counted?.rows ?? []) as Array<{ i: number; n: string }>) counts.set(tables[row.i]!, { rows: Number(row.n), estimated: false });
      return true;
    } catch {
      await client.query(close).catch(() => {});
      return false;
    }
  };
  if (toCount.length > 0 && (toCount.length === 1 || !(await count(toCount)))) {
    for (const table of toCount) if (!(await count([table]))) counts.set(table, { estimated: true });
  }
  return counts;
}

/** Rules whose danger is a lock: what the preview measured decides how serious they are. */
export const LOCK_RULES = new Set([
  'require-concurrent-index-creation',
  'require-concurrent-index-deletion',
  'adding-field-with-default',
  'adding-not-nullable-field',
  'adding-required-field',
  'adding-serial-primary-key-field',
  'changing-column-type',
  'setting-not-nullable-field',
  'adding-foreign-key-constraint',
  'constraint-missing-not-valid',
  'disallowed-unique-constraint',
  'require-concurrent-reindex',
  'require-concurrent-partition-detach',
  'prefer-repack',
  'require-timeout-settings',
]);

export interface Gradable {
  rule: string;
  severity: 'error' | 'warning' | 'note';
  file: string;
  line: number;
  message: string;
}

/**
 * Grades lint findings by the measurement: a lock rule on a statement that held a
 * write-blocking lock on an existing table past the threshold becomes an error; one whose
 * statement touched only new or small tables briefly becomes a note.
 */
export function gradeFindings<T extends Gradable>(
  findings: T[],
  measured: Array<{ file: string; statements: MeasuredStatement[]; locks: LockReportEntry[] }>,
  thresholdMs: number,
): T[] {
  return findings.map((finding) => {
    if (!LOCK_RULES.has(finding.rule)) return finding;
    const migration = measured.find((entry) => entry.file === finding.file);
    if (!migration || migration.statements.length === 0) return finding;
    // The statement that holds the finding's line.
    let index = -1;
    for (const [i, statement] of migration.statements.entries()) if (statement.line <= finding.line) index = i;
    if (index < 0) return finding;
    const statement = migration.statements[index]!;
    const rowsOf = (table: string) => migration.locks.find((lock) => lock.table === table)?.rows;
    const worst = statement.locks.filter((lock) => blocksWrites(lock.mode)).sort((a, b) => b.heldMs - a.heldMs)[0];
    if (finding.rule === 'require-timeout-settings') {
      // A missing lock_timeout matters when the migration takes a write-blocking lock on an existing table.
      if (migration.locks.length === 0)
        return { ...finding, severity: 'note', message: `${finding.message} Measured on the preview: no write-blocking lock on an existing table.` };
      return finding;
    }
    if (worst && worst.heldMs >= thresholdMs) {
      const rows = rowsOf(worst.table);
      return {
        ...finding,
        severity: 'error',
        message: `${finding.message} Measured on the preview: ${lockModeName(worst.mode)} on ${worst.table}${rows !== undefined ? ` (${rows.toLocaleString('en-US')} rows)` : ''} held ${formatMillis(worst.heldMs)}, over the ${formatThreshold(thresholdMs)} threshold.`,
      };
    }
    const took = worst
      ? `${lockModeName(worst.mode)} on ${worst.table} held ${formatMillis(worst.heldMs)}`
      : `the statement took ${formatMillis(statement.durationMs)} and held no write-blocking lock on an existing table`;
    return {
      ...finding,
      severity: 'note',
      message: `${finding.message} Measured on the preview: ${took}, under the ${formatThreshold(thresholdMs)} threshold.`,
    };
  });
}
