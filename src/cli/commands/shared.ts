// What several commands share: the branch name, the create-branch settings read through the
// action's own validation, connection URLs (and the protected path), running migrations.
import { readRunFacts } from '../../actions/context.js';
import { getCreateBranchInputs } from '../../actions/create-branch/inputs.js';
import { getMigrateInputs } from '../../actions/migrate/inputs.js';
import { createPreview, type CreateBranchSettings } from '../../create-branch/index.js';
import { migrate, type MigrateResult } from '../../migrate/index.js';
import type { PreviewDatabase } from '../../providers/types.js';
import { InputError } from '../../shared/errors.js';
import { validateBranchName } from '../../shared/naming.js';
import { RefusedError, UsageError } from '../errors.js';
import { currentGitBranch } from '../git.js';
import type { CommandContext } from '../context.js';
import type { BranchInfo, ConnectionUrls } from '../project.js';

/** The name given, or the current git branch; checked as the actions check branch-name. */
export async function branchName(ctx: CommandContext, required: boolean): Promise<string> {
  const given = ctx.positionals[0];
  if (!given && required) throw new UsageError(`\`preview-db ${ctx.command}\` needs the branch's name, e.g. \`preview-db ${ctx.command} my-feature\`.`);
  const name = given ?? (await currentGitBranch(ctx.io.cwd));
  try {
    return validateBranchName(name, 'name');
  } catch (error) {
    // eslint-disable-next-line no-control-regex
    const shown = /[\u0000-\u001f\u007f]/.test(name) ? JSON.stringify(name) : `'${name}'`;
    throw new UsageError(`<name> ${shown}: ${(error as InputError).message.replace(/^Input '[^']*': /, '')}`);
  }
}

/** No GitHub run here: facts from an empty environment. */
export function laptopFacts() {
  return readRunFacts({});
}

/** create-branch's settings for `name`, validated by the action's own reader. */
export function createSettings(ctx: CommandContext, name: string, onExisting: 'reuse' | 'reset', parentId?: string): CreateBranchSettings {
  ctx.connection();
  ctx.settings.overrides.set('branch-name', name);
  ctx.settings.overrides.set('on-existing', onExisting);
  if (parentId && !ctx.settings.has('parent')) ctx.settings.overrides.set('parent', parentId);
  const { settings } = getCreateBranchInputs(laptopFacts());
  settings.request.annotations['created-by'] = 'preview-db-cli';
  return settings;
}

/** Why switching an app to this branch needs --allow-protected, or undefined when it does not. */
export function protectedReason(branch: BranchInfo): string | undefined {
  if (branch.isDefault) return 'the default branch';
  if (branch.isProtected) return 'a protected branch';
  if (branch.reserved) return `never handed out (${branch.reserved})`;
  // Postgres: a database without preview-db's mark may be anyone's (staging, production).
  if (branch.resource.marked === false) return 'a database preview-db did not make';
  return undefined;
}

/** The URLs of an existing branch: read-write for previews, read-only on the protected path. */
export async function connectionUrls(ctx: CommandContext, branch: BranchInfo): Promise<ConnectionUrls> {
  const reason = protectedReason(branch);
  if (reason) {
    if (!ctx.flag('allow-protected')) {
      throw new RefusedError(
        `'${branch.name}' is ${reason}; pointing your app at it could change data others rely on. Pass --allow-protected to get a read-only connection instead.`,
      );
    }
    if (branch.reserved) throw new RefusedError(`'${branch.name}' is ${reason}.`);
    ctx.term.say(`'${branch.name}' is ${reason}: handing out a read-only connection.`);
    return (await ctx.project()).readOnlyUrls(branch, {
      database: ctx.settings.get('database') || undefined,
      role: ctx.settings.get('role') || undefined,
      waitTimeoutSeconds: 300,
    });
  }
  const preview = await createPreview(createSettings(ctx, branch.name, 'reuse', branch.parentId), ctx.term);
  return urlsOf(preview);
}

export function urlsOf(preview: PreviewDatabase): ConnectionUrls {
  return {
    pooled: preview.databaseUrl,
    direct: preview.databaseUrlDirect,
    host: preview.host,
    database: preview.database,
    role: preview.role,
    readOnly: false,
  };
}

export async function findExisting(ctx: CommandContext, name: string): Promise<BranchInfo> {
  const branch = await ctx.term.group(`Looking up '${name}'`, async () => (await ctx.project()).find(name));
  if (!branch) throw new Error(`there is no branch named '${name}'. \`preview-db list\` shows them; \`preview-db create ${name}\` makes it.`);
  return branch;
}

/** Runs migrate (and seeds) on `databaseUrl` with the migrate settings from flags, environment and config. */
export async function runMigrations(ctx: CommandContext, databaseUrl: string): Promise<MigrateResult> {
  ctx.settings.overrides.set('database-url', databaseUrl);
  const settings = getMigrateInputs(laptopFacts(), { GITHUB_WORKSPACE: ctx.io.cwd });
  return ctx.term.group('Applying migrations', () => migrate(settings, ctx.term));
}

/** A migrate result for --json: stable, no Markdown. */
export function migrateJson(result: MigrateResult) {
  return {
    ok: result.ok,
    runner: result.runner,
    dryRun: result.dryRun,
    pending: result.pending,
    applied: result.applied.map((m) => ({ version: m.version, name: m.name, file: m.file, durationMs: Math.round(m.durationMs) })),
    seeded: result.seeded,
    findings: result.findings.map(({ rule, severity, file, line, column, message }) => ({ rule, severity, file, line, column, message })),
    warnings: result.warnings,
    error: result.error ? { message: result.error.message, file: result.error.file, line: result.error.line, code: result.error.code } : undefined,
  };
}

export function wantsMigrate(ctx: CommandContext): boolean {
  const wanted = ctx.flag('migrate') || ctx.settings.source('seed') === 'flag';
  if (wanted && !ctx.settings.has('database-url')) {
    // Checked before anything is created: the migrate settings, against a stand-in target.
    ctx.settings.overrides.set('database-url', 'postgres://check@localhost/check');
    try {
      getMigrateInputs(laptopFacts(), { GITHUB_WORKSPACE: ctx.io.cwd });
    } finally {
      ctx.settings.overrides.delete('database-url');
    }
  }
  return wanted;
}

/** A preview for people: no URL, no password. */
export function describeBranch(preview: PreviewDatabase) {
  return {
    name: preview.branchName,
    id: preview.branchId,
    provider: preview.provider,
    outcome: preview.outcome,
    created: preview.created,
    host: preview.host,
    database: preview.database,
    role: preview.role,
    parent: preview.parentName,
    expiresAt: preview.expiresAt,
    consoleUrl: preview.consoleUrl,
  };
}
