// Every input of actions/restore, read and checked in one place before anything is called.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { InputError } from '../../shared/errors.js';
import { DEFAULT_NEON_API_HOST } from '../../providers/neon/defaults.js';
import { validateSnapshotIdentifier } from '../../snapshot/identifier.js';
import { validateTargetIdentifier } from '../../restore/identifier.js';
import { validateRestoreTags } from '../../restore/tags.js';
import type { RdsRestoreRequest, NeonRestoreRequest } from '../../restore/index.js';
import type { VerifySettings } from '../../restore/types.js';
import type { RunFacts } from '../context.js';
import { maskUrlPassword, readRdsTarget, snapshotTimingFromEnvironment } from '../provider-inputs.js';
import { inputs } from '../runtime.js';

export const RESTORE_PROVIDERS = ['rds', 'neon'] as const;

export type RestoreSettings = { provider: 'rds'; request: RdsRestoreRequest } | { provider: 'neon'; request: NeonRestoreRequest };

const DEFAULT_WAIT_TIMEOUT_SECONDS = 60 * 60;
/** A restore takes minutes to hours; RDS gives up on a restore after days. */
export const RESTORE_WAIT_BOUNDS = { min: 60, max: 5 * 86400 };
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export { snapshotTimingFromEnvironment as timingFromEnvironment } from '../provider-inputs.js';

export function parseExpectCounts(text: string): VerifySettings['expectCounts'] {
  if (text === '') return undefined;
  if (text === 'recorded') return 'recorded';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InputError(
      'expect-counts',
      'is neither JSON nor `recorded`. Give {"public.orders": 1200, "customers": 310}, or `recorded` for the counts the snapshot action recorded (record-counts).',
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.keys(parsed).length === 0)
    throw new InputError('expect-counts', 'must be a JSON object of table → row count, e.g. {"orders": 1200}.');
  for (const [table, count] of Object.entries(parsed)) {
    if (!Number.isInteger(count) || (count as number) < 0)
      throw new InputError('expect-counts', `the count for '${table}' is ${JSON.stringify(count)}; give a whole number of rows.`);
    if (!/^[^.\s]+(\.[^.\s]+)?$/.test(table)) throw new InputError('expect-counts', `'${table}' is not a table name (table or schema.table).`);
  }
  return parsed as Record<string, number>;
}

export function parseRestoreTime(text: string): Date | undefined {
  if (text === '') return undefined;
  if (!RFC3339.test(text) || Number.isNaN(Date.parse(text)))
    throw new InputError('restore-time', `'${text}' is not an RFC 3339 time such as 2026-11-30T18:00:00Z.`);
  return new Date(text);
}

