// The commands, their arguments and flags: one table that drives parsing and --help.
import type { Positional } from '../args.js';
import type { CommandContext } from '../context.js';
import { CONNECTION_OPTIONS, ENV_FILE_OPTIONS, MIGRATE_AFTER_OPTIONS, NEON_TARGET_OPTIONS, URL_FORMATS, allInputs, input, type OptionDef } from '../options.js';
import type { CommandResult } from './types.js';

/**
 * Each command's code is loaded when it runs (in the bundle: initialised on first use), so
 * `--help`, `--version` and every command start without the AWS SDK, the SQL parser and the rest.
 */
export interface CommandSpec {
  name: string;
  summary: string;
  positionals: Positional[];
  options: OptionDef[];
  /** Lines after the options in --help. */
  notes?: string[];
  run(ctx: CommandContext): Promise<CommandResult>;
}

const NAME_FROM_GIT: Positional = {
  name: 'name',
  required: false,
  description: 'The branch (Neon) or database (Postgres) name. Default: the current git branch.',
};
const NAME: Positional = { name: 'name', required: true, description: 'The branch (Neon) or database (Postgres) name, as `preview-db list` shows it.' };
const ALLOW_PROTECTED: OptionDef = {
  name: 'allow-protected',
  type: 'boolean',
  description:
    'Allow the default branch, a protected branch or a database preview-db did not make; you get a read-only connection (Neon: a read-only compute) where the provider can make one.',
};
const WAIT_TIMEOUT = input('create-branch', 'wait-timeout');

export const COMMANDS: CommandSpec[] = [
  {
    name: 'create',
    summary: 'Create your own database (a Neon branch, or a database on a shared Postgres), or reuse it if it exists.',
    positionals: [NAME_FROM_GIT],
    options: [
      ...CONNECTION_OPTIONS,
      input('create-branch', 'parent'),
      ...NEON_TARGET_OPTIONS,
      input('create-branch', 'template'),
      input('create-branch', 'expires-in'),
      input('create-branch', 'suspend-timeout'),
      input('create-branch', 'parent-at'),
      input('create-branch', 'branch-type'),
      input('create-branch', 'masking-rules'),
      WAIT_TIMEOUT,
      ...MIGRATE_AFTER_OPTIONS,
      { name: 'switch', type: 'boolean', description: 'Then write its URLs into the env file, as `preview-db switch` does.' },
      ...ENV_FILE_OPTIONS,
      {
        name: 'show-secrets',
        type: 'boolean',
        description: 'Print the connection URLs (they hold the password). Without it, create never prints them (--json does include them).',
      },
    ],
    run: async (ctx) => (await import('./create.js')).create(ctx),
  },
  {
    name: 'reset',
    summary:
      "Reset a database to its parent's current state (Neon: restore from the parent; Postgres: drop and clone the template again), keeping its name, URLs and role.",
    positionals: [NAME_FROM_GIT],
    options: [
      ...CONNECTION_OPTIONS,
      input('create-branch', 'parent', "Default for reset: the branch's own parent."),
      ...NEON_TARGET_OPTIONS,
      input('create-branch', 'template'),
      WAIT_TIMEOUT,
      ...MIGRATE_AFTER_OPTIONS,
    ],
    run: async (ctx) => (await import('./reset.js')).reset(ctx),
  },
  {
    name: 'switch',
    summary: 'Point your app at a branch: write its URLs into the env file (other lines, comments and order kept; atomic; a new file gets mode 0600).',
    positionals: [NAME],
    options: [...CONNECTION_OPTIONS, ...ENV_FILE_OPTIONS, ALLOW_PROTECTED, ...NEON_TARGET_OPTIONS],
    run: async (ctx) => (await import('./switch.js')).switchTo(ctx),
  },
  {
    name: 'list',
    summary: 'List the branches preview-db made: kind, parent, created, last active, expiry, size.',
    positionals: [],
    options: [
      ...CONNECTION_OPTIONS,
      { name: 'all', type: 'boolean', description: 'Also list what preview-db did not make (the default branch, branches made by hand, other databases).' },
    ],
    run: async (ctx) => (await import('./list.js')).list(ctx),
  },
  {
    name: 'url',
    summary: 'Print a connection string, e.g. psql "$(preview-db url)".',
    positionals: [NAME_FROM_GIT],
    options: [
      ...CONNECTION_OPTIONS,
      { name: 'pooled', type: 'boolean', description: 'The pooled URL (the default; on Postgres the same as direct).' },
      { name: 'direct', type: 'boolean', description: 'The direct (non-pooled) URL, for migrations and tools that need a session.' },
      {
        name: 'format',
        type: 'string',
        value: URL_FORMATS.join('|'),
        default: 'uri',
        description: 'uri: the URL; env: NAME="url" lines for env-vars; psql: libpq key=value; prisma: DATABASE_URL and DIRECT_URL lines; json: an object.',
      },
      ALLOW_PROTECTED,
      ...NEON_TARGET_OPTIONS,
      ENV_FILE_OPTIONS[1]!,
    ],
    run: async (ctx) => (await import('./url.js')).url(ctx),
  },
  {
    name: 'delete',
    summary: 'Delete a branch preview-db made. Never the default or a protected branch, nor one with children.',
    positionals: [NAME],
    options: [
      ...CONNECTION_OPTIONS,
      {
        name: 'force',
        type: 'string',
        value: 'name',
        description: 'Delete a branch preview-db did not make: repeat its name, e.g. `preview-db delete old-test --force old-test`.',
      },
    ],
    run: async (ctx) => (await import('./delete.js')).remove(ctx),
  },
  {
    name: 'migrate',
    summary: 'Apply, lint and measure migrations, as the migrate action does. Target: --database-url, DATABASE_URL, or the env file.',
    positionals: [],
    options: [...allInputs('migrate'), ...ENV_FILE_OPTIONS],
    run: async (ctx) => (await import('./migrate.js')).migrate(ctx),
  },
  {
    name: 'snapshot',
    summary: 'Take a verified snapshot (RDS, Aurora or Neon), as the snapshot action does. AWS credentials come from the usual AWS environment and profiles.',
    positionals: [],
    options: allInputs('snapshot'),
    run: async (ctx) => (await import('./snapshot.js')).snapshot(ctx),
  },
  {
    name: 'cleanup',
    summary: 'Sweep previews nobody used for a while, as the cleanup action does (mode stale here; `delete` removes one by name).',
    positionals: [],
    options: allInputs('cleanup', ['closed-prs', 'github-token']).map((option) => (option.name === 'mode' ? { ...option, default: 'stale' } : option)),
    notes: ['closed-prs needs a workflow run (the GitHub API); from a terminal, sweep by age.'],
    run: async (ctx) => (await import('./cleanup.js')).cleanup(ctx),
  },
  {
    name: 'status',
    summary: 'Which database the env file points at, whether it answers, and how many migrations it has not applied.',
    positionals: [],
    options: [...ENV_FILE_OPTIONS, input('migrate', 'migrations-dir'), input('migrate', 'history-table'), input('migrate', 'runner')],
    run: async (ctx) => (await import('./status.js')).status(ctx),
  },
];
