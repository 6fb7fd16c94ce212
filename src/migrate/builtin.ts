// The built-in runner: plan against the history table, lint, apply file by file (batched when
// nothing is measured), measure locks, seed.
import { errorMessage } from '../shared/errors.js';
import { formatMillis } from '../shared/duration.js';
import { DeadlineExceededError } from '../shared/retry.js';
import type { Log } from '../shared/log.js';
import {
  acquireAdvisoryLock,
  advisoryLockKey,
  applySessionSettings,
  connect,
  ensureHistoryTable,
  historyInsert,
  historyReports,
  parseTableName,
  readHistory,
  releaseAdvisoryLock,
  probeServer,
  type Client,
  type HistoryRow,
} from './db.js';
import {
  NO_TRANSACTION_MARKER,
  isTransactionControl,
  nonTransactionalReason,
  readMigrations,
  readSeeds,
  type MigrationFile,
  type SeedFile,
  type SeedPart,
} from './files.js';
import {
  BeforeFailure,
  LOCK_RULES,
  StatementFailure,
  RelationCache,
  countRows,
  describeRelations,
  gradeFindings,
  lockEntries,
  oneTrip,
  runMigrationsInOneTrip,
  runStatement,
  runStatements,
  undoCount,
  summarize,
  type LockReportEntry,
  type MeasuredRun,
  type MeasuredStatement,
} from './measure.js';
import { copyErrorLine, type SqlStatement } from './sql.js';
import { readRange } from './copy-data.js';
import type { AppliedMigration, MigrateFailure, MigrateSettings, MigrationRecord, PlannedMigration } from './types.js';
import {
  LINT_ERROR_FIX,
  checkFileProblems,
  checkHistory,
  connectOptions,
  existingTables,
  fail,
  guardDestructive,
  lint,
  lintErrorsBlock,
  type State,
} from './run-state.js';
import { isConnectionLoss } from '../shared/postgres.js';

interface Plan {
  pending: MigrationFile[];
  drifted: MigrationFile[];
  missing: HistoryRow[];
  outOfOrder: MigrationFile[];
}

/** `files` in order; the history is keyed by each file's id (its version, or Prisma's directory name). */
function plan(files: MigrationFile[], history: HistoryRow[]): Plan {
  const applied = new Map(history.filter((row) => row.kind === 'migration').map((row) => [row.version, row]));
  const onDisk = new Set(files.map((file) => file.id));
  const pending = files.filter((file) => !applied.has(file.id));
  const drifted = files.filter((file) => applied.has(file.id) && applied.get(file.id)!.checksum !== file.checksum);
  const missing = [...applied.values()].filter((row) => !onDisk.has(row.version));
  const newest = files.findLastIndex((file) => applied.has(file.id));
  const outOfOrder = pending.filter((file) => files.indexOf(file) < newest);
  return { pending, drifted, missing, outOfOrder };
}

const planned = (file: MigrationFile): PlannedMigration => ({ version: file.version, name: file.name, file: file.path });

function applyPlan(state: State, p: Plan): void {
  state.pending = p.pending.length;
  state.pendingMigrations = p.pending.map(planned);
  state.drifted = p.drifted.map(planned);
  state.missing = p.missing.map((row) => ({ version: row.version, name: row.name }));
  state.outOfOrder = p.outOfOrder.map(planned);
}

/** Statements that cannot run the way the runner will run their file: problems, found before anything runs. */
function checkTransactionModel(state: State, files: MigrationFile[], serverVersion: number): void {
  for (const file of files) {
    if (file.noTransaction) continue;
    for (const statement of file.statements) {
      const reason = nonTransactionalReason(statement, serverVersion);
      if (!reason) continue;
      state.problems.push({
        file: file.path,
        line: statement.line,
        column: statement.column,
        reason: `${reason} cannot run inside a transaction, and ${file.transaction === 'unwrapped' ? "the file's own BEGIN ... COMMIT wraps it in one" : 'the runner wraps each migration in one'}.`,
        fix: `Move it to a migration of its own with '${NO_TRANSACTION_MARKER}' on a line before its first statement.`,
      });
    }
  }
}

/** Where in the file a Postgres error points: its statement, moved on by the error's cursor position. */
function failureAt(
  file: { path: string; sql: string },
  statement: SqlStatement | undefined,
  error: unknown,
  prefix: string,
  queryOffset: number,
): MigrateFailure {
  const pgError = error as { code?: string; hint?: string; detail?: string; position?: string };
  let line = statement?.line;
  let column = statement?.column;
  const position = pgError.position ? Number(pgError.position) - 1 : undefined;
  // A failing COPY row: the line of that row in the file.
  const copyLine = statement ? copyErrorLine(statement, error) : undefined;
  if (copyLine !== undefined) {
    line = copyLine;
    column = 1;
  } else if (position !== undefined && Number.isFinite(position)) {
    const offset = queryOffset + position;
    if (offset >= 0 && offset <= file.sql.length) {
      const before = file.sql.slice(0, offset);
      line = before.split('\n').length;
      column = offset - before.lastIndexOf('\n');
    }
  }
  return {
    message: `${prefix}${errorMessage(error)}`,
    file: file.path,
    line,
    column,
    code: pgError.code,
    hint: pgError.hint,
    detail: pgError.detail,
  };
}

