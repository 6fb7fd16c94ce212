// The migrate core's plain-valued contract: settings in, result out. The action, the root
// lifecycle action and the CLI all speak it.
import type { LintFinding as LinterFinding } from './lint/index.js';
import type { LockReportEntry, MeasuredStatement } from './measure.js';
import type { RunnerName } from './tool/profiles.js';
import type { DownCheckResult } from './down.js';

/** A linter finding as the run reports it. */
export type LintFinding = LinterFinding & {
  /** Named in the pull request's description: shown as acknowledged, never waived. */
  acknowledged?: boolean;
};
export type { LockReportEntry, MeasuredStatement } from './measure.js';
export type { RunnerName } from './tool/profiles.js';

export type LintLevel = 'off' | 'warn' | 'error';

export interface MigrateSettings {
  /** The direct (non-pooled) URL: advisory locks and session settings need a real session. Empty: lint offline. */
  databaseUrl: string;
  /** Lint without a database (also when databaseUrl is empty): same rules, graded statically, nothing applied. */
  lintOnly?: boolean;
  runner: RunnerName;
  /** Relative to `workingDirectory`; empty means the runner's default (`migrations` for builtin). */
  migrationsDir?: string;
  /** Where paths are resolved and the tool's command runs; annotations use paths relative to it. */
  workingDirectory: string;
  /** Built-in runner's history table, `schema.table`. */
  historyTable: string;
  /** Overrides the profile's command (required for runner `command`). */
  command?: string;
  /** Environment names the database URL is exported under for the tool's command. */
  exportEnv: string[];
  dryRun: boolean;
  lint: LintLevel;
  lintDisable: string[];
  allowDestructive: boolean;
  allowDrift: boolean;
  protected: boolean;
  /** SQL files or directories run after the migrations (previews only). */
  seed: string[];
  lockTimeoutSeconds?: number;
  statementTimeoutSeconds?: number;
  /** Measure locks and durations statement by statement. */
  analyze: boolean;
  lockThresholdMs: number;
  /**
   * The pull request's description. Untrusted (its author writes it): a line naming a rule only
   * marks that rule's findings as acknowledged in the report; it never waives or unblocks one.
   */
  prBody?: string;
  /**
   * The pull request this run is for. The built-in runner keeps what it found and measured with
   * each history row, and reports the rows an earlier run of the same pull request applied, so
   * the report covers every migration the pull request adds, not only this push's.
   */
  pullRequest?: number;
  /**
   * The pull request's base commit (`pull_request.base.sha`). Offline lint then checks only the
   * migrations the pull request adds or changes (`git diff <base>...HEAD`); earlier ones count as applied.
   */
  baseSha?: string;
  /** How long to wait for another run holding the migration lock (default 10 minutes). */
  lockWaitSeconds?: number;
  /** How long to keep retrying a connection that fails transiently (default 60 s; a waking compute). */
  connectTimeoutSeconds?: number;
  /** After applying, run this run's down steps, compare schemas, apply the ups again (previews, built-in runner). */
  checkDown?: boolean;
  /** With checkDown: a migration without a down step fails the run. */
  requireDown?: boolean;
}

export interface AppliedMigration {
  version: string;
  name: string;
  file: string;
  durationMs: number;
  /** Statement by statement, when measured (analyze on or a no-transaction file). */
  statements: MeasuredStatement[];
  /** The file ran outside a transaction (its marker, or the tool's model). */
  noTransaction: boolean;
}

/** What the built-in runner keeps with a history row (the `report` column): found and measured when it was applied. */
export interface MigrationRecord {
  pullRequest?: number;
  measured: boolean;
  findings: LintFinding[];
  locks: LockReportEntry[];
}

export interface PlannedMigration {
  version: string;
  name: string;
  file: string;
}

/** A file the runner cannot apply as it is: where, why, and what to do. */
export interface FileProblem {
  file: string;
  line?: number;
  column?: number;
  reason: string;
  fix: string;
}

export interface MigrateFailure {
  message: string;
  file?: string;
  line?: number;
  column?: number;
  /** Postgres's SQLSTATE, when Postgres raised it. */
  code?: string;
  hint?: string;
  detail?: string;
}

export interface MigrateResult {
  ok: boolean;
  runner: RunnerName;
  dryRun: boolean;
  /** Pending migrations before the run (under the migration lock when applying). */
  pending: number;
  pendingMigrations: PlannedMigration[];
  applied: AppliedMigration[];
  /** Lint findings, graded by measurement when analyze ran. */
  findings: LintFinding[];
  /** Tables locked SHARE or stronger, with rows and hold times. */
  locks: LockReportEntry[];
  lockThresholdMs: number;
  /** Locks and durations were measured (in the applying transaction, or rolled back for external tools). */
  measured: boolean;
  /** Applied migrations whose file changed since. */
  drifted: PlannedMigration[];
  /** Applied migrations whose file is gone. */
  missing: Array<{ version: string; name: string }>;
  /** External tools: history rows that never finished. */
  failedInHistory: string[];
  /** Pending, older than something already applied. */
  outOfOrder: PlannedMigration[];
  seeded: string[];
  /** Every file the run refused, found before anything ran (all of them, not only the first). */
  problems: FileProblem[];
  /** Applied by an earlier run for the same pull request (their findings and locks are in `findings` and `locks`). */
  earlier?: AppliedMigration[];
  /** Things the reader should know (pooled URL, drift allowed, ...). */
  warnings: string[];
  error?: MigrateFailure;
  /** External tools: the command's exit status. */
  exitCode?: number;
  durationMs: number;
  /** With check-down: the round trip of this run's down steps. */
  downCheck?: DownCheckResult;
  reportMarkdown: string;
}
