// refresh-template's settings, light: names, defaults and the checks that need neither a
// connection nor the masking file's YAML parser, for the action's input reader (the core,
// pg and the migrate core load once the inputs are valid). Keep this module's imports light.
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { InputError } from '../shared/errors.js';
import { describeUrl } from '../shared/postgres-url.js';
import { DEFAULT_HISTORY_TABLE, parseTableName, type RunnerName } from '../migrate/settings.js';

export const DEFAULT_MASKING_RULES = 'preview-db.masking.yml';
export const DEFAULT_PARALLEL = 4;
export const DEFAULT_WAIT_TIMEOUT_SECONDS = 300;
/** The environment variable that holds the salt of deterministic masking (a secret). */
export const SALT_ENV = 'PREVIEW_DB_MASKING_SALT';

export interface RefreshSettings {
  /** Production: read-only is enough (and recommended). */
  sourceUrl: string;
  /** The preview server's admin URL (a role with CREATEDB that owns the template). */
  postgresUrl: string;
  template: string;
  /** Where migrations-dir and masking-rules are resolved and the migration tool runs. */
  workingDirectory: string;
  runner: RunnerName;
  migrationsDir?: string;
  command?: string;
  historyTable: string;
  /** Path of the masking file, relative to workingDirectory. */
  maskingRules: string;
  requireMaskingRules: boolean;
  /** Tables copied at once. */
  parallel: number;
  /** How long the swap waits for sessions on the old template to leave. */
  waitTimeoutSeconds: number;
  /** Seeds deterministic strategies; random per run when empty (deterministic within the run). */
  salt?: string;
}

export const nextName = (template: string) => `${template}_next`;
export const oldName = (template: string) => `${template}_old`;

const MAX_IDENTIFIER = 63;

/** Settings with the action's defaults, for the CLI, the Node API and tests. */
export function refreshSettings(
  sourceUrl: string,
  postgresUrl: string,
  template: string,
  workingDirectory: string,
  overrides: Partial<RefreshSettings> = {},
): RefreshSettings {
  return {
    sourceUrl,
    postgresUrl,
    template,
    workingDirectory,
    runner: 'builtin',
    historyTable: DEFAULT_HISTORY_TABLE,
    maskingRules: DEFAULT_MASKING_RULES,
    requireMaskingRules: false,
    parallel: DEFAULT_PARALLEL,
    waitTimeoutSeconds: DEFAULT_WAIT_TIMEOUT_SECONDS,
    ...overrides,
  };
}

/**
 * Checks what can be checked without a connection or the masking file's parser (the file must
 * exist); throws InputError. validateRefreshSettings (index.ts) also reads the file.
 */
export function checkRefreshSettings(settings: RefreshSettings): string {
  for (const [input, url] of [
    ['source-url', settings.sourceUrl],
    ['postgres-url', settings.postgresUrl],
  ] as const) {
    if (!url)
      throw new InputError(
        input,
        input === 'source-url' ? "is required: production's connection URL (a read-only role is enough)." : "is required: the preview server's admin URL.",
      );
    if (!/^postgres(ql)?:\/\//.test(url)) throw new InputError(input, 'is not a postgres:// or postgresql:// URL.');
    // Never quoted back: the URL is a secret.
    if (!URL.canParse(url))
      throw new InputError(
        input,
        'cannot be parsed as a URL. Percent-encode special characters in the user and password (@ as %40, / as %2F, # as %23, ? as %3F, % as %25).',
      );
  }
  const template = settings.template;
  if (!template) throw new InputError('template', 'is required: the name of the template database previews are cloned from.');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(template) || template.trim() !== template)
    throw new InputError(
      'template',
      `${JSON.stringify(template)} has a control character (such as a newline) or surrounding spaces. Use a name such as app_template.`,
    );
  if (Buffer.byteLength(oldName(template)) > MAX_IDENTIFIER || Buffer.byteLength(nextName(template)) > MAX_IDENTIFIER) {
    throw new InputError('template', `'${template}' is too long: '${nextName(template)}' must fit Postgres's ${MAX_IDENTIFIER} bytes. Use a shorter name.`);
  }
  if (['postgres', 'template0', 'template1'].includes(template) || template === describeUrl(settings.postgresUrl).database) {
    throw new InputError(
      'template',
      `'${template}' is a system database or postgres-url's own database. Name a dedicated template database such as app_template.`,
    );
  }
  if (!Number.isInteger(settings.parallel) || settings.parallel < 1 || settings.parallel > 64)
    throw new InputError('parallel', `${settings.parallel} is not a number of tables between 1 and 64.`);
  if (settings.runner === 'command' && !settings.command) throw new InputError('command', 'is required with runner: command.');
  if (settings.runner === 'builtin') parseTableName(settings.historyTable, 'history-table');
  const path = isAbsolute(settings.maskingRules) ? settings.maskingRules : join(settings.workingDirectory, settings.maskingRules);
  if (!existsSync(path)) {
    throw new InputError(
      'masking-rules',
      `${settings.maskingRules} does not exist. Write the masking rules there (see docs/refresh-template.md); a file with just \`tables: {}\` copies every column as it is.`,
    );
  }
  return path;
}