export function getRestoreInputs(facts: RunFacts, env: NodeJS.ProcessEnv = process.env): RestoreSettings {
  // Read every input up front, whichever provider: the contract is the same for all runs.
  const provider = inputs.choice('provider', RESTORE_PROVIDERS, 'rds');
  const instanceId = inputs.optional('db-instance-identifier');
  const clusterId = inputs.optional('db-cluster-identifier');
  const regionInput = inputs.optional('region');
  const neonApiKey = inputs.secret('neon-api-key');
  const neonProjectId = inputs.text('neon-project-id');
  const apiHost = inputs.text('api-host') || DEFAULT_NEON_API_HOST;
  const branch = inputs.optional('branch');
  const snapshotInput = inputs.optional('snapshot-identifier');
  const restoreTime = parseRestoreTime(inputs.text('restore-time'));
  const targetInput = inputs.optional('target-identifier');
  const drill = inputs.boolean('drill', false);
  const verifyUrl = inputs.secret('verify-url');
  maskUrlPassword(verifyUrl);
  const verifySqlPath = inputs.optional('verify-sql');
  const expectCounts = parseExpectCounts(inputs.text('expect-counts'));
  const waitTimeoutSeconds = inputs.duration('wait-timeout', RESTORE_WAIT_BOUNDS) ?? DEFAULT_WAIT_TIMEOUT_SECONDS;
  const userTags = validateRestoreTags(inputs.keyValues('tags'));

  if (verifyUrl) {
    let parsed: URL;
    try {
      parsed = new URL(verifyUrl);
    } catch {
      throw new InputError(
        'verify-url',
        "is not a URL. Use postgres://user:password@any-host/database: the host and port are replaced by the restored database's.",
      );
    }
    if (!/^postgres(ql)?:$/.test(parsed.protocol)) throw new InputError('verify-url', `uses ${parsed.protocol}; use a postgres:// or postgresql:// URL.`);
  }
  if (!verifyUrl && (verifySqlPath || expectCounts))
    throw new InputError(verifySqlPath ? 'verify-sql' : 'expect-counts', 'needs verify-url: the checks run on the restored database through it.');
  let sql: VerifySettings['sql'];
  if (verifySqlPath) {
    const workspace = env.GITHUB_WORKSPACE || process.cwd();
    const full = isAbsolute(verifySqlPath) ? verifySqlPath : resolve(workspace, verifySqlPath);
    // The checks are the repository's own file: never one from elsewhere on the runner.
    if (relative(workspace, full).startsWith('..') || isAbsolute(relative(workspace, full)))
      throw new InputError('verify-sql', `'${verifySqlPath}' is outside the workspace. Give the path of a file in the repository, relative to its root.`);
    if (!existsSync(full))
      throw new InputError('verify-sql', `no file at ${verifySqlPath} (relative to the workspace). Check out the repository first, or fix the path.`);
    sql = { path: verifySqlPath, text: readFileSync(full, 'utf8') };
  }
  const verify: VerifySettings | undefined = verifyUrl ? { url: verifyUrl, expectCounts, sql } : undefined;
  const common = {
    restoreTime,
    drill,
    verify,
    waitTimeoutSeconds,
    userTags,
    run: { repository: facts.repository, sha: facts.sha, runId: facts.runId, runAttempt: facts.runAttempt },
    timing: snapshotTimingFromEnvironment(env),
  };

  if (provider === 'neon') {
    for (const [name, value] of [
      ['db-instance-identifier', instanceId],
      ['db-cluster-identifier', clusterId],
      ['region', regionInput],
    ] as const) {
      if (value) throw new InputError(name, 'applies to provider rds only; remove it or set provider: rds.');
    }
    if (!neonApiKey)
      throw new InputError('neon-api-key', 'is required for provider neon. Pass a Neon API key from a secret, e.g. neon-api-key: ${{ secrets.NEON_API_KEY }}.');
    if (!neonProjectId) throw new InputError('neon-project-id', 'is required for provider neon. Find it in the Neon console under Settings → General.');
    if (!/^[a-z0-9-]+$/.test(neonProjectId))
      throw new InputError('neon-project-id', `'${neonProjectId}' is not a Neon project id (lowercase words joined by hyphens, e.g. misty-fog-123456).`);
    if (!/^https?:\/\//.test(apiHost))
      throw new InputError('api-host', `'${apiHost}' is not an http(s) URL. Use the API base URL including /api/v2, e.g. ${DEFAULT_NEON_API_HOST}.`);
    if (snapshotInput && restoreTime)
      throw new InputError('restore-time', 'and snapshot-identifier exclude each other on Neon: restore a snapshot, or the branch at a point in time.');
    if (expectCounts === 'recorded')
      throw new InputError(
        'expect-counts',
        "'recorded' applies to RDS snapshots (their tags hold the counts); Neon snapshots have no tags. Give the counts as JSON.",
      );
    return {
      provider,
      request: {
        ...common,
        snapshotIdentifier: snapshotInput,
        targetIdentifier: targetInput && validateTargetIdentifier(targetInput, 'branch', branch ?? ''),
        apiKey: neonApiKey,
        projectId: neonProjectId,
        apiHost,
        branch,
      },
    };
  }

  const { kind, id: sourceId } = readRdsTarget({ instanceId, clusterId, region: regionInput, neonProjectId, branch });
  if (snapshotInput && restoreTime)
    throw new InputError(
      'restore-time',
      'picks the newest pre-deploy snapshot taken at or before that time; with snapshot-identifier set too there is nothing to pick. Set one of them.',
    );
  return {
    provider,
    request: {
      ...common,
      snapshotIdentifier: snapshotInput && validateSnapshotIdentifier(snapshotInput, kind),
      targetIdentifier: targetInput && validateTargetIdentifier(targetInput, kind, sourceId),
      source: { kind, id: sourceId.toLowerCase() },
      region: regionInput ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined),
    },
  };
}
