// `preview-db url [name]`: one connection string on stdout, for `psql "$(preview-db url)"` and scripts.
import { describeUrl } from '../../shared/postgres.js';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { URL_FORMATS } from '../options.js';
import type { CommandResult } from './types.js';
import { branchName, connectionUrls, findExisting } from './shared.js';

/** libpq's key=value form, each value quoted as libpq wants. */
function conninfo(url: string): string {
  const parts = describeUrl(url);
  const params = new URL(url).searchParams;
  const quote = (value: string) => (/^[^\s'\\]+$/.test(value) ? value : `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);
  const fields: Array<[string, string]> = [
    ['host', parts.host],
    ['port', parts.port || '5432'],
    ['dbname', parts.database],
    ['user', parts.user],
    ['password', parts.password],
  ];
  for (const [key, value] of params) fields.push([key, value]);
  return fields
    .filter(([, value]) => value !== '')
    .map(([key, value]) => `${key}=${quote(value)}`)
    .join(' ');
}

export async function url(ctx: CommandContext): Promise<CommandResult> {
  if (ctx.flag('pooled') && ctx.flag('direct')) throw new UsageError('--pooled and --direct exclude each other: give one.');
  const format = ctx.flagValue('format') || 'uri';
  if (!(URL_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format '${format}' is not one of ${URL_FORMATS.join(', ')}.`);
  const name = await branchName(ctx, false);
  if (format === 'env') ctx.envVars();
  ctx.connection();
  const branch = await findExisting(ctx, name);
  const urls = await connectionUrls(ctx, branch);
  const kind = ctx.flag('direct') ? 'direct' : 'pooled';
  const chosen = kind === 'direct' ? urls.direct : urls.pooled;
  let text: string;
  switch (format) {
    case 'env':
      text = ctx
        .envVars()
        .map((v) => `${v.name}=${JSON.stringify(v.kind === 'pooled' ? urls.pooled : urls.direct)}`)
        .join('\n');
      break;
    case 'psql':
      text = conninfo(chosen);
      break;
    case 'prisma':
      // Prisma's pair: the pooled URL for the app, the direct one for migrations.
      text = `DATABASE_URL=${JSON.stringify(urls.pooled)}\nDIRECT_URL=${JSON.stringify(urls.direct)}`;
      break;
    default:
      text = chosen;
  }
  const json = {
    branch: { name: branch.name, id: branch.id, kind: branch.kind },
    kind,
    url: chosen,
    pooled: urls.pooled,
    direct: urls.direct,
    host: urls.host,
    database: urls.database,
    role: urls.role,
    readOnly: urls.readOnly,
  };
  // --format json is --json's object.
  return { exitCode: 0, json, text: format === 'json' ? JSON.stringify({ command: 'url', ok: true, ...json }, null, 2) : text };
}
