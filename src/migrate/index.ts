// The migrate core: plan, lint, apply (built-in runner) or hand over to the project's own
// tool, measure locks, and report. Takes plain settings and a Log; never touches
// @actions/core, so the action, the lifecycle action and the CLI share it.
import { secretsOfUrl } from '../shared/secrets.js';
import { InputError } from '../shared/errors.js';
import type { Log } from '../shared/log.js';
import { parseTableName } from './db.js';
import { validateRuleNames } from './lint/index.js';
import { PROFILES } from './profiles.js';
import { renderMigrateReport } from './report.js';
import type { MigrateFailure, MigrateResult, MigrateSettings } from './types.js';
import { type State } from './run-state.js';
import { runBuiltin } from './builtin.js';
import { runExternal } from './tool-run.js';
import { parseCommand } from './external.js';
import { runOffline } from './offline.js';

export * from './types.js';
export { renderMigrateReport, migrateHeadline } from './report.js';
export { RUNNERS, PROFILES } from './profiles.js';
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


/** Checks what can be checked without touching the database; throws InputError. */
/** No database to talk to: the run lints offline (a fork's pull request gets no secrets, or lint-only). */
export function isOffline(settings: Pick<MigrateSettings, 'databaseUrl' | 'lintOnly'>): boolean {
  return Boolean(settings.lintOnly) || !settings.databaseUrl;
}

export function validateSettings(settings: MigrateSettings): void {
  if (!isOffline(settings) && !/^postgres(ql)?:\/\//.test(settings.databaseUrl)) throw new InputError('database-url', 'is not a postgres:// or postgresql:// URL.');
  validateRuleNames(settings.lintDisable, 'lint-disable');
  if (settings.seed.length > 0 && settings.protected) throw new InputError('seed', 'seeding is for preview databases and is refused with protected: true. Remove seed for this database.');
  if (settings.runner === 'command' && !settings.command) throw new InputError('command', "is required with runner: command. Give the command that applies your migrations, e.g. 'npm run migrate'.");
  // Run without a shell: refuse shell syntax now, before anything changes.
  if (settings.runner !== 'builtin' && settings.command) parseCommand(settings.command, 'command');
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
  if (!isOffline(settings) && isPooledNeonUrl(settings.databaseUrl)) {
    const warning = "database-url points at Neon's connection pooler (-pooler in the host). Migrations need the direct URL: advisory locks and session settings do not survive a transaction pooler. Use the branch's direct URL (create-branch's database-url-direct output).";
    log.warning(warning, { title: 'Pooled database URL' });
    state.warnings.push(warning);
  }
  if (isOffline(settings)) await runOffline(settings, log, state);
  else if (settings.runner === 'builtin') await runBuiltin(settings, log, state);
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

