// Inputs shared by the actions that reach a preview provider (create-branch, cleanup,
// snapshot's Neon path and the root lifecycle action): the one place for readers more than one action uses.
import { InputError } from '../shared/errors.js';
import { DEFAULT_NEON_API_HOST } from '../providers/neon/defaults.js';
import type { ProviderKind } from '../providers/types.js';
import { secretsOfUrl } from '../shared/secrets.js';
import { defaultBranchName, validateBranchName } from '../shared/naming.js';
import type { RunFacts } from './context.js';
import { inputs, maskSecret } from './runtime.js';

export { PROVIDER_SETTING_INPUTS } from './setting-inputs.js';

export interface ProviderConnectionInputs {
  provider: ProviderKind;
  neon: { apiKey: string; projectId: string; apiHost: string };
  postgresUrl: string;
}

export function readProviderConnection(): ProviderConnectionInputs {
  const provider = inputs.choice('provider', ['neon', 'postgres'] as const, 'neon');
  const apiHost = checkApiHost(inputs.text('api-host') || DEFAULT_NEON_API_HOST);
  const postgresUrl = inputs.secret('postgres-url');
  maskUrlPassword(postgresUrl);
  return {
    provider,
    neon: { apiKey: inputs.secret('neon-api-key'), projectId: inputs.text('neon-project-id'), apiHost },
    postgresUrl,
  };
}

/** `branch-name`, or the pull request's default preview name. */
export function readBranchName(facts: RunFacts): string {
  const given = inputs.text('branch-name');
  if (given) return validateBranchName(given);
  if (!facts.pullRequest)
    throw new InputError(
      'branch-name',
      `is required when the event (${facts.eventName || 'unknown'}) has no pull request. Set branch-name, e.g. preview/\${{ github.ref_name }}.`,
    );
  return defaultBranchName(facts.pullRequest.number);
}

/** The password inside a URL is a secret of its own: a log may show it without the URL. */
export function maskUrlPassword(url: string): void {
  for (const secret of secretsOfUrl(url)) maskSecret(secret);
}

/**
 * The secret the chosen provider needs, or why it is missing. A pull request from a fork
 * gets no secrets; that is not the user's mistake, so the caller skips with a notice.
 */
export function missingCredential(connection: ProviderConnectionInputs): string | undefined {
  if (connection.provider === 'neon') return connection.neon.apiKey ? undefined : 'neon-api-key';
  return connection.postgresUrl ? undefined : 'postgres-url';
}

export function checkApiHost(apiHost: string): string {
  if (!/^https?:\/\//.test(apiHost))
    throw new InputError('api-host', `'${apiHost}' is not an http(s) URL. Use the API base URL including /api/v2, e.g. ${DEFAULT_NEON_API_HOST}.`);
  return apiHost;
}

/** The Neon inputs every action with a Neon path takes (create-branch, cleanup, snapshot, the root action), checked here once. */
export function checkNeonInputs(neon: { apiKey: string; projectId: string; apiHost: string }): void {
  if (!neon.apiKey)
    throw new InputError('neon-api-key', 'is required for provider neon. Pass a Neon API key from a secret, e.g. neon-api-key: ${{ secrets.NEON_API_KEY }}.');
  if (!neon.projectId) throw new InputError('neon-project-id', 'is required for provider neon. Find it in the Neon console under Settings → General.');
  if (!/^[a-z0-9-]+$/.test(neon.projectId))
    throw new InputError('neon-project-id', `'${neon.projectId}' is not a Neon project id (lowercase words joined by hyphens, e.g. misty-fog-123456).`);
  checkApiHost(neon.apiHost);
}

export function requireProviderConnection(connection: ProviderConnectionInputs): void {
  if (connection.provider === 'neon') {
    checkNeonInputs(connection.neon);
  } else {
    if (!connection.postgresUrl) throw new InputError('postgres-url', 'is required for provider postgres. Pass an admin connection URL from a secret.');
    let parsed: URL;
    try {
      parsed = new URL(connection.postgresUrl);
    } catch {
      throw new InputError('postgres-url', 'is not a URL. Use postgres://user:password@host:5432/postgres.');
    }
    if (!/^postgres(ql)?:$/.test(parsed.protocol)) throw new InputError('postgres-url', `uses ${parsed.protocol}; use a postgres:// or postgresql:// URL.`);
  }
}
