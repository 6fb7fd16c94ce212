// The migrate core: plan, lint, apply (built-in runner) or hand over to the project's own
// tool, measure locks, and report. Takes plain settings and a Log; never touches
// @actions/core, so the action, the lifecycle action and the CLI share it.
import { secretsOfUrl } from '../shared/secrets.js';
import { SettingError } from '../shared/errors.js';
import type { Log } from '../shared/log.js';
import { parseTableName } from './db.js';
import { validateRuleNames } from './lint/index.js';
import { renderMigrateReport } from './report.js';
import type { MigrateFailure, MigrateResult, MigrateSettings } from './types.js';
import { annotatedProblems, fail, type State } from './run-state.js';
import { runBuiltin } from './builtin.js';
import { runExternal } from './tool/run.js';
import { checkDownMigrations, readSchemaAt } from './down.js';
import { parseCommand } from './tool/command.js';
import { runOffline } from './offline.js';

export * from './types.js';
export { renderMigrateReport, renderMigrateSummary, migrateHeadline, findingsOutput, FINDINGS_OUTPUT_BYTES, TRUNCATED_RULE } from './report.js';
export { RUNNERS, PROFILES } from './tool/profiles.js';
export { KNOWN_RULES } from './lint/index.js';
export { readMigrationSet, OFFLINE_REASON } from './offline.js';

export const DEFAULT_HISTORY_TABLE = 'public.preview_db_migrations';

/**
 * Settings with the action's documented defaults (built-in runner, lint warn, nothing
 * measured), for callers that drive the core directly: the Node API, tests and benches.
 */
export function migrateSettings(databaseUrl: string, workingDirectory: string, overrides: Partial<MigrateSettings> = {}): MigrateSettings {
  return {
    databaseUrl,
    runner: 'builtin',
    workingDirectory,
    historyTable: DEFAULT_HISTORY_TABLE,
    exportEnv: ['DATABASE_URL'],
    dryRun: false,
    lint: 'warn',
    lintDisable: [],
    allowDestructive: false,
    allowDrift: false,
    protected: false,
    seed: [],
    analyze: false,
    lockThresholdMs: 1000,
    ...overrides,
  };
}

/** Neon's pooled hosts carry `-pooler` in their first label. */
export function isPooledNeonUrl(url: string): boolean {
  try {
    return new URL(url).hostname.includes('-pooler.');
  } catch {
    return false;
  }
}

/** No database to talk to: the run lints offline (a fork's pull request gets no secrets, or lint-only). */
export function isOffline(settings: Pick<MigrateSettings, 'databaseUrl' | 'lintOnly'>): boolean {
  return Boolean(settings.lintOnly) || !settings.databaseUrl;
}

/**
 * Checks what can be checked without touching the database; throws SettingError naming the
 * setting (`command`, `seed`...), which each entry point maps to its input or flag.
 */
export function validateSettings(settings: MigrateSettings): void {
  if (!isOffline(settings)) validateDatabaseUrl(settings.databaseUrl);
  validateOptions(settings);
}

export function validateDatabaseUrl(databaseUrl: string): void {
  if (!databaseUrl) throw new SettingError('databaseUrl', 'is required: the direct (non-pooled) connection URL of the database to migrate.');
  if (!/^postgres(ql)?:\/\//.test(databaseUrl)) throw new SettingError('databaseUrl', 'is not a postgres:// or postgresql:// URL.');
}

/** Every check but the target's: the root action runs it before the preview (and its URL) exists. */
export function validateOptions(settings: Omit<MigrateSettings, 'databaseUrl'>): void {
  validateRuleNames(settings.lintDisable, 'lint-disable');
  if (settings.seed.length > 0 && settings.protected)
    throw new SettingError('seed', 'seeding is for preview databases and is refused with protected: true. Remove seed for this database.');
  if (settings.runner === 'command' && !settings.command)
    throw new SettingError('command', "is required with runner: command. Give the command that applies your migrations, e.g. 'npm run migrate'.");
  // Run without a shell: refuse shell syntax now, before anything changes.
  if (settings.runner !== 'builtin' && settings.command) parseCommand(settings.command, 'command');
  for (const name of settings.exportEnv)
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new SettingError('exportEnv', `'${name}' is not an environment variable name.`);
  if (settings.runner === 'builtin') parseTableName(settings.historyTable, 'history-table');
  if (settings.checkDown && settings.protected)
    throw new SettingError(
      'checkDown',
      'runs down steps on the database and is refused with protected: true. Check reversibility on a preview database instead.',
    );
  if (settings.checkDown && settings.runner !== 'builtin')
    throw new SettingError(
      'checkDown',
      `works with the built-in runner (down steps in the layouts it reads: <name>.down.sql or a '-- preview-db: down' section, golang-migrate's .down.sql, Diesel's down.sql, dbmate's '-- migrate:down'); runner ${settings.runner} applies migrations with its own tool, whose down steps this action does not run. Remove check-down, or use runner: builtin.`,
    );
  if (settings.requireDown && !settings.checkDown) throw new SettingError('requireDown', 'applies to check-down; set check-down: true too, or remove it.');
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
    problems: [],
    warnings: [],
    durationMs: 0,
  };
  if (!isOffline(settings) && isPooledNeonUrl(settings.databaseUrl)) {
    const warning =
      "database-url points at Neon's connection pooler (-pooler in the host). Migrations need the direct URL: advisory locks and session settings do not survive a transaction pooler. Use the branch's direct URL (create-branch's database-url-direct output).";
    log.warning(warning, { title: 'Pooled database URL' });
    state.warnings.push(warning);
  }
  // check-down compares with the schema before this run applied anything.
  const before =
    settings.checkDown && !settings.dryRun && !isOffline(settings)
      ? await readSchemaAt(settings.databaseUrl, settings.historyTable, log, (settings.connectTimeoutSeconds ?? 60) * 1000)
      : undefined;
  if (isOffline(settings)) await runOffline(settings, log, state);
  else if (settings.runner === 'builtin') await runBuiltin(settings, log, state);
  else await runExternal(settings, settings.runner, log, state);
  if (before && state.ok) {
    state.downCheck = await log.group('Checking the down steps', () =>
      checkDownMigrations(
        {
          databaseUrl: settings.databaseUrl,
          workingDirectory: settings.workingDirectory,
          historyTable: settings.historyTable,
          migrationsDir: settings.migrationsDir || 'migrations',
          requireDown: settings.requireDown ?? false,
          applied: state.applied,
          before,
          lockWaitSeconds: settings.lockWaitSeconds,
        },
        log,
      ),
    );
    if (!state.downCheck.ok) fail(state, { message: downFailureMessage(state.downCheck) });
  }
  state.durationMs = performance.now() - started;
  annotate(state, settings, log);
  if (state.error)
    log.error(
      describeFailure(state.error),
      state.error.file ? { file: state.error.file, line: state.error.line, column: state.error.column, title: 'Migration failed' } : undefined,
    );
  return { ...state, reportMarkdown: renderMigrateReport(state) };
}