interface Applied {
  migration: AppliedMigration;
}

/** What every phase of one built-in run works with. */
interface BuiltinRun {
  settings: MigrateSettings;
  log: Log;
  state: State;
  client: Client;
  table: ReturnType<typeof parseTableName>;
  serverVersion: number;
  /** Statement by statement with locks observed (analyze on, not protected, not a dry run). */
  measure: boolean;
}

/**
 * The built-in runner, phase by phase as node-pg-migrate's runner reads: read the files, plan
 * and check read-only, take the lock and plan again, apply, seed. Nothing changes before the
 * lock, and every check that can refuse the run decides before it.
 */
export async function runBuiltin(settings: MigrateSettings, log: Log, state: State): Promise<void> {
  const table = parseTableName(settings.historyTable, 'history-table');
  // Connect while the files are read and parsed; bad input still wins, before any change.
  const connecting = connect(settings.databaseUrl, log, connectOptions(settings));
  connecting.catch(() => {});
  let read: Awaited<ReturnType<typeof readFiles>>;
  try {
    read = await readFiles(settings, state, log);
  } catch (error) {
    connecting.then((client) => client.end()).catch(() => {});
    throw error;
  }
  const { files, seeds } = read;
  const client = await connecting;
  const run: BuiltinRun = { settings, log, state, client, table, serverVersion: 0, measure: settings.analyze && !settings.protected && !settings.dryRun };
  const lockKey = advisoryLockKey(table.qualified);
  let locked = false;
  let observer: Client | undefined;
  try {
    const probe = await probeServer(client, table);
    run.serverVersion = probe.serverVersion;
    const checked = await planAndCheck(run, files, probe.historyExists);
    if (!checked || settings.dryRun) return;
    // Nothing to apply and no seed: nothing changes, so no lock, no history table (a second run is read-only).
    if (state.pending === 0 && seeds.length === 0) return;
    locked = await takeLock(run, lockKey);
    if (!locked) return;
    const replanned = await replan(run, files);
    if (!replanned) return;
    if (run.measure && replanned.plan.pending.length > 0) {
      observer = await connect(settings.databaseUrl, log, { ...connectOptions(settings), applicationName: 'preview-db migrate (observer)' });
      state.measured = true;
    }
    await applyPending(run, replanned.plan.pending, observer);
    if (state.ok && seeds.length > 0) await runSeeds(run, seeds, replanned.history);
  } finally {
    await addEarlier(client, table, files, settings, state).catch((error) =>
      log.debug(`earlier migrations of this pull request not read: ${errorMessage(error)}`),
    );
    if (locked) await releaseAdvisoryLock(client, lockKey).catch(() => {});
    await observer?.end().catch(() => {});
    await client.end().catch(() => {});
  }
}

/** Read: every migration and seed, parsed; refused files go to state.problems (reported together later). */
async function readFiles(settings: MigrateSettings, state: State, log: Log): Promise<{ files: MigrationFile[]; seeds: SeedFile[] }> {
  const cwd = settings.workingDirectory;
  const dir = settings.migrationsDir || 'migrations';
  const set = await readMigrations(dir, cwd);
  state.problems.push(...set.problems);
  log.info(`${dir}: ${set.layout.title}.`);
  for (const file of set.files) {
    for (const note of file.notes) log.info(note);
    if (file.transaction === 'unwrapped') log.info(`${file.path} has its own BEGIN ... COMMIT: its statements run in the runner's transaction.`);
    if (file.noTransactionReason) log.info(`${file.path} runs as written, statement by statement, outside a transaction: ${file.noTransactionReason}.`);
  }
  const seeds = await readSeeds(settings.seed, cwd, state.problems);
  return { files: set.files, seeds };
}

/** Plan, read-only: what is pending, lint, and every check that can refuse the run (false: refused, or nothing more to do). */
async function planAndCheck(run: BuiltinRun, files: MigrationFile[], historyExists: boolean): Promise<boolean> {
  const { client, settings, state, log, table, measure } = run;
  const history = await readHistory(client, table, { exists: historyExists });
  const p = plan(files, history);
  checkTransactionModel(state, p.pending, run.serverVersion);
  applyPlan(state, p);
  const tables = settings.lint === 'off' && !settings.protected ? undefined : await existingTables(client);
  state.findings = await lint(p.pending, settings, 'per-file', tables, settings.protected);
  log.info(`${files.length} migration(s) in ${settings.migrationsDir || 'migrations'}; ${p.pending.length} pending.`);

  // Every refused file and every drift at once, before anything changes.
  const filesOk = checkFileProblems(state, log);
  if (!checkHistory(state, settings, log) || !filesOk) return false;
  if (!guardDestructive(state, settings)) return false;
  // With measurement on, a lock rule's error is decided by what is measured, inside its
  // migration's transaction (see applyPending); every other error blocks here, before anything runs.
  const measuredInTransaction = new Set(p.pending.filter((file) => !file.noTransaction).map((file) => file.path));
  const deferred = (finding: { rule: string; file: string }) => measure && LOCK_RULES.has(finding.rule) && measuredInTransaction.has(finding.file);
  if (lintErrorsBlock(state, settings, deferred)) return false;
  if (settings.dryRun) for (const file of p.pending) log.info(`Would apply ${file.path}`);
  return true;
}

