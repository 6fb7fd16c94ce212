// Reads and validates every refresh-template input before anything changes.
import { InputError } from '../../shared/errors.js';
import { DEFAULT_HISTORY_TABLE, RUNNERS } from '../../migrate/settings.js';
import {
  DEFAULT_MASKING_RULES,
  DEFAULT_PARALLEL,
  DEFAULT_WAIT_TIMEOUT_SECONDS,
  SALT_ENV,
  checkRefreshSettings,
  type RefreshSettings,
} from '../../refresh-template/settings.js';
import { inputs, maskSecret } from '../runtime.js';

export function getRefreshTemplateInputs(env: NodeJS.ProcessEnv = process.env): RefreshSettings {
  // Both URLs are masked the moment they are read, before anything can print them.
  const sourceUrl = inputs.secret('source-url');
  const postgresUrl = inputs.secret('postgres-url');
  const salt = env[SALT_ENV]?.trim() || undefined;
  if (salt) maskSecret(salt);
  if (!sourceUrl) throw new InputError('source-url', "is required: production's connection URL (a read-only role is enough), from a secret.");
  if (!postgresUrl) throw new InputError('postgres-url', "is required: the preview server's admin URL, from a secret.");
  const settings: RefreshSettings = {
    sourceUrl,
    postgresUrl,
    template: inputs.text('template'),
    workingDirectory: env.GITHUB_WORKSPACE || process.cwd(),
    runner: inputs.choice('runner', RUNNERS, 'builtin'),
    migrationsDir: inputs.optional('migrations-dir'),
    command: inputs.optional('command'),
    historyTable: inputs.optional('history-table') ?? DEFAULT_HISTORY_TABLE,
    maskingRules: inputs.optional('masking-rules') ?? DEFAULT_MASKING_RULES,
    requireMaskingRules: inputs.boolean('require-masking-rules', false),
    parallel: inputs.count('parallel', DEFAULT_PARALLEL)!,
    // The reusable workflow's job stops at 120 minutes; a refresh longer than 6 hours is a stuck one.
    waitTimeoutSeconds: inputs.duration('wait-timeout', { min: 1, max: 6 * 3600 }) ?? DEFAULT_WAIT_TIMEOUT_SECONDS,
    salt,
  };
  // The masking file is parsed by the core, before it connects to anything.
  checkRefreshSettings(settings);
  return settings;
}