function downFailureMessage(check: NonNullable<State['downCheck']>): string {
  const parts: string[] = [];
  const names = [...check.afterDown, ...check.afterReapply].map((c) => `${c.kind} ${c.name}`);
  if (names.length > 0)
    parts.push(
      `the down steps do not undo this run's migrations: ${[...new Set(names)].join(', ')} differ${check.afterDown.length > 0 ? ' after the down steps' : ' after applying the ups again'}.`,
    );
  if (check.failure) parts.push(`${check.failure.file}: the down-migration check failed (${check.failure.phase}): ${check.failure.message}`);
  if (parts.length === 0) parts.push(`require-down: no down step for ${check.missing.join(', ')}.`);
  return parts.join(' ');
}

export function describeFailure(failure: MigrateFailure): string {
  const where = failure.file ? `${failure.file}${failure.line ? `:${failure.line}` : ''}: ` : '';
  return `${where}${failure.message}${failure.detail ? `\nDetail: ${failure.detail}` : ''}${failure.hint ? `\nHint: ${failure.hint}` : ''}`;
}

/** GitHub shows at most 10 error, 10 warning and 10 notice annotations per step (and 50 per job); more only fill the log. */
export const ANNOTATIONS_PER_KIND = 10;

/** Where every finding is when an annotation kind runs out. */
export const FULL_FINDINGS_LIST = 'every finding is in the report (the report-file output, one row each) and in the lint-findings output';

/**
 * One annotation per finding, up to GitHub's limit per kind; past it, one line per kind saying how
 * many more there are and where to read them. Error annotations leave room for the run's own
 * failure message and the refused files annotated before (checkFileProblems).
 */
function annotate(state: State, settings: MigrateSettings, log: Log): void {
  if (settings.lint === 'off') return;
  const kindOf = (finding: State['findings'][number]): AnnotationKind =>
    finding.severity === 'note' ? 'notice' : finding.severity === 'error' && settings.lint === 'error' ? 'error' : 'warning';
  const room: Record<AnnotationKind, number> = {
    error: Math.max(0, ANNOTATIONS_PER_KIND - annotatedProblems(state) - (state.error ? 1 : 0)),
    warning: ANNOTATIONS_PER_KIND,
    notice: ANNOTATIONS_PER_KIND,
  };
  const total: Record<AnnotationKind, number> = { error: 0, warning: 0, notice: 0 };
  for (const finding of state.findings) total[kindOf(finding)]++;
  // Over the limit, the last annotation of the kind is the line that counts the rest.
  const shown: Record<AnnotationKind, number> = { error: 0, warning: 0, notice: 0 };
  for (const kind of KINDS) shown[kind] = total[kind] > room[kind] ? Math.max(0, room[kind] - 1) : total[kind];
  const done: Record<AnnotationKind, number> = { error: 0, warning: 0, notice: 0 };
  for (const finding of state.findings) {
    const kind = kindOf(finding);
    if (done[kind] >= shown[kind]) continue;
    done[kind]++;
    const where = { file: finding.file, line: finding.line, column: finding.column, title: `${finding.rule} (${finding.severity})` };
    log[kind](`${finding.message} Safer: ${finding.safer}`, where);
  }
  for (const kind of KINDS) {
    const more = total[kind] - shown[kind];
    if (more > 0)
      log[kind](
        `${more} more lint finding(s) of this kind are not annotated (GitHub shows ${ANNOTATIONS_PER_KIND} ${kind} annotations per step): ${FULL_FINDINGS_LIST}.`,
        { title: `${more} more lint ${kind}s` },
      );
  }
}

type AnnotationKind = 'error' | 'warning' | 'notice';
const KINDS: readonly AnnotationKind[] = ['error', 'warning', 'notice'];
