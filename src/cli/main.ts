// preview-db on a developer's laptop: the actions' cores and the actions' own input
// validation, driven from the command line. Options carry the actions' input names.
import { InputError, errorMessage } from '../shared/errors.js';
import { ConsoleLog } from '../shared/log.js';
import { useInputSource } from '../actions/runtime.js';
import { readRunFacts } from '../actions/context.js';
import { getCreateBranchInputs } from '../actions/create-branch/inputs.js';
import { getMigrateInputs } from '../actions/migrate/inputs.js';
import { getCleanupInputs } from '../actions/cleanup/inputs.js';
import { createPreview } from '../create-branch/index.js';
import { migrate } from '../migrate/index.js';
import { renderCleanupSummary, runCleanup } from '../cleanup/index.js';
import { previewStoreFor } from '../cleanup/stores.js';

const HELP = `preview-db: preview databases from your terminal

Usage: preview-db <command> [--input value ...]

Commands
  create    Create (or reuse) a preview database and print its connection details as JSON.
            e.g. --provider postgres --postgres-url URL --branch-name preview/my-feature [--template app_template]
  migrate   Apply, lint and measure migrations; prints the Markdown report.
            e.g. --database-url URL [--migrations-dir migrations] [--dry-run]
  cleanup   Delete one preview (--branch-name) or sweep stale ones (--mode stale [--older-than 7d] [--dry-run]).

Every option is the input of the same name in the matching action.yml (actions/create-branch,
actions/migrate, actions/cleanup), validated the same way. A flag without a value means true.
Progress goes to stderr; results to stdout.`;

/** `--name value`, `--name=value`, or a bare `--flag` (true). */
export function parseOptions(args: string[]): Map<string, string> {
  const options = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) throw new InputError(arg, 'is not an option. Options look like --name value.');
    const eq = arg.indexOf('=');
    if (eq !== -1) {
      options.set(arg.slice(2, eq), arg.slice(eq + 1));
    } else if (i + 1 < args.length && !args[i + 1]!.startsWith('--')) {
      options.set(arg.slice(2), args[++i]!);
    } else {
      options.set(arg.slice(2), 'true');
    }
  }
  return options;
}

const COMMANDS: Record<string, { known: string[]; run: (log: ConsoleLog) => Promise<number> }> = {
  create: {
    known: ['provider', 'neon-api-key', 'neon-project-id', 'api-host', 'parent', 'database', 'role', 'suspend-timeout', 'expires-in', 'postgres-url', 'template', 'branch-name', 'wait-timeout', 'on-existing', 'parent-at', 'branch-type', 'masking-rules', 'export-env'],
    async run(log) {
      const { settings } = getCreateBranchInputs(readRunFacts());
      const preview = await createPreview(settings, log);
      // The developer asked for these details: stdout is the intended output.
      console.log(JSON.stringify(preview, null, 2));
      return 0;
    },
  },
  migrate: {
    known: ['database-url', 'runner', 'migrations-dir', 'history-table', 'command', 'export-env', 'dry-run', 'lint', 'lint-disable', 'allow-destructive', 'allow-drift', 'protected', 'seed', 'lock-timeout', 'statement-timeout', 'analyze', 'lock-threshold', 'lint-only'],
    async run(log) {
      const result = await migrate(getMigrateInputs(readRunFacts(), { ...process.env, GITHUB_WORKSPACE: process.cwd() }), log);
      console.log(result.reportMarkdown);
      return result.ok ? 0 : result.exitCode || 1;
    },
  },
  cleanup: {
    known: ['provider', 'neon-api-key', 'neon-project-id', 'api-host', 'postgres-url', 'mode', 'branch-name', 'prefixes', 'older-than', 'closed-prs', 'github-token', 'dry-run', 'max-deletions'],
    async run(log) {
      const cleanup = getCleanupInputs(readRunFacts());
      if (cleanup.settings.closedPrs) throw new InputError('closed-prs', 'needs the GitHub API of a workflow run; on the command line, sweep by age only.');
      const store = previewStoreFor({ provider: cleanup.connection.provider, neon: cleanup.connection.neon, postgresUrl: cleanup.connection.postgresUrl }, log, { waitForDeletion: cleanup.settings.mode === 'pr' });
      try {
        const report = await runCleanup(cleanup.settings, store, log);
        console.log(renderCleanupSummary(report, cleanup.settings));
        return report.failure ? 1 : 0;
      } finally {
        await store.close();
      }
    },
  },
};

export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === 'help' || !COMMANDS[command]) {
    console.log(HELP);
    return command && !['--help', 'help'].includes(command) ? 2 : 0;
  }
  const log = new ConsoleLog(Boolean(process.env.PREVIEW_DB_DEBUG));
  try {
    const options = parseOptions(rest);
    const unknown = [...options.keys()].filter((name) => !COMMANDS[command]!.known.includes(name));
    if (unknown.length > 0) throw new InputError(unknown[0]!, `is not an option of '${command}'. Options: ${COMMANDS[command]!.known.map((name) => `--${name}`).join(', ')}.`);
    useInputSource({ get: (name) => options.get(name) ?? '', mask: (value) => log.secret(value) });
    return await COMMANDS[command]!.run(log);
  } catch (error) {
    log.error(errorMessage(error));
    return 1;
  }
}

process.exitCode = await runCli(process.argv.slice(2));
