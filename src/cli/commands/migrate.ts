// `preview-db migrate`: what the migrate action does, against the database the flags, the
// environment (DATABASE_URL) or the env file name.
import { secretsOfUrl } from '../../shared/secrets.js';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { readEnvFile } from '../env-file.js';
import type { CommandResult } from './types.js';
import { relative } from 'node:path';

/** The URL in the env file: a variable meant for the direct URL first (migrations need one). */
export function envFileUrl(ctx: CommandContext): { url: string; variable: string; file: string } | undefined {
  const file = ctx.envFile();
  const values = readEnvFile(file);
  if (!values) return undefined;
  const vars = ctx.envVars();
  for (const v of [...vars.filter((x) => x.kind === 'direct'), ...vars.filter((x) => x.kind === 'pooled')]) {
    const url = values.get(v.name);
    if (url) return { url, variable: v.name, file };
  }
  return undefined;
}

export async function migrate(ctx: CommandContext): Promise<CommandResult> {
  if (!ctx.settings.has('database-url')) {
    const fromFile = envFileUrl(ctx);
    if (!fromFile)
      throw new UsageError(
        `no database to migrate. Pass --database-url, set DATABASE_URL, or write the URL into ${relative(ctx.io.cwd, ctx.envFile())} with \`preview-db switch <name>\`.`,
      );
    for (const secret of secretsOfUrl(fromFile.url)) ctx.term.secret(secret);
    ctx.term.say(`Migrating the database in ${fromFile.variable} of ${relative(ctx.io.cwd, fromFile.file)}.`);
    ctx.settings.overrides.set('database-url', fromFile.url);
  }
  // The migrate core (the SQL parser, pg, the runners) loads once there is a database to migrate.
  const [{ getMigrateInputs }, { migrate: runMigrate }, { laptopFacts, migrateJson }] = await Promise.all([
    import('../../actions/migrate/inputs.js'),
    import('../../migrate/index.js'),
    import('./shared.js'),
  ]);
  const settings = getMigrateInputs(laptopFacts(), { GITHUB_WORKSPACE: ctx.io.cwd });
  const result = await ctx.term.group('Applying migrations', () => runMigrate(settings, ctx.term));
  return { exitCode: result.ok ? 0 : result.exitCode || 1, json: { migrate: migrateJson(result) }, text: result.reportMarkdown };
}
