// The migrate core: plan, lint, apply (built-in runner) or hand over to the project's own
// tool, measure locks, and report. Takes plain settings and a Log; never touches
// @actions/core, so the action, the lifecycle action and the CLI share it.
import { secretsOfUrl } from '../shared/secrets.js';
import { InputError, errorMessage } from '../shared/errors.js';
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
  parseTableName,
  readHistory,
  releaseAdvisoryLock,
  serverVersionNum,
  type Client,
  type HistoryRow,
} from './db.js';
import { compareWithHistory, flywayEnvironment, runCommand } from './external.js';
import { NO_TRANSACTION_MARKER, compareVersions, isTransactionControl, nonTransactionalReason, parseSqlFile, readMigrations, readSeeds, type MigrationFile } from './files.js';
import { lintMigrations, validateRuleNames, type LintFinding } from './lint/index.js';
import {
  StatementFailure,
  countRows,
  describeRelations,
  gradeFindings,
  lockEntries,
  runStatements,
  type LockReportEntry,
  type MeasuredRun,
  type MeasuredStatement,
} from './measure.js';
import { PROFILES, type ExternalRunner, type ToolMigration, type TransactionModel } from './profiles.js';
import { renderMigrateReport } from './report.js';
import { copyErrorLine, type SqlStatement } from './sql.js';
import type { AppliedMigration, MigrateFailure, MigrateResult, MigrateSettings, PlannedMigration } from './types.js';

export * from './types.js';
export { renderMigrateReport, migrateHeadline } from './report.js';
export { RUNNERS, PROFILES } from './profiles.js';
export { KNOWN_RULES } from './lint/index.js';

export const DEFAULT_HISTORY_TABLE = 'public.preview_db_migrations';

type State = Omit<MigrateResult, 'reportMarkdown'>;

/** Neon's pooled hosts carry `-pooler` in their first label. */
export function isPooledNeonUrl(url: string): boolean {
  try {
    return new URL(url).hostname.includes('-pooler.');
  } catch {
    return false;
  }
}

function connectOptions(settings: MigrateSettings): { deadlineMs: number } {
  return { deadlineMs: (settings.connectTimeoutSeconds ?? 60) * 1000 };
}

