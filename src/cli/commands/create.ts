// `preview-db create [name]`: a database of your own (default: named after the git branch),
// optionally migrated, seeded and written into the env file.
import { createPreview } from '../../create-branch/index.js';
import type { CommandContext } from '../context.js';
import { RefusedError } from '../errors.js';
import type { CommandResult } from './types.js';
import { branchName, createSettings, describeBranch, migrateJson, runMigrations, urlsOf, wantsMigrate } from './shared.js';
import { writeUrls } from './switch.js';

export async function create(ctx: CommandContext): Promise<CommandResult> {
  const name = await branchName(ctx, false);
  // Every setting is checked (the action's own validation) before the provider is asked anything.
  const settings = createSettings(ctx, name, 'reuse');
  if (ctx.flag('switch')) ctx.envVars();
  const migrateAfter = wantsMigrate(ctx);
  const project = await ctx.project();
  const existing = await ctx.term.group(`Looking up '${name}'`, () => project.find(name));
  if (existing && (existing.isDefault || existing.isProtected || existing.reserved || existing.resource.marked === false)) {
    const what = existing.isDefault
      ? 'the default branch'
      : existing.isProtected
        ? 'a protected branch'
        : existing.reserved
          ? `reserved (${existing.reserved})`
          : 'a database preview-db did not make';
    throw new RefusedError(
      `'${name}' already exists and is ${what}; a database of your own needs a name of its own. Give one, e.g. \`preview-db create ${name.replace(/^.*\//, '')}-dev\`.`,
    );
  }
  const preview = await createPreview(settings, ctx.term);
  const urls = urlsOf(preview);
  ctx.term.say(
    `${preview.created ? 'Created' : 'Reused'} '${preview.branchName}': database ${preview.database} on ${preview.host} as ${preview.role}${preview.parentName ? `, from ${preview.parentName}` : ''}.`,
  );

  const migrated = migrateAfter ? await runMigrations(ctx, urls.direct) : undefined;
  const written = ctx.flag('switch') ? writeUrls(ctx, urls) : undefined;
  const showSecrets = ctx.flag('show-secrets');
  const lines = [`${preview.created ? 'created' : 'reused'} ${preview.branchName}`];
  if (showSecrets) lines.push(`DATABASE_URL (pooled)  ${urls.pooled}`, `DIRECT_URL (direct)    ${urls.direct}`);
  else
    ctx.term.say(
      `Connection URLs are not printed: \`preview-db url ${preview.branchName}\` prints one, \`preview-db switch ${preview.branchName}\` writes them to your env file, --show-secrets shows them here.`,
    );
  return {
    exitCode: migrated && !migrated.ok ? 1 : 0,
    json: {
      branch: { ...describeBranch(preview), databaseUrl: urls.pooled, databaseUrlDirect: urls.direct },
      migrate: migrated ? migrateJson(migrated) : null,
      envFile: written ?? null,
    },
    text: lines.join('\n'),
  };
}