/** Lock: the advisory lock, polled; false (and the run failed) when another run holds it past the wait. */
async function takeLock(run: BuiltinRun, lockKey: string): Promise<boolean> {
  try {
    await run.log.group('Waiting for the migration lock', () =>
      acquireAdvisoryLock(run.client, lockKey, run.log, { timeoutMs: (run.settings.lockWaitSeconds ?? 600) * 1000 }),
    );
    return true;
  } catch (error) {
    if (!(error instanceof DeadlineExceededError)) throw error;
    fail(run.state, { message: `${error.message}. Nothing was applied.` });
    return false;
  }
}

/** Re-plan under the lock: another run may have applied migrations while this one waited. */
async function replan(run: BuiltinRun, files: MigrationFile[]): Promise<{ plan: Plan; history: HistoryRow[] } | undefined> {
  const { client, settings, state, log, table } = run;
  const created = await ensureHistoryTable(client, table);
  const history = created ? [] : await readHistory(client, table, { exists: true });
  const p = plan(files, history);
  applyPlan(state, p);
  if (!checkHistory(state, settings, log)) return undefined;
  await applySessionSettings(client, settings);
  return { plan: p, history };
}

/** Apply: batched when nothing is measured; measured files graded before they commit. */
async function applyPending(run: BuiltinRun, pending: MigrationFile[], observer: Client | undefined): Promise<void> {
  const { client, settings, state, log, table, measure, serverVersion } = run;
  // Kept with each history row: what was found and measured, for the reports of later pushes.
  const reportOf = (path: string): MigrationRecord => ({
    pullRequest: settings.pullRequest,
    measured: observer !== undefined,
    findings: state.findings.filter((finding) => finding.file === path),
    locks: state.locks.filter((lock) => lock.file === path),
  });
  // What the observer knows about relations, kept for this run (see RelationCache).
  const relationCache = new RelationCache();
  // Before Postgres 13 statement_timeout covered a whole multi-statement query: measured statements then go one at a time.
  const oneStatementAtATime = settings.statementTimeoutSeconds !== undefined && serverVersion < 130000;
  const queue = [...pending];
  // A measured migration's history row and COMMIT ride ahead of the next migration's statements
  // (one round trip per migration); it counts as applied once that round trip says it committed.
  let committing: { file: MigrationFile; migration: AppliedMigration; commit: string } | undefined;
  const committed = () => {
    if (!committing) return;
    state.applied.push(committing.migration);
    log.info(`Applied ${committing.file.path} in ${formatMillis(committing.migration.durationMs)}.`);
    committing = undefined;
  };
  const commitFailed = (error: unknown) => {
    fail(state, rolledBack({ message: errorMessage(error), file: committing!.file.path }, error));
    committing = undefined;
  };
  /** Sends the waiting COMMIT on its own (before a file it cannot ride with, and at the end). */
  const settle = async (): Promise<void> => {
    if (!committing) return;
    try {
      await client.query(committing.commit);
      committed();
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      commitFailed(error);
    }
  };
  /** Grades the file's findings by its locks (and records them); a blocking one is the reason to roll it back. */
  const decideFor =
    (file: MigrationFile): Decide =>
    async (measuredRun, relations, finishedAt, options) => {
      const locks = await migrationLocks(client, measuredRun, relations, finishedAt, file, settings.lockThresholdMs, options?.inTransaction ?? true);
      state.locks.push(...locks);
      state.findings = gradeFindings(state.findings, [{ file: file.path, statements: measuredRun.statements, locks }], settings.lockThresholdMs);
      return blockingIn(state, settings, file.path, (finding) => finding.file === file.path);
    };
  /**
   * Files no measurement can refuse (lint: error is decided only by lock rules, graded by the
   * measurement: none in the file, or lint not error) go several in one round trip, each its own
   * transaction with its history row, measured as one alone; graded after they commit.
   */
  const measuredBatchable = (file: MigrationFile) =>
    !file.noTransaction &&
    !oneStatementAtATime &&
    oneTrip(file.statements) &&
    (settings.lint !== 'error' || !state.findings.some((finding) => finding.file === file.path && LOCK_RULES.has(finding.rule)));
  const applyMeasuredBatch = async (batch: MigrationFile[], observer: Client, rest: MigrationFile[]): Promise<void> => {
    await relationCache.ready(observer);
    // Measured before it is known: the history row keeps what was found; what was measured follows (below).
    const tails = batch.map(
      (file) =>
        `${historyInsert(table, { version: file.id, name: file.name, checksum: file.checksum, durationMs: 'transaction', report: reportOf(file.path) })};\nCOMMIT`,
    );
    let trip: Awaited<ReturnType<typeof runMigrationsInOneTrip>>;
    try {
      trip = await runMigrationsInOneTrip(
        client,
        batch.map((file, i) => ({ statements: file.statements, tail: tails[i]! })),
        committing?.commit,
      );
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      if (error instanceof BeforeFailure) commitFailed(error.cause);
      else if (committing) commitFailed(error);
      else fail(state, rolledBack({ message: errorMessage(error), file: batch[0]!.path }, error));
      return;
    }
    committed();
    const measuredFiles: Array<{ file: MigrationFile; run: (typeof trip.runs)[number] }> = trip.runs.map((run, i) => ({ file: batch[i]!, run }));
    const failure = trip.failure;
    if (failure?.kind === 'count') {
      // Its row count failed: undo it, commit the migration, and the rest of the batch goes on afterwards.
      const file = batch[failure.index]!;
      try {
        await undoCount(client);
        await client.query(tails[failure.index]!);
        measuredFiles.push({ file, run: failure.run });
        rest.unshift(...batch.slice(failure.index + 1));
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        fail(state, rolledBack({ message: errorMessage(error), file: file.path }, error));
      }
    } else if (failure) {
      await client.query('ROLLBACK').catch(() => {});
      const file = batch[failure.index]!;
      const statement = file.statements[failure.statementIndex];
      fail(
        state,
        failure.kind === 'tail'
          ? rolledBack({ message: errorMessage(failure.cause), file: file.path }, failure.cause)
          : rolledBack(failureAt(file, statement, failure.cause, '', statement?.offset ?? 0), failure.cause),
      );
    }
    // Committed: graded and recorded in order, each named as the run knew its relations before it.
    const reports: Array<{ version: string; report: MigrationRecord }> = [];
    for (const { file, run } of measuredFiles) {
      const relations = await relationCache.describe(undefined, run.seen, file.statements, run.facts);
      const refused = await decideFor(file)(run, relations, run.finishedAt, { inTransaction: false });
      // Not reachable (see measuredBatchable); said plainly should it ever be.
      if (refused) fail(state, { ...refused, message: `${refused.message} (it was measured in a batch and is already committed)` });
      state.applied.push({
        version: file.version,
        name: file.name,
        file: file.path,
        durationMs: run.finishedAt - run.startedAt,
        statements: run.statements,
        noTransaction: false,
      });
      log.info(`Applied ${file.path} in ${formatMillis(run.finishedAt - run.startedAt)}.`);
      reports.push({ version: file.id, report: reportOf(file.path) });
    }
    if (reports.length > 0)
      await client
        .query(historyReports(table, reports))
        .catch((error) => log.warning(`The measurements were not kept with the history: ${errorMessage(error)}`));
  };
  while (queue.length > 0 && state.ok) {
    if (!measure && batchable(queue[0]!)) {
      // The fast path: consecutive files go in batches, each file its own transaction.
      // Files with inline COPY data run statement by statement below, in their own transaction.
      // Before Postgres 13 statement_timeout covered a whole multi-statement query: one file at a time then.
      const batch = takeBatch(queue, settings.statementTimeoutSeconds !== undefined && serverVersion < 130000 ? 1 : BATCH_FILES);
      const outcome = await log.group(`Applying ${batch.length} migration(s): ${batch[0]!.path}${batch.length > 1 ? ` .. ${batch.at(-1)!.path}` : ''}`, () =>
        applyBatch(client, batch, table, settings, log, reportOf),
      );
      for (const migration of outcome.applied) {
        state.applied.push(migration);
        log.info(`Applied ${migration.file} in ${formatMillis(migration.durationMs)}.`);
      }
      if (outcome.failure) fail(state, outcome.failure);
      continue;
    }
    if (observer && measuredBatchable(queue[0]!) && queue[1] && measuredBatchable(queue[1])) {
      const batch: MigrationFile[] = [];
      let bytes = 0;
      while (
        queue.length > 0 &&
        measuredBatchable(queue[0]!) &&
        batch.length < BATCH_FILES &&
        (batch.length === 0 || bytes + queue[0]!.sql.length <= BATCH_BYTES)
      ) {
        bytes += queue[0]!.sql.length;
        batch.push(queue.shift()!);
      }
      await log.group(`Applying ${batch.length} migration(s): ${batch[0]!.path} .. ${batch.at(-1)!.path}`, () => applyMeasuredBatch(batch, observer, queue));
      continue;
    }
    const file = queue.shift()!;
    // Measured: grade the file's findings by its locks before it commits; a blocking one rolls it back.
    const decide = observer ? decideFor(file) : undefined;
    // A no-transaction file: each statement its own transaction, measured and decided before it commits.
    const decideStatement: DecideStatement | undefined = observer
      ? async (statementIndex, measured, relations, seen, finishedAt) => {
          const measuredRun: MeasuredRun = { statements: [measured], seen: seen.map((lock) => ({ ...lock, statementIndex: 0 })) };
          const locks = await migrationLocks(client, measuredRun, relations, finishedAt, file, settings.lockThresholdMs);
          state.locks.push(...locks);
          const next = file.statements[statementIndex + 1];
          const own = (finding: { file: string; line: number }) =>
            finding.file === file.path && finding.line >= measured.line && (!next || finding.line < next.line);
          const graded = gradeFindings(state.findings.filter(own), [{ file: file.path, statements: [measured], locks }], settings.lockThresholdMs);
          state.findings = [...state.findings.filter((finding) => !own(finding)), ...graded].sort((a, b) => (a.file === b.file ? a.line - b.line : 0));
          return blockingIn(state, settings, file.path, own, 'This statement was rolled back before it committed');
        }
      : undefined;
    const rides = observer !== undefined && !file.noTransaction;
    if (!rides) {
      await settle();
      if (!state.ok) break;
    }
    const outcome = await log.group<Outcome>(`Applying ${file.path}`, () =>
      file.noTransaction
        ? applyNoTransaction(client, observer, file, table, serverVersion, decideStatement, reportOf, relationCache)
        : applyMigration(client, observer, file, table, decide, reportOf, relationCache, oneStatementAtATime, committing?.commit),
    );
    if ('aheadFailed' in outcome) {
      commitFailed(outcome.aheadFailed);
      break;
    }
    committed();
    if ('failure' in outcome) {
      fail(state, outcome.failure);
      break;
    }
    if ('commit' in outcome && outcome.commit !== undefined) committing = { file, migration: outcome.migration, commit: outcome.commit };
    else {
      state.applied.push(outcome.migration);
      log.info(`Applied ${file.path} in ${formatMillis(outcome.migration.durationMs)}.`);
    }
  }
  // The last one's COMMIT goes on its own. (Should anything throw first, the session ends with it uncommitted, and not applied.)
  if (state.ok) await settle();
}