/** Checks what can be checked without touching the database; throws InputError. */
export function validateSettings(settings: MigrateSettings): void {
  if (!settings.databaseUrl) throw new InputError('database-url', 'is required: the direct (non-pooled) connection URL of the database to migrate.');
  if (!/^postgres(ql)?:\/\//.test(settings.databaseUrl)) throw new InputError('database-url', 'is not a postgres:// or postgresql:// URL.');
  validateRuleNames(settings.lintDisable, 'lint-disable');
  if (settings.seed.length > 0 && settings.protected) throw new InputError('seed', 'seeding is for preview databases and is refused with protected: true. Remove seed for this database.');
  if (settings.runner === 'command' && !settings.command) throw new InputError('command', "is required with runner: command. Give the command that applies your migrations, e.g. 'npm run migrate'.");
  for (const name of settings.exportEnv) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new InputError('export-env', `'${name}' is not an environment variable name.`);
  if (settings.runner === 'builtin') parseTableName(settings.historyTable, 'history-table');
}

export async function migrate(settings: MigrateSettings, log: Log): Promise<MigrateResult> {
  for (const secret of secretsOfUrl(settings.databaseUrl)) log.secret(secret);
  validateSettings(settings);
  const started = performance.now();
  const state: State = {
    ok: true,
    runner: settings.runner,
    dryRun: settings.dryRun,
    pending: 0,
    pendingMigrations: [],
    applied: [],
    findings: [],
    locks: [],
    lockThresholdMs: settings.lockThresholdMs,
    measured: false,
    drifted: [],
    missing: [],
    failedInHistory: [],
    outOfOrder: [],
    seeded: [],
    warnings: [],
    durationMs: 0,
  };
  if (isPooledNeonUrl(settings.databaseUrl)) {
    const warning = "database-url points at Neon's connection pooler (-pooler in the host). Migrations need the direct URL: advisory locks and session settings do not survive a transaction pooler. Use the branch's direct URL (create-branch's database-url-direct output).";
    log.warning(warning, { title: 'Pooled database URL' });
    state.warnings.push(warning);
  }
  if (settings.runner === 'builtin') await runBuiltin(settings, log, state);
  else await runExternal(settings, settings.runner, log, state);
  state.durationMs = performance.now() - started;
  annotate(state, settings, log);
  if (state.error) log.error(describeFailure(state.error), state.error.file ? { file: state.error.file, line: state.error.line, column: state.error.column, title: 'Migration failed' } : undefined);
  return { ...state, reportMarkdown: renderMigrateReport(state) };
}

export function describeFailure(failure: MigrateFailure): string {
  const where = failure.file ? `${failure.file}${failure.line ? `:${failure.line}` : ''}: ` : '';
  return `${where}${failure.message}${failure.detail ? `\nDetail: ${failure.detail}` : ''}${failure.hint ? `\nHint: ${failure.hint}` : ''}`;
}

function annotate(state: State, settings: MigrateSettings, log: Log): void {
  if (settings.lint === 'off') return;
  for (const finding of state.findings) {
    const where = { file: finding.file, line: finding.line, column: finding.column, title: `${finding.rule} (${finding.severity})` };
    const text = `${finding.message} Safer: ${finding.safer}`;
    if (finding.severity === 'note') log.notice(text, where);
    else if (finding.severity === 'error' && settings.lint === 'error') log.error(text, where);
    else log.warning(text, where);
  }
}

function fail(state: State, failure: MigrateFailure): void {
  state.ok = false;
  state.error ??= failure;
}

async function lint(
  files: Array<{ path: string; sql: string }>,
  settings: MigrateSettings,
  transactionModel: TransactionModel,
  existingTables: Set<string> | undefined,
  protectedRun: boolean,
): Promise<LintFinding[]> {
  // A protected run lints even with lint off: destructive changes need the explicit yes.
  if (files.length === 0 || (settings.lint === 'off' && !protectedRun)) return [];
  return lintMigrations(files, {
    disabled: settings.lintDisable,
    sessionLockTimeout: settings.lockTimeoutSeconds !== undefined,
    transactionModel,
    prBody: settings.prBody,
    existingTables,
  });
}

async function existingTables(client: Client): Promise<Set<string>> {
  const { rows } = await client.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`,
  );
  const names = new Set<string>();
  for (const row of rows) names.add(`${row.schema}.${row.name}`.toLowerCase());
  return names;
}

/** Destructive findings on a protected database stop the run unless explicitly allowed. */
function guardDestructive(state: State, settings: MigrateSettings): boolean {
  if (!settings.protected || settings.allowDestructive) return true;
  const destructive = state.findings.filter((finding) => finding.destructive);
  if (destructive.length === 0) return true;
  for (const finding of destructive) {
    state.warnings.push(`Destructive on a protected database: ${finding.file}:${finding.line} ${finding.rule}: ${finding.message}`);
  }
  fail(state, {
    message: `refused: ${destructive.length} destructive change(s) on a protected database (${destructive.map((f) => `${f.file}:${f.line} ${f.rule}`).join('; ')}). Nothing was applied. If this is deliberate, set allow-destructive: true for this run.`,
    file: destructive[0]!.file,
    line: destructive[0]!.line,
  });
  return false;
}

function lintErrorsBlock(state: State, settings: MigrateSettings): boolean {
  const errors = state.findings.filter((finding) => finding.severity === 'error');
  if (settings.lint !== 'error' || errors.length === 0) return false;
  fail(state, {
    message: `lint found ${errors.length} error(s) (lint: error): ${errors.map((f) => `${f.file}:${f.line} ${f.rule}`).join('; ')}. Fix them, accept one with a '-- squawk-ignore <rule>' comment or a line naming the rule in the pull request's description, or set lint: warn.`,
    file: errors[0]!.file,
    line: errors[0]!.line,
  });
  return true;
}

// ---------------------------------------------------------------------------------------
// Built-in runner

