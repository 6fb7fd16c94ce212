// What the migrate core can do without a database: read and parse every migration and seed
// (so the root action checks them before it creates anything), and lint them statically (pull
// requests from forks get no secrets, so no preview, yet still a lint report).
import { execFileSync } from 'node:child_process';
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

/** The migrations a pull request adds or changes, by path relative to the working directory, or why they cannot be told. */
export type ChangedMigrations = { paths: Set<string> } | { reason: string };

/**
 * The files under `dir` that differ between the pull request's base and HEAD (`git diff
 * --name-only <base>...HEAD`, deleted files left out), relative to `cwd`. Git runs with an
 * argument array, never a shell; the base must be a commit id. Returns why when git, the
 * repository or the base's history is not there (actions/checkout fetches one commit unless
 * told `fetch-depth: 0`).
 */
export function changedMigrations(cwd: string, baseSha: string, dir: string): ChangedMigrations {
  if (!/^[0-9a-f]{7,64}$/i.test(baseSha)) return { reason: `the pull request's base '${baseSha.slice(0, 80)}' is not a commit id` };
  const short = baseSha.slice(0, 12);
  const git = (args: string[]) =>
    execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
  try {
    git(['rev-parse', '--is-inside-work-tree']);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    return { reason: missing ? 'git is not installed here' : 'the working directory is not a git checkout' };
  }
  try {
    git(['cat-file', '-e', `${baseSha}^{commit}`]);
  } catch {
    return { reason: `the checkout has no history for the pull request's base ${short} (actions/checkout fetches it with fetch-depth: 0)` };
  }
  let out: string;
  try {
    out = git(['diff', '--name-only', '--relative', '-z', '--diff-filter=d', `${baseSha}...HEAD`, '--', dir]);
  } catch (error) {
    const text = (error as { stderr?: string }).stderr?.trim() || errorMessage(error);
    return { reason: `git diff ${short}...HEAD failed: ${text.split('\n')[0]}` };
  }
  return { paths: new Set(out.split('\0').filter((path) => path !== '')) };
}

/**
 * Lints without a database: the same rules and parser as a run against one, graded statically
 * (no measurement, no knowledge of which tables already exist). With the pull request's base in
 * the run (`baseSha`) and its history in the checkout, only the migrations the pull request adds
 * or changes are linted; the earlier ones count as applied, so what they create is an existing
 * table, not a new one. Otherwise every file is linted, and the report says why. Every file is
 * still read and parsed: a refused file is a problem wherever it is. Fills the run's state like
 * the runners do, so outputs, annotations and report are the same.
 */
export async function runOffline(settings: MigrateSettings, log: Log, state: State): Promise<void> {
  state.dryRun = true;
  state.warnings.push(OFFLINE_REASON);
  log.notice(OFFLINE_REASON, { title: 'Lint only' });
  const set = await readMigrationSet(settings);
  const dir = settings.migrationsDir || (settings.runner === 'builtin' ? 'migrations' : PROFILES[settings.runner].defaultDir);
  let files = set.files;
  if (settings.baseSha) {
    const changed = changedMigrations(settings.workingDirectory, settings.baseSha, dir);
    if ('paths' in changed) {
      files = set.files.filter((file) => changed.paths.has(file.path));
      const note = `Linted the ${files.length} migration(s) this pull request adds or changes (git diff ${settings.baseSha.slice(0, 12)}...HEAD); the ${set.files.length - files.length} earlier one(s) count as applied, so the tables they create exist.`;
      state.warnings.push(note);
      log.info(note);
    } else {
      const note = `Linted every migration in ${dir} (${set.files.length}), as if none were applied: ${changed.reason}. Tables created by earlier migrations count as new there.`;
      state.warnings.push(note);
      log.warning(note, { title: 'Lint covers every migration' });
    }
  }
  // Nothing is known of what was applied: every migration linted counts as pending.
  state.pending = files.length;
  state.pendingMigrations = files.map((file) => ({ version: file.version, name: file.name, file: file.path }));
  state.problems.push(...set.problems);
  state.findings = await lint(files, settings, set.transactionModel, undefined, settings.protected);
  log.info(`${files.length} migration(s) linted offline; ${state.findings.length} finding(s).`);
  if (!checkFileProblems(state, log)) return;
  if (!guardDestructive(state, settings)) return;
  lintErrorsBlock(state, settings);
}