type Outcome = (Applied & { commit?: string }) | { failure: MigrateFailure } | { aheadFailed: unknown };

/** Seed: each seed in one transaction with its history row; an unchanged seed does not run again. */
async function runSeeds(run: BuiltinRun, seeds: SeedFile[], history: HistoryRow[]): Promise<void> {
  const { client, state, log, table } = run;
  const seeded = new Map(history.filter((row) => row.kind === 'seed').map((row) => [row.version, row.checksum]));
  for (const seed of seeds) {
    const version = `seed:${seed.path}`;
    if (seeded.get(version) === seed.checksum) {
      log.info(`Seed ${seed.path} already ran (unchanged); skipped.`);
      continue;
    }
    const record = historyInsert(table, { version, name: seed.path, checksum: seed.checksum, durationMs: 'transaction', kind: 'seed' });
    try {
      await runSeed(client, seed, record);
      state.seeded.push(seed.path);
      log.info(`Seeded ${seed.path}.`);
    } catch (error) {
      const part = error instanceof SeedFailure ? error.part : undefined;
      const cause = error instanceof SeedFailure ? error.cause : error;
      const failed = part && 'copy' in part ? part.copy : undefined;
      const prefix = 'seed failed and was rolled back: ';
      if (part && 'read' in part) {
        // A piece of a large seed: where in the piece, then where the piece is in the file.
        const failure = failureAt({ path: seed.path, sql: readRange(part.read.path, part.read.start, part.read.end) }, undefined, cause, prefix, 0);
        if (failure.line !== undefined) failure.line += part.read.line - 1;
        fail(state, failure);
      } else fail(state, failureAt(seed, failed, cause, prefix, failed?.offset ?? (part && 'start' in part ? part.start : 0)));
      break;
    }
  }
}