interface Plan {
  pending: MigrationFile[];
  drifted: MigrationFile[];
  missing: HistoryRow[];
  outOfOrder: MigrationFile[];
}

function plan(files: MigrationFile[], history: HistoryRow[]): Plan {
  const applied = new Map(history.filter((row) => row.kind === 'migration').map((row) => [row.version, row]));
  const onDisk = new Set(files.map((file) => file.version));
  const pending = files.filter((file) => !applied.has(file.version));
  const drifted = files.filter((file) => applied.has(file.version) && applied.get(file.version)!.checksum !== file.checksum);
  const missing = [...applied.values()].filter((row) => !onDisk.has(row.version));
  const newest = [...applied.keys()].filter((version) => /^\d+$/.test(version)).sort(compareVersions).at(-1);
  const outOfOrder = newest ? pending.filter((file) => compareVersions(file.version, newest) < 0) : [];
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

/** Files whose statements cannot run the way the runner will run them: errors before anything runs. */
function checkTransactionModel(files: MigrationFile[], serverVersion: number, log: Log): void {
  for (const file of files) {
    if (file.noTransaction) continue;
    for (const statement of file.statements) {
      const reason = nonTransactionalReason(statement, serverVersion);
      const control = isTransactionControl(statement);
      if (!reason && !control) continue;
      const message = reason
        ? `${reason} cannot run inside a transaction, and the runner wraps each migration in one. Put '${NO_TRANSACTION_MARKER}' on a line before the first statement (and keep such a file to the statements that need it). Nothing was applied.`
        : `the runner wraps each migration in a transaction; remove ${statement.text.split(/\s/)[0]!.toUpperCase()} from the file, or put '${NO_TRANSACTION_MARKER}' before the first statement to manage transactions yourself. Nothing was applied.`;
      log.error(message, { file: file.path, line: statement.line, column: statement.column, title: 'Migration needs no-transaction' });
      throw new InputError('migrations-dir', `${file.path}:${statement.line}: ${message}`);
    }
  }
}

function isConnectionLoss(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  const message = errorMessage(error);
  return code === '57P01' || code === '57P02' || code === '57P03' || (code !== undefined && code.startsWith('08')) || /Connection terminated|connection.*(ended|closed)|ECONNRESET|EPIPE/i.test(message);
}

/** Where in the file a Postgres error points: its statement, moved on by the error's cursor position. */
function failureAt(file: { path: string; sql: string }, statement: SqlStatement | undefined, error: unknown, prefix: string, queryOffset: number): MigrateFailure {
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
  run?: MeasuredRun;
  finishedAt?: number;
}

async function runBuiltin(settings: MigrateSettings, log: Log, state: State): Promise<void> {
  const cwd = settings.workingDirectory;
  const table = parseTableName(settings.historyTable, 'history-table');
  const dir = settings.migrationsDir || 'migrations';
  // Connect while the files are read and parsed; bad input still wins, before any change.
  const connecting = connect(settings.databaseUrl, log, connectOptions(settings));
  connecting.catch(() => {});
  let files: MigrationFile[];
  let seeds: Awaited<ReturnType<typeof readSeeds>>;
  try {
    files = await readMigrations(dir, cwd);
    seeds = await readSeeds(settings.seed, cwd);
  } catch (error) {
    connecting.then((client) => client.end()).catch(() => {});
    throw error;
  }
  const measure = settings.analyze && !settings.protected && !settings.dryRun;

  const client = await connecting;
  let observer: Client | undefined;
  let locked = false;
  const lockKey = advisoryLockKey(table.qualified);
  try {
    const serverVersion = await serverVersionNum(client);
    // Read-only first: plan and lint before taking any lock or creating anything.
    let history = await readHistory(client, table);
    let p = plan(files, history);
    checkTransactionModel(p.pending, serverVersion, log);
    applyPlan(state, p);
    const tables = settings.lint === 'off' && !settings.protected ? undefined : await existingTables(client);
    state.findings = await lint(p.pending, settings, 'per-file', tables, settings.protected);
    log.info(`${files.length} migration(s) in ${dir}; ${p.pending.length} pending.`);

    if (!checkHistory(state, settings, log)) return;
    if (!guardDestructive(state, settings)) return;
    if (!measure && lintErrorsBlock(state, settings)) return;
    if (settings.dryRun) {
      for (const file of p.pending) log.info(`Would apply ${file.path}`);
      return;
    }

    try {
      await log.group('Waiting for the migration lock', () => acquireAdvisoryLock(client, lockKey, log, { timeoutMs: (settings.lockWaitSeconds ?? 600) * 1000 }));
    } catch (error) {
      if (!(error instanceof DeadlineExceededError)) throw error;
      fail(state, { message: `${error.message}. Nothing was applied.` });
      return;
    }
    locked = true;
    await ensureHistoryTable(client, table);
    // Another run may have applied migrations while this one waited.
    history = await readHistory(client, table);
    p = plan(files, history);
    applyPlan(state, p);
    if (!checkHistory(state, settings, log)) return;
    await applySessionSettings(client, settings);
    if (measure && p.pending.some((file) => !file.noTransaction)) {
      observer = await connect(settings.databaseUrl, log, { ...connectOptions(settings), applicationName: 'preview-db migrate (observer)' });
      state.measured = true;
    }

    const measured: Array<{ file: string; statements: MeasuredStatement[]; locks: LockReportEntry[] }> = [];
    const queue = [...p.pending];
    while (queue.length > 0 && state.ok) {
      if (!measure && batchable(queue[0]!)) {
        // The fast path: consecutive files go in batches, each file its own transaction.
        // Files with inline COPY data run statement by statement below, in their own transaction.
        // Before Postgres 13 statement_timeout covered a whole multi-statement query: one file at a time then.
        const batch = takeBatch(queue, settings.statementTimeoutSeconds !== undefined && serverVersion < 130000 ? 1 : BATCH_FILES);
        const outcome = await log.group(`Applying ${batch.length} migration(s): ${batch[0]!.path}${batch.length > 1 ? ` .. ${batch.at(-1)!.path}` : ''}`, () => applyBatch(client, batch, table, settings, log));
        for (const migration of outcome.applied) {
          state.applied.push(migration);
          log.info(`Applied ${migration.file} in ${formatMillis(migration.durationMs)}.`);
        }
        if (outcome.failure) fail(state, outcome.failure);
        continue;
      }
      const file = queue.shift()!;
      const outcome = await log.group(`Applying ${file.path}`, () => applyMigration(client, observer, file, table));
      if ('failure' in outcome) {
        fail(state, outcome.failure);
        break;
      }
      const { migration, run, finishedAt } = outcome;
      state.applied.push(migration);
      log.info(`Applied ${file.path} in ${formatMillis(migration.durationMs)}.`);
      if (run && finishedAt !== undefined && observer) {
        const locks = await migrationLocks(client, observer, run, finishedAt, file, settings.lockThresholdMs);
        state.locks.push(...locks);
        measured.push({ file: file.path, statements: migration.statements, locks });
      }
    }
    // Grade the lock rules by what was measured (the same CREATE INDEX: note on a small table, error on a big one).
    if (state.measured) state.findings = gradeFindings(state.findings, measured, settings.lockThresholdMs);

    if (state.ok && seeds.length > 0) {
      const seeded = new Map(history.filter((row) => row.kind === 'seed').map((row) => [row.version, row.checksum]));
      for (const seed of seeds) {
        const version = `seed:${seed.path}`;
        if (seeded.get(version) === seed.checksum) {
          log.info(`Seed ${seed.path} already ran (unchanged); skipped.`);
          continue;
        }
        const record = historyInsert(table, { version, name: seed.path, checksum: seed.checksum, durationMs: 'transaction', kind: 'seed' });
        try {
          if (hasCopyData(seed)) await runSeedStatements(client, seed.statements, record);
          else await client.query(`${seed.sql}\n;\n${record}`);
          state.seeded.push(seed.path);
          log.info(`Seeded ${seed.path}.`);
        } catch (error) {
          const failed = error instanceof StatementFailure ? seed.statements[error.statementIndex] : undefined;
          const cause = error instanceof StatementFailure ? error.cause : error;
          fail(state, failureAt(seed, failed, cause, 'seed failed and was rolled back: ', failed?.offset ?? 0));
          break;
        }
      }
    }
    if (state.ok && measure) lintErrorsBlock(state, settings);
  } finally {
    if (locked) await releaseAdvisoryLock(client, lockKey).catch(() => {});
    await observer?.end().catch(() => {});
    await client.end().catch(() => {});
  }
}

/** A seed with COPY data (a pg_dump of sample rows): statement by statement, in one transaction with its history row. */
async function runSeedStatements(client: Client, statements: SqlStatement[], record: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await runStatements(client, statements, { measureLocks: false });
    await client.query(record);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** Drift and missing files: drift stops the run unless allowed. Returns false to stop. */
function checkHistory(state: State, settings: MigrateSettings, log: Log): boolean {
  for (const missing of state.missing) {
    const text = `Migration ${missing.version} (${missing.name}) is recorded as applied, but its file is no longer in the migrations directory.`;
    if (!state.warnings.includes(text)) {
      state.warnings.push(text);
      log.warning(text, { title: 'Applied migration missing' });
    }
  }
  for (const late of state.outOfOrder) {
    const text = `${late.file} is older than migrations already applied; it will be applied now, out of order.`;
    if (!state.warnings.includes(text)) {
      state.warnings.push(text);
      log.warning(text, { file: late.file, title: 'Out-of-order migration' });
    }
  }
  if (state.drifted.length === 0) return true;
  for (const drifted of state.drifted) {
    log[settings.allowDrift ? 'warning' : 'error'](`${drifted.file} changed after it was applied (checksum differs).`, { file: drifted.file, title: 'Migration edited after it was applied' });
  }
  if (settings.allowDrift) {
    const text = `Edited after being applied (allowed by allow-drift): ${state.drifted.map((m) => m.file).join(', ')}.`;
    if (!state.warnings.includes(text)) state.warnings.push(text);
    return true;
  }
  fail(state, {
    message: `${state.drifted.map((m) => m.file).join(', ')} changed after being applied (checksum differs from the history). Applied migrations must not be edited: put the change in a new migration, restore the file, or set allow-drift: true. Nothing was applied.`,
    file: state.drifted[0]!.file,
  });
  return false;
}

async function migrationLocks(client: Client, observer: Client, run: MeasuredRun & { relations?: Awaited<ReturnType<typeof describeRelations>> }, finishedAt: number, file: { name: string; path: string }, thresholdMs: number): Promise<LockReportEntry[]> {
  const relations = run.relations ?? (await describeRelations(observer, [...new Set(run.seen.map((lock) => lock.oid))]));
  const { entries } = lockEntries(run, relations, finishedAt, { name: file.name, file: file.path }, thresholdMs);
  const counts = await countRows(client, entries);
  return entries.map(({ reltuples: _reltuples, ...entry }) => ({ ...entry, rows: counts.get(entry.table)?.rows, rowsEstimated: counts.get(entry.table)?.estimated ?? true }));
}

async function applyMigration(
  client: Client,
  observer: Client | undefined,
  file: MigrationFile,
  table: { qualified: string },
): Promise<Applied | { failure: MigrateFailure }> {
  const record = (durationMs: number | 'transaction') => historyInsert(table, { version: file.version, name: file.name, checksum: file.checksum, durationMs });
  const base = { version: file.version, name: file.name, file: file.path, noTransaction: file.noTransaction };
  const started = performance.now();

  if (file.noTransaction) {
    // Statement by statement, each committed on its own: a failure keeps what ran before it.
    try {
      const run = await runStatements(client, file.statements, { measureLocks: false });
      const durationMs = performance.now() - started;
      await client.query(record(durationMs));
      return { migration: { ...base, durationMs, statements: run.statements } };
    } catch (error) {
      if (!(error instanceof StatementFailure)) {
        return { failure: { message: `${errorMessage(error)} after every statement ran; the no-transaction migration was not recorded as applied. Make it safe to re-run before retrying.`, file: file.path } };
      }
      const statement = file.statements[error.statementIndex];
      const kept = error.statementIndex > 0 ? ` The ${error.statementIndex} statement(s) before it ran outside a transaction and stay applied; make the file safe to re-run (IF NOT EXISTS) before retrying.` : '';
      const failure = failureAt(file, statement, error.cause, '', statement?.offset ?? 0);
      failure.message = `${failure.message} (no-transaction migration, not recorded as applied).${kept}`;
      return { failure };
    }
  }

  try {
    await client.query('BEGIN');
    // Without an observer (analyze off: a file with COPY data off the fast path) nothing reads the locks.
    const run = await runStatements(client, file.statements, { measureLocks: observer !== undefined });
    await client.query(record('transaction'));
    // Named before commit: the observer still sees dropped tables and not yet the new ones.
    const relations = observer ? await describeRelations(observer, [...new Set(run.seen.map((lock) => lock.oid))]) : new Map();
    await client.query('COMMIT');
    const finishedAt = performance.now();
    return { migration: { ...base, durationMs: finishedAt - started, statements: run.statements }, run: Object.assign(run, { relations }), finishedAt };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
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
async function applyBatch(client: Client, batch: MigrationFile[], table: { qualified: string }, settings: MigrateSettings, log: Log): Promise<{ applied: AppliedMigration[]; failure?: MigrateFailure }> {
  let text = '';
  const starts: number[] = [];
  for (const file of batch) {
    text += "BEGIN;\nSELECT set_config('preview_db.started', clock_timestamp()::text, true);\n";
    starts.push(text.length);
    text += `${file.sql}\n;\n${historyInsert(table, { version: file.version, name: file.name, checksum: file.checksum, durationMs: 'since-started' })} RETURNING version AS preview_db_version, duration_ms AS preview_db_duration_ms;\nCOMMIT;\n`;
  }
  const toApplied = (file: MigrationFile, durationMs: number): AppliedMigration => ({ version: file.version, name: file.name, file: file.path, durationMs, statements: [], noTransaction: false });
  try {
    const results = await client.query(text);
    const durations = new Map<string, number>();
    for (const result of (Array.isArray(results) ? results : [results]) as Array<{ rows?: Array<Record<string, unknown>> }>) {
      for (const row of result.rows ?? []) if (typeof row.preview_db_version === 'string') durations.set(row.preview_db_version, Number(row.preview_db_duration_ms));
    }
    return { applied: batch.map((file) => toApplied(file, durations.get(file.version) ?? 0)) };
  } catch (error) {
    const lost = isConnectionLoss(error);
    if (!lost) await client.query('ROLLBACK').catch(() => {});
    // Which files committed before the error: the history knows (a new session if this one died).
    const reader = lost ? await connect(settings.databaseUrl, log, connectOptions(settings)).catch(() => undefined) : client;
    const recorded = reader
      ? new Map((await reader.query<{ version: string; duration_ms: number }>(`SELECT version, duration_ms FROM ${table.qualified} WHERE version = ANY($1::text[])`, [batch.map((file) => file.version)]).catch(() => ({ rows: [] }))).rows.map((row) => [row.version, row.duration_ms]))
      : new Map<string, number>();
    if (lost) await reader?.end().catch(() => {});
    const applied = batch.filter((file) => recorded.has(file.version)).map((file) => toApplied(file, recorded.get(file.version)!));
    const index = batch.findIndex((file) => !recorded.has(file.version));
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

// ---------------------------------------------------------------------------------------
// The project's own tool

async function runExternal(settings: MigrateSettings, runner: ExternalRunner, log: Log, state: State): Promise<void> {
  const profile = PROFILES[runner];
  const cwd = settings.workingDirectory;
  const dir = settings.migrationsDir || profile.defaultDir;
  const command = settings.command || profile.defaultCommand(dir);
  if (!command) throw new InputError('command', `is required with runner: ${runner}.`);
  let migrations: ToolMigration[];
  try {
    migrations = profile.list(dir, cwd);
  } catch (error) {
    throw new InputError('migrations-dir', `cannot read ${profile.title}'s migrations in '${dir}': ${errorMessage(error)}.`);
  }
  if (migrations.length === 0 && runner !== 'command') {
    log.warning(`No ${profile.title} migrations found in '${dir}'. Set migrations-dir if they live elsewhere.`);
  }
  const parsed = new Map<string, SqlStatement[]>();
  for (const migration of migrations) if (migration.sql !== undefined && migration.path) parsed.set(migration.id, await parseSqlFile(migration.sql, migration.path, 'migrations-dir'));

  const client = await connect(settings.databaseUrl, log, connectOptions(settings));
  try {
    const query = async <R>(sql: string): Promise<R[]> => (await client.query(sql)).rows as R[];
    const before = profile.readHistory ? compareWithHistory(migrations, await profile.readHistory(query)) : compareWithHistory(migrations, undefined);
    const asPlanned = (m: ToolMigration): PlannedMigration => ({ version: m.id, name: m.id, file: m.path ?? m.id });
    // Without a history table (runner: command) nothing is known to be pending.
    const known = Boolean(profile.readHistory);
    state.pending = known ? before.pending.length : 0;
    state.pendingMigrations = known ? before.pending.map(asPlanned) : [];
    state.failedInHistory = before.failed;
    state.drifted = before.edited.map(asPlanned);
    state.outOfOrder = before.outOfOrder.map(asPlanned);
    state.missing = before.missing.map((id) => ({ version: id, name: id }));
    for (const id of before.failed) {
      const text = `${profile.title} history has ${id} started but not finished (a failed migration). ${runner === 'prisma' ? 'Resolve it with prisma migrate resolve before deploying.' : 'Fix the database state and the history before re-running.'}`;
      state.warnings.push(text);
      log.warning(text, { title: 'Failed migration in history' });
    }
    if (!checkHistory(state, settings, log)) return;
    const lintable = (known ? before.pending : migrations).filter((m) => m.sql !== undefined && m.path).map((m) => ({ path: m.path!, sql: m.sql! }));
    const tables = settings.lint === 'off' && !settings.protected ? undefined : await existingTables(client);
    state.findings = await lint(lintable, settings, profile.transactionModel, tables, settings.protected);
    log.info(`${profile.title}: ${migrations.length} migration(s) in ${dir}${known ? `; ${before.pending.length} pending` : ''}.`);
    if (!guardDestructive(state, settings)) return;
    const measure = settings.analyze && !settings.protected && known && before.pending.some((m) => parsed.has(m.id));
    if (!measure && lintErrorsBlock(state, settings)) return;
    if (settings.dryRun) return;

    const measuredFiles = measure ? await log.group('Measuring pending SQL (rolled back)', () => measureRolledBack(client, settings, before.pending, parsed, profile.transactionModel, state, log)) : new Map<string, { statements: MeasuredStatement[]; durationMs: number }>();

    const env: Record<string, string> = {};
    for (const name of settings.exportEnv) env[name] = settings.databaseUrl;
    if (runner === 'flyway') Object.assign(env, flywayEnvironment(settings.databaseUrl));
    const pgOptions = [
      settings.lockTimeoutSeconds !== undefined ? `-c lock_timeout=${settings.lockTimeoutSeconds}s` : '',
      settings.statementTimeoutSeconds !== undefined ? `-c statement_timeout=${settings.statementTimeoutSeconds}s` : '',
    ].filter(Boolean);
    if (pgOptions.length > 0) env.PGOPTIONS = [process.env.PGOPTIONS ?? '', ...pgOptions].filter(Boolean).join(' ');
    const started = performance.now();
    const exitCode = await log.group(`Running ${profile.title}: ${command}`, () => runCommand(command, { cwd, env, log }));
    const tookMs = performance.now() - started;
    state.exitCode = exitCode;
    if (profile.readHistory) {
      const after = compareWithHistory(migrations, await profile.readHistory(query));
      const wasApplied = new Set(before.applied.map((m) => m.id));
      for (const m of after.applied.filter((m) => !wasApplied.has(m.id))) {
        const measuredFile = measuredFiles.get(m.id);
        state.applied.push({ version: m.id, name: m.id, file: m.path ?? m.id, durationMs: measuredFile?.durationMs ?? 0, statements: measuredFile?.statements ?? [], noTransaction: profile.transactionModel === 'none' });
      }
      for (const id of after.failed.filter((id) => !before.failed.includes(id))) state.failedInHistory.push(id);
    }
    if (exitCode !== 0) {
      fail(state, { message: `${profile.title} exited with status ${exitCode} after ${formatMillis(tookMs)} (command: ${command}). Its output is above.` });
      return;
    }
    if (measure) lintErrorsBlock(state, settings);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Runs the pending SQL in one transaction that is rolled back, statement by statement,
 * measuring locks; the tool then applies it for real. Holds end where the tool would commit:
 * after each file, or after all of them for tools that run everything in one transaction.
 */
async function measureRolledBack(
  client: Client,
  settings: MigrateSettings,
  pending: ToolMigration[],
  parsed: Map<string, SqlStatement[]>,
  model: TransactionModel,
  state: State,
  log: Log,
): Promise<Map<string, { statements: MeasuredStatement[]; durationMs: number }>> {
  const results = new Map<string, { statements: MeasuredStatement[]; durationMs: number }>();
  const observer = await connect(settings.databaseUrl, log, { ...connectOptions(settings), applicationName: 'preview-db migrate (observer)' });
  const serverVersion = await serverVersionNum(client);
  const runs: Array<{ migration: ToolMigration; run: MeasuredRun; relations: Awaited<ReturnType<typeof describeRelations>>; endedAt: number }> = [];
  try {
    await applySessionSettings(client, settings);
    await client.query('BEGIN');
    for (const migration of pending) {
      const statements = parsed.get(migration.id);
      if (!statements) continue;
      const runnable = statements.filter((statement) => !nonTransactionalReason(statement, serverVersion) && !isTransactionControl(statement));
      if (runnable.length < statements.length) log.info(`${migration.path}: ${statements.length - runnable.length} statement(s) cannot run in a transaction and were not measured.`);
      const started = performance.now();
      try {
        const run = await runStatements(client, runnable, { measureLocks: true });
        const relations = await describeRelations(observer, [...new Set(run.seen.map((lock) => lock.oid))]);
        runs.push({ migration, run, relations, endedAt: performance.now() });
        results.set(migration.id, { statements: run.statements, durationMs: performance.now() - started });
      } catch (error) {
        if (!(error instanceof StatementFailure)) throw error;
        const statement = runnable[error.statementIndex];
        const line = (statement && copyErrorLine(statement, error.cause)) ?? statement?.line ?? 1;
        const text = `Measuring ${migration.path}:${line} failed: ${errorMessage(error.cause)}. ${PROFILES[settings.runner as ExternalRunner].title} will likely fail on it too; measurement stopped here.`;
        state.warnings.push(text);
        log.warning(text, { file: migration.path, line, title: 'Measurement failed' });
        break;
      }
    }
  } finally {
    await client.query('ROLLBACK').catch(() => {});
    await observer.end().catch(() => {});
  }
  state.measured = runs.length > 0;
  const endOfAll = runs.at(-1)?.endedAt ?? 0;
  const measured: Array<{ file: string; statements: MeasuredStatement[]; locks: LockReportEntry[] }> = [];
  for (const { migration, run, relations, endedAt } of runs) {
    const finishedAt = model === 'single' ? endOfAll : endedAt;
    const { entries } = lockEntries(run, relations, finishedAt, { name: migration.id, file: migration.path! }, settings.lockThresholdMs);
    const counts = await countRows(client, entries);
    const locks = entries.map(({ reltuples: _r, ...entry }) => ({ ...entry, rows: counts.get(entry.table)?.rows, rowsEstimated: counts.get(entry.table)?.estimated ?? true }));
    state.locks.push(...locks);
    measured.push({ file: migration.path!, statements: run.statements, locks });
  }
  state.findings = gradeFindings(state.findings, measured, settings.lockThresholdMs);
  return results;
}
