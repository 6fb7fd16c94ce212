// The project's own migration tool: read its history, measure the pending SQL in a
// rolled-back transaction, then run the tool.
import { InputError, errorMessage } from '../../shared/errors.js';
import { formatMillis } from '../../shared/duration.js';
import type { Log } from '../../shared/log.js';
import { applySessionSettings, connect, serverVersionNum, type Client } from '../db.js';
import { compareWithHistory, flywayEnvironment, parseCommand, runCommand, showCommand, type CommandLine } from './command.js';
import { isTransactionControl, nonTransactionalReason, parseSqlFile } from '../files.js';
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
} from '../measure.js';
import { DATABASE_URL_ARG, PROFILES, type ExternalRunner, type ToolMigration, type TransactionModel } from './profiles.js';
import { copyErrorLine, type SqlStatement } from '../sql.js';
import type { MigrateSettings, PlannedMigration } from '../types.js';
import { checkHistory, connectOptions, existingTables, fail, guardDestructive, lint, lintErrorsBlock, type State } from '../run-state.js';

export async function runExternal(settings: MigrateSettings, runner: ExternalRunner, log: Log, state: State): Promise<void> {
  const profile = PROFILES[runner];
  const cwd = settings.workingDirectory;
  const dir = settings.migrationsDir || profile.defaultDir;
  if (!settings.command && profile.defaultCommand(dir).length === 0) throw new InputError('command', `is required with runner: ${runner}.`);
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
  for (const migration of migrations)
    if (migration.sql !== undefined && migration.path) parsed.set(migration.id, await parseSqlFile(migration.sql, migration.path, 'migrations-dir'));

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

    const measuredFiles = measure
      ? await log.group('Measuring pending SQL (rolled back)', () =>
          measureRolledBack(client, settings, before.pending, parsed, profile.transactionModel, state, log),
        )
      : new Map<string, { statements: MeasuredStatement[]; durationMs: number }>();
    // Graded by the rolled-back measurement: a blocking finding stops the run before the tool commits anything.
    if (measure && lintErrorsBlock(state, settings)) return;

    const env: Record<string, string> = {};
    for (const name of settings.exportEnv) env[name] = settings.databaseUrl;
    if (runner === 'flyway') Object.assign(env, flywayEnvironment(settings.databaseUrl));
    const pgOptions = [
      settings.lockTimeoutSeconds !== undefined ? `-c lock_timeout=${settings.lockTimeoutSeconds}s` : '',
      settings.statementTimeoutSeconds !== undefined ? `-c statement_timeout=${settings.statementTimeoutSeconds}s` : '',
    ].filter(Boolean);
    if (pgOptions.length > 0) env.PGOPTIONS = [process.env.PGOPTIONS ?? '', ...pgOptions].filter(Boolean).join(' ');
    // Never through a shell: the input split into words ($NAME from the tool's environment), or the profile's argument array.
    const command: CommandLine = settings.command
      ? parseCommand(settings.command, 'command', { ...process.env, ...env })
      : (([program, ...args]) => ({ program: program!, args, env: {} }))(
          profile.defaultCommand(dir).map((word) => (word === DATABASE_URL_ARG ? settings.databaseUrl : word)),
        );
    const shown = settings.command ?? showCommand({ ...command, args: profile.defaultCommand(dir).slice(1) });
    const started = performance.now();
    const exitCode = await log.group(`Running ${profile.title}: ${shown}`, () => runCommand(command, { cwd, env, log }));
    const tookMs = performance.now() - started;
    state.exitCode = exitCode;
    if (profile.readHistory) {
      const after = compareWithHistory(migrations, await profile.readHistory(query));
      const wasApplied = new Set(before.applied.map((m) => m.id));
      for (const m of after.applied.filter((m) => !wasApplied.has(m.id))) {
        const measuredFile = measuredFiles.get(m.id);
        state.applied.push({
          version: m.id,
          name: m.id,
          file: m.path ?? m.id,
          durationMs: measuredFile?.durationMs ?? 0,
          statements: measuredFile?.statements ?? [],
          noTransaction: profile.transactionModel === 'none',
        });
      }
      for (const id of after.failed.filter((id) => !before.failed.includes(id))) state.failedInHistory.push(id);
    }
    if (exitCode !== 0) {
      fail(state, { message: `${profile.title} exited with status ${exitCode} after ${formatMillis(tookMs)} (command: ${shown}). Its output is above.` });
      return;
    }
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
      if (runnable.length < statements.length)
        log.info(`${migration.path}: ${statements.length - runnable.length} statement(s) cannot run in a transaction and were not measured.`);
      const started = performance.now();
      try {
        // Before Postgres 13 statement_timeout covered a whole multi-statement query: one statement at a time then.
        const run = await runStatements(client, runnable, {
          measureLocks: true,
          perStatement: settings.statementTimeoutSeconds !== undefined && serverVersion < 130000,
        });
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
    const locks = entries.map(({ reltuples: _r, ...entry }) => ({
      ...entry,
      rows: counts.get(entry.table)?.rows,
      rowsEstimated: counts.get(entry.table)?.estimated ?? true,
    }));
    state.locks.push(...locks);
    measured.push({ file: migration.path!, statements: run.statements, locks });
  }
  state.findings = gradeFindings(state.findings, measured, settings.lockThresholdMs);
  return results;
}
