// The migrate core's settings, light: names, defaults and every check that needs no database.
// The input readers (the actions', the CLI's) import this and nothing heavier, so a bad input
// fails before pg, libpg-query or the lint handlers load; each entry point loads the core
// (index.ts) with import() once its inputs are valid. Keep this module's imports light.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, SettingError, errorMessage } from '../shared/errors.js';
import { quoteIdent } from '../shared/naming.js';
import { RULES, canonicalRule, type RuleName } from './lint/rules.js';
import { parseCommand } from './tool/command-line.js';
import type { MigrateSettings } from './types.js';

export const DEFAULT_HISTORY_TABLE = 'public.preview_db_migrations';

export const RUNNERS = ['builtin', 'prisma', 'drizzle', 'node-pg-migrate', 'dbmate', 'golang-migrate', 'flyway', 'command'] as const;
export type RunnerName = (typeof RUNNERS)[number];

/** The rule names of lint/rules.ts, the one table of rules. */
export const KNOWN_RULES: string[] = Object.keys(RULES);

/** The rule names of `lint-disable`, canonical; an unknown name is an InputError naming the known ones. */
export function validateRuleNames(names: string[], input = 'lint-disable'): RuleName[] {
  const rules: RuleName[] = [];
  const unknown: string[] = [];
  for (const name of names.map((item) => item.trim()).filter((item) => item !== '')) {
    const rule = canonicalRule(name);
    if (rule) rules.push(rule);
    else unknown.push(name);
  }
  if (unknown.length > 0) {
    throw new InputError(
      input,
      `unknown lint rule${unknown.length > 1 ? 's' : ''} ${unknown.map((name) => `'${name}'`).join(', ')}. Known rules: ${KNOWN_RULES.join(', ')}.`,
    );
  }
  return rules;
}

/** `schema.table` or `table` (schema public), each part a plain identifier. */
export function parseTableName(text: string, input: string): { schema: string; table: string; qualified: string } {
  const parts = text.trim().split('.');
  const ident = /^[A-Za-z_][A-Za-z0-9_$]*$/;
  if (parts.length > 2 || parts.some((part) => !ident.test(part))) {
    throw new InputError(input, `'${text}' is not a table name. Use schema.table or table with letters, digits and _, such as public.preview_db_migrations.`);
  }
  const [schema, table] = parts.length === 2 ? [parts[0]!, parts[1]!] : ['public', parts[0]!];
  return { schema, table, qualified: `${quoteIdent(schema)}.${quoteIdent(table)}` };
}

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
  // The built-in runner reads its directory first thing: a wrong path fails here, before the core loads.
  // (Not in validateOptions: the root action skips migrating when the default directory is absent.)
  if (settings.runner === 'builtin') checkMigrationsDir(settings.migrationsDir || 'migrations', settings.workingDirectory);
}

/** The migrations directory (relative to workingDirectory) is a directory, or an InputError naming `input`. */
function checkMigrationsDir(dir: string, workingDirectory: string, input = 'migrations-dir'): void {
  try {
    if (!statSync(join(workingDirectory, dir)).isDirectory()) throw new Error('not a directory');
  } catch (error) {
    throw unreadableMigrationsDir(dir, error, input);
  }
}

export function unreadableMigrationsDir(dir: string, error: unknown, input = 'migrations-dir'): InputError {
  return new InputError(
    input,
    `'${dir}' is not a readable directory (${errorMessage(error)}). Point it at the folder that holds your .sql migrations, relative to the repository root.`,
  );
}

function validateDatabaseUrl(databaseUrl: string): void {
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
