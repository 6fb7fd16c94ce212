// What every command gets: its settings (flags > environment > config file), the terminal,
// and, on demand, the provider connection and project, validated in the terminal's words.
import { useInputSource } from '../actions/runtime.js';
import { readProviderConnection, requireProviderConnection, type ProviderConnectionInputs } from '../actions/provider-inputs.js';
import { InputError, errorMessage } from '../shared/errors.js';
import { secretsOfUrl } from '../shared/secrets.js';
import { UsageError } from './errors.js';
import { Settings, type ConfigFile } from './config.js';
import { parseEnvVars, type EnvVar } from './env-file.js';
import type { Project } from './project.js';
import { SECRET_SETTINGS } from './options.js';
import type { CliIO, Terminal } from './terminal.js';
import { isAbsolute, join } from 'node:path';

export const NO_NEON_API_KEY =
  'no Neon API key. Set NEON_API_KEY in your environment (an API key from the Neon console, Account settings → API keys); --neon-api-key works too but lands in your shell history. For a shared Postgres server instead, set PREVIEW_DB_POSTGRES_URL and provider "postgres".';

export interface CommandContext {
  command: string;
  io: CliIO;
  term: Terminal;
  settings: Settings;
  config?: ConfigFile;
  positionals: string[];
  json: boolean;
  /** A flag was given on the command line (booleans). */
  flag(name: string): boolean;
  /** A CLI-only flag's value as given ('' when absent): never from the environment or config. */
  flagValue(name: string): string;
  connection(): ProviderConnectionInputs;
  /** The provider's side (the Neon client or pg), loaded on first use. */
  project(): Promise<Project>;
  envFile(): string;
  envVars(): EnvVar[];
}

export function createContext(
  command: string,
  io: CliIO,
  term: Terminal,
  settings: Settings,
  config: ConfigFile | undefined,
  flags: Map<string, { value: string }>,
  positionals: string[],
): CommandContext {
  // Secrets are masked in everything printed on stderr, from wherever they came.
  for (const name of SECRET_SETTINGS) for (const secret of secretsOfUrl(settings.get(name))) term.secret(secret);
  // The cores read their inputs through the actions' own validation, from these settings.
  useInputSource({ get: (name) => settings.get(name), mask: (value) => term.secret(value) });
  let connection: ProviderConnectionInputs | undefined;
  const context: CommandContext = {
    command,
    io,
    term,
    settings,
    config,
    positionals,
    json: flags.has('json'),
    flag: (name) => flags.has(name),
    flagValue: (name) => flags.get(name)?.value ?? '',
    connection() {
      if (connection) return connection;
      // No provider named: a Postgres URL alone means Postgres.
      if (!settings.has('provider') && settings.has('postgres-url') && !settings.has('neon-api-key')) settings.overrides.set('provider', 'postgres');
      const read = readProviderConnection();
      if (read.provider === 'neon') {
        if (!read.neon.apiKey) throw new UsageError(NO_NEON_API_KEY);
        if (!read.neon.projectId)
          throw new UsageError(
            'no Neon project. Put "neon-project-id" in preview-db.config.json (it is not a secret), or set NEON_PROJECT_ID, or pass --neon-project-id. Find it in the Neon console under Settings → General.',
          );
      } else if (!read.postgresUrl) {
        throw new UsageError(
          'no Postgres server. Set PREVIEW_DB_POSTGRES_URL in your environment to an admin URL (a role with CREATEDB), e.g. postgres://admin:secret@localhost:5432/postgres.',
        );
      }
      requireProviderConnection(read);
      connection = read;
      return read;
    },
    async project() {
      const { provider, neon, postgresUrl } = context.connection();
      const { NeonProject, PostgresProject } = await import('./project.js');
      return provider === 'neon' ? new NeonProject(neon, term) : new PostgresProject(postgresUrl, term);
    },
    envFile() {
      const file = settings.get('env-file') || '.env.local';
      return isAbsolute(file) ? file : join(io.cwd, file);
    },
    envVars() {
      return parseEnvVars(settings.get('env-vars') || 'DATABASE_URL=pooled', settings.describe('env-vars'));
    },
  };
  return context;
}

/** An error in the terminal's words: the flag, variable or config key, never workflow syntax. */
export function terminalMessage(error: unknown, settings?: Settings): string {
  let message = errorMessage(error);
  if (error instanceof InputError) {
    const where = settings ? settings.describe(error.input) : `--${error.input}`;
    message = `${where}: ${message.replace(/^Input '[^']*': /, '')}`;
  }
  // Hints written for a workflow file (`${{ secrets.X }}`, `with:` keys) mean nothing here.
  return message
    .split(/(?<=\.)\s+/)
    .filter((sentence) => !sentence.includes('${{'))
    .join(' ')
    .replace(/\bits pull request closed\b/g, 'it was deleted');
}
