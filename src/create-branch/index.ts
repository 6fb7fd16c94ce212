// The create-branch core: one preview database per pull request, reused by later pushes.
import { SettingError } from '../shared/errors.js';
import { secretsOfUrl } from '../shared/secrets.js';
import type { Log } from '../shared/log.js';
import type { NeonPreviewSettings } from '../providers/neon/preview.js';
import type { PostgresPreviewSettings } from '../providers/postgres/preview.js';
import type { PreviewDatabase, PreviewProvider, PreviewRequest, ProviderKind } from '../providers/types.js';

export interface CreateBranchSettings {
  provider: ProviderKind;
  request: PreviewRequest;
  neon?: NeonPreviewSettings;
  postgres?: PostgresPreviewSettings;
}

/** The provider of `settings.provider`; only its module loads (a Neon run never loads pg before its first request). */
export async function previewProvider(settings: CreateBranchSettings, log: Log): Promise<PreviewProvider> {
  if (settings.provider === 'neon') {
    if (!settings.neon) throw new SettingError('provider', 'neon needs the Neon settings (API key and project id).');
    const { NeonPreviews } = await import('../providers/neon/preview.js');
    return new NeonPreviews(settings.neon, log);
  }
  if (!settings.postgres) throw new SettingError('postgresAdminUrl', 'is required for provider postgres.');
  const { PostgresPreviews } = await import('../providers/postgres/preview.js');
  return new PostgresPreviews(settings.postgres, log);
}

/**
 * Checks everything first (inputs against the provider: parent, database, role, name),
 * then creates or reuses the preview and waits until it answers a query.
 */
export async function createPreview(settings: CreateBranchSettings, log: Log): Promise<PreviewDatabase> {
  const provider = await previewProvider(settings, log);
  await log.group('Check the inputs against the provider', () => provider.preflight(settings.request));
  const preview = await log.group(`Preview '${settings.request.branchName}'`, () => provider.ensurePreview(settings.request));
  for (const secret of [preview.password, ...secretsOfUrl(preview.databaseUrl), ...secretsOfUrl(preview.databaseUrlDirect)]) log.secret(secret);
  return preview;
}

export { previewAnnotations } from './annotations.js';

/** The facts a person may see (summary, comment): never a URL with a password. */
export function describePreview(preview: PreviewDatabase): string[] {
  const lines = [
    `Preview: \`${preview.branchName}\` (${preview.outcome})${preview.consoleUrl ? ` — [open in console](${preview.consoleUrl})` : ''}`,
    `Database: \`${preview.database}\` on \`${preview.host}\` as \`${preview.role}\``,
  ];
  if (preview.parentName) lines.push(`Cloned from: \`${preview.parentName}\``);
  lines.push(`Expires: ${preview.expiresAt ?? 'never (deleted when the pull request closes)'}`);
  return lines;
}