/**
 * The migrations an earlier run for the same pull request applied (their history rows carry
 * its number): added to the report with what was found and measured then, so a later push's
 * report still covers the whole pull request.
 */
async function addEarlier(client: Client, table: { qualified: string }, files: MigrationFile[], settings: MigrateSettings, state: State): Promise<void> {
  if (settings.pullRequest === undefined) return;
  // The history keys a migration by its id (the version, or Prisma's directory name).
  const now = new Set(state.applied.map((migration) => migration.file));
  const byId = new Map(files.map((file) => [file.id, file]));
  const earlier = (await readHistory(client, table)).filter((row) => {
    const report = row.report as Partial<MigrationRecord> | undefined;
    const file = byId.get(row.version);
    return row.kind === 'migration' && file !== undefined && !now.has(file.path) && report?.pullRequest === settings.pullRequest;
  });
  if (earlier.length === 0) return;
  state.earlier = [];
  const findings: State['findings'] = [];
  const locks: State['locks'] = [];
  for (const row of earlier.sort((a, b) => files.indexOf(byId.get(a.version)!) - files.indexOf(byId.get(b.version)!))) {
    const file = byId.get(row.version)!;
    const report = row.report as MigrationRecord;
    state.earlier.push({
      version: file.version,
      name: row.name,
      file: file.path,
      durationMs: row.durationMs,
      statements: [],
      noTransaction: file.noTransaction,
    });
    findings.push(...(report.findings ?? []));
    locks.push(...(report.locks ?? []));
    if (report.measured) state.measured = true;
  }
  // In migration order: the earlier pushes' first.
  state.findings = [...findings, ...state.findings];
  state.locks = [...locks, ...state.locks];
}

