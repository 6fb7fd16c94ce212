// Every flag of every command, described once. Options shared with an action carry the
// action's input name and its action.yml description (generated, never copied by hand).
import { ACTION_INPUTS, type ActionName } from './generated/action-inputs.js';

export interface OptionDef {
  name: string;
  type: 'string' | 'boolean';
  short?: string;
  description: string;
  /** The action input (or CLI setting) it sets: read from the environment and the config file too. */
  setting?: string;
  /** Never read from the config file; prefer the environment over the flag. */
  secret?: boolean;
  default?: string;
  /** Shown in the usage line: `--format <uri|env|...>`. */
  value?: string;
}

/** Environment variables with names people already use; every other setting is PREVIEW_DB_<NAME>. */
export const ENV_NAMES: Record<string, string> = {
  'neon-api-key': 'NEON_API_KEY',
  'neon-project-id': 'NEON_PROJECT_ID',
  'api-host': 'NEON_API_HOST',
  'postgres-url': 'PREVIEW_DB_POSTGRES_URL',
  'database-url': 'DATABASE_URL',
  'github-token': 'GITHUB_TOKEN',
};

export function envName(setting: string): string {
  return ENV_NAMES[setting] ?? `PREVIEW_DB_${setting.toUpperCase().replace(/-/g, '_')}`;
}

/** Settings that are secrets: environment or flag only, refused in a checked-in config file. */
export const SECRET_SETTINGS = new Set(['neon-api-key', 'postgres-url', 'database-url', 'github-token']);

/** The CLI's own settings (beyond the actions' inputs). */
export const CLI_SETTINGS = {
  'env-file': 'The env file `switch` writes and `status`/`migrate` read. Default: .env.local.',
  'env-vars':
    'Which variables of the env file get which URL: NAME=pooled or NAME=direct, comma-separated (e.g. DATABASE_URL=pooled,DIRECT_URL=direct). A bare NAME means pooled. Default: DATABASE_URL=pooled.',
} satisfies Record<string, string>;

/** The action's description with its defaults, in the terminal's words. */
function described(action: ActionName, input: string, extra = ''): Omit<OptionDef, 'name' | 'type'> {
  const contract = ACTION_INPUTS[action][input];
  if (!contract) throw new Error(`actions/${action}/action.yml has no input '${input}'`);
  // The contract speaks of workflow syntax now and then; the terminal has flags and variables.
  const text = contract.description.replace(/\s*\(from a secret\)/g, '').replace(/ from a secret/g, '');
  return { description: extra ? `${text} ${extra}` : text, setting: input, default: contract.default, secret: SECRET_SETTINGS.has(input) };
}

/** A string option with the action's description. */
export function input(action: ActionName, name: string, extra = ''): OptionDef {
  // A switch turns on what is off by default; an input that is on by default takes true|false.
  const fallback = ACTION_INPUTS[action][name]?.default;
  if (fallback === 'false') return { name, type: 'boolean', ...described(action, name, extra) };
  return { name, type: 'string', ...(fallback === 'true' ? { value: 'true|false' } : {}), ...described(action, name, extra) };
}

/** Every input of an action as a flag (migrate, snapshot, cleanup mirror their action). */
export function allInputs(action: ActionName, except: string[] = []): OptionDef[] {
  return Object.keys(ACTION_INPUTS[action])
    .filter((name) => !except.includes(name))
    .map((name) =>
      name === 'neon-api-key' || name === 'postgres-url' || name === 'database-url'
        ? input(action, name, `Prefer the ${envName(name)} environment variable: a flag lands in shell history and \`ps\`.`)
        : input(action, name),
    );
}

export const GLOBAL_OPTIONS: OptionDef[] = [
  {
    name: 'json',
    type: 'boolean',
    description:
      'Print the result as one JSON object on stdout (stable shape; includes connection URLs where the command has them). Progress still goes to stderr.',
  },
  { name: 'help', short: 'h', type: 'boolean', description: 'Show help for this command.' },
  { name: 'verbose', type: 'boolean', description: 'Also print debug messages (or set PREVIEW_DB_DEBUG=1).' },
];

export const CONNECTION_OPTIONS: OptionDef[] = [
  input('create-branch', 'provider', 'Default: postgres when only PREVIEW_DB_POSTGRES_URL is set, else neon.'),
  input('create-branch', 'neon-api-key', 'Prefer the NEON_API_KEY environment variable: a flag lands in shell history and `ps`.'),
  input('create-branch', 'neon-project-id'),
  input('create-branch', 'api-host'),
  input('create-branch', 'postgres-url', 'Prefer the PREVIEW_DB_POSTGRES_URL environment variable: a flag lands in shell history and `ps`.'),
];

export const ENV_FILE_OPTIONS: OptionDef[] = [
  // Node itself checks --env-file (even after the script name, in Node 20 and 24), so the flag is --dotenv.
  {
    name: 'dotenv',
    type: 'string',
    value: 'file',
    setting: 'env-file',
    default: '.env.local',
    description: `${CLI_SETTINGS['env-file']} (The flag is --dotenv: Node.js itself checks --env-file, even after the script name, and exits when the file does not exist yet. The config key is env-file.)`,
  },
  {
    name: 'env-vars',
    type: 'string',
    value: 'NAME=pooled|direct,...',
    setting: 'env-vars',
    default: 'DATABASE_URL=pooled',
    description: CLI_SETTINGS['env-vars'],
  },
];

export const MIGRATE_AFTER_OPTIONS: OptionDef[] = [
  { name: 'migrate', type: 'boolean', description: 'Then apply the migrations (migrations-dir) to the new database, as the migrate action does.' },
  { ...input('migrate', 'seed'), value: 'files', description: `${ACTION_INPUTS.migrate.seed!.description} Implies --migrate.` },
  input('migrate', 'migrations-dir'),
];

/** What `url --format` prints. */
export const URL_FORMATS = ['uri', 'env', 'psql', 'prisma', 'json'] as const;

export const NEON_TARGET_OPTIONS: OptionDef[] = [input('create-branch', 'database'), input('create-branch', 'role')];
