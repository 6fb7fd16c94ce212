// `preview-db status`: which database the env file points at, whether it answers, and how
// many of the repository's migrations it has not applied yet.
import { relative } from 'node:path';
import { readMigrations } from '../../migrate/files.js';
import { parseTableName, readHistory } from '../../migrate/db.js';
import { DEFAULT_HISTORY_TABLE } from '../../migrate/index.js';
import { newClient, describeUrl } from '../../shared/postgres.js';
import { parseMarker } from '../../providers/postgres/marker.js';
import { errorMessage } from '../../shared/errors.js';
import { secretsOfUrl } from '../../shared/secrets.js';
import type { CommandContext } from '../context.js';
import type { CommandResult } from './types.js';
import { envFileUrl } from './migrate.js';
import { NeonProject, neonEndpointIdOfHost } from '../project.js';

interface Migrations {
  dir: string;
  files: number;
  applied: number;
  pending: number;
  pendingFiles: string[];
}

export async function status(ctx: CommandContext): Promise<CommandResult> {
  const file = ctx.envFile();
  const shown = relative(ctx.io.cwd, file) || file;
  const target = envFileUrl(ctx);
  if (!target) {
    throw new Error(
      `${shown} has no ${ctx
        .envVars()
        .map((v) => v.name)
        .join(' or ')}: it points at no database. \`preview-db switch <name>\` writes one.`,
    );
  }
  for (const secret of secretsOfUrl(target.url)) ctx.term.secret(secret);
  let parts: ReturnType<typeof describeUrl>;
  try {
    parts = describeUrl(target.url);
  } catch {
    throw new Error(`${target.variable} in ${shown} is not a connection URL.`);
  }
  const runner = ctx.settings.get('runner') || 'builtin';
  const migrationsDir = ctx.settings.get('migrations-dir') || 'migrations';
  const historyTable = ctx.settings.get('history-table') || DEFAULT_HISTORY_TABLE;
  let answers = false;
  let error: string | undefined;
  let branch: string | undefined;
  let migrations = null as Migrations | null;
  const client = newClient(target.url, { connectTimeoutMs: 5_000, applicationName: 'preview-db status' });
  client.on('error', () => {});
  await ctx.term.group(`Asking ${parts.host}/${parts.database}`, async () => {
    try {
      await client.connect();
      const { rows } = await client.query<{ comment: string | null }>(
        "SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = current_database()",
      );
      answers = true;
      branch = parseMarker(rows[0]?.comment)?.branch;
      if (runner === 'builtin') {
        const { files } = await readMigrations(migrationsDir, ctx.io.cwd).catch(() => ({ files: [] }));
        const history = await readHistory(client, parseTableName(historyTable, 'history-table'));
        // The history keys each migration by its id (the version, or Prisma's directory name).
        const applied = new Set(history.filter((row) => row.kind === 'migration').map((row) => row.version));
        const pending = files.filter((f) => !applied.has(f.id));
        migrations = { dir: migrationsDir, files: files.length, applied: applied.size, pending: pending.length, pendingFiles: pending.map((f) => f.fileName) };
      }
    } catch (caught) {
      error = ctx.term.mask(errorMessage(caught));
    } finally {
      await client.end().catch(() => {});
    }
  });
  // Neon: which branch that compute belongs to, when the project's credentials are at hand.
  if (!branch && answers && neonEndpointIdOfHost(parts.host) && ctx.settings.get('neon-api-key') && ctx.settings.get('neon-project-id')) {
    try {
      const project = await ctx.project();
      if (project instanceof NeonProject) branch = await project.branchOfHost(parts.host);
    } catch (caught) {
      ctx.term.debug(`Could not look the branch up: ${errorMessage(caught)}`);
    }
  }
  const m = migrations as Migrations | null;
  const lines = [
    `${shown}: ${target.variable} → ${parts.database} on ${parts.host}${parts.port ? `:${parts.port}` : ''} as ${parts.user}${branch ? ` (preview-db branch '${branch}')` : ''}`,
    answers ? 'answers: yes' : `answers: no (${error})`,
  ];
  if (m)
    lines.push(
      m.pending === 0
        ? `migrations: up to date (${m.applied} applied from ${m.dir})`
        : `migrations: ${m.pending} pending in ${m.dir}: ${m.pendingFiles.join(', ')}`,
    );
  else if (answers) lines.push(`migrations: not counted for runner ${runner} (preview-db reads only its own history table)`);
  return {
    exitCode: answers ? 0 : 1,
    json: {
      envFile: file,
      variable: target.variable,
      target: { host: parts.host, port: parts.port || null, database: parts.database, role: parts.user, branch: branch ?? null },
      answers,
      error: error ?? null,
      migrations: m,
    },
    text: lines.join('\n'),
  };
}