class SeedFailure extends Error {
  constructor(
    readonly part: SeedPart | undefined,
    override readonly cause: unknown,
  ) {
    super(errorMessage(cause));
  }
}

/** A seed in one transaction with its history row: its text in pieces of whole statements, COPY data through COPY's protocol. */
async function runSeed(client: Client, seed: SeedFile, record: string): Promise<void> {
  await client.query('BEGIN');
  let part: SeedPart | undefined;
  try {
    for (part of seed.parts) {
      if ('copy' in part) await runStatements(client, [part.copy], { measureLocks: false });
      else if ('read' in part) await client.query(readRange(part.read.path, part.read.start, part.read.end));
      else await client.query(seed.sql.slice(part.start, part.end));
    }
    part = undefined;
    await client.query(record);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw new SeedFailure(part, error instanceof StatementFailure ? error.cause : error);
  }
}

/** Drift and missing files: drift stops the run unless allowed. Returns false to stop. */

type Relations = Awaited<ReturnType<typeof describeRelations>>;
/** Called inside a measured migration's transaction before COMMIT: a failure rolls it back instead. */
type Decide = (run: MeasuredRun, relations: Relations, finishedAt: number, options?: { inTransaction: boolean }) => Promise<MigrateFailure | undefined>;

/** Called inside a no-transaction file's statement's own transaction before COMMIT. */
type DecideStatement = (
  statementIndex: number,
  measured: MeasuredStatement,
  relations: Relations,
  seen: Array<{ oid: number; mode: string; since: number }>,
  finishedAt: number,
) => Promise<MigrateFailure | undefined>;

/** lint: error and an error finding in this file or statement (graded by its measurement): the reason to roll it back. */
function blockingIn(
  state: State,
  settings: MigrateSettings,
  path: string,
  within: (finding: { file: string; line: number }) => boolean,
  rolledBack = 'The migration was rolled back before it committed: nothing of it was applied (migrations before it stay applied)',
): MigrateFailure | undefined {
  if (settings.lint !== 'error') return undefined;
  const errors = state.findings.filter((finding) => within(finding) && finding.severity === 'error');
  if (errors.length === 0) return undefined;
  return {
    message: `lint found ${errors.length} error(s) (lint: error), graded by what was measured: ${errors.map((f) => `${f.file}:${f.line} ${f.rule}`).join('; ')}. ${rolledBack}, and a re-run stays red until this is resolved. ${LINT_ERROR_FIX}`,
    file: path,
    line: errors[0]!.line,
  };
}

/** Locks of a measured migration, inside its still-open transaction (row counts in savepoints). */
async function migrationLocks(
  client: Client,
  run: MeasuredRun,
  relations: Relations,
  finishedAt: number,
  file: { name: string; path: string },
  thresholdMs: number,
  inTransaction = true,
): Promise<LockReportEntry[]> {
  const { entries } = lockEntries(run, relations, finishedAt, { name: file.name, file: file.path }, thresholdMs);
  const counts = await countRows(client, entries, { inTransaction, counted: run.counted });
  return entries.map(({ reltuples: _reltuples, ...entry }) => ({
    ...entry,
    rows: counts.get(entry.table)?.rows,
    rowsEstimated: counts.get(entry.table)?.estimated ?? true,
  }));
}

/**
 * A no-transaction file, statement by statement, each committed on its own: a failure keeps
 * what ran before it. Measured (an observer given), each statement that may run in a
 * transaction gets its own BEGIN ... COMMIT, its locks read before COMMIT and `decide` asked
 * whether to commit it; statements that cannot run in a transaction (CREATE INDEX
 * CONCURRENTLY ...) and files that manage their own transactions are timed only.
 */
