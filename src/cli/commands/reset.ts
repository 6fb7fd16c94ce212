// `preview-db reset [name]`: back to the parent's current state, keeping the name, the URLs
// and the role (Neon: restore from the parent; Postgres: drop and clone the template again).
import { createPreview } from '../../create-branch/index.js';
import type { CommandContext } from '../context.js';
import { RefusedError, UsageError } from '../errors.js';
import type { CommandResult } from './types.js';
import { branchName, createSettings, describeBranch, findExisting, migrateJson, protectedReason, runMigrations, urlsOf, wantsMigrate } from './shared.js';

export async function reset(ctx: CommandContext): Promise<CommandResult> {
  const name = await branchName(ctx, false);
  // Every setting is checked before the provider is asked anything.
  createSettings(ctx, name, 'reset');
  const migrateAfter = wantsMigrate(ctx);
  if (ctx.connection().provider === 'postgres' && !ctx.settings.get('template')) {
    throw new UsageError(`on provider postgres, reset clones the template again: say which with --template (or "template" in preview-db.config.json).`);
  }
  const branch = await findExisting(ctx, name);
  const reason = protectedReason(branch) ?? (branch.madeByPreviewDb ? undefined : 'a branch preview-db did not make');
  if (reason) throw new RefusedError(`'${name}' is ${reason}; reset replaces all its data, so it only resets databases preview-db made.`);
  if (branch.children.length > 0)
    throw new RefusedError(
      `'${name}' has branches made from it (${branch.children.join(', ')}); resetting it would cut them off from their history. Delete them first.`,
    );
  const settings = createSettings(ctx, name, 'reset', branch.parentId);
  const preview = await createPreview(settings, ctx.term);
  ctx.term.say(`Reset '${preview.branchName}' to the current state of ${preview.parentName ?? 'its parent'}; its name, URLs and role are unchanged.`);
  const migrated = migrateAfter ? await runMigrations(ctx, urlsOf(preview).direct) : undefined;
  return {
    exitCode: migrated && !migrated.ok ? 1 : 0,
    json: { branch: describeBranch(preview), migrate: migrated ? migrateJson(migrated) : null },
    text: `reset ${preview.branchName}`,
  };
}
