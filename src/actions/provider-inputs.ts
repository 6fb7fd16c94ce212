// Inputs shared by the actions that reach a preview provider (create-branch, cleanup,
// snapshot's Neon path and the root lifecycle action): the one place for readers more than one action uses.
import { InputError } from '../shared/errors.js';
import { exactlyOneOf } from '../shared/parse.js';
import type { SnapshotTiming } from '../snapshot/types.js';
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

const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** An AWS region input, if set, looks like one (`us-east-1`). */
export function checkAwsRegion(name: 'region' | 'copy-to-region', value: string | undefined, example = 'us-east-1'): void {
  if (value && !AWS_REGION.test(value)) throw new InputError(name, `'${value}' is not an AWS region such as ${example}.`);
}

/**
 * The RDS instance or cluster of the snapshot and restore actions, checked here once: no
 * Neon-only input, exactly one of the two identifiers, a valid identifier, a valid region.
 */
export function readRdsTarget(given: { instanceId?: string; clusterId?: string; region?: string; neonProjectId?: string; branch?: string }): {
  kind: 'instance' | 'cluster';
  id: string;
} {
  for (const [name, value] of [
    ['neon-project-id', given.neonProjectId],
    ['branch', given.branch],
  ] as const) {
    if (value) throw new InputError(name, 'applies to provider neon only; remove it or set provider: neon.');
  }
  const which = exactlyOneOf({ 'db-instance-identifier': given.instanceId, 'db-cluster-identifier': given.clusterId });
  const kind = which === 'db-instance-identifier' ? 'instance' : 'cluster';
  const id = (kind === 'instance' ? given.instanceId : given.clusterId)!;
  if (!/^[A-Za-z][A-Za-z0-9-]{0,62}$/.test(id))
    throw new InputError(which, `'${id}' is not an RDS identifier (a letter, then letters, digits and hyphens, at most 63 characters).`);
  checkAwsRegion('region', given.region);
  return { kind, id };
}

/** Undocumented, for tests: the first poll interval in ms of snapshot and restore waits (later polls back off to 5x). */
export function snapshotTimingFromEnvironment(env: NodeJS.ProcessEnv): SnapshotTiming | undefined {
  const value = Number(env.PREVIEW_DB_SNAPSHOT_POLL_MS);
  return Number.isFinite(value) && value > 0 ? { pollFloorMs: value } : undefined;
}