async function applyNoTransaction(
  client: Client,
  observer: Client | undefined,
  file: MigrationFile,
  table: { qualified: string },
  serverVersion: number,
  decide?: DecideStatement,
  reportOf?: (path: string) => MigrationRecord,
  relationCache = new RelationCache(),
): Promise<Applied | { failure: MigrateFailure }> {
  const started = performance.now();
  const ownTransactions = file.statements.some(isTransactionControl);
  const done: MeasuredStatement[] = [];
  const failed = (index: number, failure: MigrateFailure): { failure: MigrateFailure } => {
    const kept =
      index > 0
        ? ` The ${index} statement(s) before it ran outside a transaction and stay applied; make the file safe to re-run (IF NOT EXISTS) before retrying.`
        : '';
    failure.message = `${failure.message} (no-transaction migration, not recorded as applied).${kept}`;
    return { failure };
  };
  for (const [index, statement] of file.statements.entries()) {
    const wrap = observer !== undefined && !ownTransactions && !nonTransactionalReason(statement, serverVersion);
    const since = performance.now();
    try {
      let measured: MeasuredStatement;
      if (wrap) {
        // BEGIN, the statement and its locks in one round trip; decided before COMMIT.
        const run = await runStatements(client, [statement], { measureLocks: true, begin: true });
        measured = run.statements[0]!;
        const seen = run.seen;
        const relations = await relationCache.describe(observer!, seen, [statement], run.facts);
        const refused = decide ? await decide(index, measured, relations, seen, performance.now()) : undefined;
        if (refused) {
          await client.query('ROLLBACK');
          return failed(index, refused);
        }
        await client.query('COMMIT');
      } else {
        await runStatement(client, statement);
        measured = {
          line: statement.line,
          column: statement.column,
          kind: statement.kind,
          summary: summarize(statement.text),
          durationMs: performance.now() - since,
          locks: [],
        };
      }
      done.push(measured);
    } catch (error) {
      if (wrap) await client.query('ROLLBACK').catch(() => {});
      return failed(index, failureAt(file, statement, error instanceof StatementFailure ? error.cause : error, '', statement.offset));
    }
  }
  const durationMs = performance.now() - started;
  try {
    await client.query(historyInsert(table, { version: file.id, name: file.name, checksum: file.checksum, durationMs, report: reportOf?.(file.path) }));
  } catch (error) {
    return {
      failure: {
        message: `${errorMessage(error)} after every statement ran; the no-transaction migration was not recorded as applied. Make it safe to re-run before retrying.`,
        file: file.path,
      },
    };
  }
  return { migration: { version: file.version, name: file.name, file: file.path, durationMs, statements: done, noTransaction: true } };
}

async function applyMigration(
  client: Client,
  observer: Client | undefined,
  file: MigrationFile,
  table: { qualified: string },
  decide?: Decide,
  reportOf?: (path: string) => MigrationRecord,
  relationCache = new RelationCache(),
  perStatement = false,
  ahead?: string,
): Promise<Outcome> {
  const record = (durationMs: number | 'transaction') =>
    historyInsert(table, { version: file.id, name: file.name, checksum: file.checksum, durationMs, report: reportOf?.(file.path) });
  const base = { version: file.version, name: file.name, file: file.path, noTransaction: file.noTransaction };
  const started = performance.now();

  try {
    // Without an observer (analyze off: a file with COPY data off the fast path) nothing reads the locks.
    const run = await runStatements(client, file.statements, {
      measureLocks: observer !== undefined,
      begin: true,
      perStatement,
      countOids: observer ? relationCache.countCandidates() : [],
      before: ahead,
    });
    // Named before commit: the observer still sees dropped tables and not yet the new ones.
    const relations = observer ? await relationCache.describe(observer, run.seen, file.statements, run.facts) : new Map();
    const finishedAt = performance.now();
    const refused = decide ? await decide(run, relations, finishedAt) : undefined;
    if (refused) {
      await client.query('ROLLBACK');
      return { failure: refused };
    }
    // The history row (with what was found and measured) and COMMIT in one round trip: measured,
    // ahead of the next migration's statements (the caller sends it).
    const migration = { ...base, durationMs: finishedAt - started, statements: run.statements };
    if (observer) return { migration, commit: `${record('transaction')};\nCOMMIT` };
    await client.query(`${record('transaction')};\nCOMMIT`);
    return { migration };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    if (error instanceof BeforeFailure) return { aheadFailed: error.cause };
    if (error instanceof StatementFailure) {
      const statement = file.statements[error.statementIndex];
      return { failure: rolledBack(failureAt(file, statement, error.cause, '', statement?.offset ?? 0), error.cause) };
    }
    return { failure: rolledBack({ message: errorMessage(error), file: file.path }, error) };
  }
}

/** Up to this much SQL (or this many files) travels in one round trip on the fast path. */
const BATCH_BYTES = 1 << 20;
const BATCH_FILES = 250;

/** COPY ... FROM stdin data travels in COPY's own protocol, so such a file cannot ride in a simple query. */
function hasCopyData(file: { statements: SqlStatement[] }): boolean {
  return file.statements.some((statement) => statement.copyData !== undefined);
}

/** Files the fast path may send as one multi-statement query. */
function batchable(file: MigrationFile): boolean {
  return !file.noTransaction && !hasCopyData(file);
}

function takeBatch(queue: MigrationFile[], maxFiles: number): MigrationFile[] {
  const batch: MigrationFile[] = [];
  let bytes = 0;
  while (queue.length > 0 && batchable(queue[0]!) && batch.length < maxFiles && (batch.length === 0 || bytes + queue[0]!.sql.length <= BATCH_BYTES)) {
    const file = queue.shift()!;
    bytes += file.sql.length;
    batch.push(file);
  }
  return batch;
}

