// The migrate core: plan, lint, apply (built-in runner) or hand over to the project's own
// tool, measure locks, and report. Takes plain settings and a Log; never touches
// @actions/core, so the action, the lifecycle action and the CLI share it.
import { secretsOfUrl } from '../shared/secrets.js';
import type { Log } from '../shared/log.js';
import { renderMigrateReport } from './report.js';
import type { MigrateFailure, MigrateResult, MigrateSettings } from './types.js';
import { annotatedProblems, fail, type State } from './run-state.js';
import { runBuiltin } from './builtin.js';
import { runExternal } from './tool/run.js';
import { checkDownMigrations, readSchemaAt } from './down.js';
import { runOffline } from './offline.js';
import { isOffline, isPooledNeonUrl, validateSettings } from './settings.js';

export * from './types.js';
// The light half (names, defaults, checks), which the input readers import on their own.
export * from './settings.js';
export { renderMigrateReport, renderMigrateSummary, migrateHeadline, findingsOutput, FINDINGS_OUTPUT_BYTES, TRUNCATED_RULE } from './report.js';
export { PROFILES } from './tool/profiles.js';
export { readMigrationSet, OFFLINE_REASON } from './offline.js';

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
