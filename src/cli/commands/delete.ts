// `preview-db delete <name>`: removes a branch preview-db made. Never the default or a
// protected branch, nor one with children; a branch preview-db did not make only when
// --force repeats its name.
import type { CommandContext } from '../context.js';
import { RefusedError, UsageError } from '../errors.js';
import type { CommandResult } from './types.js';
import { branchName } from './shared.js';

export async function remove(ctx: CommandContext): Promise<CommandResult> {
  const name = await branchName(ctx, true);
  const force = ctx.flagValue('force');
  if (force && force !== name)
    throw new UsageError(`--force must repeat the name exactly (--force '${name}'), so a forced delete is never a slip of the shell history.`);
  const project = await ctx.project();
  const branch = await ctx.term.group(`Looking up '${name}'`, () => project.find(name));
  if (!branch) {
    ctx.term.say(`There is no branch named '${name}': nothing to delete.`);
    return { exitCode: 0, json: { branch: { name }, deleted: false, alreadyGone: true }, text: `no ${name}` };
  }
  if (branch.isDefault) throw new RefusedError(`'${name}' is the default branch of the project; preview-db never deletes it.`);
  if (branch.isProtected)
    throw new RefusedError(`'${name}' is a protected branch; preview-db never deletes it. Unprotect it in the Neon console first if you really mean to.`);
  if (branch.reserved) throw new RefusedError(`'${name}' is never deleted: ${branch.reserved}.`);
  if (branch.children.length > 0) throw new RefusedError(`'${name}' has branches made from it (${branch.children.join(', ')}); delete those first.`);
  if (!branch.madeByPreviewDb && force !== name) {
    throw new RefusedError(
      `'${name}' was not made by preview-db (it has no managed-by=preview-db mark). If you really mean to delete it, repeat its name: \`preview-db delete ${name} --force ${name}\`.`,
    );
  }
  const result = await ctx.term.group(`Deleting '${name}'`, () => project.remove(branch));
  ctx.term.say(result.alreadyGone ? `'${name}' was already gone.` : `Deleted '${name}'.`);
  return {
    exitCode: 0,
    json: { branch: { name: branch.name, id: branch.id, kind: branch.kind }, deleted: !result.alreadyGone, alreadyGone: result.alreadyGone },
    text: `deleted ${name}`,
  };
}