/**
 * Sends several migrations in one simple query, each wrapped in its own BEGIN ... COMMIT
 * with its history row: one round trip for the lot, yet each file commits (or fails) on its
 * own. Postgres stops at the first error, so what was committed before it stays applied;
 * the history says which files those were.
 */
async function applyBatch(
  client: Client,
  batch: MigrationFile[],
  table: { qualified: string },
  settings: MigrateSettings,
  log: Log,
  reportOf?: (path: string) => MigrationRecord,
): Promise<{ applied: AppliedMigration[]; failure?: MigrateFailure }> {
  let text = '';
  const starts: number[] = [];
  for (const file of batch) {
    text += "BEGIN;\nSELECT set_config('preview_db.started', clock_timestamp()::text, true);\n";
    starts.push(text.length);
    text += `${file.sql}\n;\n${historyInsert(table, { version: file.id, name: file.name, checksum: file.checksum, durationMs: 'since-started', report: reportOf?.(file.path) })} RETURNING version AS preview_db_version, duration_ms AS preview_db_duration_ms;\nCOMMIT;\n`;
  }
  const toApplied = (file: MigrationFile, durationMs: number): AppliedMigration => ({
    version: file.version,
    name: file.name,
    file: file.path,
    durationMs,
    statements: [],
    noTransaction: false,
  });
  try {
    const results = await client.query(text);
    const durations = new Map<string, number>();
    for (const result of (Array.isArray(results) ? results : [results]) as Array<{ rows?: Array<Record<string, unknown>> }>) {
      for (const row of result.rows ?? [])
        if (typeof row.preview_db_version === 'string') durations.set(row.preview_db_version, Number(row.preview_db_duration_ms));
    }
    return { applied: batch.map((file) => toApplied(file, durations.get(file.id) ?? 0)) };
  } catch (error) {
    const lost = isConnectionLoss(error);
    if (!lost) await client.query('ROLLBACK').catch(() => {});
    // Which files committed before the error: the history knows (a new session if this one died).
    const reader = lost ? await connect(settings.databaseUrl, log, connectOptions(settings)).catch(() => undefined) : client;
    const recorded = reader
      ? new Map(
          (
            await reader
              .query<{ version: string; duration_ms: number }>(`SELECT version, duration_ms FROM ${table.qualified} WHERE version = ANY($1::text[])`, [
                batch.map((file) => file.id),
              ])
              .catch(() => ({ rows: [] }))
          ).rows.map((row) => [row.version, row.duration_ms]),
        )
      : new Map<string, number>();
    if (lost) await reader?.end().catch(() => {});
    const applied = batch.filter((file) => recorded.has(file.id)).map((file) => toApplied(file, recorded.get(file.id)!));
    const index = batch.findIndex((file) => !recorded.has(file.id));
    const failing = batch[index === -1 ? 0 : index]!;
    if (lost) return { applied, failure: rolledBack({ message: errorMessage(error), file: failing.path }, error) };
    const position = (error as { position?: string }).position;
    const start = starts[batch.indexOf(failing)]!;
    if (position !== undefined) {
      const offset = Number(position) - 1 - start;
      if (offset >= 0 && offset <= failing.sql.length) {
        const statement = [...failing.statements].reverse().find((s) => s.offset <= offset) ?? failing.statements[0];
        return { applied, failure: rolledBack(failureAt(failing, statement, error, '', -start), error) };
      }
    }
    return { applied, failure: await locateFailure(client, failing, error, settings) };
  }
}

function rolledBack(failure: MigrateFailure, cause: unknown): MigrateFailure {
  const lost = isConnectionLoss(cause);
  failure.message = lost
    ? `the connection to the database was lost while applying this migration (${failure.message}). Postgres rolled the migration back; nothing of it was applied and the migration lock was released with the session. Re-run to apply it.`
    : `${failure.message} (the migration was rolled back; migrations before it stay applied).`;
  return failure;
}

/** After a fast-path failure (already rolled back), find the failing statement's line. */
async function locateFailure(client: Client, file: MigrationFile, error: unknown, _settings: MigrateSettings): Promise<MigrateFailure> {
  const pgError = error as { position?: string };
  if (isConnectionLoss(error)) return rolledBack({ message: errorMessage(error), file: file.path }, error);
  if (pgError.position) {
    const position = Number(pgError.position ?? 0) - 1;
    const statement = [...file.statements].reverse().find((s) => s.offset <= position) ?? file.statements[0];
    return rolledBack(failureAt(file, statement, error, '', 0), error);
  }
  // No cursor position: replay statement by statement in a transaction that is rolled back.
  try {
    await client.query('BEGIN');
    await runStatements(client, file.statements, { measureLocks: false });
  } catch (replay) {
    if (replay instanceof StatementFailure) {
      const statement = file.statements[replay.statementIndex];
      await client.query('ROLLBACK').catch(() => {});
      return rolledBack(failureAt(file, statement, error, '', statement?.offset ?? 0), error);
    }
  }
  await client.query('ROLLBACK').catch(() => {});
  return rolledBack({ ...failureAt(file, undefined, error, '', 0), line: undefined, column: undefined }, error);
}
