// What the built-in runner and the tool runner share: the run's state, lint and its gates.
import type { Log } from '../shared/log.js';
import { type Client } from './db.js';
import { lintMigrations, prWaivers, type RuleName } from './lint/index.js';
import type { LintFinding } from './types.js';
import { type TransactionModel } from './tool/profiles.js';
import type { MigrateFailure, MigrateResult, MigrateSettings } from './types.js';

/** What a run has found so far; the migrate() result without its report. */
export type State = Omit<MigrateResult, 'reportMarkdown'>;

export function connectOptions(settings: MigrateSettings): { deadlineMs: number } {
  return { deadlineMs: (settings.connectTimeoutSeconds ?? 60) * 1000 };
}

export function fail(state: State, failure: MigrateFailure): void {
  state.ok = false;
  state.error ??= failure;
}

export async function lint(
  files: Array<{ path: string; sql: string; noTransaction?: boolean }>,
  settings: MigrateSettings,
  transactionModel: TransactionModel,
  existingTables: ExistingTables | undefined,
  protectedRun: boolean,
): Promise<LintFinding[]> {
  // A protected run lints even with lint off: destructive changes need the explicit yes.
  if (files.length === 0 || (settings.lint === 'off' && !protectedRun)) return [];
  // The pull request's description never reaches the linter: whoever opens the pull request
  // writes it, so it must not waive a finding (see acknowledge).
  const findings = await lintMigrations(files, {
    disabled: settings.lintDisable,
    sessionLockTimeout: settings.lockTimeoutSeconds !== undefined,
    transactionModel,
    existingTables,
    existingSchemas: existingTables?.schemas,
  });
  return acknowledge(findings, settings.prBody);
}

/**
 * A rule named in the pull request's description (`preview-db: allow <rule>`) marks its findings
 * as acknowledged in the report, and nothing more: they keep their severity, still block
 * `lint: error`, and still count as destructive on a protected database. Only reviewed sources
 * (an ignore comment in the migration, the workflow's lint-disable / allow-destructive) open a guard.
 */
export function acknowledge(findings: LintFinding[], prBody: string | undefined): LintFinding[] {
  const named = prWaivers(prBody).rules;
  if (named.size === 0) return findings;
  return findings.map((finding) =>
    named.has(finding.rule as RuleName) && !finding.acknowledged
      ? { ...finding, acknowledged: true, message: `${finding.message} Acknowledged in the pull request's description (this does not waive it).` }
      : finding,
  );
}

/** Tables that exist before the run (`schema.table`, lower case), and the schemas that exist (`schemas`). */
export type ExistingTables = Set<string> & { schemas?: Set<string> };

/**
 * The tables (and, as `schemas`, the schemas) the database holds before the run: the linter
 * then knows a table created earlier from one new in the set, and that `DROP SCHEMA IF EXISTS`
 * of a schema that does not exist takes no lock and drops nothing.
 */
export async function existingTables(client: Client): Promise<ExistingTables> {
  // Tables and schemas in one round trip.
  const [tables, schemas] = (await client.query(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%';
     SELECT nspname AS name FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_toast%' AND nspname NOT LIKE 'pg\\_temp\\_%'`,
  )) as unknown as [{ rows: Array<{ schema: string; name: string }> }, { rows: Array<{ name: string }> }];
  const names = new Set<string>();
  for (const row of tables.rows) names.add(`${row.schema}.${row.name}`.toLowerCase());
  return Object.assign(names, { schemas: new Set(schemas.rows.map((row) => row.name.toLowerCase())) });
}

/** Destructive findings on a protected database stop the run unless explicitly allowed. */
export function guardDestructive(state: State, settings: MigrateSettings): boolean {
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

/** Error annotations refused files may take: GitHub shows 10 per step, and the run's failure message needs one. */
const PROBLEM_ANNOTATIONS = 9;

/** How many error annotations checkFileProblems writes for the run's refused files (with the line counting the rest). */
export function annotatedProblems(state: Pick<State, 'problems'>): number {
  return Math.min(state.problems.length, PROBLEM_ANNOTATIONS);
}

/**
 * The files the run refused (state.problems), each as an error at its file and line; the run
 * fails with their count before anything is applied. Returns false when there are any.
 */
export function checkFileProblems(state: State, log: Log): boolean {
  if (state.problems.length === 0) return true;
  // GitHub shows 10 error annotations per step: the first refused files, one line counting the
  // rest, and the run's failure message.
  const shown = annotatedProblems(state) - (state.problems.length > PROBLEM_ANNOTATIONS ? 1 : 0);
  for (const problem of state.problems.slice(0, shown)) {
    log.error(`${problem.reason} ${problem.fix}`, { file: problem.file, line: problem.line, column: problem.column, title: 'Migration file refused' });
  }
  if (state.problems.length > shown)
    log.error(
      `${state.problems.length - shown} more problem(s) in migration files are not annotated (GitHub shows 10 error annotations per step): every one is listed in the report (the report-file output).`,
      { title: 'More refused files' },
    );
  const files = new Set(state.problems.map((problem) => problem.file)).size;
  const first = state.problems[0]!;
  // Each problem is annotated at its file above and listed in the report; the failure counts them.
  fail(state, {
    message: `${files} file(s) have problems (${state.problems.length} in all), found before anything ran; nothing was applied. The first: ${first.file}${first.line ? `:${first.line}` : ''}: ${first.reason} ${first.fix}${state.problems.length > 1 ? ' The others are listed in the report (the first ones annotated at their files).' : ''}`,
  });
  return false;
}

/**
 * `lint: error` stops the run on an error finding, before anything is applied. `deferred`
 * findings are decided later, inside their migration's transaction once measured (lock rules
 * with analyze on), so they do not block here.
 */
export function lintErrorsBlock(state: State, settings: MigrateSettings, deferred: (finding: LintFinding) => boolean = () => false): boolean {
  const errors = state.findings.filter((finding) => finding.severity === 'error' && !deferred(finding));
  if (settings.lint !== 'error' || errors.length === 0) return false;
  // The first few by name: on a long history the rest are annotated at their lines and listed in the report.
  const named = errors.slice(0, LINT_ERRORS_NAMED).map((f) => `${f.file}:${f.line} ${f.rule}`);
  if (errors.length > LINT_ERRORS_NAMED) named.push(`and ${errors.length - LINT_ERRORS_NAMED} more (each annotated at its line, all in the report)`);
  fail(state, {
    message: `lint found ${errors.length} error(s) (lint: error): ${named.join('; ')}. Nothing was applied. ${LINT_ERROR_FIX}`,
    file: errors[0]!.file,
    line: errors[0]!.line,
  });
  return true;
}

const LINT_ERRORS_NAMED = 5;

/** What opens a lint: error guard: reviewed sources only (never the pull request's description). */
export const LINT_ERROR_FIX =
  "Fix them, or accept one in a reviewed place: a '-- squawk-ignore <rule>' comment in the migration, the workflow's lint-disable input, or lint: warn. A line in the pull request's description only marks a finding as acknowledged in the report.";

export function checkHistory(state: State, settings: MigrateSettings, log: Log): boolean {
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
    log[settings.allowDrift ? 'warning' : 'error'](`${drifted.file} changed after it was applied (checksum differs).`, {
      file: drifted.file,
      title: 'Migration edited after it was applied',
    });
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
