// `preview-db switch <name>`: point the app at a branch by writing its URLs into the env file.
import type { CommandContext } from '../context.js';
import { writeEnvFile } from '../env-file.js';
import type { ConnectionUrls } from '../project.js';
import type { CommandResult } from './types.js';
import { branchName, connectionUrls, findExisting } from './shared.js';
import { relative } from 'node:path';

export function writeUrls(ctx: CommandContext, urls: ConnectionUrls) {
  const file = ctx.envFile();
  const vars = ctx.envVars();
  const result = writeEnvFile(
    file,
    vars.map((v) => [v.name, v.kind === 'pooled' ? urls.pooled : urls.direct]),
  );
  const shown = relative(ctx.io.cwd, file) || file;
  ctx.term.say(
    `Wrote ${vars.map((v) => `${v.name} (${v.kind}${urls.readOnly ? ', read-only' : ''})`).join(', ')} to ${shown}${result.created ? ' (new file, mode 0600)' : ''}.`,
  );
  return { path: file, created: result.created, variables: vars.map((v) => ({ name: v.name, kind: v.kind })) };
}

export async function switchTo(ctx: CommandContext): Promise<CommandResult> {
  const name = await branchName(ctx, true);
  ctx.envVars();
  ctx.connection();
  const branch = await findExisting(ctx, name);
  const urls = await connectionUrls(ctx, branch);
  const written = writeUrls(ctx, urls);
  return {
    exitCode: 0,
    json: {
      branch: { name: branch.name, id: branch.id, kind: branch.kind, host: urls.host, database: urls.database, role: urls.role, readOnly: urls.readOnly },
      envFile: written,
    },
    text: `switched ${written.path} to ${branch.name}${urls.readOnly ? ' (read-only)' : ''}`,
  };
}
