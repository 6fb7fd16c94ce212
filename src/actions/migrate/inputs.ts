// Reads and validates every migrate input before anything changes.
import { InputError } from '../../shared/errors.js';
import { parseDuration } from '../../shared/duration.js';
import { DEFAULT_HISTORY_TABLE, RUNNERS, validateSettings } from '../../migrate/settings.js';
import type { MigrateSettings } from '../../migrate/types.js';
import type { RunFacts } from '../context.js';
import { inputs } from '../runtime.js';

export const DEFAULT_LOCK_THRESHOLD_MS = 1000;

/** The migrate core's settings under this action's input names, for errors the core reports about them. */
export { MIGRATE_SETTING_INPUTS } from '../setting-inputs.js';

/** A duration in milliseconds: `500ms`, or the suite's durations (`1s`, `2m`, bare seconds). */
export function parseMillis(text: string, input: string, fallback: number): number {
  const value = text.trim();
  if (value === '') return fallback;
  const ms = /^(\d{1,9})ms$/.exec(value);
  const millis = ms ? Number(ms[1]) : parseDuration(value, input) * 1000;
  if (millis < 1 || millis > 3_600_000) throw new InputError(input, `'${value}' is outside the allowed range: use 1ms to 1h.`);
  return millis;
}

/** A session timeout: a second at least, a day at most (leave the input empty for none). */
const SESSION_TIMEOUT_BOUNDS = { min: 1, max: 86400 };

/**
 * Everything migrate needs except the target: shared with the root lifecycle action, whose
 * target is the preview it just made (and which names the command input `migrate-command`).
 */
export function readMigrateOptions(
  facts: RunFacts,
  options: { commandInput: 'command' | 'migrate-command'; isProtected: boolean; exportEnv: string[] },
  env: NodeJS.ProcessEnv = process.env,
): Omit<MigrateSettings, 'databaseUrl'> {
  const settings: Omit<MigrateSettings, 'databaseUrl'> = {
    runner: inputs.choice('runner', RUNNERS, 'builtin'),
    migrationsDir: inputs.optional('migrations-dir'),
    workingDirectory: env.GITHUB_WORKSPACE || process.cwd(),
    historyTable: inputs.optional('history-table') ?? DEFAULT_HISTORY_TABLE,
    command: inputs.optional(options.commandInput),
    exportEnv: options.exportEnv.length > 0 ? options.exportEnv : ['DATABASE_URL'],
    dryRun: inputs.boolean('dry-run', false),
    lint: inputs.choice('lint', ['off', 'warn', 'error'] as const, 'warn'),
    lintDisable: inputs.list('lint-disable'),
    allowDestructive: inputs.boolean('allow-destructive', false),
    allowDrift: inputs.boolean('allow-drift', false),
    protected: options.isProtected,
    seed: inputs.list('seed'),
    lockTimeoutSeconds: inputs.duration('lock-timeout', SESSION_TIMEOUT_BOUNDS),
    statementTimeoutSeconds: inputs.duration('statement-timeout', SESSION_TIMEOUT_BOUNDS),
    analyze: inputs.boolean('analyze', !options.isProtected),
    lockThresholdMs: parseMillis(inputs.text('lock-threshold'), 'lock-threshold', DEFAULT_LOCK_THRESHOLD_MS),
    prBody: facts.pullRequest?.body,
    checkDown: inputs.boolean('check-down', false),
    requireDown: inputs.boolean('require-down', false),
    lintOnly: inputs.boolean('lint-only', false),
    pullRequest: facts.pullRequest?.number,
    baseSha: facts.pullRequest?.baseSha,
  };
  if (settings.analyze && settings.protected) {
    throw new InputError(
      'analyze',
      'cannot be true with protected: true. Measuring runs migrations statement by statement on the target; measure on a preview database instead.',
    );
  }
  return settings;
}

export function getMigrateInputs(facts: RunFacts, env: NodeJS.ProcessEnv = process.env): MigrateSettings {
  // The URL is masked the moment it is read (inputs.secret), before anything can print it.
  // Empty (a fork's pull request gets no secrets) or lint-only: the core lints offline and says so.
  const databaseUrl = inputs.secret('database-url');
  const settings: MigrateSettings = {
    databaseUrl,
    ...readMigrateOptions(facts, { commandInput: 'command', isProtected: inputs.boolean('protected', false), exportEnv: inputs.list('export-env') }, env),
  };
  validateSettings(settings);
  return settings;
}
