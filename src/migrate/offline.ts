// What the migrate core can do without a database: read and parse every migration and seed
// (so the root action checks them before it creates anything), and lint them statically (pull
// requests from forks get no secrets, so no preview, yet still a lint report).
import { InputError, errorMessage } from '../shared/errors.js';
import type { Log } from '../shared/log.js';
import { readMigrations, readSeeds, parseSqlFile } from './files.js';
import { PROFILES, type TransactionModel } from './tool/profiles.js';
import { checkFileProblems, lint, lintErrorsBlock, guardDestructive, type State } from './run-state.js';
import type { FileProblem, MigrateSettings } from './types.js';

export type MigrateOptions = Omit<MigrateSettings, 'databaseUrl'>;

export interface ReadMigrationSet {
  /** The migrations' SQL as the runner will send it, in order (non-SQL migrations left out). */
  files: Array<{ path: string; version: string; name: string; sql: string; noTransaction: boolean }>;
  transactionModel: TransactionModel;
  /** Files the built-in runner refuses (all of them, not only the first). */
  problems: FileProblem[];
}

/**
 * Reads and parses every migration and seed the run would use; throws InputError for a missing
 * directory or seed, or (for a tool's migrations) a file Postgres cannot parse; the built-in
 * runner's refused files come back as `problems`. Touches no database.
 */
export async function readMigrationSet(settings: MigrateOptions): Promise<ReadMigrationSet> {
  const cwd = settings.workingDirectory;
  if (settings.runner === 'builtin') {
    const { files, problems } = await readMigrations(settings.migrationsDir || 'migrations', cwd);
    await readSeeds(settings.seed, cwd);
    return {
      files: files.map((file) => ({ path: file.path, version: file.version, name: file.name, sql: file.sql, noTransaction: file.noTransaction })),
      transactionModel: 'per-file',
      problems,
    };
  }
  const profile = PROFILES[settings.runner];
  const dir = settings.migrationsDir || profile.defaultDir;
  let migrations;
  try {
    migrations = profile.list(dir, cwd);
  } catch (error) {
    throw new InputError('migrations-dir', `cannot read ${profile.title}'s migrations in '${dir}': ${errorMessage(error)}.`);
  }
  const files: ReadMigrationSet['files'] = [];
  for (const migration of migrations) {
    if (migration.sql === undefined || !migration.path) continue;
    await parseSqlFile(migration.sql, migration.path, 'migrations-dir');
    files.push({ path: migration.path, version: migration.id, name: migration.id, sql: migration.sql, noTransaction: migration.noTransaction });
  }
  return { files, transactionModel: profile.transactionModel, problems: [] };
}

/** Why a run lints offline, for the log and the report. */
export const OFFLINE_REASON =
  'No database-url (a pull request from a fork gets no secrets, or lint-only: true): linted offline with the same rules, graded statically; nothing was applied or measured.';

/**
 * Lints every migration without a database: the same rules and parser as a run against one,
 * graded statically (no measurement, no knowledge of which tables already exist). Fills the
 * run's state like the runners do, so outputs, annotations and report are the same.
 */
export async function runOffline(settings: MigrateSettings, log: Log, state: State): Promise<void> {
  state.dryRun = true;
  state.warnings.push(OFFLINE_REASON);
  log.notice(OFFLINE_REASON, { title: 'Lint only' });
  const set = await readMigrationSet(settings);
  // Nothing is known of what was applied: every readable migration counts as pending.
  state.pending = set.files.length;
  state.pendingMigrations = set.files.map((file) => ({ version: file.version, name: file.name, file: file.path }));
  state.problems.push(...set.problems);
  state.findings = await lint(set.files, settings, set.transactionModel, undefined, settings.protected);
  log.info(`${set.files.length} migration(s) linted offline; ${state.findings.length} finding(s).`);
  if (!checkFileProblems(state, log)) return;
  if (!guardDestructive(state, settings)) return;
  lintErrorsBlock(state, settings);
}
